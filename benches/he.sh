#!/usr/bin/env bash
# Haseman-Elston regression from a GRM file at n = 20,000 (issue 16's bar:
# within the time it takes to read the file twice). Simulates N x M (default
# 20,000 x 2,000: the GRM, not the variants, is the point), writes its GRM
# with `kindred grm` (GCTA binary, f32), then RUNS times, in alternation:
#   cat    the .grm.bin to /dev/null (the page cache's read, for scale)
#   he     kindred reml --mgrm LIST --method he (LIST names the one GRM)
# and reads from he.json the seconds kindred spent reading (and centring)
# the matrix and the seconds of the regression itself. Prints medians and
# the ratio he / (2 x the read): the bar is at most 1.
#
# usage: benches/he.sh [KINDRED] [N] [M] [RUNS]
# (build first: cargo build --release -p kindred; 2 threads, quiet machine;
#  about 3.2 GB per n x n matrix at n = 20,000)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
kindred=$(realpath "${1:-target/release/kindred}")
n=${2:-20000}
m=${3:-2000}
runs=${4:-3}
dir=${BENCH_DIR:-/tmp/kindred-bench-he}
mkdir -p "$dir"
cd "$dir"
source "$here/lib.sh"
prefix=$(sim_fileset "$kindred" "$n" "$m")
if [ ! -s G.grm.bin ]; then
  "$kindred" grm --bfile "$prefix" --out G --threads 2 --quiet
fi
echo "G" > list.txt
echo "GRM file: $(du -h G.grm.bin | cut -f1)"
: > cat.txt; : > he.txt; : > read.txt; : > fit.txt
for r in $(seq "$runs"); do
  read -r c _ < <(timed cat G.grm.bin)
  read -r h hm < <(timed "$kindred" reml --bfile "$prefix" --pheno "$prefix.pheno.tsv" --mgrm list.txt \
    --method he --threads 2 --quiet --out he)
  k=$(python3 -c 'import json,sys; p=json.load(open("he.json"))["phenotypes"][0]; print(p["kernel_seconds"], p["fit_seconds"])')
  echo "$c" >> cat.txt; echo "$h" >> he.txt; echo "${k% *}" >> read.txt; echo "${k#* }" >> fit.txt
  echo "run $r: cat ${c} s; HE run ${h} s (${hm} MB): reading and centring ${k% *} s, regression ${k#* } s"
done
c=$(median < cat.txt); h=$(median < he.txt); rd=$(median < read.txt); f=$(median < fit.txt)
awk -v c="$c" -v h="$h" -v r="$rd" -v f="$f" 'BEGIN {
  printf "medians: cat %.2f s, HE run %.2f s (read and centre %.2f s, regression %.2f s)\n", c, h, r, f
  printf "HE run / (2 x kindred'"'"'s read) %.3f (bar 1); regression / read %.3f\n", h / (2 * r), f / r
}'

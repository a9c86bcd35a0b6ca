#!/usr/bin/env bash
# Several variance components against one GRM (issue 16): a simulated N x M
# fileset with 10 chromosomes (default 5000 x 50,000, the one bench_vs.py
# uses), then, in alternation RUNS times,
#   A  kindred reml                          (one GRM: build, eigendecomposition, REML)
#   B  kindred reml --mgrm-chr 1-5 6-10      (two GRMs from the same variants, AI-REML)
#   C  kindred reml --mgrm-chr 1-5 6-10 --method he
# Prints each run's wall time and peak memory (/usr/bin/time) and the
# median ratios B/A and C/A. The bar for B: at most 2x the time of A plus
# one more eigendecomposition; A's log gives its GRM and eigendecomposition
# seconds together (printed too: an upper bound of one eigendecomposition).
#
# usage: benches/components.sh [KINDRED] [N] [M] [RUNS]
# (build first: cargo build --release -p kindred; 2 threads, quiet machine)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
kindred=$(realpath "${1:-target/release/kindred}")
n=${2:-5000}
m=${3:-50000}
runs=${4:-3}
dir=${BENCH_DIR:-/tmp/kindred-bench-chunks}
mkdir -p "$dir"
cd "$dir"
source "$here/lib.sh"
prefix=$(sim_fileset "$kindred" "$n" "$m")
common=(--bfile "$prefix" --pheno "$prefix.pheno.tsv" --threads 2 --quiet)
: > a.txt
: > b.txt
: > c.txt
for r in $(seq "$runs"); do
  read -r ta ma < <(timed "$kindred" reml "${common[@]}" --out one)
  read -r tb mb < <(timed "$kindred" reml "${common[@]}" --mgrm-chr 1-5 6-10 --out two)
  read -r tc mc < <(timed "$kindred" reml "${common[@]}" --mgrm-chr 1-5 6-10 --method he --out he)
  echo "run $r: one GRM ${ta}s ${ma} MB; two by AI-REML ${tb}s ${mb} MB; two by HE ${tc}s ${mc} MB"
  echo "$ta" >> a.txt; echo "$tb" >> b.txt; echo "$tc" >> c.txt
done
a=$(median < a.txt); b=$(median < b.txt); c=$(median < c.txt)
eig=$(sed -n 's/^GRM and eigen[a-z]*: \([0-9.]*\) s.*$/\1/p' one.log | head -n 1)
echo "medians: one GRM ${a}s, two AI-REML ${b}s, two HE ${c}s; GRM and eigendecomposition of one GRM (last run): ${eig:-?}s"
awk -v a="$a" -v b="$b" -v c="$c" 'BEGIN { printf "ratios: AI-REML / one GRM %.3f, HE / one GRM %.3f\n", b / a, c / a }'

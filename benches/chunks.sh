#!/usr/bin/env bash
# A scan cut into chunk jobs against one run, on the same eigen file
# (issue 13): a simulated N x M fileset (default 5000 x 50,000, the one
# bench_vs.py uses), `kindred reml --write-eigen E` once, then, in
# alternation, one `kindred assoc --eigen E` over everything and the K
# chunks `kindred assoc --eigen E --chunk I/K` one after the other, RUNS
# times. Prints each run's wall time and peak memory (/usr/bin/time), the
# median sum of the chunks' times over the median single run (the bar:
# at most 1.15), and the per-chunk start-up overhead: a chunk that tests
# nothing (`--range` on a chromosome with no variant) over the run.
#
# usage: benches/chunks.sh [KINDRED] [N] [M] [K] [RUNS]
# (build first: cargo build --release -p kindred; 2 threads, quiet machine)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
kindred=$(realpath "${1:-target/release/kindred}")
n=${2:-5000}
m=${3:-50000}
k=${4:-8}
runs=${5:-3}
dir=${BENCH_DIR:-/tmp/kindred-bench-chunks}
mkdir -p "$dir"
cd "$dir"
source "$here/lib.sh"
prefix=$(sim_fileset "$kindred" "$n" "$m")
common=(--bfile "$prefix" --pheno "$prefix.pheno.tsv" --threads 2 --quiet)
"$kindred" reml "${common[@]}" --write-eigen E --out null
: > single.txt
: > sums.txt
: > empty.txt
for r in $(seq "$runs"); do
  read -r s mem < <(timed "$kindred" assoc "${common[@]}" --eigen E --out single)
  echo "$s" >> single.txt
  sum=0
  for i in $(seq "$k"); do
    read -r c cmem < <(timed "$kindred" assoc "${common[@]}" --eigen E --chunk "$i/$k" --out "chunk$i")
    sum=$(awk -v a="$sum" -v b="$c" 'BEGIN {print a + b}')
  done
  echo "$sum" >> sums.txt
  read -r e emem < <(timed "$kindred" assoc "${common[@]}" --eigen E --range 99:1-2 --out empty)
  echo "$e" >> empty.txt
  echo "run $r: single ${s} s (${mem} MB), ${k} chunks ${sum} s (last chunk ${cmem} MB), empty chunk ${e} s"
done
"$kindred" merge --bfile "$prefix" --out merged $(for i in $(seq "$k"); do echo "chunk$i"; done) --quiet
cmp merged.assoc.tsv single.assoc.tsv && echo "merged chunks = single run, byte for byte"
s=$(median < single.txt)
c=$(median < sums.txt)
e=$(median < empty.txt)
awk -v s="$s" -v c="$c" -v e="$e" -v k="$k" 'BEGIN {
  printf "median: single %.2f s, sum of %d chunks %.2f s, ratio %.3f (bar 1.15)\n", s, k, c, c / s
  printf "per-chunk overhead: (sum - single) / %d = %.2f s; a chunk testing nothing: %.2f s\n", k, (c - s) / k, e
}'

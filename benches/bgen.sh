#!/usr/bin/env bash
# BGEN against the .bed it came from (issue 15): a simulated N x M fileset
# (default 5000 x 100,000; families, 3 subpopulations, 10 chromosomes)
# exported by PLINK 2 as BGEN v1.3 at 8 bits with zstd, then, in
# alternation, RUNS times:
#   decode   kindred info --bgen (every variant decoded to dosages, with
#            frequency, missingness and INFO)   vs   plink2 --bgen --freq
#   scan     kindred assoc --bgen --grm-bfile   vs   kindred assoc --bfile
#            (eigen files of the same K, built from the .bed, written
#            beforehand: only the reading of the tested genotypes differs)
# and once, bgen-reader (PyPI, open_bgen) decoding the first D variants
# (default 5,000: it is slow) to dosages, scaled to M per-variant.
# Prints medians and ratios; the bar: the BGEN scan within 1.3x of .bed.
# The scans' summary statistics must agree (8-bit hard calls are exact).
#
# usage: benches/bgen.sh [KINDRED] [N] [M] [RUNS] [D]
# (build first: cargo build --release -p kindred; 2 threads, quiet machine;
#  BGEN_PY: a Python with bgen-reader, default /work/venv-bgen/bin/python)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
kindred=$(realpath "${1:-target/release/kindred}")
n=${2:-5000}
m=${3:-100000}
runs=${4:-3}
d=${5:-5000}
py=${BGEN_PY:-/work/venv-bgen/bin/python}
dir=${BENCH_DIR:-/tmp/kindred-bench-bgen}
mkdir -p "$dir"
cd "$dir"
source "$here/lib.sh"
prefix=$(sim_fileset "$kindred" "$n" "$m")
if [ ! -s "$prefix.bgen" ]; then
  plink2 --bfile "$prefix" --export bgen-1.3 bits=8 --threads 2 --out "$prefix" >/dev/null
fi
echo "BGEN: $(du -h "$prefix.bgen" | cut -f1), .bed: $(du -h "$prefix.bed" | cut -f1)"
bgen=(--bgen "$prefix.bgen" --sample "$prefix.sample")
common=(--pheno "$prefix.pheno.tsv" --threads 2 --quiet)
# The eigen files the scans read, of the same K (built from the .bed, which
# the BGEN run names with --grm-bfile): the model is fitted outside the timing.
"$kindred" reml --bfile "$prefix" "${common[@]}" --write-eigen E --out null
"$kindred" reml "${bgen[@]}" --grm-bfile "$prefix" "${common[@]}" --write-eigen EB --out null_bgen
: > info.txt; : > freq.txt; : > scan_bgen.txt; : > scan_bed.txt
for r in $(seq "$runs"); do
  read -r a _ < <(timed "$kindred" info "${bgen[@]}" --threads 2)
  read -r b _ < <(timed plink2 --bgen "$prefix.bgen" ref-last --sample "$prefix.sample" --freq --threads 2 --out p2)
  read -r c cm < <(timed "$kindred" assoc "${bgen[@]}" --grm-bfile "$prefix" "${common[@]}" --eigen EB --out scan_bgen)
  read -r e em < <(timed "$kindred" assoc --bfile "$prefix" "${common[@]}" --eigen E --out scan_bed)
  echo "$a" >> info.txt; echo "$b" >> freq.txt; echo "$c" >> scan_bgen.txt; echo "$e" >> scan_bed.txt
  echo "run $r: decode kindred ${a} s, plink2 --freq ${b} s; scan BGEN ${c} s (${cm} MB), .bed ${e} s (${em} MB)"
done
# The same rows from either source, apart from the info column BGEN adds.
drop_info() { awk -F'\t' -v OFS='\t' 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == "info") skip = i}
  {out = ""; for (i = 1; i <= NF; i++) if (i != skip) out = out (out == "" ? "" : OFS) $i; print out}' "$1"; }
if cmp -s <(drop_info scan_bgen.assoc.tsv) scan_bed.assoc.tsv; then
  echo "BGEN scan = .bed scan, byte for byte (apart from the info column)"
else
  echo "warning: the BGEN and .bed scans differ" >&2
fi
"$py" - "$prefix.bgen" "$d" "$m" <<'PY' | tee reader.txt
import sys, time
import numpy as np
from bgen_reader import open_bgen
path, d, m = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
b = open_bgen(path, verbose=False)  # builds its metadata file on first open
t = time.perf_counter()
for s in range(0, d, 1000):
    p = b.read(np.s_[s:min(s + 1000, d)])
    dosage = p[:, :, 1] + 2 * p[:, :, 2]
secs = time.perf_counter() - t
print(f"{secs:.2f} s for {d} variants, {secs * m / d:.1f} s scaled to {m}")
PY
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a / b}'; }
a=$(median < info.txt); b=$(median < freq.txt); c=$(median < scan_bgen.txt); e=$(median < scan_bed.txt)
r=$(awk '{print $(NF-4)}' reader.txt)
echo "median decode: kindred info ${a} s, plink2 --freq ${b} s (kindred/plink2 $(ratio "$a" "$b")), bgen-reader ~${r} s (kindred/bgen-reader $(ratio "$a" "$r"))"
echo "median scan: BGEN ${c} s, .bed ${e} s, BGEN/.bed $(ratio "$c" "$e") (bar 1.3)"

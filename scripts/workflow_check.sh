#!/usr/bin/env bash
# Runs workflow/ (Snakemake) on the bundled mouse data, two phenotypes, four
# chunks, LOCO off and on, with --cores 2, and checks that each merged
# summary-statistics file equals, byte for byte, one single-process
# `kindred assoc` over the whole fileset (and lambda_GC in the .json), and
# that `snakemake --lint` is clean; then the same for chromosome 19 as BGEN
# dosages with K built from the .bed (config bgen, sample, grm_bfile). Called by .ci/run.
#
# usage: scripts/workflow_check.sh KINDRED_BINARY [SNAKEMAKE]
set -euo pipefail
cd "$(dirname "$0")/.."
kindred=$(realpath "$1")
snakemake=${2:-snakemake}
bfile=data/mouse_hs1940/mouse_hs1940
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "-- snakemake --lint"
"$snakemake" -s workflow/Snakefile --lint

for loco in false true; do
  out="$tmp/loco_$loco"
  echo "-- workflow, loco=$loco"
  "$snakemake" -s workflow/Snakefile --cores 2 --quiet all \
    --config kindred="$kindred" outdir="$out" chunks=4 loco="$loco" threads=1
  flag=""
  [ "$loco" = true ] && flag="--loco"
  for col in 1 2; do
    name="pheno$col"
    "$kindred" assoc --bfile "$bfile" --pheno-col "$col" $flag --out "$tmp/single_$name" --quiet
    cmp "$out/$name/$name.assoc.tsv" "$tmp/single_$name.assoc.tsv"
    python3 - "$out/$name/$name.json" "$tmp/single_$name.json" <<'PY'
import json, sys
merged, single = (json.load(open(p))["phenotypes"][0] for p in sys.argv[1:])
assert merged["lambda_gc"] == single["lambda_gc"], (merged["lambda_gc"], single["lambda_gc"])
assert merged["n_variants_tested"] == single["n_variants_tested"]
print("   %s: %d rows identical, lambda_GC %.6f" % (merged["name"], merged["n_variants_tested"], merged["lambda_gc"]))
PY
  done
  test -s "$out/summary.tsv"
done
# Imputed dosages scanned, K from the array .bed (issue 15): chromosome 19
# as BGEN, --grm-bfile the whole fileset, two chunks (a few seconds).
echo "-- workflow, BGEN with grm_bfile"
awk 'BEGIN { print "FID IID 1 2" } { print $1, $2, $6, $7 }' "$bfile.fam" > "$tmp/p.txt"
bgen=data/bgen/mouse19_v13_zstd_b8.bgen
sample=data/bgen/mouse19.sample
out="$tmp/bgen"
"$snakemake" -s workflow/Snakefile --cores 2 --quiet all \
  --config kindred="$kindred" outdir="$out" chunks=2 loco=false threads=1 \
  bfile="" bgen="$bgen" sample="$sample" grm_bfile="$bfile" pheno_file="$tmp/p.txt"
for col in 1 2; do
  "$kindred" assoc --bgen "$bgen" --sample "$sample" --grm-bfile "$bfile" --pheno "$tmp/p.txt" \
    --pheno-name "$col" --out "$tmp/single_bgen_$col" --quiet
  cmp "$out/pheno$col/pheno$col.assoc.tsv" "$tmp/single_bgen_$col.assoc.tsv"
  echo "   pheno$col: $(($(wc -l < "$tmp/single_bgen_$col.assoc.tsv") - 1)) rows identical"
done
echo "workflow check passed"

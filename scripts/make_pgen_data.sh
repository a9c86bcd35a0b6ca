#!/usr/bin/env bash
# Regenerate data/pgen/: PGEN filesets written by PLINK 2 and their golden
# ALT dosages read by pgenlib (the oracle of
# crates/genotype/tests/pgen_oracle.rs). See data/pgen/README.md.
#
# Usage (from the repository root):   scripts/make_pgen_data.sh
#
# Needs plink2 (Debian package plink2, PLINK v2.00a3.5) and a Python venv with
# pgenlib:
#   python3 -m venv /work/venv-pgen
#   /work/venv-pgen/bin/pip install pgenlib==0.95.1 numpy
# (PGEN_PY=path/to/python selects another interpreter.)
#
# Everything is rebuilt in a temporary directory, then data/pgen/ is replaced
# (README.md is left alone). Golden files are gzip'ed without name or time,
# so a re-run gives identical bytes.
set -euo pipefail

ROOT=$(pwd)
if [[ ! -f "$ROOT/data/mouse_hs1940/mouse_hs1940.bed" ]]; then
    echo "error: run from the repository root (data/mouse_hs1940/ not found)" >&2
    exit 1
fi
PLINK2=${PLINK2:-plink2}
PY=${PGEN_PY:-/work/venv-pgen/bin/python}
command -v "$PLINK2" >/dev/null || { echo "error: plink2 not found" >&2; exit 1; }
"$PY" -c 'import pgenlib, numpy' || { echo "error: $PY lacks pgenlib or numpy (see the header)" >&2; exit 1; }

OUT="$ROOT/data/pgen"
REF="$ROOT/scripts/pgen_reference.py"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/kindred_pgen.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
for ext in bed bim fam; do
    ln -s "$ROOT/data/mouse_hs1940/mouse_hs1940.$ext" "$WORK/mouse_hs1940.$ext"
done

run() {
    echo ">> $*" >&2
    (cd "$WORK" && "$@" > /dev/null) || { echo "error: command failed: $*" >&2; exit 1; }
}

# mouse_hs1940 chromosome 19: 258 variants (PLINK 2 drops the 44 with a
# negative position), 1940 samples, hard calls. The default storage mode
# (0x10: 2-bit, 1-bit, LD-compressed and difflist records), and the
# fixed-width mode 0x02 with a zstd-compressed .pvar and a .psam of FID, IID
# and SEX only.
P2=("$PLINK2" --bfile mouse_hs1940 --chr-set 19 --nonfounders --threads 2 --chr 19)
run "${P2[@]}" --make-pgen --out mouse19
run "${P2[@]}" --make-pgen format=2 vzs psam-cols=maybefid,sex --out mouse19_fixed

# Simulated ALT dosages imported with --import-dosage (every record type of
# mode 0x10 that hard calls and unphased dosages give), the same fileset as
# .pgen + .bim + .fam (--make-bpgen: a headerless, .bim-like variant file),
# and a VCF with phased calls and multiallelic sites.
run "$PY" "$REF" simulate .
run "$PLINK2" --import-dosage sim.dose format=1 --fam sim.fam --map sim.map --threads 2 --make-pgen --out sim
run "$PLINK2" --pfile sim --threads 2 --make-bpgen --out sim_bpgen
run "$PLINK2" --vcf multi.vcf --threads 2 --make-pgen --out multi

# Phased hard calls with phased dosages (PLINK 2's --dummy).
run "$PLINK2" --dummy 200 100 0.02 phase-freq=0.6 dosage-freq=0.3 acgt --seed 2 --threads 2 \
    --make-pgen --out phased

rm -rf "$OUT"/*.pgen "$OUT"/*.pvar "$OUT"/*.pvar.zst "$OUT"/*.psam "$OUT"/*.bim "$OUT"/*.fam "$OUT"/*.tsv.gz
mkdir -p "$OUT"
for name in mouse19 sim multi phased; do
    cp "$WORK/$name.pgen" "$WORK/$name.pvar" "$WORK/$name.psam" "$OUT/"
    run "$PY" "$REF" golden "$OUT/$name.dosage.tsv.gz" "$WORK/$name"
done
cp "$WORK/mouse19_fixed.pgen" "$WORK/mouse19_fixed.pvar.zst" "$WORK/mouse19_fixed.psam" "$OUT/"
cp "$WORK/sim_bpgen.pgen" "$WORK/sim_bpgen.bim" "$WORK/sim_bpgen.fam" "$OUT/"
# The record types of every file, for data/pgen/README.md.
"$PY" "$REF" types "$OUT"/*.pgen
du -ch "$OUT" | tail -1

#!/usr/bin/env bash
# Regenerate data/bgen/: BGEN test files written by PLINK 2 and by the `bgen`
# Python package, and their golden dosages read by bgen-reader (the oracle of
# crates/genotype/tests/bgen_oracle.rs). See data/bgen/README.md.
#
# Usage (from the repository root):   scripts/make_bgen_data.sh
#
# Needs plink2 (Debian package plink2, PLINK v2.00a3.5) and a Python venv with
# the two BGEN packages:
#   python3 -m venv /work/venv-bgen
#   /work/venv-bgen/bin/pip install bgen-reader==4.0.9 bgen==1.10.3
# (BGEN_PY=path/to/python selects another interpreter.)
#
# Everything is rebuilt in a temporary directory, then data/bgen/*.bgen,
# *.sample and *.dosage.tsv.gz are replaced (README.md is left alone). Golden
# files are gzip'ed without name or time, so a re-run gives identical bytes.
set -euo pipefail

ROOT=$(pwd)
if [[ ! -f "$ROOT/data/mouse_hs1940/mouse_hs1940.bed" ]]; then
    echo "error: run from the repository root (data/mouse_hs1940/ not found)" >&2
    exit 1
fi
PLINK2=${PLINK2:-plink2}
PY=${BGEN_PY:-/work/venv-bgen/bin/python}
command -v "$PLINK2" >/dev/null || { echo "error: plink2 not found" >&2; exit 1; }
"$PY" -c 'import bgen_reader, bgen' || { echo "error: $PY lacks bgen-reader or bgen (see the header)" >&2; exit 1; }

OUT="$ROOT/data/bgen"
REF="$ROOT/scripts/bgen_reference.py"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/kindred_bgen.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
for ext in bed bim fam; do
    ln -s "$ROOT/data/mouse_hs1940/mouse_hs1940.$ext" "$WORK/mouse_hs1940.$ext"
    ln -s "$ROOT/data/tiny/tiny.$ext" "$WORK/tiny.$ext"
done

run() {
    echo ">> $*" >&2
    (cd "$WORK" && "$@" > /dev/null) || { echo "error: command failed: $*" >&2; exit 1; }
}

# mouse_hs1940 chromosome 19: 258 variants (PLINK 2 drops the 44 with a
# negative position), 1940 samples, hard calls (and missing genotypes).
P2=("$PLINK2" --bfile mouse_hs1940 --chr-set 19 --nonfounders --threads 2 --chr 19)
run "${P2[@]}" --export bgen-1.2 bits=8 --out mouse19_v12_zlib_b8
run "${P2[@]}" --export bgen-1.2 bits=1 --out mouse19_v12_zlib_b1
run "${P2[@]}" --export bgen-1.3 bits=3 --out mouse19_v13_zstd_b3
run "${P2[@]}" --export bgen-1.3 bits=8 --out mouse19_v13_zstd_b8
run "${P2[@]}" --export bgen-1.3 --out mouse19_v13_zstd_b16
# Layout 1 (BGEN v1.1), which kindred refuses: 3 variants x 8 samples.
run "${P2[@]}" --thin-count 3 --thin-indiv-count 8 --seed 1 --export bgen-1.1 --out mouse19_layout1

# data/tiny/tiny: 7 samples x 6 variants, with missing genotypes (rs2 all
# missing, rs4 two), and chrX (males written with ploidy 1) and chrMT (every
# sample with ploidy 1), which kindred refuses.
run "$PLINK2" --bfile tiny --nonfounders --threads 2 --export bgen-1.2 bits=8 --out tiny_v12_zlib_b8

# Dosages that are not 0/1/2 (PLINK 2's --dummy): unphased at 12 bits
# (BGEN v1.2, zlib), and mixed phased/unphased variants at 16 bits (v1.3, zstd).
run "$PLINK2" --dummy 200 100 0.02 dosage-freq=0.4 acgt --seed 1 --threads 2 \
    --export bgen-1.2 bits=12 --out dummy_dosage_v12_zlib_b12
run "$PLINK2" --dummy 200 100 0.02 phase-freq=0.6 dosage-freq=0.3 acgt --seed 2 --threads 2 \
    --export bgen-1.3 --out dummy_phased_v13_zstd_b16

# Synthetic files from the `bgen` package (see bgen_reference.py synth).
run "$PY" "$REF" synth .
run "$PY" "$REF" same synthetic_zlib_b7.bgen synthetic_none_b7.bgen

# The .sample files of the mouse exports are identical: keep one.
for f in "$WORK"/mouse19_v1[23]_*.sample; do
    cmp "$WORK/mouse19_v12_zlib_b8.sample" "$f"
done
mv "$WORK/mouse19_v12_zlib_b8.sample" "$WORK/mouse19.sample"

rm -f "$OUT"/*.bgen "$OUT"/*.sample "$OUT"/*.dosage.tsv.gz
mkdir -p "$OUT"
for f in "$WORK"/*.bgen; do
    name=$(basename "$f" .bgen)
    cp "$f" "$OUT/"
    case "$name" in
        mouse19_layout1 | synthetic_none_b7) ;; # bgen-reader reads neither
        *) run "$PY" "$REF" golden "$OUT/$name.dosage.tsv.gz" "$f" ;;
    esac
done
cp "$WORK/mouse19.sample" "$WORK/tiny_v12_zlib_b8.sample" "$WORK/dummy_dosage_v12_zlib_b12.sample" \
    "$WORK/synthetic.sample" "$OUT/"
du -ch "$OUT" | tail -1

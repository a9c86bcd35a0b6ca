#!/usr/bin/env bash
# The GWAS Catalog's validator (gwas-sumstats-tools, PyPI) on kindred's
# summary statistics: a simulated human-like fileset (22 autosomes, 110,000
# variants), `kindred gwas --gz` with GWAS-SSF metadata, then
# `gwas-ssf validate` on the data file (with the options the metadata
# implies) and the metadata file loaded through the validator's own schema.
# Called by .ci/run.
#
# With this machine's Python 3.11, pip installs gwas-sumstats-tools 1.0.25
# (the newest, 2.0.2, needs a newer Python); its pandas 1.5 needs numpy < 2,
# its CLI click < 8.2, and its bsub import `six`, which its metadata omits.
#
# usage: scripts/validate_ssf.sh KINDRED_BINARY [VENV_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
kindred=$(realpath "$1")
venv=$(realpath -m "${2:-.venv-ssf}")
if [ ! -x "$venv/bin/gwas-ssf" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "gwas-sumstats-tools==1.0.25" "numpy<2" "click<8.2" six
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$kindred" simulate --n-samples 400 --n-variants 110000 --n-chrom 22 --n-covar 0 --seed 7 \
  --out "$tmp/human" --quiet
"$kindred" gwas --bfile "$tmp/human" --pheno "$tmp/human.pheno.tsv" --out "$tmp/scan" --gz --genome-build GRCh38 \
  --trait-description "simulated trait" --ancestry European \
  --genotyping-technology "Genome-wide genotyping array" --no-plots --quiet
data="$tmp/scan.assoc.tsv.gz"
test -s "$data-meta.yaml"
echo "-- gwas-ssf validate $(basename "$data") (-i: options from the metadata)"
(cd "$tmp" && "$venv/bin/gwas-ssf" validate -i "$(basename "$data")") | tee "$tmp/validate.out"
if ! grep -q "Validation status: True" "$tmp/validate.out"; then
  echo "the validator did not accept the file" >&2
  exit 1
fi
echo "-- metadata through the validator's schema"
"$venv/bin/python" - "$data" <<'PY'
import sys
from pathlib import Path
from gwas_sumstats_tools.interfaces.metadata import init_metadata_from_file
m = init_metadata_from_file(Path(sys.argv[1]))
assert m is not None, "no metadata file found"
meta = m.metadata
print("   genome_assembly:", meta.genome_assembly, "| file_type:", meta.file_type,
      "| md5:", meta.data_file_md5sum, "| sorted:", meta.is_sorted)
import hashlib
assert hashlib.md5(open(sys.argv[1], "rb").read()).hexdigest() == meta.data_file_md5sum
assert meta.file_type == "GWAS-SSF v1.0"
PY
echo "GWAS-SSF validation passed"

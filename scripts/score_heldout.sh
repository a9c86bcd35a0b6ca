#!/usr/bin/env bash
# How well SNP-BLUP effects predict genetic values in samples they were not
# fitted on: simulates a fileset with known causal effects, fits
# `kindred reml --blup --blup-snp` on one half of the samples, scores every
# sample with `kindred score`, scores the truth's effects the same way, and
# prints the correlation of the two on the held-out half (and, for
# comparison, on the training half).
#
# Usage: scripts/score_heldout.sh KINDRED [N_SAMPLES] [N_VARIANTS] [H2] [N_CAUSAL]
#        (defaults 2000 20000 0.5 1000)
set -euo pipefail
kindred=$(realpath "$1")
n=${2:-2000}
m=${3:-20000}
h2=${4:-0.5}
causal=${5:-1000}
work=$(mktemp -d "${TMPDIR:-/tmp}/kindred_heldout.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
"$kindred" simulate --n-samples "$n" --n-variants "$m" --h2 "$h2" --n-causal "$causal" --seed 7 --out sim --quiet
# Training half: every other sample of the .fam.
awk 'NR % 2 == 1 { print $1, $2 }' sim.fam > train.txt
"$kindred" reml --bfile sim --pheno sim.pheno.tsv --covar sim.covar.tsv --keep train.txt \
    --blup --blup-snp --out fit --quiet
"$kindred" score --bfile sim --effects fit.snpblup.tsv --out predicted --quiet
# The truth's causal effects (per copy of a1), in the effects layout.
awk -F'\t' 'BEGIN { OFS = "\t"; print "variant_id", "effect_allele", "other_allele", "mean", "effect" }
    !/^#/ && $1 != "phenotype" { print $3, $6, $7, 0, $10 }' sim.truth.tsv > truth.tsv
"$kindred" score --bfile sim --effects truth.tsv --out true --quiet
python3 - train.txt predicted.score.tsv true.score.tsv <<'PY'
import math, sys
train = {tuple(l.split()) for l in open(sys.argv[1])}
def read(p):
    rows = [l.rstrip("\n").split("\t") for l in open(p)]
    i = rows[0].index("score")
    return {(r[0], r[1]): float(r[i]) for r in rows[1:]}
pred, true = read(sys.argv[2]), read(sys.argv[3])
def cor(keys):
    x = [pred[k] for k in keys]; y = [true[k] for k in keys]
    mx, my = sum(x) / len(x), sum(y) / len(y)
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    sxx = sum((a - mx) ** 2 for a in x); syy = sum((b - my) ** 2 for b in y)
    return sxy / math.sqrt(sxx * syy)
held = [k for k in pred if k not in train]
fit = [k for k in pred if k in train]
print(f"held-out samples {len(held)}: correlation of the SNP-BLUP score with the true genetic value {cor(held):.4f}")
print(f"training samples {len(fit)}: {cor(fit):.4f}")
PY

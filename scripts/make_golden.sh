#!/usr/bin/env bash
# Regenerate the golden reference outputs in data/golden/{gemma,plink2}/ from
# the reference tools GEMMA 0.98.5 and PLINK 2 on the mouse_hs1940 example
# data (see data/mouse_hs1940/README.md and data/golden/README.md).
#
# Usage (from the repository root):   scripts/make_golden.sh
#
# Also (re)writes the sex covariate in both formats:
#   data/golden/gemma/mouse_sex.covar.txt      (GEMMA -c format)
#   data/mouse_hs1940/mouse_sex.covar.tsv      (kindred format)
#
# Re-runnable: everything is recomputed in a temporary directory and copied
# over the previous golden files. Large text outputs are compressed with
# `gzip -9 -n` (no name/mtime in the header, so identical content gives
# identical bytes). Logs contain dates and timings and will always differ.
#
# Tools are run in the temporary directory on symlinks called mouse_hs1940.*
# so that the command lines recorded in the logs carry no machine paths.
set -euo pipefail

ROOT=$(pwd)
if [[ ! -f "$ROOT/data/mouse_hs1940/mouse_hs1940.bed" ]]; then
    echo "error: run from the repository root (data/mouse_hs1940/ not found)" >&2
    exit 1
fi

GEMMA=${GEMMA:-gemma}
PLINK2=${PLINK2:-plink2}
THREADS=${THREADS:-2}
command -v "$GEMMA" >/dev/null || { echo "error: gemma not found" >&2; exit 1; }
command -v "$PLINK2" >/dev/null || { echo "error: plink2 not found" >&2; exit 1; }

DATA="$ROOT/data/mouse_hs1940"
GOLD="$ROOT/data/golden"
GG="$GOLD/gemma"
GP="$GOLD/plink2"
# gemma/ and plink2/ hold only generated files: start from scratch so that no
# stale output survives a re-run (data/golden/README.md is left alone).
rm -rf "$GG" "$GP"
mkdir -p "$GG" "$GP"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kindred_golden.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

for ext in bed bim fam; do
    ln -s "$DATA/mouse_hs1940.$ext" "$WORK/mouse_hs1940.$ext"
done

TIMES="$GOLD/timings.tsv"
printf 'tool\toutput\twall_seconds\n' > "$WORK/timings.tsv"

# run_timed TOOL LABEL CMD...  (runs CMD in $WORK, appends measured wall time)
run_timed() {
    local tool=$1 label=$2
    shift 2
    local t0 t1
    echo ">> $*" >&2
    t0=$(date +%s.%N)
    (cd "$WORK" && "$@" > "$WORK/$label.stdout" 2>&1) || {
        echo "error: command failed: $*" >&2
        tail -n 30 "$WORK/$label.stdout" >&2
        exit 1
    }
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" -v t="$tool" -v l="$label" \
        'BEGIN { printf "%s\t%s\t%.2f\n", t, l, b - a }' >> "$WORK/timings.tsv"
}

gz() { gzip -9 -n -c "$1" > "$2"; }

echo "== tool versions" >&2
gemma_version=$("$GEMMA" 2>&1 | head -n 1 || true)
plink2_version=$("$PLINK2" --version || true)
echo "$gemma_version" >&2
echo "$plink2_version" >&2
[[ $gemma_version == "GEMMA 0.98.5 "* ]] ||
    echo "warning: golden files were made with GEMMA 0.98.5" >&2
[[ $plink2_version == "PLINK v2.00a3.5 "* ]] ||
    echo "warning: golden files were made with PLINK v2.00a3.5" >&2

###########################################################################
# Covariate files (sex from .fam column 5; 1 = male, 2 = female; 0/-9 -> NA)
###########################################################################
awk '{ s = $5; if (s != "1" && s != "2") s = "NA"; print "1", s }' \
    "$DATA/mouse_hs1940.fam" > "$GG/mouse_sex.covar.txt"
{
    printf 'FID\tIID\tsex\n'
    awk 'BEGIN { OFS = "\t" } { s = $5; if (s != "1" && s != "2") s = "NA"; print $1, $2, s }' \
        "$DATA/mouse_hs1940.fam"
} > "$DATA/mouse_sex.covar.tsv"
cp "$GG/mouse_sex.covar.txt" "$WORK/mouse_sex.covar.txt"

###########################################################################
# PLINK 2
###########################################################################
P2=("$PLINK2" --bfile mouse_hs1940 --chr-set 19 --nonfounders --threads "$THREADS")

run_timed plink2 mouse_hs1940_freq "${P2[@]}" --freq --out mouse_hs1940_freq
run_timed plink2 mouse_hs1940_missing "${P2[@]}" --missing --out mouse_hs1940_missing
run_timed plink2 mouse_hs1940_grm "${P2[@]}" --make-grm-bin --out mouse_hs1940_grm

# PLINK 2 silently drops the 1926 variants whose .bim position is negative
# (-9). For comparisons over all 12226 SNPs also run --freq/--missing on a
# copy of the .bim with those positions set to 0 (nothing else changed).
awk 'BEGIN { OFS = "\t" } { if ($4 < 0) $4 = 0; print }' \
    "$DATA/mouse_hs1940.bim" > "$WORK/mouse_hs1940_pos0.bim"
run_timed plink2 mouse_hs1940_pos0 "$PLINK2" --bed mouse_hs1940.bed \
    --bim mouse_hs1940_pos0.bim --fam mouse_hs1940.fam --chr-set 19 \
    --nonfounders --threads "$THREADS" --freq --missing --out mouse_hs1940_pos0

for f in mouse_hs1940_freq.afreq mouse_hs1940_freq.log \
         mouse_hs1940_missing.smiss mouse_hs1940_missing.vmiss mouse_hs1940_missing.log \
         mouse_hs1940_grm.grm.bin mouse_hs1940_grm.grm.id \
         mouse_hs1940_grm.log \
         mouse_hs1940_pos0.afreq mouse_hs1940_pos0.smiss mouse_hs1940_pos0.vmiss \
         mouse_hs1940_pos0.log; do
    cp "$WORK/$f" "$GP/$f"
done
# The pair-count matrix is one constant (every pair is observed at every
# variant: the .bed has no missing calls), so store it compressed.
gz "$WORK/mouse_hs1940_grm.grm.N.bin" "$GP/mouse_hs1940_grm.grm.N.bin.gz"

###########################################################################
# GEMMA (writes into ./output/ of its cwd, i.e. $WORK/output/)
###########################################################################
G=("$GEMMA" -bfile mouse_hs1940)

# Kinship: centered (-gk 1) and standardized (-gk 2).
run_timed gemma mouse_gk1 "${G[@]}" -gk 1 -o mouse_gk1
run_timed gemma mouse_gk2 "${G[@]}" -gk 2 -o mouse_gk2
K=output/mouse_gk1.cXX.txt

# Null model / REML + Wald tests, phenotypes 1..6.
for p in 1 2 3 4 5 6; do
    run_timed gemma "mouse_lmm1_p$p" "${G[@]}" -k "$K" -lmm 1 -n "$p" -o "mouse_lmm1_p$p"
done

# All exact tests (Wald, LRT, score), phenotypes 1..3.
for p in 1 2 3; do
    run_timed gemma "mouse_lmm4_p$p" "${G[@]}" -k "$K" -lmm 4 -n "$p" -o "mouse_lmm4_p$p"
done

# With intercept + sex covariate.
run_timed gemma mouse_lmm4_p1_sex "${G[@]}" -k "$K" -lmm 4 -n 1 -c mouse_sex.covar.txt -o mouse_lmm4_p1_sex
run_timed gemma mouse_lmm1_p2_sex "${G[@]}" -k "$K" -lmm 1 -n 2 -c mouse_sex.covar.txt -o mouse_lmm1_p2_sex

# Linear model (no kinship), all tests.
run_timed gemma mouse_lm4_p1 "${G[@]}" -lm 4 -n 1 -o mouse_lm4_p1

# BLUP: GBLUP by ridge regression (-bslmm 2, with GEMMA's own centered K of
# the analysed mice: breeding values .bv.txt, SNP effects .param.txt), then
# GEMMA's predictions for the mice without a phenotype from those SNP effects
# (-predict 1: .prdt.txt); phenotypes 1..3.
for p in 1 2 3; do
    run_timed gemma "mouse_bslmm2_p$p" "${G[@]}" -bslmm 2 -n "$p" -o "mouse_bslmm2_p$p"
    run_timed gemma "mouse_predict_p$p" "${G[@]}" -epm "output/mouse_bslmm2_p$p.param.txt" \
        -emu "output/mouse_bslmm2_p$p.log.txt" -predict 1 -n "$p" -o "mouse_predict_p$p"
done

# Several variance components: GRMs of chromosomes 1-10 and 11-19 (-gk 1
# restricted by -snps; -n N so that variant QC uses phenotype N's mice, as
# kindred's does), fitted together by AI-REML (-vc 2) and by Haseman-Elston
# regression (-vc 1) with -mk, phenotypes 1..3. GEMMA's -vc reads
# phenotypes only from a BIMBAM -p file: the .fam's columns 6 onwards, -9
# as NA. The logs carry the estimates; the matrices are not kept.
awk '$1 >= 1 && $1 <= 10 { print $2 }' "$DATA/mouse_hs1940.bim" > "$WORK/chr1-10.snps"
awk '$1 > 10 { print $2 }' "$DATA/mouse_hs1940.bim" > "$WORK/chr11-19.snps"
awk '{ s = ""; for (i = 6; i <= NF; i++) { v = $i; if (v == "-9") v = "NA"; s = s (i > 6 ? " " : "") v }; print s }' \
    "$DATA/mouse_hs1940.fam" > "$WORK/mouse_hs1940.pheno.fam.txt"
for p in 1 2 3; do
    : > "$WORK/mouse_chrsets_p$p.mk.txt"
    for set in chr1-10 chr11-19; do
        run_timed gemma "mouse_gk1_${set}_p$p" "${G[@]}" -gk 1 -n "$p" -snps "$set.snps" -o "mouse_gk1_${set}_p$p"
        echo "output/mouse_gk1_${set}_p$p.cXX.txt" >> "$WORK/mouse_chrsets_p$p.mk.txt"
    done
    for vc in 1 2; do
        run_timed gemma "mouse_vc${vc}_p$p" "$GEMMA" -p mouse_hs1940.pheno.fam.txt -mk "mouse_chrsets_p$p.mk.txt" \
            -vc "$vc" -n "$p" -o "mouse_vc${vc}_p$p"
    done
done

# The same on a simulated fileset (data/sim_vc/: 600 samples, 4 chromosomes;
# GRMs of chromosomes 1-2 and 3-4). The phenotype is the .fam's column 6.
for ext in bed bim fam; do
    ln -s "$ROOT/data/sim_vc/sim.$ext" "$WORK/sim.$ext"
done
awk '$1 <= 2 { print $2 }' "$ROOT/data/sim_vc/sim.bim" > "$WORK/sim_chr1-2.snps"
awk '$1 > 2 { print $2 }' "$ROOT/data/sim_vc/sim.bim" > "$WORK/sim_chr3-4.snps"
awk '{ print $6 }' "$ROOT/data/sim_vc/sim.fam" > "$WORK/sim.pheno.fam.txt"
: > "$WORK/sim_chrsets.mk.txt"
for set in chr1-2 chr3-4; do
    run_timed gemma "sim_gk1_$set" "$GEMMA" -bfile sim -gk 1 -snps "sim_$set.snps" -o "sim_gk1_$set"
    echo "output/sim_gk1_$set.cXX.txt" >> "$WORK/sim_chrsets.mk.txt"
done
for vc in 1 2; do
    run_timed gemma "sim_vc$vc" "$GEMMA" -p sim.pheno.fam.txt -mk sim_chrsets.mk.txt -vc "$vc" -n 1 -o "sim_vc$vc"
done

O="$WORK/output"
gz "$O/mouse_gk1.cXX.txt" "$GG/mouse_gk1.cXX.txt.gz"
gz "$O/mouse_gk2.sXX.txt" "$GG/mouse_gk2.sXX.txt.gz"
for f in "$O"/*.log.txt; do
    cp "$f" "$GG/"
done
for f in "$O"/*.assoc.txt "$O"/*.bv.txt "$O"/*.param.txt "$O"/*.prdt.txt; do
    gz "$f" "$GG/$(basename "$f").gz"
done

###########################################################################
# GEMMA on BIMBAM input: the same mice as mean genotypes (real-valued
# dosages), phenotypes and annotation, from data/bimbam/ (see its README).
# Outputs are named bimbam_*.
###########################################################################
BB="$ROOT/data/bimbam"
[[ -f "$BB/mouse_hs1940.geno.txt.gz" ]] || { echo "error: $BB/mouse_hs1940.geno.txt.gz not found" >&2; exit 1; }
# GEMMA 0.98.5 reads -g and -p through zlib (gzipped or not) but -a as
# plain text only, so the annotation is unpacked (the phenotypes too).
ln -s "$BB/mouse_hs1940.geno.txt.gz" "$WORK/mouse_hs1940.geno.txt.gz"
zcat "$BB/mouse_hs1940.pheno.txt.gz" > "$WORK/mouse_hs1940.pheno.txt"
zcat "$BB/mouse_hs1940.anno.txt.gz" > "$WORK/mouse_hs1940.anno.txt"
B=("$GEMMA" -g mouse_hs1940.geno.txt.gz -p mouse_hs1940.pheno.txt -a mouse_hs1940.anno.txt)

run_timed gemma bimbam_gk1 "${B[@]}" -gk 1 -o bimbam_gk1
run_timed gemma bimbam_lmm4_p1 "${B[@]}" -k output/bimbam_gk1.cXX.txt -lmm 4 -n 1 -o bimbam_lmm4_p1

# Only the kinship's first row is kept (the whole matrix is 22 MB): the
# genotype crate's bimbam_oracle test recomputes it from kindred's dosages.
head -n 1 "$O/bimbam_gk1.cXX.txt" | gzip -9 -n > "$GG/bimbam_gk1.row1.txt.gz"
gz "$O/bimbam_lmm4_p1.assoc.txt" "$GG/bimbam_lmm4_p1.assoc.txt.gz"
cp "$O/bimbam_gk1.log.txt" "$O/bimbam_lmm4_p1.log.txt" "$GG/"

###########################################################################
# Machine-readable summary of the GEMMA logs.
###########################################################################
# logval FILE "key text" -> value after '=' on the first '## key ...' line of a
# GEMMA log (leading spaces after '##' ignored; a trailing " min" unit dropped;
# several values, e.g. one beta per covariate, are joined with ',').
logval() {
    awk -v k="$2" '
        /^##/ {
            s = $0; sub(/^##[ \t]*/, "", s)
            if (index(s, k) == 1 && index(s, "=") > 0) {
                sub(/^[^=]*=[ \t]*/, "", s); sub(/[ \t]+$/, "", s); sub(/ min$/, "", s)
                gsub(/[ \t]+/, ",", s); print s; exit
            }
        }' "$1"
}
KEYS=(
    'number of total individuals' 'number of analyzed individuals'
    'number of covariates' 'number of total SNPs/var' 'number of analyzed SNPs/var'
    'pve estimate in the null model' 'se(pve) in the null model'
    'vg estimate in the null model' 've estimate in the null model'
    'beta estimate in the null model' 'se(beta)'
    'REMLE log-likelihood in the null model' 'MLE log-likelihood in the null model'
    'total computation time' 'time on calculating relatedness matrix'
    'time on eigen-decomposition' 'time on calculating UtX' 'time on optimization'
)
{
    printf 'run\tn_total\tn_analyzed\tn_covariates\tsnps_total\tsnps_analyzed'
    printf '\tpve\tse_pve\tvg\tve\tbeta\tse_beta\tlogl_remle\tlogl_mle'
    printf '\ttime_total_min\ttime_kinship_min\ttime_eigen_min\ttime_UtX_min\ttime_opt_min\n'
    for f in "$GG"/mouse_gk*.log.txt "$GG"/mouse_lmm*.log.txt "$GG"/mouse_lm4_p1.log.txt; do
        printf '%s' "$(basename "$f" .log.txt)"
        for k in "${KEYS[@]}"; do
            printf '\t%s' "$(logval "$f" "$k")"
        done
        printf '\n'
    done
} > "$GG/summary.tsv"

cp "$WORK/timings.tsv" "$TIMES"
echo "== done; sizes:" >&2
du -sh "$GP" >&2
du -sh "$GG" >&2
du -sh "$GOLD" >&2

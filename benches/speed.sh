#!/usr/bin/env bash
# Issue 18's bars in one run: kindred beside GEMMA 0.98.5 and FaST-LMM 0.6
# on the same inputs, whole-process wall times (/usr/bin/time), medians of
# RUNS runs taken in alternation, and the ratios.
#
#   simulated N x M (default 5000 x 50,000; 3 subpopulations, families,
#   10 chromosomes, seed 1: lib.sh's fileset):
#     exact Wald         kindred assoc --test wald (GRM built)   / GEMMA -lmm 1 -k K
#     fixed ratio        kindred assoc --fixed-ratio             / FaST-LMM single_snp
#     fixed-ratio LOCO   kindred --loco --loco-ratio genome      / kindred --fixed-ratio (no LOCO)
#                        (and with SLOW=1 the default --loco, each chromosome's ratio re-estimated)
#     eigendecomposition kindred reml --grm K --write-eigen (read + decompose; the write
#                        needs the vectors, a plain reml no longer makes them) / numpy.linalg.eigh
#                        (LAPACK dsyevd) of the same K
#   mouse_hs1940 phenotype 1:
#     --test all         kindred assoc --test all                / GEMMA -lmm 4 -k K
#     fixed ratio        kindred assoc --fixed-ratio             / FaST-LMM single_snp
#     LOCO exact         kindred assoc --loco                    / FaST-LMM single_snp (leave_out_one_chrom)
#   with SMALLN=1, simulated SMALL_N x SMALL_M (default 500 x 300,000, 22
#   chromosomes, one covariate):
#     --test all         kindred assoc --test all --covar        / GEMMA -lmm 4 -k K -c
#
# GEMMA is given kindred's centered K (`kindred grm --format gemma`, equal
# to GEMMA's -gk 1; not timed); FaST-LMM builds its own (standardized)
# kernel from the same .bed, as its users run it.
#
# usage: benches/speed.sh [KINDRED] [N] [M] [RUNS] [PYTHON]
#   PYTHON: a Python with fastlmm, six and numpy (e.g. a virtual
#   environment: pip install fastlmm six). Build first:
#   cargo build --release -p kindred. 2 threads; a quiet machine.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
kindred=$(realpath "${1:-target/release/kindred}")
n=${2:-5000}
m=${3:-50000}
runs=${4:-1}
python=${5:-python3}
dir=${BENCH_DIR:-/tmp/kindred-bench-chunks}
export OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 RAYON_NUM_THREADS=2
mkdir -p "$dir"
cd "$dir"
source "$here/lib.sh"
prefix=$(sim_fileset "$kindred" "$n" "$m")
mouse="$root/data/mouse_hs1940/mouse_hs1940"

# Inputs each tool reads: phenotype files, a fileset with the phenotype in
# the .fam (GEMMA), the GRMs.
tail -n +2 "$prefix.pheno.tsv" | cut -f1-3 > "$prefix.fastlmm.pheno"
ln -sf "$prefix.bed" "g$prefix.bed"
ln -sf "$prefix.bim" "g$prefix.bim"
awk 'NR == FNR { if (FNR > 1) p[$1 " " $2] = $3; next } { $6 = p[$1 " " $2]; print }' \
  "$prefix.pheno.tsv" "$prefix.fam" > "g$prefix.fam"
awk '$6 != "NA" { print $1, $2, $6 }' "$mouse.fam" > mouse.fastlmm.pheno
[ -s "K$prefix.cXX.txt" ] || "$kindred" grm --bfile "$prefix" --format gemma --out "K$prefix" --quiet
[ -s "K$prefix.grm.bin" ] || "$kindred" grm --bfile "$prefix" --format gcta --out "K$prefix" --quiet
[ -s Kmouse.cXX.txt ] || "$kindred" grm --bfile "$mouse" --format gemma --out Kmouse --quiet
mkdir -p output

sim=(--bfile "$prefix" --pheno "$prefix.pheno.tsv" --threads 2 --quiet)
mo=(--bfile "$mouse" --pheno-col 1 --threads 2 --quiet)
declare -A cmd
cmd[sim_wald]="$kindred assoc ${sim[*]} --test wald --out s_wald"
cmd[sim_wald_gemma]="gemma -bfile g$prefix -k K$prefix.cXX.txt -lmm 1 -n 1 -o s_wald"
cmd[sim_fixed]="$kindred assoc ${sim[*]} --fixed-ratio --out s_fixed"
cmd[sim_fixed_fastlmm]="$python $here/fastlmm_scan.py $prefix $prefix.fastlmm.pheno s_fixed_fastlmm.tsv"
cmd[sim_loco_genome]="$kindred assoc ${sim[*]} --fixed-ratio --loco --loco-ratio genome --out s_loco_genome"
cmd[sim_loco_chrom]="$kindred assoc ${sim[*]} --fixed-ratio --loco --out s_loco_chrom"
cmd[sim_eigen]="$kindred reml --bfile $prefix --pheno $prefix.pheno.tsv --grm K$prefix --threads 2 --quiet --write-eigen s_eigen --out s_eigen"
cmd[sim_eigen_numpy]="$python -c \"import numpy as np,time,sys;n=$n;t=np.fromfile('K$prefix.grm.bin',dtype=np.float32);k=np.zeros((n,n));i=np.tril_indices(n);k[i]=t;k.T[i]=t;s=time.time();np.linalg.eigh(k);print(time.time()-s)\""
cmd[mouse_all]="$kindred assoc ${mo[*]} --test all --out m_all"
cmd[mouse_all_gemma]="gemma -bfile $mouse -k Kmouse.cXX.txt -lmm 4 -n 1 -o m_all"
cmd[mouse_fixed]="$kindred assoc ${mo[*]} --fixed-ratio --out m_fixed"
cmd[mouse_fixed_fastlmm]="$python $here/fastlmm_scan.py $mouse mouse.fastlmm.pheno m_fixed_fastlmm.tsv"
cmd[mouse_loco]="$kindred assoc ${mo[*]} --loco --out m_loco"
cmd[mouse_loco_fastlmm]="$python $here/fastlmm_scan.py $mouse mouse.fastlmm.pheno m_loco_fastlmm.tsv --loco"
cmd[mouse_loco_genome]="$kindred assoc ${mo[*]} --fixed-ratio --loco --loco-ratio genome --out m_loco_genome"

jobs=(mouse_all mouse_all_gemma mouse_fixed mouse_fixed_fastlmm mouse_loco mouse_loco_fastlmm mouse_loco_genome
  sim_eigen sim_fixed sim_loco_genome sim_wald sim_fixed_fastlmm sim_wald_gemma)
[ "${SLOW:-0}" = 1 ] && jobs+=(sim_loco_chrom)

# SMALLN=1: few samples, many variants (default 500 x 300,000, families, 22
# chromosomes, one covariate): --test all against GEMMA -lmm 4 -c.
if [ "${SMALLN:-0}" = 1 ]; then
  sn=${SMALL_N:-500}
  sm=${SMALL_M:-300000}
  sp="small${sn}x${sm}"
  if [ ! -s "$sp.bed" ]; then
    "$kindred" simulate --n-samples "$sn" --n-variants "$sm" --n-chrom 22 --n-covar 1 --seed 1 --out "$sp" --quiet
  fi
  ln -sf "$sp.bed" "g$sp.bed"
  ln -sf "$sp.bim" "g$sp.bim"
  awk 'NR == FNR { if (FNR > 1) p[$1 " " $2] = $3; next } { $6 = p[$1 " " $2]; print }' \
    "$sp.pheno.tsv" "$sp.fam" > "g$sp.fam"
  tail -n +2 "$sp.covar.tsv" | awk '{ print 1, $3 }' > "g$sp.cov"
  [ -s "K$sp.cXX.txt" ] || "$kindred" grm --bfile "$sp" --format gemma --out "K$sp" --quiet
  cmd[small_all]="$kindred assoc --bfile $sp --pheno $sp.pheno.tsv --covar $sp.covar.tsv --test all --threads 2 --quiet --out small_all"
  cmd[small_all_gemma]="gemma -bfile g$sp -k K$sp.cXX.txt -c g$sp.cov -lmm 4 -n 1 -o small_all"
  jobs+=(small_all small_all_gemma)
fi
for j in "${jobs[@]}"; do : > "t_$j.txt"; done
for r in $(seq "$runs"); do
  # alternate the order, so that load from elsewhere hits both sides alike
  if [ $((r % 2)) = 1 ]; then order=("${jobs[@]}"); else order=($(printf '%s\n' "${jobs[@]}" | tac)); fi
  for j in "${order[@]}"; do
    read -r t mb < <(timed bash -c "${cmd[$j]}")
    echo "run $r $j: ${t}s ${mb} MB"
    echo "$t" >> "t_$j.txt"
  done
done
# numpy's own timing of eigh alone (its run's wall time includes reading K)
eigh=$(bash -c "${cmd[sim_eigen_numpy]}")
# kindred's logged read + decomposition of the same K
keig=$(sed -n 's/^GRM and eigendecomposition: \([0-9.]*\) s$/\1/p' s_eigen.log | tail -n 1)
med() { median < "t_$1.txt"; }
ratio() { awk -v a="$(med "$1")" -v b="$(med "$2")" -v l="$3" -v bar="$4" \
  'BEGIN { printf "%-58s %8.2f s / %8.2f s = %6.3f  (bar %s)\n", l, a, b, a / b, bar }'; }
echo
echo "medians of $runs run(s), kindred / reference (lower is faster):"
ratio sim_wald sim_wald_gemma "${n}x${m} exact Wald / GEMMA -lmm 1 (K given)" "<= 0.2"
ratio sim_fixed sim_fixed_fastlmm "${n}x${m} fixed ratio / FaST-LMM" "<= 0.25"
ratio sim_loco_genome sim_fixed "${n}x${m} fixed-ratio LOCO (genome ratio) / no LOCO" "<= 2"
[ "${SLOW:-0}" = 1 ] && ratio sim_loco_chrom sim_fixed "${n}x${m} fixed-ratio LOCO (each chromosome's ratio) / no LOCO" "<= 2"
awk -v a="$keig" -v b="$eigh" -v n="$n" 'BEGIN { printf "%-58s %8.2f s / %8.2f s = %6.3f  (bar <= 0.6)\n", \
  "eigendecomposition of K (" n "), kindred read+decompose / dsyevd", a, b, a / b }'
ratio mouse_all mouse_all_gemma "mouse --test all / GEMMA -lmm 4 (K given)" "<= 0.05"
ratio mouse_fixed mouse_fixed_fastlmm "mouse fixed ratio / FaST-LMM" "<= 0.167"
ratio mouse_loco mouse_loco_fastlmm "mouse LOCO exact / FaST-LMM LOCO" "<= 0.2"
ratio mouse_loco_genome mouse_loco_fastlmm "mouse fixed-ratio LOCO (genome ratio) / FaST-LMM LOCO" "-"
[ "${SMALLN:-0}" = 1 ] && ratio small_all small_all_gemma "${sn}x${sm} --test all / GEMMA -lmm 4 (K given)" "<= 0.025"
true

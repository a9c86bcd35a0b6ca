#!/usr/bin/env bash
# Runs one matrix of kindred commands with two binaries and compares every
# output file: byte for byte, except `.log` (timing, host, directory and
# command lines dropped) and `.json` (compared as parsed JSON with the
# timing keys and `schema_version` dropped).
#
# Usage (from the repository root):
#   scripts/compare_outputs.sh BASE_REF [NEW_BIN]
#
# BASE_REF is a git revision (e.g. 07003b4, the last commit before the
# library reshape of issue 12); it is built in release mode in a worktree
# under target/compare-base. NEW_BIN defaults to target/release/kindred
# (built first). Flags that were renamed since BASE_REF are mapped by
# `flags_for` below. Exit status 0 = every file identical.
#
# Covers mouse_hs1940 phenotypes 1-3 with and without the sex covariate
# (exact, fixed-ratio, linear, LOCO; f32 and f64 rotation; --format gemma;
# --gz), reml (REML and ML, --all-phenos), grm (four kinds, both formats,
# --loco), --write-eigen/--eigen and --grm reuse, gwas, and a simulated
# fileset with covariates and missing calls. ~6 min on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
base_ref=${1:?usage: scripts/compare_outputs.sh BASE_REF [NEW_BIN]}
new_bin=${2:-}
[ -n "$new_bin" ] && new_bin=$(realpath "$new_bin")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

wt="$root/target/compare-base"
if [ ! -d "$wt" ]; then
  git worktree add --detach "$wt" "$base_ref" >/dev/null
else
  git -C "$wt" checkout --detach --quiet "$base_ref"
fi
echo "== building $base_ref (release) in $wt"
(cd "$wt" && CARGO_TARGET_DIR="$root/target/compare-base-target" cargo build --release -q -p kindred)
base_bin="$root/target/compare-base-target/release/kindred"
if [ -z "$new_bin" ]; then
  echo "== building the working tree (release)"
  cargo build --release -q -p kindred
  new_bin="$root/target/release/kindred"
fi

M="$root/data/mouse_hs1940/mouse_hs1940"
SEX="$root/data/mouse_hs1940/mouse_sex.covar.tsv"
SIM="@SIM@"  # replaced by each binary's own simulated fileset

# Flag spellings per binary: the base (07003b4) had one --precision flag for
# the rotation (assoc/gwas) and the GRM multiply (grm); the reshape split it.
flags_for() { # $1 = base|new, rest = words
  local who=$1; shift
  if [ "$who" = base ]; then
    echo "$@" | sed -e 's/--scan-precision/--precision/g' -e 's/--grm-precision/--precision/g'
  else
    echo "$@"
  fi
}

# One line per case: name<TAB>arguments (relative --out; absolute inputs).
cases() {
  for p in 1 2 3; do
    for cov in none sex; do
      c=""; [ $cov = sex ] && c="--covar $SEX"
      echo -e "exact_p${p}_${cov}\tassoc --bfile $M --pheno-col $p $c --test all --out o"
      echo -e "fixed_p${p}_${cov}\tassoc --bfile $M --pheno-col $p $c --test all --fixed-ratio --out o"
      echo -e "linear_p${p}_${cov}\tassoc --bfile $M --pheno-col $p $c --test all --model linear --out o"
      echo -e "reml_p${p}_${cov}\treml --bfile $M --pheno-col $p $c --out o"
    done
  done
  for cov in none sex; do
    c=""; [ $cov = sex ] && c="--covar $SEX"
    echo -e "f64_p1_${cov}\tassoc --bfile $M --pheno-col 1 $c --test all --scan-precision f64 --out o"
    echo -e "loco_p1_${cov}\tassoc --bfile $M --pheno-col 1 $c --test all --loco --out o"
    echo -e "locofixed_p1_${cov}\tassoc --bfile $M --pheno-col 1 $c --fixed-ratio --loco --out o"
  done
  echo -e "allphenos\tassoc --bfile $M --all-phenos --test wald --out o"
  echo -e "allphenos_linear\tassoc --bfile $M --all-phenos --model linear --out o"
  echo -e "gemma_fmt\tassoc --bfile $M --pheno-col 2 --test all --format gemma --out o"
  echo -e "gz\tassoc --bfile $M --pheno-col 1 --test lrt --gz --chr 1,2 --out o"
  echo -e "score_only\tassoc --bfile $M --pheno-col 1 --test score --out o"
  echo -e "gwas\tgwas --bfile $M --out o"
  echo -e "reml_all\treml --bfile $M --all-phenos --out o"
  echo -e "reml_ml\treml --bfile $M --pheno-col 1 --method ml --out o"
  echo -e "reml_maf\treml --bfile $M --pheno-col 1 --maf 0.05 --geno 0.01 --chr 1,2,3 --out o"
  for k in centered standardized plink gcta; do
    echo -e "grm_${k}\tgrm --bfile $M --kind $k --out o"
  done
  echo -e "grm_gemma\tgrm --bfile $M --format gemma --qc-pheno-col 1 --out o"
  echo -e "grm_f32\tgrm --bfile $M --grm-precision f32 --kind standardized --out o"
  echo -e "grm_loco\tgrm --bfile $M --loco --chr 1,2,3 --out o"
  echo -e "eigen_write\treml --bfile $M --pheno-col 1 --write-eigen e --out o"
  echo -e "sim_exact\tassoc --bfile $SIM --pheno $SIM.pheno.tsv --covar $SIM.covar.tsv --all-phenos --test all --out o"
  echo -e "sim_fixed\tassoc --bfile $SIM --pheno $SIM.pheno.tsv --covar $SIM.covar.tsv --all-phenos --fixed-ratio --test all --out o"
  echo -e "sim_loco\tassoc --bfile $SIM --pheno $SIM.pheno.tsv --covar $SIM.covar.tsv --pheno-col 1 --loco --out o"
  echo -e "sim_linear\tassoc --bfile $SIM --pheno $SIM.pheno.tsv --covar $SIM.covar.tsv --pheno-col 2 --model linear --test all --out o"
  echo -e "sim_reml\treml --bfile $SIM --pheno $SIM.pheno.tsv --covar $SIM.covar.tsv --all-phenos --out o"
  echo -e "sim_grm\tgrm --bfile $SIM --kind gcta --out o"
}

# Cases that read what an earlier case wrote (run after `cases`, in the same directory).
reuse_cases() {
  echo -e "eigen_write\tassoc --bfile $M --pheno-col 1 --eigen e --test all --out o2"
  echo -e "grm_gemma\tassoc --bfile $M --pheno-col 1 --grm o.cXX.txt --test all --out o2"
  echo -e "grm_centered\tassoc --bfile $M --pheno-col 1 --grm o --test wald --out o2"
}

run_all() { # $1 = base|new, $2 = binary, $3 = directory
  local who=$1 bin=$2 dir=$3
  mkdir -p "$dir" "$work/sim-$who"
  "$bin" simulate --n-samples 500 --n-variants 4000 --n-phenos 2 --n-covar 2 --missing-rate 0.01 \
    --n-chrom 4 --seed 7 --out "$work/sim-$who/sim" --quiet >/dev/null
  while IFS=$'\t' read -r name args; do
    mkdir -p "$dir/$name"
    # shellcheck disable=SC2046
    args=${args//@SIM@/$work/sim-$who/sim}
    (cd "$dir/$name" && "$bin" $(flags_for "$who" "$args") >stdout.txt 2>stderr.txt) ||
      echo "exit $?" >>"$dir/$name/status.txt"
  done < <(cases)
  while IFS=$'\t' read -r name args; do
    # shellcheck disable=SC2046
    (cd "$dir/$name" && "$bin" $(flags_for "$who" "$args") >stdout2.txt 2>stderr2.txt) ||
      echo "exit $?" >>"$dir/$name/status.txt"
  done < <(reuse_cases)
}

echo "== running the cases with $base_ref"
run_all base "$base_bin" "$work/base"
echo "== running the cases with $new_bin"
run_all new "$new_bin" "$work/new"

# The simulated filesets must be identical too (same seed, two binaries).
for ext in bed bim fam pheno.tsv covar.tsv truth.tsv; do
  cmp -s "$work/sim-base/sim.$ext" "$work/sim-new/sim.$ext" || { echo "DIFF simulate: sim.$ext"; exit 1; }
done

python3 - "$work/base" "$work/new" <<'PY'
import json, os, re, sys
base, new = sys.argv[1], sys.argv[2]
VOLATILE_LOG = re.compile(r"^(kindred |command: |host: |directory: |threads: |total time: )|: [0-9.]+ s$|built in [0-9.]+ s")
VOLATILE_KEYS = {"schema_version", "seconds", "gflops", "timings"}
def strip(v):
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items() if k not in VOLATILE_KEYS}
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v
def log_lines(p):
    return [l for l in open(p, encoding="utf-8").read().splitlines() if not VOLATILE_LOG.search(l)]
bad = n = 0
for case in sorted(os.listdir(base)):
    b, w = os.path.join(base, case), os.path.join(new, case)
    fb, fw = sorted(os.listdir(b)), sorted(os.listdir(w))
    if fb != fw:
        print(f"DIFF {case}: files {fb} vs {fw}"); bad += 1; continue
    for f in fb:
        n += 1
        pb, pw = os.path.join(b, f), os.path.join(w, f)
        if f.endswith(".log"):
            same = log_lines(pb) == log_lines(pw)
        elif f.endswith(".json"):
            same = strip(json.load(open(pb))) == strip(json.load(open(pw)))
        elif f.startswith("stderr"):
            same = True  # progress and timing lines; the .log holds what matters
        else:
            same = open(pb, "rb").read() == open(pw, "rb").read()
        if not same:
            print(f"DIFF {case}/{f}"); bad += 1
print(f"{n} files compared, {n - bad} identical, {bad} different")
sys.exit(1 if bad else 0)
PY

#!/usr/bin/env bash
# Runs every fuzz target under fuzz/ (cargo-fuzz, libFuzzer with
# AddressSanitizer) for SECONDS each, one after the other, on a copy of its
# committed seed corpus in a temporary directory (the corpus grown by the
# run is thrown away). Fails when a target panics, fails an assertion, runs
# over 10 s on one input or over 2 GB of memory; the input that did it is
# kept under fuzz/artifacts/TARGET/ (ignored by git) and its log is printed.
#
# Usage (from anywhere): scripts/fuzz.sh [SECONDS]   (default 20)
#
# Installs cargo-fuzz when it is missing. No nightly toolchain is needed:
# RUSTC_BOOTSTRAP=1 lets the stable compiler take cargo-fuzz's -Z flags.
# Long runs and what each target checks: fuzz/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

secs=${1:-20}
case $secs in
'' | *[!0-9]*)
  echo "usage: scripts/fuzz.sh [SECONDS]" >&2
  exit 2
  ;;
esac

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi
export RUSTC_BOOTSTRAP=1

echo "== building the fuzz targets"
cargo fuzz build

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=()
for t in $(cargo fuzz list); do
  cp -r "fuzz/corpus/$t" "$work/$t"
  log="$work/$t.log"
  if cargo fuzz run "$t" "$work/$t" -- \
    -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -n 1)
    echo "$t: ok, $runs runs, $cov, corpus $(ls "$work/$t" | wc -l) inputs"
  else
    echo "$t: FAILED; its log:" >&2
    tail -n 60 "$log" >&2
    failed+=("$t")
  fi
done

if ((${#failed[@]})); then
  echo "fuzzing failed: ${failed[*]} (inputs under fuzz/artifacts/)" >&2
  exit 1
fi
echo "fuzzing passed: $(cargo fuzz list | wc -l) targets, ${secs} s each"

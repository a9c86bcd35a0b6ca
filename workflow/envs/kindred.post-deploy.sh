#!/usr/bin/env bash
# Run by snakemake --use-conda once the env exists: builds kindred from the
# repository this workflow belongs to into the env's bin/.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cargo install --locked --path "$repo/crates/cli" --root "$CONDA_PREFIX"

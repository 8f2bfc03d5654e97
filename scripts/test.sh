#!/usr/bin/env bash
# The test suite: Python tests, then the Android core's JVM tests. pytest exit 5 (nothing collected) is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
.venv/bin/python -m pytest -q "$@"

#!/usr/bin/env bash
# Benchmark: sets everything up (scripts/setup.sh), builds the govmomi
# baseline, then runs bench/bench.py (default: 1,000 and 10,000 VMs,
# 3 rounds each, plugin and baseline side by side against one vcsim).
#   bash bench/run.sh [--sizes 1000,10000] [--rounds 3] [--concurrency 4]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
bash bench/build-baseline.sh bench/bin >/dev/null
exec python3 bench/bench.py "$@"

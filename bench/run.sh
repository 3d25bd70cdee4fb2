#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Benchmark: sets everything up (scripts/setup.sh), builds the govmomi
# baseline, then runs bench/bench.py (default: 1,000 and 10,000 VMs,
# 3 rounds each, plugin and baseline side by side against one vcsim).
#   bash bench/run.sh [--sizes 1000,10000] [--rounds 3] [--concurrency 4]
# With --pipeline first, it runs bench/pipeline.py after setup instead: the
# whole pipeline (vcsim -> collectd + plugin -> one writer -> backend).
#   bash bench/run.sh --pipeline [--vms 10000] [--writer prometheus] [--shards 4] ...
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
if [ "${1:-}" = "--pipeline" ]; then
  shift
  exec python3 bench/pipeline.py "$@"
fi
bash bench/build-baseline.sh bench/bin >/dev/null
exec python3 bench/bench.py "$@"

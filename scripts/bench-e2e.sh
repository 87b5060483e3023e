#!/usr/bin/env bash
# End-to-end figures at scale: `tug sim --pods 10000` and the release `tug` in a pseudo-terminal (200x50,
# all namespaces). Prints a Markdown table (the one in BENCHMARKS.md). Knobs, as environment variables:
#   BENCH_PODS=10000   load pods in the sim
#   BENCH_CHURN=100    pod changes per second in the churn phase
#   BENCH_SECS=10      length of the idle and churn phases, in seconds
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo bench --locked --bench e2e

#!/usr/bin/env bash
# End-to-end figures at scale: `tug sim --pods 10000` and the release `tug` in a pseudo-terminal (200x50,
# all namespaces). Prints a Markdown table (the one in BENCHMARKS.md). Knobs, as environment variables:
#   BENCH_PODS=10000      load pods in the sim (issue 22's scale run: BENCH_PODS=100000 BENCH_NAMESPACES=200)
#   BENCH_NAMESPACES=10   namespaces the load pods are spread over (the sim's --namespaces); the `:ns` rows
#                         (open, cursor keys, a filter, Enter on a namespace, Esc, `:ns NAME`) are issue 22's
#                         2,000-namespace figures at BENCH_NAMESPACES=2000
#   BENCH_CHURN=100       pod changes per second in the churn phase (watch event → row is timed again under
#                         it; issue 22's run: BENCH_CHURN=1000 at 100k)
#   BENCH_METRICS=on      `off` writes `metrics: off` into tug's settings (the plain pod view's RSS)
#   BENCH_SECS=10         length of the idle and churn phases, in seconds
#   BENCH_SOAK=30m        (off by default) after the other phases, a second tab (Ctrl-T n) follows the logs of
#                         a flood-logger pod and churn goes on this long (30m, 90s, 1h);
#                         tug's RSS, threads, descriptors, live tasks ($TUG_STATS_FILE) and the sim's open watches and log streams are sampled each minute; the table gets
#                         RSS growth after the first minute and threads/descriptors at start and end. The
#                         acceptance soak is BENCH_SOAK=30m at 10,000 pods and 100 changes/s.
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo bench --locked --bench e2e

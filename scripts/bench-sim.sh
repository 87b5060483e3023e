#!/usr/bin/env bash
# The sim's own cost: CPU (utime + stime from /proc/PID/stat, as % of one core) and RSS of `tug sim` while
# idle and under churn. Prints one Markdown table row. Knobs, as environment variables:
#   PODS=10000    load pods (--pods)
#   CHURN=100     changes per second in the churn phase (set through PUT /_sim/churn)
#   SECS=30       length of each measured phase, in seconds
#   SETTLE=20     seconds after start before measuring (the world's first controller passes)
#   STATE_DIR=    if set, run with --state-dir DIR (what keeping the world costs)
#   TUG=target/release/tug
set -euo pipefail
cd "$(dirname "$0")/.."
PODS=${PODS:-10000} CHURN=${CHURN:-100} SECS=${SECS:-30} SETTLE=${SETTLE:-20}
TUG=${TUG:-${CARGO_TARGET_DIR:-target}/release/tug}
work=$(mktemp -d)
args=(sim --pods "$PODS" --kubeconfig-out "$work/kubeconfig")
[[ -n "${STATE_DIR:-}" ]] && args+=(--state-dir "$STATE_DIR")
"$TUG" "${args[@]}" > "$work/out" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 600); do grep -q '^kubeconfig:' "$work/out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/.*serving the Kubernetes API on \(https:[^ ]*\).*/\1/p' "$work/out")
token=tug-sim-admin-token
tck=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
rss() { awk '/VmRSS/ {printf "%.0f MB", $2 / 1024}' "/proc/$pid/status"; }
rv() { curl -sk -H "Authorization: Bearer $token" "$url/api/v1/namespaces?limit=1" \
  | grep -o '"resourceVersion":"[0-9]*"' | head -1 | tr -dc 0-9; }
phase() { # prints "cpu% writes/s"
  local t0 r0 t1 r1
  t0=$(ticks); r0=$(rv); sleep "$SECS"; t1=$(ticks); r1=$(rv)
  awk -v a="$t0" -v b="$t1" -v t="$tck" -v s="$SECS" -v r0="$r0" -v r1="$r1" \
    'BEGIN {printf "%.1f %% (%.0f writes/s)", (b - a) / t / s * 100, (r1 - r0) / s}'
}
sleep "$SETTLE"
idle=$(phase)
curl -sk -X PUT -H "Authorization: Bearer $token" -H 'Content-Type: text/plain' \
  -d "${CHURN}/s" "$url/_sim/churn" > /dev/null
churn=$(phase)
echo "| $PODS pods${STATE_DIR:+, --state-dir} | idle $idle | $CHURN changes/s: $churn | RSS $(rss) |"

#!/usr/bin/env bash
# Benchmark of `./gantry plan STACK` (default aws-prod): one cold run (no class-data-sharing
# archive yet: the first run after a build) and N warm runs; prints wall time and peak RSS
# of each run (and CPU time, which a loaded machine distorts less) and the median of the warm ones. Not a test: numbers go to docs/PERFORMANCE.md.
# `all` benchmarks every shipped stack (aws-prod, gcp-prod, azure-prod, dev) that way, then
# times the four planned one after another, warm ("all four in a row").
# Usage: scripts/bench-plan.sh [STACK|all] [WARM_RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
stack="${1:-aws-prod}"
runs="${2:-5}"
STACKS=(aws-prod gcp-prod azure-prod dev)
./gantry --version >/dev/null          # build the CLI first if stale, outside the timings
measure() { # label, stacks...
  local label="$1"; shift
  local cmd=""
  for s in "$@"; do cmd+="./gantry plan $s --quiet >/dev/null && "; done
  /usr/bin/time -f "%e %M %U %S" -o /tmp/gantry-bench.$$ bash -c "${cmd}true"
  read -r wall rss user sys < /tmp/gantry-bench.$$
  echo "$label wall ${wall}s cpu $(echo "$user + $sys" | bc)s peak RSS $((rss / 1024)) MiB"
}
bench() { # stack
  rm -f stacks/target/gantry-cds.jsa     # cold: no CDS archive yet
  measure "$1 cold" "$1"
  local warm=() line
  for i in $(seq "$runs"); do
    line=$(measure "$1 warm$i" "$1"); echo "$line"; warm+=("$(echo "$line" | sed 's/.*wall \([0-9.]*\)s.*/\1/')")
  done
  printf '%s\n' "${warm[@]}" | sort -n | awk -v s="$1" '{a[NR]=$1} END {print s " warm median wall " a[int((NR+1)/2)] "s over " NR " runs"}'
}
if [ "$stack" = all ]; then
  for s in "${STACKS[@]}"; do bench "$s"; done
  for i in $(seq "$runs"); do measure "all four in a row, run $i" "${STACKS[@]}"; done
else
  bench "$stack"
fi
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -f /tmp/gantry-bench.$$

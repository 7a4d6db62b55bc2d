#!/usr/bin/env bash
# Benchmark of `./gantry plan STACK` (default aws-prod): one cold run (no class-data-sharing
# archive yet: the first run after a build) and N warm runs; prints wall time and peak RSS
# of each run (and CPU time, which a loaded machine distorts less) and the median of the warm ones. Not a test: numbers go to docs/PERFORMANCE.md.
# Usage: scripts/bench-plan.sh [STACK] [WARM_RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
stack="${1:-aws-prod}"
runs="${2:-5}"
./gantry --version >/dev/null          # build the CLI first if stale, outside the timings
rm -f stacks/target/gantry-cds.jsa     # cold: no CDS archive yet
measure() {
  /usr/bin/time -f "%e %M %U %S" -o /tmp/gantry-bench.$$ ./gantry plan "$stack" --quiet >/dev/null
  read -r wall rss user sys < /tmp/gantry-bench.$$
  echo "$1 wall ${wall}s cpu $(echo "$user + $sys" | bc)s peak RSS $((rss / 1024)) MiB"
}
measure cold
warm=()
for i in $(seq "$runs"); do
  line=$(measure "warm$i"); echo "$line"; warm+=("$(echo "$line" | sed 's/.*wall \([0-9.]*\)s.*/\1/')")
done
printf '%s\n' "${warm[@]}" | sort -n | awk '{a[NR]=$1} END {print "warm median wall " a[int((NR+1)/2)] "s over " NR " runs"}'
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -f /tmp/gantry-bench.$$

#!/usr/bin/env bash
# Gateway benchmark: stub upstream direct vs through the gateway (auth + limits + ledger on),
# and through nginx proxy_pass as a yardstick when nginx is installed (apt-get install nginx).
# Stub, gateway and load generator run in three separate JVMs.
# Usage: gateway/bench/run-bench.sh [REQUESTS_PER_RUN] [OUT.md] [CLIENTS (default 1,16,64)]
# GANTRY_BENCH_GATEWAY_OPTS: extra JVM options for the gateway JVM only, e.g.
#   "-XX:StartFlightRecording=filename=/tmp/gw.jfr,settings=profile" to profile the gateway alone.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$(dirname "$here")")"
requests="${1:-3000}"
out="${2:-$(mktemp -t gateway-bench-XXXX.md)}"
clients="${3:-1,16,64}"
free_port() { # a port nothing listens on, so two runs on one machine do not meet
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}
stub_port="$(free_port)"
gateway_port="$stub_port"
while [ "$gateway_port" = "$stub_port" ]; do gateway_port="$(free_port)"; done
nginx_port="$stub_port"
while [ "$nginx_port" = "$stub_port" ] || [ "$nginx_port" = "$gateway_port" ]; do nginx_port="$(free_port)"; done
master="sk-bench-master-key"
work="$(mktemp -d -t gateway-bench-XXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [ -f "$work/nginx/nginx.pid" ] && kill "$(cat "$work/nginx/nginx.pid")" 2>/dev/null || true
}
trap cleanup EXIT
gw="$here/../gantry-gateway"
"$gw" --help >/dev/null # builds the jar once, before anything is timed
. "$root/scripts/find-jdk.sh"
gantry_find_jdk
jar="$here/../target/gantry-gateway-0.1.0-SNAPSHOT.jar"
java="$JAVA_HOME/bin/java"

await() { # URL: wait until it answers 200
  for _ in $(seq 1 300); do
    if curl -fsS -o /dev/null "$1" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "run-bench: $1 did not come up" >&2
  exit 1
}

# nodelay: without it the JDK HttpServer's small SSE writes wait ~40 ms for delayed ACKs.
"$java" -Xmx512m -Dsun.net.httpserver.nodelay=true -jar "$jar" stub --port "$stub_port" > "$work/stub.log" 2>&1 &
pids+=($!)
cat > "$work/config.yaml" <<CONF
model_list:
  - model_name: bench
    litellm_params: {model: openai/bench, api_base: http://127.0.0.1:$stub_port/v1}
general_settings: {master_key: $master}
router_settings: {num_retries: 0}
CONF
# shellcheck disable=SC2086
"$java" -Xmx1g ${GANTRY_BENCH_GATEWAY_OPTS:-} -jar "$jar" --config "$work/config.yaml" --host 127.0.0.1 \
  --port "$gateway_port" --data-dir "$work" > "$work/gateway.log" 2>&1 &
pids+=($!)
await "http://127.0.0.1:$stub_port/health"
await "http://127.0.0.1:$gateway_port/health/readiness"

args=(bench --requests "$requests" --clients "$clients" --direct "http://127.0.0.1:$stub_port/v1"
  --gateway "http://127.0.0.1:$gateway_port/v1" --master-key "$master" --out "$out")
if command -v nginx >/dev/null 2>&1; then
  mkdir -p "$work/nginx/logs"
  cat > "$work/nginx/nginx.conf" <<CONF
worker_processes 2;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  upstream stub { server 127.0.0.1:$stub_port; keepalive 128; }
  server {
    listen 127.0.0.1:$nginx_port;
    location / {
      proxy_pass http://stub;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;   # SSE: pass chunks through as they come
    }
  }
}
CONF
  nginx -c "$work/nginx/nginx.conf" -p "$work/nginx"
  args+=(--via "http://127.0.0.1:$nginx_port/v1")
else
  echo "nginx not installed: measuring without the yardstick" >&2
fi
cpu_seconds() { # PID...: user+system CPU seconds of these processes so far
  local ticks=0 p
  for p in "$@"; do ticks=$((ticks + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done
  awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", t / hz}'
}
gateway_pid="${pids[1]}"
nginx_pids=()
[ -f "$work/nginx/nginx.pid" ] && mapfile -t nginx_pids < <(pgrep -P "$(cat "$work/nginx/nginx.pid")"; cat "$work/nginx/nginx.pid")
gw_cpu0="$(cpu_seconds "$gateway_pid")"
stub_cpu0="$(cpu_seconds "${pids[0]}")"
children_cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($16 + $17) / hz}' "/proc/$$/stat"; }
gen_cpu0="$(children_cpu)"
"$java" -Xmx1g -jar "$jar" "${args[@]}" | tee "$work/bench.out"
gen_cpu="$(awk -v a="$(children_cpu)" -v b="$gen_cpu0" 'BEGIN {print a - b}')"
stub_cpu="$(awk -v a="$(cpu_seconds "${pids[0]}")" -v b="$stub_cpu0" 'BEGIN {print a - b}')"
# CPU per proxied request: depends much less on how busy the machine is than the latencies do.
# Whole run, warm-up (and the gateway's JIT compilation) included; the table's "gateway CPU us/req"
# column is the same figure per measured cell, after warm-up (from the gateway's process_cpu_seconds_total).
sent() { grep '^requests sent:' "$work/bench.out" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
gw_requests="$(sent gateway)"
gw_cpu="$(awk -v a="$(cpu_seconds "$gateway_pid")" -v b="$gw_cpu0" 'BEGIN {print a - b}')"
{
  echo
  echo "gateway JVM: $gw_cpu CPU s for $gw_requests requests = $(awk -v c="$gw_cpu" -v n="$gw_requests" 'BEGIN {printf "%.0f", c * 1e6 / n}') us/request (warm-up and JIT included)"
  awk -v hz="$(getconf CLK_TCK)" '{printf "gateway JVM so far: user %.2f s, system %.2f s\n", $14 / hz, $15 / hz}' "/proc/$gateway_pid/stat"
  echo "load generator JVM: $gen_cpu CPU s, stub JVM: $stub_cpu CPU s (all requests, all targets)"
  if [ "${#nginx_pids[@]}" -gt 0 ]; then
    ng_cpu="$(cpu_seconds "${nginx_pids[@]}")"
    ng_requests="$(sent via)"
    echo "nginx: $ng_cpu CPU s for $ng_requests requests = $(awk -v c="$ng_cpu" -v n="$ng_requests" 'BEGIN {printf "%.0f", c * 1e6 / n}') us/request"
  fi
} | tee -a "$out"
echo "results: $out (gateway log: $work/gateway.log)" >&2

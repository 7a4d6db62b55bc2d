#!/usr/bin/env bash
# Gateway benchmark: stub upstream direct vs through the gateway (auth + limits + ledger on),
# and through nginx proxy_pass as a yardstick when nginx is installed (apt-get install nginx).
# Usage: gateway/bench/run-bench.sh [REQUESTS_PER_RUN] [OUT.md]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
requests="${1:-3000}"
out="${2:-$(mktemp -t gateway-bench-XXXX.md)}"
stub_port=18090
nginx_port=18081
args=(bench --requests "$requests" --clients 1,16,64 --stub-port "$stub_port" --out "$out")
nginx_dir=""
if command -v nginx >/dev/null 2>&1; then
  nginx_dir="$(mktemp -d -t gateway-nginx-XXXX)"
  mkdir -p "$nginx_dir/logs"
  cat > "$nginx_dir/nginx.conf" <<CONF
worker_processes 2;
pid $nginx_dir/nginx.pid;
error_log $nginx_dir/logs/error.log warn;
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
  nginx -c "$nginx_dir/nginx.conf" -p "$nginx_dir"
  trap 'kill "$(cat "$nginx_dir/nginx.pid")" 2>/dev/null || true' EXIT
  args+=(--via "http://127.0.0.1:$nginx_port/v1")
else
  echo "nginx not installed: measuring without the yardstick" >&2
fi
"$here/../gantry-gateway" "${args[@]}"
echo "results: $out" >&2

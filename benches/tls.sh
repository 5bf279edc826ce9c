#!/usr/bin/env bash
# https benchmark of `fakedesk serve --tls`, the companion of serve.sh (which
# measures plain http and is unchanged); see benches/README.md.
#
#   bash benches/tls.sh
#
# Measures, in one run, against GET /api/v2/tickets/{id}.json:
#   1. TLS handshake time: median and p99 of BENCH_HANDSHAKES (200) fresh
#      connections, each a full TCP connect + TLS handshake (Python's ssl,
#      trusting fakedesk's CA), no request;
#   2. req/s and p99 over https (`serve --tls`) and over plain http (`serve`) at
#      BENCH_CONNS (32) keep-alive connections for BENCH_DURATION (10) seconds each,
#      and their ratio.
# Only ever talks to 127.0.0.1; the CA lives in a temp dir. Needs wrk (installed
# with apt-get when missing) and python3.
set -euo pipefail

CONNS=${BENCH_CONNS:-32}
THREADS=${BENCH_THREADS:-2}
DURATION=${BENCH_DURATION:-10}
HANDSHAKES=${BENCH_HANDSHAKES:-200}

cd "$(dirname "${BASH_SOURCE[0]}")/.."
TMP=$(mktemp -d "${TMPDIR:-/tmp}/fakedesk-bench-tls.XXXXXX")
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY

if ! command -v wrk >/dev/null 2>&1; then
    log "installing wrk (apt)"
    SUDO=
    if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then SUDO=sudo; fi
    { $SUDO apt-get install -y wrk >/dev/null 2>&1 \
        || { $SUDO apt-get update >/dev/null 2>&1 && $SUDO apt-get install -y wrk >/dev/null 2>&1; }; } \
        || die "wrk is needed (apt-get install wrk)"
fi

log "building fakedesk (release)"
cargo build --release --bin fakedesk >&2
FAKEDESK=${CARGO_TARGET_DIR:-target}/release/fakedesk

start() { # name, extra args...
    local name=$1
    shift
    "$FAKEDESK" serve --ephemeral-ports --no-rate-limits --tls-dir "$TMP/tls" \
        --env-file "$TMP/$name.env" "$@" >"$TMP/$name.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 1 200); do
        [ -f "$TMP/$name.env" ] && return 0
        sleep 0.05
    done
    die "fakedesk ($name) did not start: $(tail -n 5 "$TMP/$name.log")"
}
var() { grep "^$2=" "$TMP/$1.env" | cut -d= -f2-; }

start tls --tls
start plain
CA=$(var tls FAKEDESK_CA_CERT)
AUTH=$(printf '%s/token:%s' "$(var tls FAKEDESK_ZENDESK_EMAIL)" "$(var tls FAKEDESK_ZENDESK_TOKEN)" | base64 -w0)

ticket() { # base-url: creates a ticket, prints its URL
    local id
    id=$(curl -sS --cacert "$CA" -H "Authorization: Basic $AUTH" -H 'content-type: application/json' \
        -d '{"ticket":{"subject":"Bench","comment":{"body":"hello"}}}' "$1/api/v2/tickets.json" \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["ticket"]["id"])')
    printf '%s/api/v2/tickets/%s.json' "$1" "$id"
}
HTTPS_URL=$(ticket "$(var tls FAKEDESK_ZENDESK_URL)")
HTTP_URL=$(ticket "$(var plain FAKEDESK_ZENDESK_URL)")
case "$HTTPS_URL$HTTP_URL" in https://127.0.0.1:*http://127.0.0.1:*) ;; *) die "unexpected URLs" ;; esac

log "timing $HANDSHAKES TLS handshakes"
HANDSHAKE=$(python3 - "$HTTPS_URL" "$CA" "$HANDSHAKES" <<'PY'
import socket, ssl, statistics, sys, time
from urllib.parse import urlsplit
u = urlsplit(sys.argv[1]); ca = sys.argv[2]; n = int(sys.argv[3])
ctx = ssl.create_default_context(cafile=ca)
times = []
version = "?"
for _ in range(n):
    t0 = time.perf_counter()
    with socket.create_connection((u.hostname, u.port)) as raw:
        with ctx.wrap_socket(raw, server_hostname=u.hostname) as s:
            s.do_handshake()
            version = s.version()
    times.append((time.perf_counter() - t0) * 1000)
times.sort()
print(f"{statistics.median(times):.2f} {times[int(len(times) * 0.99) - 1]:.2f} {version}")
PY
)

load() { # url -> "req/s p99"
    wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency -H "Authorization: Basic $AUTH" "$1" >"$TMP/wrk.out"
    python3 - "$TMP/wrk.out" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
rps = re.search(r"Requests/sec:\s+([\d.]+)", t).group(1)
m = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)\s*$", t, re.M)
ms = float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", t)
print(f"{float(rps):.0f} {ms:.2f} {bad.group(1) if bad else 0}")
PY
}
log "https load"
read -r TLS_RPS TLS_P99 TLS_BAD <<<"$(load "$HTTPS_URL")"
log "http load"
read -r HTTP_RPS HTTP_P99 HTTP_BAD <<<"$(load "$HTTP_URL")"
read -r HS_MED HS_P99 HS_VER <<<"$HANDSHAKE"

printf '\nfakedesk serve --tls benchmark (%s connections, %s threads, %ss, %s CPUs)\n' \
    "$CONNS" "$THREADS" "$DURATION" "$(nproc)"
printf '  TLS handshake (%s, connect included): median %s ms, p99 %s ms over %s\n' \
    "$HS_VER" "$HS_MED" "$HS_P99" "$HANDSHAKES"
printf '  https: %s req/s, p99 %s ms (%s non-2xx)\n' "$TLS_RPS" "$TLS_P99" "$TLS_BAD"
printf '  http:  %s req/s, p99 %s ms (%s non-2xx)\n' "$HTTP_RPS" "$HTTP_P99" "$HTTP_BAD"
python3 -c "print(f'  https/http: {$TLS_RPS / max($HTTP_RPS, 1):.2f}')"

#!/usr/bin/env bash
# Reliability bench of `fakedesk serve`; see benches/README.md.
#
#   bash benches/reliability.sh
#
# Prints one line per figure, with its target:
#   1. hostile requests sent to each vendor port, and 5xx answers and crashes,
#   2. RSS after 300 POSTs of 2.2 MB (over the body limit), after 400 POSTs of
#      1.9 MB (under it), and after reading the whole journal page by page,
#   3. time until 300 connections that trickle their header are closed,
#   4. SIGTERM-to-exit time with a half-sent request, and with deliveries in flight
#      to a receiver that never answers.
# Bounded in count and time; only ever talks to 127.0.0.1. Knobs (environment):
# FAKEDESK_BIN (default: a release build), BENCH_HEADER_TIMEOUT (3, seconds),
# BENCH_SHUTDOWN_TIMEOUT (5, seconds), BENCH_SLOW (300 connections).
set -euo pipefail

HEADER_TIMEOUT=${BENCH_HEADER_TIMEOUT:-3}
SHUTDOWN_TIMEOUT=${BENCH_SHUTDOWN_TIMEOUT:-5}
SLOW=${BENCH_SLOW:-300}

cd "$(dirname "${BASH_SOURCE[0]}")/.."
TMP=$(mktemp -d "${TMPDIR:-/tmp}/fakedesk-rel.XXXXXX")
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
log() { printf '==> %s\n' "$*" >&2; }
unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY

if [ -n "${FAKEDESK_BIN:-}" ]; then
    BIN=$FAKEDESK_BIN
else
    log "building (release)"
    cargo build --release --quiet --bin fakedesk
    BIN=target/release/fakedesk
fi
ulimit -n 4096 2>/dev/null || true

cat >"$TMP/rel.py" <<'PY'
"""Hostile, large-body, slow-client and shutdown probes; 127.0.0.1 only."""
import base64, json, os, selectors, signal, socket, subprocess, sys, threading, time

def env(path):
    return dict(l.strip().split("=", 1) for l in open(path) if "=" in l)

def hostport(url):
    assert url.startswith("http://127.0.0.1:"), url
    return "127.0.0.1", int(url.rsplit(":", 1)[1])

def rss(pid, key="VmRSS"):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return 0.0

def exchange(addr, raw, timeout=15):
    """Sends raw bytes, returns the status of the reply (0: none, e.g. the server
    answered early and reset the connection while the body was still being sent)."""
    with socket.create_connection(addr, timeout=timeout) as s:
        try:
            s.sendall(raw)
        except OSError:
            pass
        data = b""
        try:
            while len(data) < 64 and b"\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        except OSError:
            pass
    try:
        return int(data.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0

def hostile_requests(host):
    deep = b"[" * 20000 + b"]" * 20000
    bodies = [b"{", b"{\"a\":", b"\xff\xfe\xfd", deep, b"null", b"[]", b"\"x\"",
              b"{\"ticket\":{\"subject\":[1,{\"a\":null}]}}", b"{" + b"\"k\":1," * 5000 + b"\"z\":0}"]
    paths = [b"/", b"/api/v2/tickets.json", b"/users/track", b"/v2/conversations",
             b"/commands", b"/messages", b"/graph/user", b"/hook", b"/%00/../../etc/passwd",
             b"/" + b"a" * 8000, b"/?" + b"&".join(b"p%d=1" % i for i in range(2000))]
    reqs = []
    for p in paths:
        for b in bodies:
            for ct in (b"application/json", b"text/plain", b"application/x-www-form-urlencoded"):
                reqs.append(b"POST " + p + b" HTTP/1.1\r\nHost: " + host + b"\r\nContent-Type: " + ct
                            + b"\r\nContent-Length: %d\r\n\r\n" % len(b) + b)
        reqs.append(b"GET " + p + b" HTTP/1.1\r\nHost: " + host + b"\r\n\r\n")
    reqs += [
        b"FOO / HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nxx\r\n",
        b"POST /api/v2/tickets.json HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"a\"",
        b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n",
        b"GET / HTTP/1.0\r\n\r\n",
        b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + b"\x00" * 64,
        b"GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Basic !!!\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + b"\xff" * 10 + b"\r\n\r\n",
    ]
    return reqs

def hostile(env_file, pid):
    e = env(env_file)
    sent = fivexx = 0
    for name, url in sorted(e.items()):
        if not name.endswith("_URL") or name == "FAKEDESK_CONTROL_URL":
            continue
        addr = hostport(url)
        for raw in hostile_requests(b"127.0.0.1"):
            status = exchange(addr, raw)
            sent += 1
            fivexx += 500 <= status < 600
    crashed = 0 if os.path.exists(f"/proc/{pid}") and open(f"/proc/{pid}/stat").read().split()[2] != "Z" else 1
    print(sent, fivexx, crashed)

def post_many(env_file, count, size, pid):
    e = env(env_file)
    addr = hostport(e["FAKEDESK_ZENDESK_URL"])
    auth = base64.b64encode(f"{e['FAKEDESK_ZENDESK_EMAIL']}/token:{e['FAKEDESK_ZENDESK_TOKEN']}".encode())
    body = b"{\"bulk\":\"" + b"x" * (size - 12) + b"\"}"
    head = (b"POST /api/v2/tickets.json HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic " + auth
            + b"\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body))
    statuses = {}
    for _ in range(count):
        status = exchange(addr, head + body, timeout=30)
        statuses[status] = statuses.get(status, 0) + 1
    print(f"{rss(pid):.1f}", json.dumps(statuses).replace(" ", ""))

def read_journal(env_file, pid):
    import urllib.request
    e = env(env_file)
    base = e["FAKEDESK_CONTROL_URL"]
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    since, entries, pages, peak = 1, 0, 0, 0.0
    while pages < 1000:
        with opener.open(f"{base}/journal?since={since}", timeout=60) as r:
            page = json.load(r)
        peak = max(peak, rss(pid))
        entries += len(page["entries"])
        pages += 1
        since = page["next_since"]
        if not page["more"]:
            break
    print(f"{rss(pid):.1f}", f"{peak:.1f}", entries, pages)

def slow_clients(env_file, n, bound):
    addr = hostport(env(env_file)["FAKEDESK_ZENDESK_URL"])
    sel = selectors.DefaultSelector()
    socks = []
    for _ in range(n):
        s = socket.create_connection(addr, timeout=5)
        s.sendall(b"POST /api/v2/tickets.json HTTP/1.1\r\n")
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
        socks.append(s)
    start = time.monotonic()
    open_ = set(socks)
    last_trickle = start
    while open_ and time.monotonic() - start < bound:
        for key, _ in sel.select(timeout=0.2):
            s = key.fileobj
            try:
                data = s.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if not data:
                sel.unregister(s)
                s.close()
                open_.discard(s)
        if time.monotonic() - last_trickle >= 0.5:
            last_trickle = time.monotonic()
            for s in list(open_):
                try:
                    s.send(b"X")
                except OSError:
                    pass
    took = time.monotonic() - start
    for s in open_:
        s.close()
    print(f"{took:.2f}", len(open_))

def sigterm_half(binary, tmp, args):
    env_file = os.path.join(tmp, "half.env")
    p = subprocess.Popen([binary, "serve", "--ephemeral-ports", "--env-file", env_file] + args,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_env(env_file, p)
        s = socket.create_connection(hostport(env(env_file)["FAKEDESK_ZENDESK_URL"]))
        s.sendall(b"POST /api/v2/tickets.json HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le")
        time.sleep(0.2)
        print(f"{stop(p):.2f}")
    finally:
        if p.poll() is None:
            p.kill()

def sigterm_deliveries(binary, tmp, args):
    sink = socket.socket()
    sink.bind(("127.0.0.1", 0))
    sink.listen(64)
    held = []
    def accept():
        while True:
            try:
                c, _ = sink.accept()
            except OSError:
                return
            held.append(c)  # never answered
    threading.Thread(target=accept, daemon=True).start()
    url = f"http://127.0.0.1:{sink.getsockname()[1]}/hook"
    env_file = os.path.join(tmp, "deliveries.env")
    p = subprocess.Popen([binary, "serve", "--ephemeral-ports", "--env-file", env_file] + args,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_env(env_file, p)
        import urllib.request
        base = env(env_file)["FAKEDESK_CONTROL_URL"]
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        def post(path, doc):
            req = urllib.request.Request(base + path, data=json.dumps(doc).encode(),
                                         headers={"Content-Type": "application/json"})
            try:
                opener.open(req, timeout=30).read()
            except OSError:
                pass  # an action that waits for its delivery ends with the server
        post("/freshchat/actions/webhook", {"url": url})
        for i in range(5):
            threading.Thread(target=post, args=("/freshchat/actions/user_message",
                                                {"text": f"hello {i}"}), daemon=True).start()
        deadline = time.monotonic() + 10
        while len(held) < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        took = stop(p)
        cancelled = p.stderr.read().decode(errors="replace").count("cancelled")
        print(f"{took:.2f}", len(held), cancelled)
    finally:
        if p.poll() is None:
            p.kill()
        sink.close()

def wait_env(path, p):
    deadline = time.monotonic() + 20
    while not os.path.exists(path):
        if p.poll() is not None or time.monotonic() > deadline:
            sys.exit("fakedesk did not start")
        time.sleep(0.01)

def stop(p):
    t0 = time.monotonic()
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        return float("inf")
    return time.monotonic() - t0

cmd, a = sys.argv[1], sys.argv[2:]
if cmd == "hostile": hostile(a[0], int(a[1]))
elif cmd == "post": post_many(a[0], int(a[1]), int(a[2]), int(a[3]))
elif cmd == "journal": read_journal(a[0], int(a[1]))
elif cmd == "slow": slow_clients(a[0], int(a[1]), float(a[2]))
elif cmd == "half": sigterm_half(a[0], a[1], a[2:])
elif cmd == "deliveries": sigterm_deliveries(a[0], a[1], a[2:])
elif cmd == "wait-env":
    deadline = time.monotonic() + 20
    while not os.path.exists(a[0]):
        if time.monotonic() > deadline: sys.exit("fakedesk did not start")
        time.sleep(0.01)
else: sys.exit(f"unknown command {cmd}")
PY
py() { python3 "$TMP/rel.py" "$@"; }
verdict() { if python3 -c "import sys; sys.exit(0 if $1 else 1)"; then echo ok; else echo MISSED; fi; }

ARGS=(--no-rate-limits --header-timeout "${HEADER_TIMEOUT}s" --body-timeout "${HEADER_TIMEOUT}s"
    --shutdown-timeout "${SHUTDOWN_TIMEOUT}s")
log "starting fakedesk"
"$BIN" serve --ephemeral-ports --env-file "$TMP/f.env" "${ARGS[@]}" >"$TMP/f.out" 2>"$TMP/f.err" &
PID=$!
PIDS+=("$PID")
py wait-env "$TMP/f.env"
START_RSS=$(python3 -c "print(round(int([l for l in open('/proc/$PID/status') if l.startswith('VmRSS')][0].split()[1])/1024,1))")

log "hostile requests"
read -r SENT FIVEXX CRASHED < <(py hostile "$TMP/f.env" "$PID")
log "300 x 2.2 MB POSTs"
read -r RSS_BIG BIG_CODES < <(py post "$TMP/f.env" 300 2300000 "$PID")
log "400 x 1.9 MB POSTs"
read -r RSS_UNDER UNDER_CODES < <(py post "$TMP/f.env" 400 1990000 "$PID")
log "reading the whole journal"
read -r RSS_READ RSS_PEAK ENTRIES PAGES < <(py journal "$TMP/f.env" "$PID")
log "$SLOW slow connections"
read -r SLOW_S SLOW_LEFT < <(py slow "$TMP/f.env" "$SLOW" "$((HEADER_TIMEOUT + 10))")
kill -TERM "$PID"
wait "$PID" || true
log "SIGTERM with a half-sent request"
HALF_S=$(py half "$BIN" "$TMP" "${ARGS[@]}")
log "SIGTERM with deliveries in flight"
read -r DELIV_S HELD CANCEL_LINES < <(py deliveries "$BIN" "$TMP" "${ARGS[@]}")

printf '\nfakedesk reliability bench (header timeout %s s, shutdown timeout %s s)\n' "$HEADER_TIMEOUT" "$SHUTDOWN_TIMEOUT"
printf '  %-44s %s sent to 7 vendors, %s 5xx, %s crashes   target 0 and 0: %s\n' "hostile requests:" \
    "$SENT" "$FIVEXX" "$CRASHED" "$(verdict "$FIVEXX == 0 and $CRASHED == 0")"
printf '  %-44s %s MiB (start %s MiB; replies %s)   target < 256 MiB: %s\n' "RSS after 300 x 2.2 MB POSTs:" \
    "$RSS_BIG" "$START_RSS" "$BIG_CODES" "$(verdict "$RSS_BIG < 256")"
printf '  %-44s %s MiB (replies %s)   target < 256 MiB: %s\n' "RSS after 400 x 1.9 MB POSTs:" \
    "$RSS_UNDER" "$UNDER_CODES" "$(verdict "$RSS_UNDER < 256")"
printf '  %-44s %s MiB, peak during %s MiB (%s entries in %s pages)   target < 256 MiB: %s\n' \
    "RSS after reading the whole journal:" "$RSS_READ" "$RSS_PEAK" "$ENTRIES" "$PAGES" \
    "$(verdict "$RSS_PEAK < 256")"
printf '  %-44s %s s (%s still open)   target < %s s: %s\n' "$SLOW slow connections closed in:" \
    "$SLOW_S" "$SLOW_LEFT" "$((HEADER_TIMEOUT + 1))" "$(verdict "$SLOW_S < $HEADER_TIMEOUT + 1 and $SLOW_LEFT == 0")"
printf '  %-44s %s s   target < %s s: %s\n' "SIGTERM to exit, half-sent request:" \
    "$HALF_S" "$((SHUTDOWN_TIMEOUT + 1))" "$(verdict "$HALF_S < $SHUTDOWN_TIMEOUT + 1")"
printf '  %-44s %s s (%s deliveries held open)   target < %s s: %s\n' "SIGTERM to exit, deliveries in flight:" \
    "$DELIV_S" "$HELD" "$((SHUTDOWN_TIMEOUT + 1))" "$(verdict "$DELIV_S < $SHUTDOWN_TIMEOUT + 1")"

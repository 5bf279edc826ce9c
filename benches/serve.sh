#!/usr/bin/env bash
# Benchmark of `fakedesk serve`; see benches/README.md.
#
#   bash benches/serve.sh
#
# Measures, in one run:
#   1. time from process start to every listener bound (the env file appears),
#   2. req/s and p99 of GET /api/v2/tickets/{id}.json at 32 connections, for
#      fakedesk and for a bare axum server (examples/bare_axum.rs) serving the
#      same bytes (the body and the headers fakedesk sent with it, so the load
#      generator does the same work for both), and their ratio,
#   3. fakedesk's RSS after >= 200 000 recorded requests (default journal bound),
#   4. the cost of fault rules that do not match: the same GET with
#      BENCH_FAULT_RULES (100; 0 skips) rules in force, against none (the
#      no-rule figure is part 2's, where the fault layer is one atomic load).
# Only ever talks to 127.0.0.1. Knobs (environment): BENCH_STARTS (10),
# BENCH_CONNS (32), BENCH_THREADS (2), BENCH_DURATION (5, seconds per run),
# BENCH_ROUNDS (3: fakedesk and bare axum are measured in turn, this many times,
# and the medians are reported, so a drift in the machine's speed hits both),
# BENCH_RSS_REQUESTS (200000), BENCH_RSS_TIMEOUT (120, seconds).
set -euo pipefail

STARTS=${BENCH_STARTS:-10}
CONNS=${BENCH_CONNS:-32}
THREADS=${BENCH_THREADS:-2}
DURATION=${BENCH_DURATION:-5}
ROUNDS=${BENCH_ROUNDS:-3}
RSS_REQUESTS=${BENCH_RSS_REQUESTS:-200000}
RSS_TIMEOUT=${BENCH_RSS_TIMEOUT:-120}
FAULT_RULES=${BENCH_FAULT_RULES:-100}

cd "$(dirname "${BASH_SOURCE[0]}")/.."

TMP=$(mktemp -d "${TMPDIR:-/tmp}/fakedesk-bench.XXXXXX")
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    [ -n "${BENCH_KEEP:-}" ] && cp -r "$TMP" "$BENCH_KEEP"; rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Never send benchmark traffic through a proxy.
unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY

# ---------------------------------------------------------------- helpers
cat >"$TMP/helper.py" <<'PY'
"""Small helpers for serve.sh: HTTP to 127.0.0.1 only, timing, parsing."""
import json, os, re, signal, statistics, subprocess, sys, time, urllib.request, urllib.error

OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def local(url):
    if not url.startswith("http://127.0.0.1:"):
        sys.exit(f"refusing non-local URL {url}")
    return url


def request(url, auth=None, data=None):
    req = urllib.request.Request(local(url), data=data)
    if auth:
        req.add_header("Authorization", "Basic " + auth)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with OPENER.open(req, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def wait_file(path, timeout, pid=None):
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if pid is not None and not os.path.exists(f"/proc/{pid}"):
            sys.exit(f"process {pid} exited before writing {path}")
        if time.monotonic() > deadline:
            sys.exit(f"timed out after {timeout} s waiting for {path}")
        time.sleep(0.001)


def ready(binary, runs, tmp):
    """Start `fakedesk serve` `runs` times; ms from spawn to env file."""
    times = []
    for i in range(runs):
        env_file = os.path.join(tmp, f"ready-{i}.env")
        t0 = time.perf_counter()
        p = subprocess.Popen(
            [binary, "serve", "--ephemeral-ports", "--no-rate-limits", "--env-file", env_file],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = t0 + 5
            while not os.path.exists(env_file):
                if p.poll() is not None:
                    sys.exit(f"fakedesk exited with {p.returncode} before it was ready")
                if time.perf_counter() > deadline:
                    sys.exit("fakedesk not ready after 5 s")
                time.sleep(0.001)
            times.append((time.perf_counter() - t0) * 1000)
        finally:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    print(f"{min(times):.1f} {statistics.median(times):.1f} {max(times):.1f}")


def cpu_ticks(pid=None):
    """CPU seconds used so far by `pid`, or (busy, total) seconds of the machine."""
    hz = os.sysconf("SC_CLK_TCK")
    if pid is not None:
        f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / hz
    # user nice system idle iowait irq softirq steal; interrupts are left out of
    # "busy": loopback traffic is handled there, on behalf of the measured pair.
    f = [int(x) for x in open("/proc/stat").readline().split()[1:9]]
    return (f[0] + f[1] + f[2] + f[7]) / hz, sum(f) / hz


def measured(pid, stats, cmd):
    """Runs the load generator `cmd` (stdout passes through) and writes to `stats`
    `server_cpu_s loadgen_cpu_s other_cpu_share`: CPU the server and the load
    generator used, and the share of the machine used by anything else."""
    s0, (b0, t0) = cpu_ticks(pid), cpu_ticks()
    r0 = os.times()
    subprocess.run(cmd, check=True)
    r1 = os.times()
    s1, (b1, t1) = cpu_ticks(pid), cpu_ticks()
    server = s1 - s0
    loadgen = (r1.children_user + r1.children_system) - (r0.children_user + r0.children_system)
    other = max(0.0, (b1 - b0) - server - loadgen) / max(t1 - t0, 1e-9)
    open(stats, "w").write(f"{server:.3f} {loadgen:.3f} {other:.3f}\n")


def with_cpu(rps, p99, errors, requests, stats):
    server, _, other = (float(x) for x in open(stats).read().split())
    cpu_us = server * 1e6 / max(requests, 1)
    print(f"{rps:.0f} {p99:.3f} {errors} {cpu_us:.1f} {other * 100:.0f}")


def busy_share(seconds):
    """Share of the machine busy over `seconds` (before any load)."""
    b0, t0 = cpu_ticks()
    time.sleep(seconds)
    b1, t1 = cpu_ticks()
    print(f"{(b1 - b0) / max(t1 - t0, 1e-9) * 100:.0f}")


def parse_wrk(path, stats):
    """Prints `req/s p99_ms errors cpu_us_per_request other_%` from wrk --latency."""
    text = open(path).read()
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    if not rps or not p99:
        sys.exit(f"cannot parse wrk output:\n{text}")
    ms = float(p99.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    errors = 0
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    if m:
        errors += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        errors += sum(int(x) for x in m.groups())
    requests = int(re.search(r"(\d+) requests in", text).group(1))
    with_cpu(float(rps.group(1)), ms, errors, requests, stats)


def parse_oha(path, stats):
    """Prints `req/s p99_ms errors cpu_us_per_request other_%` from oha's JSON."""
    d = json.load(open(path))
    rps = d["summary"]["requestsPerSec"]
    p99 = d["latencyPercentiles"]["p99"] * 1000
    codes = d.get("statusCodeDistribution", {})
    errors = sum(n for c, n in codes.items() if not c.startswith("2"))
    errors += sum(d.get("errorDistribution", {}).values())
    with_cpu(rps, p99, errors, sum(codes.values()), stats)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "ready":
        ready(args[0], int(args[1]), args[2])
    elif cmd == "wait-file":
        wait_file(args[0], float(args[1]), int(args[2]) if len(args) > 2 else None)
    elif cmd == "basic":
        import base64
        print(base64.b64encode(args[0].encode()).decode())
    elif cmd == "create-ticket":
        body = json.dumps({"ticket": {"subject": "Bench", "comment": {"body": "hello"}}}).encode()
        status, _, out = request(args[0] + "/api/v2/tickets.json", args[1], body)
        if status != 201:
            sys.exit(f"creating a ticket: HTTP {status}: {out[:300]!r}")
        print(json.loads(out)["ticket"]["id"])
    elif cmd == "get":
        # get URL AUTH OUT [EXPECTED_FILE]: 200, body saved (and compared).
        status, headers, out = request(args[0], args[1] or None)
        if status != 200:
            sys.exit(f"GET {args[0]}: HTTP {status}: {out[:300]!r}")
        ctype = headers.get("content-type")
        if ctype != "application/json; charset=utf-8":
            sys.exit(f"GET {args[0]}: content-type {ctype!r}")
        open(args[2], "wb").write(out)
        # The headers as received, in order, next to the body (without `date`, and
        # without the `connection: close` this one-off client asked for).
        heads = "".join(f"{k.lower()}: {v}\n" for k, v in headers.items()
                        if k.lower() not in ("date", "connection"))
        open(args[2] + ".headers", "w").write(heads)
        if len(args) > 3 and open(args[3], "rb").read() != out:
            sys.exit(f"GET {args[0]}: body differs from {args[3]}")
        if len(args) > 3 and open(args[3] + ".headers").read() != heads:
            sys.exit(f"GET {args[0]}: headers differ from {args[3]}.headers")
    elif cmd == "add-faults":
        # add-faults CONTROL_URL N: N Zendesk rules whose path never matches.
        for i in range(int(args[1])):
            rule = {"vendor": "zendesk", "method": "GET", "path": f"/api/v2/nowhere/{i}/*",
                    "action": "status", "status": 503}
            status, _, out = request(args[0] + "/faults", None, json.dumps(rule).encode())
            if status != 201:
                sys.exit(f"POST /faults: HTTP {status}: {out[:300]!r}")
    elif cmd == "delete-faults":
        req = urllib.request.Request(local(args[0] + "/faults"), method="DELETE")
        with OPENER.open(req, timeout=10) as r:
            if r.status != 204:
                sys.exit(f"DELETE /faults: HTTP {r.status}")
    elif cmd == "health":
        status, _, out = request(args[0] + "/health")
        if status != 200:
            sys.exit(f"GET /health: HTTP {status}")
        j = json.loads(out)["journal"]
        print(j["next_seq"] - 1, j["len"], j["capacity"], j["evicted"])
    elif cmd == "rss-mib":
        for line in open(f"/proc/{args[0]}/status"):
            if line.startswith("VmRSS:"):
                print(f"{int(line.split()[1]) / 1024:.1f}")
                return
        sys.exit("no VmRSS")
    elif cmd == "medians":
        # medians PREFIX N: the median of each column of PREFIX.1.res .. PREFIX.N.res
        # (errors are summed).
        rows = [open(f"{args[0]}.{i}.res").read().split() for i in range(1, int(args[1]) + 1)]
        cols = list(zip(*[[float(x) for x in r] for r in rows]))
        med = [statistics.median(c) for c in cols]
        print(f"{med[0]:.0f} {med[1]:.3f} {int(sum(cols[2]))} {med[3]:.1f} {med[4]:.0f}")
    elif cmd == "median-ratio":
        # median-ratio A B N [DIGITS]: the median over rounds of A's req/s over B's.
        ratios = [float(open(f"{args[0]}.{i}.res").read().split()[0])
                  / float(open(f"{args[1]}.{i}.res").read().split()[0])
                  for i in range(1, int(args[2]) + 1)]
        digits = int(args[3]) if len(args) > 3 else 2
        print(f"{statistics.median(ratios):.{digits}f}")
    elif cmd == "measured":
        measured(int(args[0]), args[1], args[2:])
    elif cmd == "busy":
        busy_share(float(args[0]))
    elif cmd == "parse-wrk":
        parse_wrk(args[0], args[1])
    elif cmd == "parse-oha":
        parse_oha(args[0], args[1])
    else:
        sys.exit(f"unknown helper command {cmd}")


main()
PY
py() { python3 "$TMP/helper.py" "$@"; }

# ------------------------------------------------------- load generator
LOADGEN=
if command -v wrk >/dev/null 2>&1; then
    LOADGEN=wrk
else
    log "installing wrk (apt)"
    SUDO=
    if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then SUDO=sudo; fi
    if command -v apt-get >/dev/null 2>&1 \
        && { $SUDO apt-get install -y wrk >/dev/null 2>&1 \
            || { $SUDO apt-get update >/dev/null 2>&1 \
                && $SUDO apt-get install -y wrk >/dev/null 2>&1; }; } \
        && command -v wrk >/dev/null 2>&1; then
        LOADGEN=wrk
    fi
fi
if [ -z "$LOADGEN" ]; then
    if ! command -v oha >/dev/null 2>&1; then
        log "wrk unavailable; installing oha (cargo install oha --locked)"
        cargo install oha --locked >&2 || die "cannot install wrk or oha"
        export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
    fi
    LOADGEN=oha
fi
log "load generator: $LOADGEN"

# load_cmd URL AUTH SECONDS: sets CMD to GET URL for SECONDS at $CONNS connections.
load_cmd() {
    if [ "$LOADGEN" = wrk ]; then
        CMD=(wrk -t"$THREADS" -c"$CONNS" -d"${3}s" --latency -H "Authorization: Basic $2" "$1")
    else
        CMD=(oha -z "${3}s" -c "$CONNS" --no-tui --output-format json
            -H "Authorization: Basic $2" "$1")
    fi
}
# measure URL AUTH NAME PID [nowarm]: warm up (unless told not to), then one
# measured run; prints `req/s p99_ms errors server_cpu_us_per_request other_load_%`.
measure() {
    local url=$1 auth=$2 name=$3 pid=$4
    if [ "${5:-}" != nowarm ]; then
        load_cmd "$url" "$auth" 2
        "${CMD[@]}" >"$TMP/$name.warmup"
    fi
    load_cmd "$url" "$auth" "$DURATION"
    py measured "$pid" "$TMP/$name.cpu" "${CMD[@]}" >"$TMP/$name.out"
    py "parse-$LOADGEN" "$TMP/$name.out" "$TMP/$name.cpu"
}

# ---------------------------------------------------------------- build
log "building (release)"
cargo build --release --quiet --bin fakedesk --example bare_axum
FAKEDESK=target/release/fakedesk
BARE=target/release/examples/bare_axum
[ -x "$FAKEDESK" ] && [ -x "$BARE" ] || die "release binaries missing"

IDLE_BUSY=$(py busy 1)
# ----------------------------------------------------- 1. time to ready
log "start-to-ready, $STARTS starts"
py ready "$FAKEDESK" "$STARTS" "$TMP" >"$TMP/ready.res"
read -r READY_MIN READY_MED READY_MAX <"$TMP/ready.res"

# ------------------------------------------------------- 2. throughput
log "starting fakedesk"
"$FAKEDESK" serve --ephemeral-ports --no-rate-limits --env-file "$TMP/fakedesk.env" \
    >"$TMP/fakedesk.stdout" 2>"$TMP/fakedesk.stderr" &
FD_PID=$!
PIDS+=("$FD_PID")
py wait-file "$TMP/fakedesk.env" 10 "$FD_PID"
envval() { sed -n "s/^$1=//p" "$TMP/fakedesk.env" | head -n1; }
CONTROL_URL=$(envval FAKEDESK_CONTROL_URL)
ZD_URL=$(envval FAKEDESK_ZENDESK_URL)
ZD_EMAIL=$(envval FAKEDESK_ZENDESK_EMAIL)
ZD_TOKEN=$(envval FAKEDESK_ZENDESK_TOKEN)
[ -n "$CONTROL_URL" ] && [ -n "$ZD_URL" ] && [ -n "$ZD_EMAIL" ] && [ -n "$ZD_TOKEN" ] \
    || die "env file lacks the expected FAKEDESK_* lines"
AUTH=$(py basic "$ZD_EMAIL/token:$ZD_TOKEN")
RSS_START=$(py rss-mib "$FD_PID")

TICKET_ID=$(py create-ticket "$ZD_URL" "$AUTH")
FD_TICKET_URL="$ZD_URL/api/v2/tickets/$TICKET_ID.json"
py get "$FD_TICKET_URL" "$AUTH" "$TMP/ticket.json"
log "ticket body: $(wc -c <"$TMP/ticket.json") bytes"

log "starting bare axum"
"$BARE" "$TMP/ticket.json" "$TMP/bare.port" "$TMP/ticket.json.headers" >"$TMP/bare.stdout" 2>"$TMP/bare.stderr" &
BARE_PID=$!
PIDS+=("$BARE_PID")
py wait-file "$TMP/bare.port" 10 "$BARE_PID"
BARE_TICKET_URL="http://127.0.0.1:$(tr -d '[:space:]' <"$TMP/bare.port")/api/v2/tickets/$TICKET_ID.json"
py get "$BARE_TICKET_URL" "" "$TMP/bare-ticket.json" "$TMP/ticket.json"

# 2b (live inspectors) and 4 (fault rules that do not match) are measured in the
# same rounds, each against that round's fakedesk figure.
# BENCH_INSPECTORS clients follow GET /journal/stream (what each open inspector
# does) while the load runs; curl reads and discards the events.
INSPECTORS=${BENCH_INSPECTORS:-10}
command -v curl >/dev/null 2>&1 || INSPECTORS=0
if [ "$INSPECTORS" -gt 0 ]; then
    probe=$(curl -sN --noproxy '*' --max-time 1 "$CONTROL_URL/journal/stream?since=1" | head -c 200 || true)
    case "$probe" in *"id: "*) ;; *) die "GET /journal/stream sent no event: $probe" ;; esac
fi
for round in $(seq 1 "$ROUNDS"); do
    warm=nowarm
    [ "$round" = 1 ] && warm=warm
    log "round $round/$ROUNDS: fakedesk, then bare axum: GET ticket, ${DURATION}s each at $CONNS connections"
    measure "$FD_TICKET_URL" "$AUTH" fakedesk "$FD_PID" "$warm" >"$TMP/fakedesk.$round.res"
    measure "$BARE_TICKET_URL" "$AUTH" bare "$BARE_PID" "$warm" >"$TMP/bare.$round.res"
    if [ "$FAULT_RULES" -gt 0 ]; then
        log "round $round/$ROUNDS: fakedesk with $FAULT_RULES fault rules that do not match"
        py add-faults "$CONTROL_URL" "$FAULT_RULES"
        measure "$FD_TICKET_URL" "$AUTH" faulted "$FD_PID" nowarm >"$TMP/faulted.$round.res"
        py delete-faults "$CONTROL_URL"
    fi
    if [ "$INSPECTORS" -gt 0 ]; then
        log "round $round/$ROUNDS: fakedesk with $INSPECTORS live streams"
        STREAM_PIDS=()
        for _ in $(seq 1 "$INSPECTORS"); do
            curl -sN --noproxy '*' -o /dev/null "$CONTROL_URL/journal/stream" &
            STREAM_PIDS+=("$!")
            PIDS+=("$!")
        done
        measure "$FD_TICKET_URL" "$AUTH" live "$FD_PID" nowarm >"$TMP/live.$round.res"
        for pid in "${STREAM_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
        for pid in "${STREAM_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    fi
done
py medians "$TMP/fakedesk" "$ROUNDS" >"$TMP/fakedesk.res"
py medians "$TMP/bare" "$ROUNDS" >"$TMP/bare.res"
RATIO=$(py median-ratio "$TMP/fakedesk" "$TMP/bare" "$ROUNDS")
read -r FD_RPS FD_P99 FD_ERR FD_CPU FD_OTHER <"$TMP/fakedesk.res"
read -r BARE_RPS BARE_P99 BARE_ERR BARE_CPU BARE_OTHER <"$TMP/bare.res"
kill -TERM "$BARE_PID" 2>/dev/null || true
wait "$BARE_PID" 2>/dev/null || true
if [ "$FAULT_RULES" -gt 0 ]; then
    py medians "$TMP/faulted" "$ROUNDS" >"$TMP/faulted.res"
    read -r F_RPS F_P99 F_ERR F_CPU F_OTHER <"$TMP/faulted.res"
    F_RATIO=$(py median-ratio "$TMP/faulted" "$TMP/fakedesk" "$ROUNDS" 3)
fi
LIVE_RPS=
if [ "$INSPECTORS" -gt 0 ]; then
    py medians "$TMP/live" "$ROUNDS" >"$TMP/live.res"
    read -r LIVE_RPS LIVE_P99 LIVE_ERR LIVE_CPU LIVE_OTHER <"$TMP/live.res"
    LIVE_RATIO=$(py median-ratio "$TMP/live" "$TMP/fakedesk" "$ROUNDS" 3)
fi

# ------------------------------------------------ 3. RSS after N requests
log "driving fakedesk to $RSS_REQUESTS recorded requests (at most ${RSS_TIMEOUT}s)"
read -r RECORDED _ _ _ < <(py health "$CONTROL_URL")
deadline=$((SECONDS + RSS_TIMEOUT))
rounds=0
while [ "$RECORDED" -lt "$RSS_REQUESTS" ]; do
    [ "$SECONDS" -lt "$deadline" ] && [ "$rounds" -lt 100 ] \
        || die "only $RECORDED of $RSS_REQUESTS requests recorded after ${RSS_TIMEOUT}s"
    load_cmd "$FD_TICKET_URL" "$AUTH" 2
    "${CMD[@]}" >"$TMP/rss.out"
    rounds=$((rounds + 1))
    read -r RECORDED _ _ _ < <(py health "$CONTROL_URL")
done
read -r RECORDED J_LEN J_CAP J_EVICTED < <(py health "$CONTROL_URL")
RSS_END=$(py rss-mib "$FD_PID")

# ---------------------------------------------------------------- report
verdict() { if python3 -c "import sys; sys.exit(0 if $1 else 1)"; then echo ok; else echo MISSED; fi; }
fmt() { python3 -c "print(f'{int($1):,}'.replace(',', ' '))"; }

printf '\nfakedesk serve benchmark (%s, %s connections, %s threads, %s rounds of %ss, %s CPUs)\n' \
    "$LOADGEN" "$CONNS" "$THREADS" "$ROUNDS" "$DURATION" "$(nproc)"
printf '  %-34s %s ms / %s ms (max %s ms)   target < 50 ms: %s\n' \
    "ready (min/median of $STARTS):" "$READY_MIN" "$READY_MED" "$READY_MAX" \
    "$(verdict "$READY_MED < 50")"
row() { # row LABEL RPS P99 ERRORS CPU_US
    printf '  %-34s %s req/s, p99 %s ms, server CPU %s us/request%s\n' "$1" "$(fmt "$2")" \
        "$3" "$5" "$([ "$4" = 0 ] || echo ", $4 ERRORS")"
}
row "fakedesk GET ticket:" "$FD_RPS" "$FD_P99" "$FD_ERR" "$FD_CPU"
row "bare axum GET ticket:" "$BARE_RPS" "$BARE_P99" "$BARE_ERR" "$BARE_CPU"
CPU_RATIO=$(python3 -c "print(f'{$BARE_CPU / $FD_CPU:.2f}')")
printf '  %-34s %s   target >= 0.85: %s   (by CPU per request: %s)\n' "ratio fakedesk/bare (median):" \
    "$RATIO" "$(verdict "$RATIO >= 0.85")" "$CPU_RATIO"
if [ -n "$LIVE_RPS" ]; then
    row "fakedesk + $INSPECTORS live streams:" "$LIVE_RPS" "$LIVE_P99" "$LIVE_ERR" "$LIVE_CPU"
    LIVE_COST=$(python3 -c "print(f'{max(0.0, 1 - $LIVE_RATIO) * 100:.1f}')")
    printf '  %-34s %s%% of req/s   target < 10%%: %s\n' "cost of $INSPECTORS live streams:" \
        "$LIVE_COST" "$(verdict "$LIVE_COST < 10")"
fi
printf '  %-34s %s MiB (%s MiB at start)   target < 100 MiB: %s\n' \
    "RSS after $(fmt "$RECORDED") requests:" "$RSS_END" "$RSS_START" \
    "$(verdict "$RSS_END < 100")"
printf '  %-34s len %s / capacity %s, evicted %s\n' "journal:" \
    "$J_LEN" "$J_CAP" "$(fmt "$J_EVICTED")"
if [ "$FAULT_RULES" -gt 0 ]; then
    row "fakedesk, $FAULT_RULES rules unmatched:" "$F_RPS" "$F_P99" "$F_ERR" "$F_CPU"
    F_CPU_RATIO=$(python3 -c "print(f'{$FD_CPU / $F_CPU:.3f}')")
    printf '  %-34s %s   target >= 0.95: %s   (by CPU per request: %s)\n' \
        "ratio with rules/without:" "$F_RATIO" "$(verdict "$F_RATIO >= 0.95")" "$F_CPU_RATIO"
fi
if [ "$IDLE_BUSY" -gt 20 ] || [ "$FD_OTHER" -gt 10 ] || [ "$BARE_OTHER" -gt 10 ]; then
    printf '  WARNING: other processes were using the CPU (%s%% before the runs, %s%% / %s%% during\n' \
        "$IDLE_BUSY" "$FD_OTHER" "$BARE_OTHER"
    printf '           the fakedesk / bare runs): req/s and p99 are noisy; CPU us/request is steadier.\n'
fi

#!/usr/bin/env bash
# Benchmark of fake Zendesk's incremental exports and search at size; see
# benches/README.md.
#
#   bash benches/zendesk-breadth.sh
#
# Seeds 10,000 tickets, 5,000 users (the tickets' requesters) and 500 organizations
# through the API, then times every 1,000-record export page (cursor and time-based,
# tickets, users, organizations) and a set of searches, each as the server's own
# `x-runtime` and as the client's wall time. Target: every one under 20 ms.
# Only ever talks to 127.0.0.1. Knobs (environment): BENCH_TICKETS (10000),
# BENCH_USERS (5000), BENCH_ORGS (500), BENCH_TARGET_MS (20).
set -euo pipefail

TICKETS=${BENCH_TICKETS:-10000}
USERS=${BENCH_USERS:-5000}
ORGS=${BENCH_ORGS:-500}
TARGET_MS=${BENCH_TARGET_MS:-20}

cd "$(dirname "${BASH_SOURCE[0]}")/.."

TMP=$(mktemp -d "${TMPDIR:-/tmp}/fakedesk-zd-bench.XXXXXX")
FD_PID=
cleanup() {
    if [ -n "$FD_PID" ]; then
        kill -TERM "$FD_PID" 2>/dev/null || true
        wait "$FD_PID" 2>/dev/null || true
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '==> %s\n' "$*" >&2; }

# Never send benchmark traffic through a proxy.
unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY

cat >"$TMP/config.yaml" <<'YAML'
vendors:
  zendesk:
    incremental:
      # Export what was just seeded without waiting out Zendesk's minute.
      lag_secs: 0
      min_start_age_secs: 0
YAML

cat >"$TMP/bench.py" <<'PY'
"""Seeds fake Zendesk through its API and times export pages and searches."""
import base64, json, statistics, sys, time, urllib.parse, urllib.request, urllib.error

OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
env = dict(l.rstrip("\n").split("=", 1) for l in open(sys.argv[1]) if "=" in l)
BASE = env["FAKEDESK_ZENDESK_URL"].rstrip("/")
if not BASE.startswith("http://127.0.0.1:"):
    sys.exit(f"refusing non-local URL {BASE}")
AUTH = "Basic " + base64.b64encode(
    f'{env["FAKEDESK_ZENDESK_EMAIL"]}/token:{env["FAKEDESK_ZENDESK_TOKEN"]}'.encode()).decode()
TICKETS, USERS, ORGS, TARGET = (int(x) for x in sys.argv[2:6])


def call(method, path, body=None):
    url = path if path.startswith("http") else BASE + path
    if not url.startswith("http://127.0.0.1:"):
        sys.exit(f"refusing non-local URL {url}")
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Authorization", AUTH)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    t0 = time.perf_counter()
    try:
        with OPENER.open(req, timeout=60) as r:
            out, status, runtime = r.read(), r.status, r.headers.get("x-runtime")
    except urllib.error.HTTPError as e:
        out, status, runtime = e.read(), e.code, e.headers.get("x-runtime")
    wall = (time.perf_counter() - t0) * 1000
    return status, json.loads(out) if out else None, float(runtime or 0) * 1000, wall


def seed():
    t0 = time.perf_counter()
    for start in range(0, TICKETS, 100):
        batch = [{"subject": f"Printer {i} on fire" if i % 10 == 0 else f"Question {i}",
                  "comment": {"body": f"Body of ticket {i}"},
                  "tags": [f"bench{i % 20}"],
                  "status": ["new", "open", "pending"][i % 3] if i % 3 else "new",
                  "requester": {"name": f"User {i % USERS}", "email": f"u{i % USERS}@example.org"}}
                 for i in range(start, min(start + 100, TICKETS))]
        s, body, _, _ = call("POST", "/api/v2/tickets/create_many.json", {"tickets": batch})
        if s != 200:
            sys.exit(f"create_many: HTTP {s}: {str(body)[:300]}")
    for i in range(ORGS):
        s, body, _, _ = call("POST", "/api/v2/organizations.json", {"organization": {"name": f"Org {i}"}})
        if s != 201:
            sys.exit(f"organization: HTTP {s}: {str(body)[:300]}")
    print(f"seeded in {time.perf_counter() - t0:.1f} s", file=sys.stderr)


RESULTS = []


def timed(label, path):
    s, body, server, wall = call("GET", path)
    if s != 200:
        sys.exit(f"{label}: HTTP {s}: {str(body)[:300]}")
    RESULTS.append((label, server, wall))
    return body


def exports():
    for kind in ("tickets", "users"):
        path = f"/api/v2/incremental/{kind}/cursor.json?start_time=0"
        for _ in range(100):
            body = timed(f"cursor {kind} page", path)
            if body["end_of_stream"]:
                break
            path = body["after_url"]
    for kind in ("tickets", "users", "organizations"):
        path, last = f"/api/v2/incremental/{kind}.json?start_time=0", None
        for _ in range(100):
            body = timed(f"time {kind} page", path)
            # A second holding more than 1,000 records repeats (as Zendesk does).
            if body["end_of_stream"] or body["end_time"] == last:
                break
            last, path = body["end_time"], body["next_page"]


QUERIES = [
    "type:ticket status:open", "type:ticket status<solved priority:none", "type:ticket tags:bench7",
    "printer", "\"on fire\" type:ticket", "type:user", "requester:u42@example.org",
    "type:ticket created>1hours", "type:organization org", "-tags:bench3 type:ticket",
]


def searches():
    for q in QUERIES:
        timed(f"search {q}", "/api/v2/search.json?" + urllib.parse.urlencode({"query": q}))
        timed(f"count {q}", "/api/v2/search/count.json?" + urllib.parse.urlencode({"query": q}))
    path = "/api/v2/search/export.json?" + urllib.parse.urlencode(
        {"query": "status<solved", "filter[type]": "ticket", "page[size]": 1000})
    for _ in range(20):
        body = timed("search export page", path)
        if not body["meta"]["has_more"]:
            break
        path = body["links"]["next"]


seed()
exports()
searches()
groups = {}
for label, server, wall in RESULTS:
    key = label if label.startswith(("search", "count")) else label
    groups.setdefault(key, []).append((server, wall))
worst = 0.0
print(f"{'request':44} {'n':>3} {'server med/max ms':>18} {'wall med/max ms':>16}")
for key, xs in groups.items():
    srv = [x[0] for x in xs]
    wall = [x[1] for x in xs]
    worst = max(worst, max(srv))
    print(f"{key[:44]:44} {len(xs):>3} {statistics.median(srv):8.2f}/{max(srv):<8.2f} "
          f"{statistics.median(wall):7.2f}/{max(wall):<7.2f}")
verdict = "PASS" if worst < TARGET else "FAIL"
print(f"slowest server time {worst:.2f} ms, target < {TARGET} ms: {verdict}")
PY

log "building (release)"
cargo build --release --quiet --bin fakedesk
log "starting fakedesk"
target/release/fakedesk serve --config "$TMP/config.yaml" --ephemeral-ports --no-rate-limits \
    --env-file "$TMP/fakedesk.env" >"$TMP/stdout" 2>"$TMP/stderr" &
FD_PID=$!
for _ in $(seq 1 500); do
    [ -f "$TMP/fakedesk.env" ] && break
    kill -0 "$FD_PID" 2>/dev/null || { cat "$TMP/stderr" >&2; exit 1; }
    sleep 0.02
done
[ -f "$TMP/fakedesk.env" ] || { echo "fakedesk not ready after 10 s" >&2; exit 1; }
log "seeding $TICKETS tickets, $USERS users, $ORGS organizations, then timing"
python3 "$TMP/bench.py" "$TMP/fakedesk.env" "$TICKETS" "$USERS" "$ORGS" "$TARGET_MS"

#!/usr/bin/env bash
# Prove that popular, unmodified client libraries work against the fake:
# zenpy (PyPI) and node-zendesk (npm) for Zendesk, braze-api (npm) for Braze,
# blip-sdk with its HTTP transport lime-transport-http (npm) for Take Blip,
# freshchat (PyPI) for the Freshchat API v2; and, through fakedesk's proxy with
# only HTTPS_PROXY and the CA bundle set, zenpy given just a subdomain
# (tests/clients/zenpy_proxy_flow.py) and curl to every vendor's own hostname
# (tests/clients/proxy_flow.sh).
#
#   bash tests/clients/run.sh
#
# Builds fakedesk (cargo build --release) unless FAKEDESK_BIN names a binary,
# installs each library into a throwaway place under a temp dir, starts
# `fakedesk serve --ephemeral-ports` and a webhook receiver
# (tests/clients/receiver.py, which checks Zendesk webhook signatures itself),
# resets the fake before each flow and runs tests/clients/zenpy_flow.py,
# tests/clients/node_zendesk_flow.js, tests/clients/braze_flow.js,
# tests/clients/blip_sdk_flow.js and tests/clients/freshchat_flow.py. Only
# 127.0.0.1 is contacted, apart from the package registries for the installs.
#
# Exit codes: 0 all flows passed; 1 a step failed; 3 nothing failed but a
# library could not be installed (registry unreachable): "SKIPPED: ...".
# Set CLIENTS_VERBOSE=1 for stack traces; on failure the fake's log and
# request journals (and the receiver's log of webhook deliveries) are kept in a
# temp dir whose path is printed.
set -euo pipefail

ZENPY_VERSION="2.0.57"
NODE_ZENDESK_VERSION="6.0.1"
BRAZE_API_VERSION="2.13.4"
BLIP_SDK_VERSION="10.0.1"
LIME_TRANSPORT_HTTP_VERSION="3.1.1"
# freshchat declares pycrypto, which no longer builds on current Pythons and is
# only imported by its webhook module (unused here): it is installed without
# its declared dependencies, then with the two its client needs.
FRESHCHAT_VERSION="0.6.0"
FRESHCHAT_DEPS=("aiohttp>=3.6,<4" "cafeteria>=0.19,<2")

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PYTHON="${PYTHON:-python3}"
NODE="${NODE:-node}"
NPM="${NPM:-npm}"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/fakedesk-clients.XXXXXX")"
ART="$TMP/artifacts"
mkdir -p "$ART"
FAKEDESK_PID=""
RECEIVER_PID=""
KEEP_ARTIFACTS=0

stop_fakedesk() {
  # SIGTERM, then wait up to 10 s; SIGKILL only if it did not stop.
  [ -n "$FAKEDESK_PID" ] || return 0
  local pid="$FAKEDESK_PID" rc=0 i
  FAKEDESK_PID=""
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    return 1
  fi
  wait "$pid" 2>/dev/null || rc=$?
  return "$rc"
}

stop_receiver() {
  [ -n "$RECEIVER_PID" ] || return 0
  local pid="$RECEIVER_PID" i
  RECEIVER_PID=""
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 1 50); do # 5 s at most
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  stop_fakedesk || true
  stop_receiver || true
  if [ "$KEEP_ARTIFACTS" = 1 ] || { [ "$rc" != 0 ] && [ "$rc" != 3 ]; }; then
    local keep
    keep="$(mktemp -d "${TMPDIR:-/tmp}/fakedesk-clients-artifacts.XXXXXX")"
    cp -R "$ART/." "$keep/" 2>/dev/null || true
    echo "artifacts (fakedesk log, request journals): $keep"
  fi
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- build
if [ -n "${FAKEDESK_BIN:-}" ]; then
  BIN="$FAKEDESK_BIN"
else
  echo "building fakedesk (cargo build --release)..."
  if ! (cd "$ROOT" && cargo build --release --bin fakedesk); then
    echo "FAIL build: cargo build --release"
    exit 1
  fi
  BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/fakedesk"
  case "$BIN" in /*) ;; *) BIN="$ROOT/$BIN" ;; esac
fi
if [ ! -x "$BIN" ]; then
  echo "FAIL build: no executable fakedesk at $BIN"
  exit 1
fi
echo "PASS build: fakedesk binary ready"

# ---------------------------------------------------------------- installs
SKIPPED=()

ZENPY_OK=0
if "$PYTHON" -m venv "$TMP/venv" >"$ART/venv.log" 2>&1 &&
  "$TMP/venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    --no-input --timeout 30 --retries 2 "zenpy==$ZENPY_VERSION" >"$ART/pip.log" 2>&1; then
  ZENPY_OK=1
  echo "PASS install zenpy==$ZENPY_VERSION"
else
  tail -n 5 "$ART/pip.log" "$ART/venv.log" 2>/dev/null || true
  echo "SKIPPED: could not install zenpy"
  SKIPPED+=(zenpy)
fi

NODE_OK=0
mkdir -p "$TMP/npm"
if "$NPM" install --prefix "$TMP/npm" --no-audit --no-fund --no-package-lock \
  --loglevel=error --fetch-timeout=30000 --fetch-retries=2 \
  "node-zendesk@$NODE_ZENDESK_VERSION" >"$ART/npm.log" 2>&1 &&
  [ -d "$TMP/npm/node_modules/node-zendesk" ]; then
  NODE_OK=1
  echo "PASS install node-zendesk@$NODE_ZENDESK_VERSION"
else
  tail -n 5 "$ART/npm.log" 2>/dev/null || true
  echo "SKIPPED: could not install node-zendesk"
  SKIPPED+=(node-zendesk)
fi

BRAZE_OK=0
mkdir -p "$TMP/npm-braze"
if "$NPM" install --prefix "$TMP/npm-braze" --no-audit --no-fund --no-package-lock \
  --loglevel=error --fetch-timeout=30000 --fetch-retries=2 \
  "braze-api@$BRAZE_API_VERSION" >"$ART/npm-braze.log" 2>&1 &&
  [ -d "$TMP/npm-braze/node_modules/braze-api" ]; then
  BRAZE_OK=1
  echo "PASS install braze-api@$BRAZE_API_VERSION"
else
  tail -n 5 "$ART/npm-braze.log" 2>/dev/null || true
  echo "SKIPPED: could not install braze-api"
  SKIPPED+=(braze-api)
fi

BLIP_OK=0
mkdir -p "$TMP/npm-blip"
if "$NPM" install --prefix "$TMP/npm-blip" --no-audit --no-fund --no-package-lock \
  --loglevel=error --fetch-timeout=30000 --fetch-retries=2 \
  "blip-sdk@$BLIP_SDK_VERSION" "lime-transport-http@$LIME_TRANSPORT_HTTP_VERSION" \
  >"$ART/npm-blip.log" 2>&1 &&
  [ -d "$TMP/npm-blip/node_modules/blip-sdk" ] &&
  [ -d "$TMP/npm-blip/node_modules/lime-transport-http" ]; then
  BLIP_OK=1
  echo "PASS install blip-sdk@$BLIP_SDK_VERSION lime-transport-http@$LIME_TRANSPORT_HTTP_VERSION"
else
  tail -n 5 "$ART/npm-blip.log" 2>/dev/null || true
  echo "SKIPPED: could not install blip-sdk and lime-transport-http"
  SKIPPED+=(blip-sdk)
fi

FRESHCHAT_OK=0
if "$PYTHON" -m venv "$TMP/venv-freshchat" >"$ART/venv-freshchat.log" 2>&1 &&
  "$TMP/venv-freshchat/bin/python" -m pip install --quiet --disable-pip-version-check \
    --no-input --timeout 30 --retries 2 --no-deps "freshchat==$FRESHCHAT_VERSION" \
    >"$ART/pip-freshchat.log" 2>&1 &&
  "$TMP/venv-freshchat/bin/python" -m pip install --quiet --disable-pip-version-check \
    --no-input --timeout 30 --retries 2 "${FRESHCHAT_DEPS[@]}" \
    >>"$ART/pip-freshchat.log" 2>&1; then
  FRESHCHAT_OK=1
  echo "PASS install freshchat==$FRESHCHAT_VERSION"
else
  tail -n 5 "$ART/pip-freshchat.log" "$ART/venv-freshchat.log" 2>/dev/null || true
  echo "SKIPPED: could not install freshchat"
  SKIPPED+=(freshchat)
fi

if [ "$ZENPY_OK" = 0 ] && [ "$NODE_OK" = 0 ] && [ "$BRAZE_OK" = 0 ] && [ "$BLIP_OK" = 0 ] &&
  [ "$FRESHCHAT_OK" = 0 ]; then
  echo "clients: 0 passed, 0 failed"
  echo "SKIPPED: could not install ${SKIPPED[*]}"
  exit 3
fi

# ---------------------------------------------------------------- fakedesk
# The CA lives in the temp dir, never in the user's data directory.
"$BIN" serve --ephemeral-ports --proxy-port 0 --tls-dir "$TMP/tls" --env-file "$TMP/env" \
  >"$ART/fakedesk.log" 2>&1 &
FAKEDESK_PID=$!

env_ready() {
  [ -f "$TMP/env" ] || return 1
  local k
  for k in FAKEDESK_ZENDESK_URL FAKEDESK_ZENDESK_EMAIL FAKEDESK_ZENDESK_TOKEN \
    FAKEDESK_ZENDESK_PASSWORD FAKEDESK_ZENDESK_OAUTH_TOKEN FAKEDESK_CONTROL_URL \
    FAKEDESK_BRAZE_URL FAKEDESK_BRAZE_API_KEY FAKEDESK_BLIP_URL FAKEDESK_BLIP_BOT \
    FAKEDESK_BLIP_KEY FAKEDESK_FRESHCHAT_URL FAKEDESK_FRESHCHAT_TOKEN \
    FAKEDESK_FRESHCHAT_APP_ID FAKEDESK_FRESHCHAT_CHANNEL_ID FAKEDESK_PROXY_URL \
    FAKEDESK_CA_CERT; do
    grep -q "^$k=" "$TMP/env" || return 1
  done
}
for _ in $(seq 1 200); do # 20 s at most
  env_ready && break
  if ! kill -0 "$FAKEDESK_PID" 2>/dev/null; then break; fi
  sleep 0.1
done
if ! env_ready; then
  echo "FAIL start: fakedesk did not write its env file within 20 s"
  tail -n 20 "$ART/fakedesk.log" || true
  exit 1
fi
set -a
# shellcheck disable=SC1091
. "$TMP/env"
set +a
for u in "$FAKEDESK_ZENDESK_URL" "$FAKEDESK_BRAZE_URL" "$FAKEDESK_BLIP_URL" \
  "$FAKEDESK_FRESHCHAT_URL" "$FAKEDESK_CONTROL_URL"; do
  case "$u" in
    http://127.0.0.1:*) ;;
    *)
      echo "FAIL start: $u is not on 127.0.0.1"
      exit 1
      ;;
  esac
done
echo "PASS start: fakedesk zendesk at $FAKEDESK_ZENDESK_URL, braze at $FAKEDESK_BRAZE_URL, blip at $FAKEDESK_BLIP_URL, freshchat at $FAKEDESK_FRESHCHAT_URL"

# POST /reset or GET /journal on the control API, with the stdlib (no curl needed).
control() {
  "$PYTHON" - "$1" "$FAKEDESK_CONTROL_URL$2" <<'EOF'
import sys, urllib.request
method, url = sys.argv[1], sys.argv[2]
req = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
with urllib.request.urlopen(req, timeout=10) as r:
    sys.stdout.write(r.read().decode())
EOF
}

# ---------------------------------------------------------------- flows
PASSED_STEPS=0
FAILED_STEPS=0
FAILED_FLOWS=()

# The Zendesk flows point their webhooks at tests/clients/receiver.py. It
# writes one JSON line per request, with its own signature check, to
# $CLIENTS_RECEIVER_LOG, using the secrets the flows put in
# $CLIENTS_RECEIVER_SECRETS. Without it the flows' webhook steps fail and the
# rest still runs.
export CLIENTS_RECEIVER_LOG="$ART/receiver.jsonl"
export CLIENTS_RECEIVER_SECRETS="$TMP/receiver-secrets.json"
export CLIENTS_RECEIVER_URL=""
"$PYTHON" "$HERE/receiver.py" "$TMP/receiver.port" "$CLIENTS_RECEIVER_LOG" \
  "$CLIENTS_RECEIVER_SECRETS" >"$ART/receiver.log" 2>&1 &
RECEIVER_PID=$!
for _ in $(seq 1 100); do # 10 s at most
  [ -s "$TMP/receiver.port" ] && break
  kill -0 "$RECEIVER_PID" 2>/dev/null || break
  sleep 0.1
done
if [ ! -s "$TMP/receiver.port" ]; then
  FAILED_STEPS=$((FAILED_STEPS + 1))
  FAILED_FLOWS+=(receiver)
  echo "FAIL receiver: no port file within 10 s"
  tail -n 20 "$ART/receiver.log" || true
elif CLIENTS_RECEIVER_URL="http://127.0.0.1:$(cat "$TMP/receiver.port")" &&
  timeout 30 "$PYTHON" "$HERE/receiver.py" --self-check "$CLIENTS_RECEIVER_URL" \
    "$CLIENTS_RECEIVER_LOG" "$CLIENTS_RECEIVER_SECRETS" >>"$ART/receiver.log" 2>&1; then
  PASSED_STEPS=$((PASSED_STEPS + 1))
  echo "PASS receiver: at $CLIENTS_RECEIVER_URL, verifies a known signature, rejects a changed body"
else
  FAILED_STEPS=$((FAILED_STEPS + 1))
  FAILED_FLOWS+=(receiver)
  echo "FAIL receiver: signature self-check failed"
  tail -n 5 "$ART/receiver.log" || true
fi

run_flow() { # name, command...
  local name="$1" rc=0
  shift
  if ! control POST /reset >/dev/null; then
    echo "FAIL $name: could not reset the fake"
    FAILED_FLOWS+=("$name")
    FAILED_STEPS=$((FAILED_STEPS + 1))
    return 0
  fi
  timeout 300 "$@" 2>&1 | tee "$ART/$name.out" || rc=$?
  control GET /journal >"$ART/$name-journal.json" 2>/dev/null || true
  PASSED_STEPS=$((PASSED_STEPS + $(grep -c '^PASS ' "$ART/$name.out" || true)))
  FAILED_STEPS=$((FAILED_STEPS + $(grep -c '^FAIL ' "$ART/$name.out" || true)))
  if [ "$rc" = 0 ]; then
    echo "PASS $name flow"
  else
    [ "$rc" = 124 ] && echo "FAIL $name: timed out after 300 s"
    echo "FAIL $name flow (exit $rc)"
    FAILED_FLOWS+=("$name")
    # A crash without FAIL lines still counts as a failure.
    grep -q '^FAIL ' "$ART/$name.out" || FAILED_STEPS=$((FAILED_STEPS + 1))
  fi
}

if [ "$ZENPY_OK" = 1 ]; then
  run_flow zenpy "$TMP/venv/bin/python" "$HERE/zenpy_flow.py"
fi
if [ "$NODE_OK" = 1 ]; then
  NODE_PATH="$TMP/npm/node_modules" run_flow node-zendesk "$NODE" "$HERE/node_zendesk_flow.js"
fi
if [ "$BRAZE_OK" = 1 ]; then
  NODE_PATH="$TMP/npm-braze/node_modules" run_flow braze-api "$NODE" "$HERE/braze_flow.js"
fi
if [ "$BLIP_OK" = 1 ]; then
  NODE_PATH="$TMP/npm-blip/node_modules" run_flow blip-sdk "$NODE" "$HERE/blip_sdk_flow.js"
fi
if [ "$FRESHCHAT_OK" = 1 ]; then
  run_flow freshchat "$TMP/venv-freshchat/bin/python" "$HERE/freshchat_flow.py"
fi
# Unmodified clients that build the vendors' real URLs: only the proxy and the
# CA are configured, through the environment.
if [ "$ZENPY_OK" = 1 ]; then
  HTTPS_PROXY="$FAKEDESK_PROXY_URL" REQUESTS_CA_BUNDLE="$FAKEDESK_CA_CERT" NO_PROXY="" \
    run_flow zenpy-proxy "$TMP/venv/bin/python" "$HERE/zenpy_proxy_flow.py"
fi
if command -v curl >/dev/null 2>&1; then
  PYTHON="$PYTHON" run_flow curl-proxy bash "$HERE/proxy_flow.sh"
else
  echo "SKIPPED: curl is not installed, the proxy's curl flow did not run"
  SKIPPED+=(curl)
fi
stop_receiver

if stop_fakedesk; then
  echo "PASS stop: fakedesk exited cleanly on SIGTERM"
else
  echo "FAIL stop: fakedesk did not exit cleanly on SIGTERM"
  FAILED_STEPS=$((FAILED_STEPS + 1))
  FAILED_FLOWS+=(stop)
fi

echo "clients: $PASSED_STEPS passed, $FAILED_STEPS failed"
if [ "${#FAILED_FLOWS[@]}" -gt 0 ]; then
  echo "FAILED: ${FAILED_FLOWS[*]}"
  exit 1
fi
if [ "${#SKIPPED[@]}" -gt 0 ]; then
  echo "SKIPPED: could not install ${SKIPPED[*]}"
  exit 3
fi
echo "ALL PASSED"

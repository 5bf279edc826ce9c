#!/usr/bin/env bash
# The inspector in a real headless Chromium: open it, make fake Zendesk receive a
# ticket, see the row appear without reloading, open its detail, save a screenshot.
#
#   bash tests/browser/run.sh [SCREENSHOT.png]
#
# Installs Debian's `chromium` with apt-get when it is missing and playwright-core
# (npm, pinned) into a temp dir, builds fakedesk (debug) unless FAKEDESK_BIN names
# a binary, and talks only to 127.0.0.1 (apart from the installs).
# Exit codes: 0 passed; 1 failed; 3 could not run (Chromium or playwright-core
# could not be installed): "SKIPPED: ..." says why.
set -euo pipefail

PLAYWRIGHT_CORE_VERSION="1.65.2"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/fakedesk-browser.XXXXXX")"
SHOT="${1:-$TMP/inspector.png}"
FAKEDESK_PID=""

cleanup() {
  if [ -n "$FAKEDESK_PID" ]; then
    kill -TERM "$FAKEDESK_PID" 2>/dev/null || true
    wait "$FAKEDESK_PID" 2>/dev/null || true
  fi
  rm -rf "$TMP/node_modules" "$TMP/profile"
}
trap cleanup EXIT
skip() { echo "SKIPPED: $*"; exit 3; }

unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY

if [ ! -x "$CHROMIUM" ]; then
  echo "Chromium is missing: installing Debian's chromium with apt-get"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 && SUDO="sudo -n" || skip "chromium is not installed and apt-get needs root"
  fi
  command -v apt-get >/dev/null 2>&1 || skip "chromium is not installed and there is no apt-get"
  { $SUDO apt-get update >"$TMP/apt.log" 2>&1 \
      && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends chromium >>"$TMP/apt.log" 2>&1; } \
    || { tail -n 5 "$TMP/apt.log"; skip "apt-get could not install chromium"; }
  [ -x "$CHROMIUM" ] || skip "chromium installed but $CHROMIUM is missing"
fi
command -v node >/dev/null 2>&1 || skip "node is not installed"

echo "installing playwright-core@$PLAYWRIGHT_CORE_VERSION (npm)"
( cd "$TMP" && npm install --no-audit --no-fund --silent "playwright-core@$PLAYWRIGHT_CORE_VERSION" >"$TMP/npm.log" 2>&1 ) \
  || { tail -n 5 "$TMP/npm.log"; skip "npm could not install playwright-core"; }

BIN="${FAKEDESK_BIN:-}"
if [ -z "$BIN" ]; then
  (cd "$ROOT" && cargo build --quiet --bin fakedesk)
  BIN="$ROOT/target/debug/fakedesk"
fi
"$BIN" serve --ephemeral-ports --env-file "$TMP/fakedesk.env" >"$TMP/fakedesk.log" 2>&1 &
FAKEDESK_PID=$!
for _ in $(seq 1 100); do
  [ -f "$TMP/fakedesk.env" ] && break
  kill -0 "$FAKEDESK_PID" 2>/dev/null || { cat "$TMP/fakedesk.log"; echo "fakedesk exited"; exit 1; }
  sleep 0.1
done
[ -f "$TMP/fakedesk.env" ] || { echo "fakedesk not ready after 10 s"; exit 1; }
set -a
# shellcheck disable=SC1091
. "$TMP/fakedesk.env"
set +a

NODE_PATH="$TMP/node_modules" CHROMIUM="$CHROMIUM" PROFILE="$TMP/profile" SHOT="$SHOT" \
  node "$HERE/inspector.js"
echo "screenshot: $SHOT"

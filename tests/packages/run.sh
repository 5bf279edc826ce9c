#!/usr/bin/env bash
# The Python wheel and the Node module, as their users get them: built from this
# checkout by scripts/build-wheel.sh and scripts/build-npm.sh, installed into a
# fresh virtual environment and a fresh node project under a temp dir, then the
# example integrations' suites run against them:
#
#   bash tests/packages/run.sh
#
# - the clients' own tests (python/tests, npm/test: a stub control API);
# - examples/python with pytest (the `fakedesk` fixture), and mypy over the
#   example to check the package's type hints (py.typed);
# - examples/node with node's test runner, Jest and Vitest, and tsc over a file
#   that uses the TypeScript declarations.
#
# Installs what it needs from PyPI and npm (pinned versions); a registry that
# cannot be reached fails this check. Exit 0: all passed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
NPM="${NPM:-npm}"
PYTEST_VERSION="9.2.0"
MYPY_VERSION="2.4.1"
JEST_VERSION="30.5.2"
VITEST_VERSION="4.1.12"
TYPESCRIPT_VERSION="5.9.3"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/fakedesk-packages.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
unset FAKEDESK_BIN
PIP=(--quiet --disable-pip-version-check --no-input --timeout 60 --retries 3)
NPM_FLAGS=(--no-audit --no-fund --loglevel=error --fetch-timeout=60000 --fetch-retries=3)

echo "-- build the wheel and the npm tarball"
WHEEL="$(bash scripts/build-wheel.sh | tail -n 1)"
TARBALL="$(bash scripts/build-npm.sh | tail -n 1)"
VERSION="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)"
echo "wheel: $(basename "$WHEEL"), tarball: $(basename "$TARBALL")"

echo "-- Python: install the wheel into a fresh virtual environment"
"$PYTHON" -m venv "$TMP/venv"
"$TMP/venv/bin/python" -m pip install "${PIP[@]}" "$WHEEL" "pytest==$PYTEST_VERSION" "mypy==$MYPY_VERSION"
# `pip install` put fakedesk on the environment's PATH, at the crate's version.
got="$(PATH="$TMP/venv/bin:/usr/bin:/bin" fakedesk --version)"
[ "$got" = "fakedesk $VERSION" ] || { echo "FAIL: fakedesk --version says '$got', expected 'fakedesk $VERSION'"; exit 1; }
"$TMP/venv/bin/python" -c "import fakedesk; assert fakedesk.__version__ == '$VERSION', fakedesk.__version__"
cp -R python/tests "$TMP/client-tests"
(cd "$TMP/client-tests" && "$TMP/venv/bin/python" -m pytest -q -p no:cacheprovider)
cp -R examples/python "$TMP/py"
(cd "$TMP/py" && "$TMP/venv/bin/python" -m pytest -q -p no:cacheprovider)
(cd "$TMP/py" && "$TMP/venv/bin/python" -m mypy --strict --no-incremental --cache-dir=/dev/null escalator.py test_escalator.py)

echo "-- Node: install the tarball into a fresh project"
cp -R examples/node "$TMP/node"
(cd "$TMP/node" && "$NPM" install "${NPM_FLAGS[@]}" --no-package-lock "$TARBALL" \
  "jest@$JEST_VERSION" "vitest@$VITEST_VERSION" "typescript@$TYPESCRIPT_VERSION")
(cd "$TMP/node" && [ "$(node -p 'require("fakedesk/package.json").version')" = "$VERSION" ])
mkdir -p "$TMP/node/test/client" && cp npm/test/*.test.js "$TMP/node/test/client/"
(cd "$TMP/node" && node --test test/client/ test/node/)
(cd "$TMP/node" && npx --no-install jest --ci)
(cd "$TMP/node" && npx --no-install vitest run)
(cd "$TMP/node" && npx --no-install tsc --noEmit --strict --module nodenext --moduleResolution nodenext \
  --target es2022 test/types-check.mts 2>&1) || {
  echo "FAIL: the TypeScript declarations do not type-check"; exit 1; }
echo "packages: Python and Node suites passed"

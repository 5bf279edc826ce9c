#!/usr/bin/env bash
# Builds the Python wheel (the fakedesk binary plus the `fakedesk` package and its
# pytest plugin) into target/wheels/ with maturin, from this checkout:
#
#   bash scripts/build-wheel.sh
#
# maturin runs `cargo build --release`, so an existing release build is reused.
# If maturin is not installed, it is installed from PyPI into a virtual
# environment under target/ (kept for the next build). Prints the wheel's path
# last. The wheel's version is the crate's (Cargo.toml).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
PYTHON="${PYTHON:-python3}"
MATURIN_SPEC="maturin>=1.5,<2"

if command -v maturin >/dev/null 2>&1; then
  MATURIN="maturin"
else
  VENV="$TARGET/tools/maturin-venv"
  if [ ! -x "$VENV/bin/maturin" ]; then
    echo "installing $MATURIN_SPEC from PyPI into $VENV"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
      --timeout 60 --retries 3 "$MATURIN_SPEC"
  fi
  MATURIN="$VENV/bin/maturin"
fi

VERSION="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)"
OUT="$TARGET/wheels"
mkdir -p "$OUT"
rm -f "$OUT"/fakedesk-"$VERSION"-*.whl
# A wheel for this machine's platform: on Linux tagged `linux_<arch>` (pip installs
# it here; no manylinux audit of the host's glibc).
COMPAT=()
[ "$(uname -s)" = Linux ] && COMPAT=(--compatibility linux)
"$MATURIN" build --release --locked --out "$OUT" "${COMPAT[@]}" >&2
WHEEL="$(ls "$OUT"/fakedesk-"$VERSION"-*.whl)"
case "$WHEEL" in
  *" "* | "") echo "expected one wheel fakedesk-$VERSION-*.whl in $OUT" >&2; exit 1 ;;
esac
echo "$WHEEL"

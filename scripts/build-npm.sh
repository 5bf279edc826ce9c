#!/usr/bin/env bash
# Builds the Node module (the fakedesk binary for this platform, a CommonJS and an
# ESM entry, TypeScript declarations) as an `npm pack` tarball in target/npm/:
#
#   bash scripts/build-npm.sh
#
# Reuses the release build (`cargo build --release`). The package's version is
# the crate's (Cargo.toml). Prints the tarball's path last.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
case "$TARGET" in /*) ;; *) TARGET="$ROOT/$TARGET" ;; esac
NODE="${NODE:-node}"
NPM="${NPM:-npm}"

cargo build --release --locked --bin fakedesk >&2
VERSION="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)"
OUT="$TARGET/npm"
STAGE="$OUT/package"
rm -rf "$STAGE"
mkdir -p "$STAGE/bin"
cp npm/index.js npm/index.mjs npm/index.d.ts npm/package.json npm/README.md LICENSE-MIT LICENSE-APACHE "$STAGE/"
cp npm/index.d.ts "$STAGE/index.d.mts"
cp "$TARGET/release/fakedesk" "$STAGE/bin/fakedesk"
chmod 755 "$STAGE/bin/fakedesk"
# The version is the crate's; the binary only runs on this platform.
"$NODE" -e '
  const fs = require("fs");
  const [file, version] = process.argv.slice(1);
  const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
  pkg.version = version;
  pkg.os = [process.platform];
  pkg.cpu = [process.arch];
  fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n");
' "$STAGE/package.json" "$VERSION"
rm -f "$OUT/fakedesk-$VERSION.tgz"
(cd "$STAGE" && "$NPM" pack --silent --pack-destination "$OUT" >&2)
TARBALL="$OUT/fakedesk-$VERSION.tgz"
[ -f "$TARBALL" ] || { echo "npm pack wrote no $TARBALL" >&2; exit 1; }
echo "$TARBALL"

#!/usr/bin/env bash
# Builds the `schema` binary in release mode and installs it to $PREFIX/bin (default ~/.local/bin).
#   scripts/install.sh
#   PREFIX=/usr/local scripts/install.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PREFIX=${PREFIX:-$HOME/.local}
echo "install: building schema in release mode with the Swift runtime linked in (the first build takes about 10 minutes)"
# --static-swift-stdlib: one binary that needs no Swift installation, as the Dockerfile builds it.
log=$(mktemp)
if ! swift build -c release --product schema --static-swift-stdlib >"$log" 2>&1; then
  grep -E "error" "$log" >&2 || tail -20 "$log" >&2
  echo "install: the build failed (the full log: $log)" >&2
  exit 1
fi
rm -f "$log"
binary="$(swift build -c release --static-swift-stdlib --show-bin-path)/schema"
scripts/check-binary.sh "$binary"
mkdir -p "$PREFIX/bin"
install -m 755 "$binary" "$PREFIX/bin/schema"
echo "install: $PREFIX/bin/schema ($("$PREFIX/bin/schema" --version))"
case ":$PATH:" in
  *":$PREFIX/bin:"*) ;;
  *) echo "install: $PREFIX/bin is not on your PATH; add this line to your shell's profile:"
     echo "  export PATH=\"$PREFIX/bin:\$PATH\"" ;;
esac

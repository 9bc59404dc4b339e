#!/usr/bin/env bash
# Builds the `schema` binary in release mode and installs it to $PREFIX/bin (default ~/.local/bin).
#   scripts/install.sh
#   PREFIX=/usr/local scripts/install.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PREFIX=${PREFIX:-$HOME/.local}
echo "install: building schema in release mode (the first build takes about 5 minutes; progress follows)"
swift build -c release --product schema
mkdir -p "$PREFIX/bin"
install -m 755 "$(swift build -c release --show-bin-path)/schema" "$PREFIX/bin/schema"
echo "install: $PREFIX/bin/schema ($("$PREFIX/bin/schema" --version))"
case ":$PATH:" in
  *":$PREFIX/bin:"*) ;;
  *) echo "install: $PREFIX/bin is not on your PATH; add this line to your shell's profile:"
     echo "  export PATH=\"$PREFIX/bin:\$PATH\"" ;;
esac

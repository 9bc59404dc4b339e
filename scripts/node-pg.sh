#!/usr/bin/env bash
# Makes Node's `pg` module available to the compose replay (scripts/compose-replay.py) where npm's
# registry is not reachable: Debian's node-pg and its dependencies, unpacked (not installed, so no
# conflict with a nodejs from elsewhere) into .build/node-pg. Prints the NODE_PATH to use; best
# effort: prints nothing when apt cannot fetch them.
set -uo pipefail
cd "$(dirname "$0")/.."
target=.build/node-pg
if node -e "require('pg')" >/dev/null 2>&1; then exit 0; fi
if [ -d "$target/usr/share/nodejs/pg" ]; then echo "$PWD/$target/usr/share/nodejs"; exit 0; fi
command -v apt-get >/dev/null 2>&1 || exit 0
debs=$(mktemp -d)
(cd "$debs" && apt-get download node-pg node-split2 node-xtend node-readable-stream node-async >/dev/null 2>&1) || { rm -rf "$debs"; exit 0; }
mkdir -p "$target"
for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$target"; done
rm -rf "$debs"
NODE_PATH="$PWD/$target/usr/share/nodejs" node -e "require('pg')" >/dev/null 2>&1 && echo "$PWD/$target/usr/share/nodejs"

#!/usr/bin/env bash
# Runs the main job end to end on the bundled example workspace (Examples/workspace).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=Examples/workspace
swift build -c debug --product schema >/dev/null
SCHEMA=.build/debug/schema

echo "== schema validate (all packages, cross-package and host checks)"
"$SCHEMA" validate --root "$ROOT"

echo
echo "== schema checksum tags"
"$SCHEMA" checksum tags --root "$ROOT"

echo
echo "== schema preview blog (Prisma models, each headed by its checksum)"
"$SCHEMA" preview blog --root "$ROOT"

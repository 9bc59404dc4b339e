#!/usr/bin/env bash
# The main job end to end on the bundled example (Examples/workspace) with an embedded SQLite
# database: validate, scan, review, approve, apply (as a container start would), status, generate.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=Examples/workspace
export DATABASE_URL="file:.schema/demo.sqlite"   # relative to the root; deleted first so the demo repeats
rm -f "$ROOT/.schema/demo.sqlite"
echo "demo: building schema (the first build compiles the dependencies: about 3 minutes, progress below; later runs take seconds)"
swift build --product schema 2>&1 | { grep -vE "which are unhandled; explicitly declare them as resources|^ +/.*/CMakeLists.txt$" || true; }
schema() { .build/debug/schema "$@" --root "$ROOT"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "schema validate"; schema validate
step "schema scan (queues one change per entity)"; schema scan
step "schema scan again (nothing new)"; schema scan
step "schema list --verbose (what an admin reviews; first item shown)"; schema list --verbose | sed -n '1,40p'
step "schema admin add alice (the first admin is created explicitly)"; schema admin add alice
step "schema approve all --as alice"; schema approve all --as alice
step "schema status"; schema status
step "schema plan (the SQL apply will run)"; schema plan | sed -n '1,12p'; echo "   ..."
step "schema apply (what the container runs at start)"; schema apply
step "schema apply again (no-op)"; schema apply
step "schema status"; schema status
step "schema generate --merged prisma/merged.prisma"; schema generate --merged "$ROOT/prisma/merged.prisma"
step "schema audit"; schema audit

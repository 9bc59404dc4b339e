#!/usr/bin/env bash
# The main job end to end on the bundled example (Examples/workspace) with an embedded SQLite
# database: validate, scan, review, approve, apply (as a container start would), status, generate.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=Examples/workspace
export DATABASE_URL="file:.schema/demo.sqlite"   # relative to the root; deleted first so the demo repeats
rm -f "$ROOT/.schema/demo.sqlite"
# One line of progress, not the compiler's log (which is kept and shown if the build fails).
build_log=$(mktemp)
swift build --product schema >"$build_log" 2>&1 &
build=$!
started=$SECONDS
[ -t 1 ] || echo "demo: building schema (the first build compiles the dependencies: about 4 minutes; later runs take seconds)"
while [ -t 1 ] && kill -0 "$build" 2>/dev/null; do
  step_line=$(grep -oE '^\[[0-9]+/[0-9]+\]' "$build_log" | tail -1 || true)
  printf '\rdemo: building schema %s %ds (the first build compiles the dependencies: about 4 minutes; later runs take seconds)' "${step_line:-}" $((SECONDS - started))
  sleep 1
done
[ -t 1 ] && printf '\n'
if ! wait "$build"; then
  grep -E "error" "$build_log" || tail -30 "$build_log"
  echo "demo: the build failed (the full log: $build_log)" >&2
  exit 1
fi
rm -f "$build_log"
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

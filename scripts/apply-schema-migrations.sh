#!/usr/bin/env bash
# Container start step (the spec's apply-schema-migrations.sh). Run it as the entrypoint, with the
# application's command as arguments; it execs the command only when the schema is in order.
#
#   1. checks the package schemas (validate)
#   2. applies approved changes exactly once, in one transaction, and marks them applied
#      (concurrent replicas take turns on the registry lock; a no-op when nothing is approved)
#   3. keeps the Prisma fragment in step with the database (rewritten whenever it does not match,
#      also when nothing was approved: a new container, or a start after a crash), and writes the
#      merged schema when SCHEMA_MERGED is set
#   4. regenerates the Prisma client when something was applied or the fragment changed
#      (SCHEMA_AFTER, e.g. "npx prisma generate")
#   5. execs the application
#
# Environment: DATABASE_URL (postgres://... or file:...), SCHEMA_DATABASE_URL (the role `schema`
# runs as, when it is not the application's: it is unset before the application starts, so the
# application never holds the migration role's password), SCHEMA_ROOT (default /app), SCHEMA_BIN
# (default: schema on PATH), SCHEMA_MERGED (file), SCHEMA_PRISMA_MIGRATIONS (dir), SCHEMA_AFTER
# (command). Never runs `prisma migrate dev`.
set -euo pipefail

SCHEMA_BIN=${SCHEMA_BIN:-schema}
ROOT=${SCHEMA_ROOT:-/app}
log() { echo "apply-schema-migrations: $*" >&2; }
# `schema` connects with SCHEMA_DATABASE_URL when it is set, the application with DATABASE_URL.
schema_url=${SCHEMA_DATABASE_URL:-${DATABASE_URL:-}}
run_schema() { DATABASE_URL="$schema_url" "$SCHEMA_BIN" "$@"; }

log "checking package schemas in $ROOT"
if ! run_schema validate --root "$ROOT" >&2; then
  log "package schemas have errors; not starting"
  exit 1
fi

apply_args=(apply --root "$ROOT" --as "container:$(hostname)")
[ -n "${SCHEMA_PRISMA_MIGRATIONS:-}" ] && apply_args+=(--prisma-migrations "$SCHEMA_PRISMA_MIGRATIONS")
[ -n "${SCHEMA_AFTER:-}" ] && apply_args+=(--after "$SCHEMA_AFTER")
log "applying approved changes"
if ! run_schema "${apply_args[@]}" >&2; then
  log "apply failed; the database was left as it was (see 'schema audit'); not starting"
  exit 1
fi

if [ -n "${SCHEMA_MERGED:-}" ]; then
  run_schema generate --root "$ROOT" --merged "$SCHEMA_MERGED" >&2
fi

unset SCHEMA_DATABASE_URL
if [ $# -gt 0 ]; then
  exec "$@"
fi

#!/usr/bin/env bash
# Container start step (the spec's apply-schema-migrations.sh). Run it as the entrypoint, with the
# application's command as arguments; it execs the command only when the schema is in order.
#
#   0. runs SCHEMA_BEFORE when set (the host's own migrations, e.g. "npx prisma migrate deploy"), with
#      the migration role's URL as DATABASE_URL: the host's tables exist before package tables
#      that reference them are created. A failure stops the start (exit 1).
#   1. asks the registry whether anything is approved (one query). When nothing is, the package
#      files are not read at all: the database holds only what an admin approved, and an edited or
#      broken package file cannot reach it without a scan and a new approval. A start then costs
#      about what the database's own client needs for one query, however many packages there are.
#      SCHEMA_START_VALIDATE=always validates every package file first anyway (the old behaviour:
#      a broken file stops the start even when nothing would change).
#   2. when something is approved: validates every package file (errors: nothing runs, the script
#      exits 1 and the application does not start), verifies each approved item against the files
#      and its approval, and applies it exactly once (concurrent replicas take turns on the
#      registry lock). On PostgreSQL the catalog
#      changes run in one short transaction and the long work (concurrent index builds, validation,
#      batched backfills) as online steps a killed start resumes. When a table lock cannot be had
#      in time (a long transaction of the live application holds it), `schema apply` exits 75 and
#      leaves the items approved: this script tries again SCHEMA_APPLY_ATTEMPTS times (default 3),
#      SCHEMA_APPLY_RETRY_DELAY seconds apart (default 15), then exits 75 itself so the
#      orchestrator restarts the container later while the previous replicas keep serving.
#   3. keeps the Prisma fragment, and the merged schema when SCHEMA_MERGED is set, in step with the
#      database by fingerprint: rewritten whenever it does not match (also when nothing was
#      approved: a new container, or a start after a crash), left alone when it does
#   4. regenerates the Prisma client when something was applied or the fragment changed
#      (SCHEMA_AFTER, e.g. "npx prisma generate"), with the application's DATABASE_URL and without
#      the migration role's credentials. When it fails, `schema apply` exits 3 and remembers it:
#      every later start runs it again until it succeeds. The application is then not started
#      on a possibly stale client (exit 1, the orchestrator restarts the container), unless
#      SCHEMA_START_ON_STALE_CLIENT=1.
#   5. execs the application
#
# Environment: DATABASE_URL (postgres://... or file:...), SCHEMA_DATABASE_URL (the role `schema`
# runs as, when it is not the application's: it is unset before the application starts, so the
# application never holds the migration role's password), SCHEMA_ROOT (default /app), SCHEMA_BIN
# (default: schema on PATH), SCHEMA_MERGED (file), SCHEMA_PRISMA_MIGRATIONS (dir), SCHEMA_AFTER
# (command), SCHEMA_BEFORE (command), SCHEMA_START_ON_STALE_CLIENT (1: start the application even when SCHEMA_AFTER failed),
# SCHEMA_START_VALIDATE (always, or unset), SCHEMA_APPLY_ATTEMPTS, SCHEMA_APPLY_RETRY_DELAY, and the lock settings `schema apply`
# reads itself (SCHEMA_LOCK_TIMEOUT_MS, SCHEMA_LOCK_RETRIES, SCHEMA_ONLINE_TIMEOUT_S,
# SCHEMA_REGISTRY_WAIT_S). Never runs `prisma migrate dev`.
set -euo pipefail

SCHEMA_BIN=${SCHEMA_BIN:-schema}
ROOT=${SCHEMA_ROOT:-/app}
log() { echo "apply-schema-migrations: $*" >&2; }
# `schema` connects with SCHEMA_DATABASE_URL when it is set, the application with DATABASE_URL.
schema_url=${SCHEMA_DATABASE_URL:-${DATABASE_URL:-}}
# The after command sees the application's URL, not the migrator's.
app_url=${DATABASE_URL:-}
run_schema() { SCHEMA_AFTER_DATABASE_URL="$app_url" DATABASE_URL="$schema_url" "$SCHEMA_BIN" "$@"; }

if [ -n "${SCHEMA_BEFORE:-}" ]; then
  log "running the host's migrations (SCHEMA_BEFORE: $SCHEMA_BEFORE)"
  if ! (cd "$ROOT" && DATABASE_URL="$schema_url" sh -c "$SCHEMA_BEFORE") >&2; then
    log "SCHEMA_BEFORE failed; nothing of the package schemas was applied; not starting"
    exit 1
  fi
fi

case "${SCHEMA_START_VALIDATE:-}" in
  always)
    log "checking package schemas in $ROOT (SCHEMA_START_VALIDATE=always)"
    if ! run_schema validate --root "$ROOT" >&2; then
      log "package schemas have errors; not starting"
      exit 1
    fi ;;
  "") ;;
  *) log "SCHEMA_START_VALIDATE must be 'always' or unset, not '$SCHEMA_START_VALIDATE'"; exit 2 ;;
esac

apply_args=(apply --root "$ROOT" --as "container:${HOSTNAME:-$(hostname)}")
[ -n "${SCHEMA_MERGED:-}" ] && apply_args+=(--merged "$SCHEMA_MERGED")
[ -n "${SCHEMA_PRISMA_MIGRATIONS:-}" ] && apply_args+=(--prisma-migrations "$SCHEMA_PRISMA_MIGRATIONS")
[ -n "${SCHEMA_AFTER:-}" ] && apply_args+=(--after "$SCHEMA_AFTER")
attempts=${SCHEMA_APPLY_ATTEMPTS:-3}
delay=${SCHEMA_APPLY_RETRY_DELAY:-15}
attempt=1
while :; do
  log "applying approved changes (attempt $attempt of $attempts)"
  status=0
  run_schema "${apply_args[@]}" >&2 || status=$?
  [ "$status" -eq 0 ] && break
  if [ "$status" -eq 3 ]; then
    if [ "${SCHEMA_START_ON_STALE_CLIENT:-}" = 1 ]; then
      log "the changes are applied and recorded, but SCHEMA_AFTER failed: the Prisma client may be stale; starting anyway (SCHEMA_START_ON_STALE_CLIENT=1); the next start runs SCHEMA_AFTER again"
      break
    fi
    log "the changes are applied and recorded, but SCHEMA_AFTER failed: the Prisma client may be stale, so the application is not started; the next start runs SCHEMA_AFTER again (SCHEMA_START_ON_STALE_CLIENT=1 starts it anyway)"
    exit 1
  fi
  if [ "$status" -eq 75 ] && [ "$attempt" -lt "$attempts" ]; then
    log "a lock could not be had in time; nothing half-done remains and the changes stay approved; trying again in ${delay}s"
    sleep "$delay"
    attempt=$((attempt + 1))
    continue
  fi
  if [ "$status" -eq 75 ]; then
    log "still no lock after $attempts attempts; the changes stay approved; exiting 75 so the container is restarted later"
    exit 75
  fi
  log "apply failed (package files with errors, or an approved change that cannot be applied); nothing half-done remains (see 'schema audit' and 'schema list --state all'); not starting"
  exit 1
done

unset SCHEMA_DATABASE_URL
if [ $# -gt 0 ]; then
  exec "$@"
fi

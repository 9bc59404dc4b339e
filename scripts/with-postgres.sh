#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL cluster: initdb in a temporary folder, a free port on
# 127.0.0.1, trust auth, fsync off. Exports SCHEMA_TEST_POSTGRES_URL (and SCHEMA_TEST_POSTGRES_LOG) for the command and stops and
# deletes the cluster afterwards, whatever the command's outcome. SCHEMA_PG_SERVER_OPTIONS adds
# server settings ("-c name=value ...").
#   scripts/with-postgres.sh swift test
set -euo pipefail

find_bin() {
  local name=$1
  if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return; fi
  ls /usr/lib/postgresql/*/bin/"$name" 2>/dev/null | sort -V | tail -n 1
}
INITDB=$(find_bin initdb)
PG_CTL=$(find_bin pg_ctl)
if [ -z "$INITDB" ] || [ -z "$PG_CTL" ]; then
  echo "with-postgres: initdb/pg_ctl not found; install PostgreSQL (apt-get install postgresql)" >&2
  exit 3
fi

DATA=$(mktemp -d /tmp/schema-pg.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
as_pg() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ "$(id -u)" = "0" ]; then chown postgres "$DATA"; fi

cleanup() {
  as_pg "$PG_CTL" -D "$DATA/db" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$DATA"
}
trap cleanup EXIT

as_pg "$INITDB" -D "$DATA/db" -A trust -U postgres >"$DATA/initdb.log" 2>&1 || { cat "$DATA/initdb.log" >&2; exit 3; }
as_pg "$PG_CTL" -D "$DATA/db" -l "$DATA/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c unix_socket_directories=$DATA -c max_connections=200 ${SCHEMA_PG_SERVER_OPTIONS:-}" \
  start >/dev/null || { cat "$DATA/server.log" >&2; exit 3; }

export SCHEMA_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PORT/postgres"
# The server's log: tests that compare what ran with what was planned read the statements a
# database logged (log_statement set on that database only).
export SCHEMA_TEST_POSTGRES_LOG="$DATA/server.log"
echo "with-postgres: PostgreSQL on 127.0.0.1:$PORT (data in $DATA)"
set +e
"$@"
status=$?
set -e
exit $status

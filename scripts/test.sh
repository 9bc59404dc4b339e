#!/usr/bin/env bash
# The project's test command: builds everything (including the `schema` binary the process tests
# run) and runs every suite, with a throwaway PostgreSQL cluster when PostgreSQL is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
# A dependency's own packaging warning (swift-distributed-tracing) says nothing about this project.
quiet() { grep -vE "which are unhandled; explicitly declare them as resources|^ +/.*/CMakeLists.txt$" || true; }
swift build --build-tests 2>&1 | quiet
swift build --product schema 2>&1 | quiet
# Every test uses Swift Testing; without --disable-xctest, XCTest's empty runs print "Executed 0 tests".
have_pg() { command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; }
# The run's output is kept so that the skipped tests can be listed, with their reasons, at the end.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
summarize_skips() {
  local skipped
  skipped=$(grep -E ' skipped' "$log" | sed -E 's/^[^A-Za-z]*//' | sort -u || true)
  if [ -n "$skipped" ]; then
    echo "test.sh: skipped tests and their reasons:"
    echo "$skipped" | sed 's/^/  /'
  else
    echo "test.sh: no test was skipped"
  fi
}
# The review server's suites run apart: their handlers are async and share the two threads of
# Swift's cooperative pool (on 2 cores) with everything else; long synchronous suites running
# beside them (apply under load, fuzzing) could hold both threads longer than the test client's
# 20 s read timeout.
run_tests() {
  "$@" swift test --skip-build --disable-xctest --filter SchemaAdminTests 2>&1 | tee "$log"
  "$@" swift test --skip-build --disable-xctest --skip SchemaAdminTests 2>&1 | tee -a "$log"
}
if have_pg; then
  run_tests scripts/with-postgres.sh
  summarize_skips
  # docker-compose.yml and the Dockerfile, replayed without a Docker engine on a cluster of its own:
  # the example application must answer with exactly the rows its ACL allows.
  export SCHEMA_NODE_PATH=${SCHEMA_NODE_PATH:-$(scripts/node-pg.sh)}
  status=0
  scripts/with-postgres.sh python3 scripts/compose-replay.py || status=$?
  if [ "$status" -eq 77 ]; then
    echo "test.sh: the compose replay was SKIPPED (reason above)"
  elif [ "$status" -ne 0 ]; then
    echo "test.sh: the compose replay FAILED" >&2
    exit "$status"
  fi
  # A server restart in the middle of a start, at several moments, on a cluster of its own (it
  # restarts that server): every start ends promptly and the retry finishes exactly once.
  scripts/with-postgres.sh python3 scripts/restart-replay.py
  # A rolling deploy under pgbench load: two application versions through expand, complete and
  # rollback, then SIGKILLs at random moments of each (issue 22).
  scripts/with-postgres.sh python3 scripts/rollout-replay.py
else
  echo "test.sh: PostgreSQL is not installed; its cases and the compose replay are skipped (apt-get install postgresql to run them)"
  run_tests env
  summarize_skips
fi

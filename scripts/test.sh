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
if have_pg; then
  scripts/with-postgres.sh swift test --skip-build --disable-xctest
else
  echo "test.sh: PostgreSQL is not installed; its cases are skipped (apt-get install postgresql to run them)"
  swift test --skip-build --disable-xctest
fi

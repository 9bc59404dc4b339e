#!/usr/bin/env bash
# The project's test command: builds everything (including the `schema` binary the process tests
# run) and runs every suite, with a throwaway PostgreSQL cluster when PostgreSQL is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
swift build --product schema
have_pg() { command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; }
if have_pg; then
  scripts/with-postgres.sh swift test --skip-build
else
  echo "test.sh: PostgreSQL is not installed; its cases are skipped (apt-get install postgresql to run them)"
  swift test --skip-build
fi

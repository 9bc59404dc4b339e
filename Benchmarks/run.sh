#!/usr/bin/env bash
# Builds release binaries (into .build-static), installs Django into .venv-bench, and runs Benchmarks/run.py with a
# throwaway PostgreSQL cluster. Prints the Markdown table BENCHMARKS.md records.
set -euo pipefail
cd "$(dirname "$0")/.."
# Release binaries with the Swift runtime linked in, as the Dockerfile ships them (a static stdlib
# halves process start-up, which dominates the no-op apply of a container restart).
swift build -c release --static-swift-stdlib --scratch-path .build-static --product schema >&2
swift build -c release --static-swift-stdlib --scratch-path .build-static --product schema-bench >&2
if [ ! -x .venv-bench/bin/python ]; then
  python3 -m venv .venv-bench && .venv-bench/bin/pip install -q django >&2
fi
# Applying 10,000 new tables in one transaction takes more locks than PostgreSQL's default lock
# table holds (max_locks_per_transaction 64 × max_connections): the benchmark's cluster gets more.
SCHEMA_PG_SERVER_OPTIONS="-c max_locks_per_transaction=1024" scripts/with-postgres.sh python3 Benchmarks/run.py

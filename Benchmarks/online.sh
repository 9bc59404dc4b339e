#!/usr/bin/env bash
# Issue 10's scenario: per change class, `schema apply` on a table of 2,000,000 rows while pgbench
# writes at a fixed rate (400/s, 8 clients). Builds the release binary (as run.sh does), starts a
# throwaway PostgreSQL cluster and prints the Markdown table BENCHMARKS.md records.
#   Benchmarks/online.sh                                  # about 15 minutes on a 2-core VM
#   SCHEMA_ONLINE_ROWS=200000 Benchmarks/online.sh        # a quick look
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --static-swift-stdlib --scratch-path .build-static --product schema >&2
scripts/with-postgres.sh python3 Benchmarks/online.py

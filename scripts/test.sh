#!/usr/bin/env bash
# The project's test command: builds and runs every test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
swift test

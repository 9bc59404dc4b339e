#!/usr/bin/env bash
# Creates .venv-tools with the Python tools the tests use when present: squawk (PostgreSQL
# migration linter), the tree-sitter Prisma grammar (an independent Prisma parser) and
# jsonschema with PyYAML (an independent JSON Schema validator).
# Best effort: without network access the tests that need them say so and skip those checks.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv-tools/bin/python ]; then
  python3 -m venv .venv-tools
fi
.venv-tools/bin/pip install -q "squawk-cli" "tree-sitter-language-pack<0.14" "jsonschema" "pyyaml"

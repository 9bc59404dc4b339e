#!/usr/bin/env bash
# Checks that a built `schema` binary is self-contained: no Swift runtime, Foundation or
# Dispatch shared library, only what every Linux has (libc, libm, libstdc++, libgcc_s) and
# libsqlite3. Exits 1 naming any other dependency.
#   scripts/check-binary.sh ~/.local/bin/schema
set -euo pipefail
binary=${1:?usage: scripts/check-binary.sh BINARY}
allowed='^(linux-vdso|libc|libm|libstdc\+\+|libgcc_s|libsqlite3|libpthread|libdl|librt|ld-linux[-a-z0-9_]*)\.so'
deps=$(ldd "$binary" | awk '{print $1}' | xargs -n1 basename)
unexpected=$(echo "$deps" | grep -vE "$allowed" || true)
if [ -n "$unexpected" ]; then
  echo "check-binary: $binary needs shared libraries that are not on every machine:" >&2
  echo "$unexpected" | sed 's/^/  /' >&2
  exit 1
fi
echo "check-binary: $binary needs only: $(echo "$deps" | tr '\n' ' ')"

#!/usr/bin/env bash
# Regenerates test/fixtures/softfloat/vectors.txt from the host FPU (x86-64 only: SSE + glibc
# are the oracle). The tests read the committed file and never need gcc.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(uname -m)" != "x86_64" ]; then echo "gen-softfloat-vectors: needs an x86-64 host" >&2; exit 1; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gcc -std=gnu11 -O2 -frounding-math -fno-fast-math -fexcess-precision=standard -msse2 -mfpmath=sse \
  -Wall -Wextra -o "$tmp/gen" scripts/gen-softfloat-vectors.c -lm
mkdir -p test/fixtures/softfloat
"$tmp/gen" > test/fixtures/softfloat/vectors.txt
wc -c test/fixtures/softfloat/vectors.txt

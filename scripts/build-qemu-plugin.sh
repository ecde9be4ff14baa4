#!/usr/bin/env bash
# Build the instruction-count plugin for Debian's qemu-user 7.2 into .bench/insn-count.so.
# usage: bash scripts/build-qemu-plugin.sh
#        qemu-riscv64 -plugin .bench/insn-count.so ./prog   # stderr gets "insns: N" at exit
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CC=${CC:-$(command -v gcc || command -v cc || command -v clang-16)}
mkdir -p "$ROOT/.bench"
# symbols qemu_plugin_* stay undefined in the .so: qemu exports them and dlopen resolves them
"$CC" -O2 -Wall -shared -fPIC -fvisibility=hidden -o "$ROOT/.bench/insn-count.so" \
  "$ROOT/scripts/qemu-plugin/insn-count.c"
echo "built $ROOT/.bench/insn-count.so"

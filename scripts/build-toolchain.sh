#!/usr/bin/env bash
# Build static musl 1.2.5 sysroots (clang-16 + compiler-rt builtins subset) into .toolchain/<arch>.
# usage: bash scripts/build-toolchain.sh [arch...]      (default: riscv64 aarch64 x86_64 loongarch64)
# Uses $RUNLINUXD_SHARED/toolchain/build-sysroot.sh (default: ../shared next to the repository).
# Arches whose sysroot already exists (lib/libc.a + lib/libclang_rt.builtins.a) are skipped.
# At most $JOBS (default 2) sysroots are built at the same time.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${RUNLINUXD_SHARED:-$ROOT/../shared}
SHARED=$(cd "$SHARED" && pwd)
BUILD="$SHARED/toolchain/build-sysroot.sh"
[ -f "$BUILD" ] || { echo "build-toolchain: $BUILD not found (set RUNLINUXD_SHARED)" >&2; exit 1; }
ARCHES=("$@"); [ ${#ARCHES[@]} -gt 0 ] || ARCHES=(riscv64 aarch64 x86_64 loongarch64)
JOBS=${JOBS:-2}
for t in clang-16 llvm-ar-16 llvm-ranlib-16 make; do
  command -v "$t" >/dev/null || { echo "build-toolchain: missing $t (apt-get install clang-16 lld-16 llvm-16 make)" >&2; exit 1; }
done
mkdir -p "$ROOT/.toolchain"
pids=(); names=(); fail=0
wait_one() {  # wait for the oldest job
  local p=${pids[0]} n=${names[0]}
  if wait "$p"; then echo "build-toolchain: $n done"; else echo "build-toolchain: $n FAILED (see .toolchain/$n.log)" >&2; fail=1; fi
  pids=("${pids[@]:1}"); names=("${names[@]:1}")
}
for a in "${ARCHES[@]}"; do
  case $a in riscv64|aarch64|x86_64|loongarch64) ;; *) echo "build-toolchain: unknown arch $a" >&2; exit 1;; esac
  out="$ROOT/.toolchain/$a"
  if [ -f "$out/lib/libc.a" ] && [ -f "$out/lib/libclang_rt.builtins.a" ] && [ -f "$out/lib/crt1.o" ]; then
    echo "build-toolchain: $a already built ($out)"; continue
  fi
  [ "$a" = loongarch64 ] && ! command -v rustc >/dev/null && echo "build-toolchain: warning: rustc (rust-lld) missing; loongarch64 links will fail" >&2
  while [ ${#pids[@]} -ge "$JOBS" ]; do wait_one; done
  echo "build-toolchain: building $a -> $out"
  rm -rf "$out"
  sh "$BUILD" "$a" "$out" >"$ROOT/.toolchain/$a.log" 2>&1 &
  pids+=($!); names+=("$a")
done
while [ ${#pids[@]} -gt 0 ]; do wait_one; done
exit $fail

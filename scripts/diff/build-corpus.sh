#!/usr/bin/env bash
# Build the differential-runner corpus:
#  - hand-written assembly in test/fixtures/src/corpus/<arch>/*.S (own _start, raw syscalls)
#    -> test/fixtures/<arch>/corpus-<name>   (clang-16 assembles, ld.lld-16 links, static, no libc)
#  - the C corpus test/fixtures/src/corpus/c/*.c (malloc, setjmp, interp, printf, strings) at -O0
#    and -O2 -> test/fixtures/<arch>/corpus-<name>-O0 / corpus-<name>-O2, for all four arches
#  - the C fixtures of test/fixtures/src at -O0 as well (the -O2 builds are the existing
#    test/fixtures/<arch>/<name> from scripts/build-fixtures.sh) -> test/fixtures/<arch>/corpus-<name>-O0
# Reproducible: no build ids, no timestamps. Needs the sysroots of scripts/build-toolchain.sh for the C part.
#
# usage: bash scripts/diff/build-corpus.sh [arch...]
#        (default: riscv64 aarch64 x86_64 loongarch64; the asm part only where src/corpus/<arch> exists)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SHARED=${RUNLINUXD_SHARED:-$ROOT/../shared}
CCDRV="$SHARED/toolchain/musl-cc.sh"
ARCHES=("$@")
[ ${#ARCHES[@]} -gt 0 ] || ARCHES=(riscv64 aarch64 x86_64 loongarch64)
# C programs rebuilt at -O0 (the -O2 ones already exist); the fixture recipe's flags otherwise
C_O0=(intops float qsort_crc fib)
COMMON="-std=gnu11 -Wall -Wno-unknown-pragmas -ffp-contract=off -fno-ident"
for a in "${ARCHES[@]}"; do
  case $a in
    riscv64) TRIPLE=riscv64-linux-musl; MARCH="-march=rv64gc -mabi=lp64d";;
    aarch64) TRIPLE=aarch64-linux-musl; MARCH="";;
    x86_64) TRIPLE=x86_64-linux-musl; MARCH="";;
    loongarch64) TRIPLE=loongarch64-linux-musl; MARCH="";;
    *) echo "build-corpus: unknown arch $a" >&2; exit 2;;
  esac
  SRC="$ROOT/test/fixtures/src/corpus/$a"
  OUT="$ROOT/test/fixtures/$a"
  TMP=$(mktemp -d)
  n=0
  for s in "$SRC"/*.S; do   # none where src/corpus/<arch> does not exist
    [ -e "$s" ] || continue
    name=$(basename "$s" .S)
    clang-16 --target=$TRIPLE $MARCH -c -I "$SRC" -o "$TMP/$name.o" "$s"
    ld.lld-16 -static -e _start --build-id=none -o "$OUT/corpus-$name" "$TMP/$name.o"
    n=$((n + 1))
  done
  if [ -f "$ROOT/.toolchain/$a/lib/libc.a" ]; then
    for p in "${C_O0[@]}"; do
      (cd "$ROOT" && sh "$CCDRV" "$a" "$ROOT/.toolchain/$a" $COMMON -O0 -o "test/fixtures/$a/corpus-$p-O0" "test/fixtures/src/$p.c")
      n=$((n + 1))
    done
    for c in "$ROOT"/test/fixtures/src/corpus/c/*.c; do
      p=$(basename "$c" .c)
      for o in O0 O2; do
        (cd "$ROOT" && sh "$CCDRV" "$a" "$ROOT/.toolchain/$a" $COMMON -$o -o "test/fixtures/$a/corpus-$p-$o" "test/fixtures/src/corpus/c/$p.c")
        n=$((n + 1))
      done
    done
  else
    echo "build-corpus: no sysroot .toolchain/$a: skipping the C programs" >&2
  fi
  rm -rf "$TMP"
  echo "build-corpus: $a: $n programs"
done

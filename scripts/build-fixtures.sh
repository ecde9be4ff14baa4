#!/usr/bin/env bash
# Build the guest test programs in test/fixtures/src for every arch into test/fixtures/<arch>/<name>
# (static musl, not stripped) with shared/toolchain/musl-cc.sh and the sysroots from
# scripts/build-toolchain.sh; then (unless --no-record) run each under qemu-<arch> twice with the
# fixed arguments/environment/stdin below and write test/fixtures/<arch>/<name>.stdout and
# <name>.status ("exit N" or "signal N"), failing if the two runs differ.
#
# usage: bash scripts/build-fixtures.sh [--no-record] [--record-only] [--only prog,prog] [arch...]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${RUNLINUXD_SHARED:-$ROOT/../shared}
SHARED=$(cd "$SHARED" && pwd)
CCDRV="$SHARED/toolchain/musl-cc.sh"
SRC="$ROOT/test/fixtures/src"
RECORD=1; BUILD=1; ARCHES=(); ONLY=
for x in "$@"; do case $x in
  --no-record) RECORD=0;; --record-only) BUILD=0;;
  --only=*) ONLY=",${x#--only=},";;
  riscv64|aarch64|x86_64|loongarch64) ARCHES+=("$x");;
  *) echo "usage: $0 [--no-record] [--record-only] [--only=prog,prog] [riscv64|aarch64|x86_64|loongarch64...]" >&2; exit 2;;
esac; done
[ ${#ARCHES[@]} -gt 0 ] || ARCHES=(riscv64 aarch64 x86_64 loongarch64)

# name -> extra compiler flags (all: -static via musl-cc.sh, -ffp-contract=off so no arch fuses a*b+c on its own)
PROGS=(hello args exitcode power3 fib sieve qsort_crc syscalls float intops segv hugemem gdbprog signals
       files mapfile memory procs threads timecalls devproc sockets events locks)
COMMON="-std=gnu11 -Wall -Wno-unknown-pragmas -ffp-contract=off -fno-ident"
flags_for() {
  case $1 in
    float)   echo "-O2";;
    gdbprog) echo "-O0 -g -fdebug-prefix-map=$ROOT=.";;
    *)       echo "-O2";;
  esac
}

# Recorded runs: key | args | stdin   (environment is always exactly one variable: env -i FOO=bar;
# qemu-user 7.2 passes the environment in reverse order, Linux in order, so one variable keeps
# args.stdout valid for both). key = program[.variant]; outputs: <arch>/<key>.stdout, <key>.status
# stdout is a pipe in every recorded run; stderr is discarded (qemu prints its own signal note there).
RUNS=(
  "hello||"
  "args|one two 'three four'|"
  "exitcode||"
  "exitcode.7|7|"
  "power3|200000|"
  "fib|20|"
  "sieve|100000|"
  "qsort_crc|1000|"
  "syscalls||readv input 0123456789 abcdefghijklmnopqrstuvwxyz"
  "float||"
  "intops||"
  "segv||"
  "segv.catch|catch|"
  "hugemem||"
  "gdbprog||"
  "signals||"
  "signals.abort|abort|"
  # Linux personality (src/linuxtest.h): WORKDIR "." = the fixture folder (each makes and removes
  # ./t); procs re-executes itself through qemu-<arch> (no binfmt_misc here).
  "files|.|"
  "mapfile|.|"
  "memory|.|"
  "procs|. \$(command -v qemu-\$a) \$PWD/procs|"
  "threads|.|"
  "timecalls|.|"
  "devproc|.|"
  "sockets|.|"
  "events|.|"
  "locks|.|"
)
# --only: just these programs (and their runs).
wanted() { [ -z "$ONLY" ] || [[ $ONLY == *",$1,"* ]]; }

if [ $BUILD = 1 ]; then
  for a in "${ARCHES[@]}"; do
    SYS="$ROOT/.toolchain/$a"
    [ -f "$SYS/lib/libc.a" ] || { echo "build-fixtures: no sysroot $SYS - run: bash scripts/build-toolchain.sh $a" >&2; exit 1; }
    mkdir -p "$ROOT/test/fixtures/$a"
    for p in "${PROGS[@]}"; do
      wanted "$p" || continue
      # relative source path + prefix map keep the debug info independent of the checkout location
      (cd "$ROOT" && sh "$CCDRV" "$a" "$SYS" $COMMON $(flags_for "$p") -o "test/fixtures/$a/$p" "test/fixtures/src/$p.c")
    done
    echo "build-fixtures: $a: built ${#PROGS[@]} programs"
  done
fi


if [ $RECORD = 1 ]; then
  fail=0
  for a in "${ARCHES[@]}"; do
    command -v "qemu-$a" >/dev/null || { echo "build-fixtures: qemu-$a missing, not recording $a" >&2; continue; }
    for r in "${RUNS[@]}"; do
      IFS='|' read -r key args input <<<"$r"
      bin=${key%%.*}
      wanted "$bin" || continue
      out="$ROOT/test/fixtures/$a/$key"
      for n in 1 2; do
        set +e
        ( cd "$ROOT/test/fixtures/$a" && ulimit -c 0 &&
          printf '%s' "$input" | eval "env -i FOO=bar qemu-$a ./$bin $args" >"$out.stdout.$n" 2>/dev/null )
        st=$?
        set -e
        if [ $st -gt 128 ]; then echo "signal $((st - 128))"; else echo "exit $st"; fi >"$out.status.$n"
      done
      if cmp -s "$out.stdout.1" "$out.stdout.2" && cmp -s "$out.status.1" "$out.status.2"; then
        mv "$out.stdout.1" "$out.stdout"; mv "$out.status.1" "$out.status"; rm -f "$out.stdout.2" "$out.status.2"
      else
        echo "build-fixtures: $a/$key NOT deterministic under qemu-$a" >&2; fail=1
      fi
    done
    echo "build-fixtures: $a: recorded ${#RUNS[@]} runs"
  done
  exit $fail
fi

#!/usr/bin/env bash
# The whole test suite, on a fresh Debian machine with Node 20: installs what the tests need
# (Debian's qemu-user, gdb-multiarch, dosfstools, mtools) when missing, builds, type-checks and
# runs ava. Ends with a plain "N passed, N failed" line.
set -uo pipefail
cd "$(dirname "$0")/.."

need=()
command -v qemu-riscv64 >/dev/null || need+=(qemu-user)
command -v gdb-multiarch >/dev/null || need+=(gdb-multiarch)
command -v fsck.fat >/dev/null || need+=(dosfstools)
command -v mdir >/dev/null || need+=(mtools)
if ((${#need[@]})); then
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  echo "installing ${need[*]}"
  $sudo apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null \
    || { echo "could not install ${need[*]}" >&2; exit 1; }
fi
[ -d node_modules ] || npm ci --no-audit --no-fund || exit 1

npx tsc -p tsconfig.json || exit 1

log=$(mktemp)
npx ava "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# ava prints "N tests passed" only when nothing failed: count its per-test marks instead.
passed=$(grep -cE '^\s*✔' "$log")
failed=$(grep -cE '^\s*✘' "$log")
rm -f "$log"
echo "${passed:-0} passed, ${failed:-0} failed"
[ "$status" = 0 ] && [ "${passed:-0}" -gt 0 ] || exit 1

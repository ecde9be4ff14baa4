#!/usr/bin/env bash
# Build BusyBox (Debian bookworm's source package: upstream 1.35.0 + Debian's patches + our
# test/fixtures/src/busybox/*.patch) as a static musl 1.2.5 binary for riscv64, aarch64, x86_64 and
# loongarch64 with recipe A (../shared/toolchain/musl-cc.sh, sysroots from scripts/build-toolchain.sh)
# into test/fixtures/<arch>/busybox (stripped), using the config written to
# test/fixtures/src/busybox/busybox.config (defconfig + the edits below), and fetch Debian's own
# glibc-static busybox (package busybox-static, arm64 and amd64) into
# test/fixtures/{aarch64,x86_64}/busybox-debian. Then (unless --no-verify) smoke-test every binary
# under qemu-<arch> and write `busybox --list` to test/fixtures/src/busybox/applets-<arch>[-debian].txt.
# See test/fixtures/src/busybox/README.md.
#
# usage: bash scripts/build-busybox.sh [--no-verify] [--no-debian] [--verify-only] [arch...]
#
# Everything downloaded or built lives in .build/busybox/ (git-ignored); re-running is cheap and
# idempotent (downloads are skipped when the files are there with the pinned sha256, make only
# rebuilds what changed, fixtures are only rewritten when their bytes change).
#
# Downloads use apt with a private state directory (.build/busybox/apt: own sources list with a
# deb-src twin and amd64+arm64 indexes, own lists and cache). Nothing of the machine's apt or dpkg
# configuration is changed: no deb-src entry is added to /etc/apt, and `dpkg --add-architecture
# arm64` is not needed (so dpkg's architecture list stays as it was).
# Mirror: $DEBIAN_MIRROR / $DEBIAN_SECURITY_MIRROR, default: the machine's own Debian apt source.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${RUNLINUXD_SHARED:-$ROOT/../shared}
SHARED=$(cd "$SHARED" && pwd)
CCDRV="$SHARED/toolchain/musl-cc.sh"
B="$ROOT/.build/busybox"
FIX="$ROOT/test/fixtures"
DOC="$FIX/src/busybox"
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}

# ---- pinned inputs (Debian bookworm) -------------------------------------------------------------
BB_VER=1.35.0
DEB_SRC_VER=1:1.35.0-4+deb12u1          # source package busybox
DEB_BIN_VER=1:1.35.0-4+deb12u1+b1       # binary package busybox-static (binNMU of the same source)
declare -A SHA256=(
  [busybox_1.35.0.orig.tar.bz2]=faeeb244c35a348a334f4a59e44626ee870fb07b6884d68c10ae8bc19f83a694
  [busybox_1.35.0-4+deb12u1.debian.tar.xz]=1cacbe095ef4880ea7879933c8e3c5075d1527cd6fbcb626a9b41e5daefd1a46
  [busybox_1.35.0-4+deb12u1.dsc]=9c01fe128b0eeded371c70e37d474fdb5055f71b5d0a778db44c6b0c62d3a7fa
  [busybox-static_amd64.deb]=3d3fdbe91d4660c873e14b092c213fe81c1da6362daa236eb25d0171eb108744
  [busybox-static_arm64.deb]=732c9135564fc71337e0e05fb4da4d11e6c28c1834bce3e405e575afef2a52f5
)
BUILD_TAG="runlinuxd: Debian $DEB_SRC_VER, musl 1.2.5, clang-16"   # shown in the banner (no timestamp)

# defconfig, then these changes (applied with sed, then `make oldconfig` resolves dependencies):
ENABLE=(
  STATIC                 # static binary (musl-cc.sh links statically anyway)
  FEATURE_PREFER_APPLETS # like Debian's busybox-static: the shell and xargs/find/env... run applets
  FEATURE_SH_STANDALONE  #   themselves (NOEXEC ones after fork without exec, the others by
                         #   execve(/proc/self/exe)), so scripts need no /bin/<applet> in the guest
)
# Applets/features that need Linux UAPI headers (<linux/*.h>, <asm/*.h>, <mtd/*.h>): the musl
# sysroot has none. All are hardware, console, kernel-module or network-interface administration.
DISABLE=(
  # console / VT (linux/kd.h, linux/vt.h)
  KBD_MODE LOADFONT SETFONT OPENVT SHOWKEY CONSPY BEEP VLOCK
  # init (linux/vt.h), capabilities (linux/capability.h), loop devices (linux/loop.h)
  INIT LINUXRC SETPRIV FEATURE_SETPRIV_CAPABILITIES RUN_INIT SWITCH_ROOT LOSETUP FEATURE_MOUNT_LOOP
  # netlink (linux/netlink.h), block devices (linux/fs.h, linux/hdreg.h), misc hardware
  IFPLUGD MDEV UEVENT ACPID BLKDISCARD BLOCKDEV FSFREEZE FSTRIM MKE2FS MKFS_EXT2 MKDOSFS MKFS_VFAT
  FEATURE_EJECT_SCSI FBSPLASH HDPARM I2CGET I2CSET I2CDUMP I2CDETECT I2CTRANSFER PARTPROBE
  RAIDAUTORUN WATCHDOG NANDWRITE NANDDUMP UBIATTACH UBIDETACH UBIMKVOL UBIRMVOL UBIRSVOL
  UBIUPDATEVOL UBIRENAME IONICE
  # network interface configuration (linux/if*.h, linux/sockios.h, linux/filter.h, asm/types.h)
  BRCTL ETHER_WAKE IFCONFIG IFENSLAVE IP IPADDR IPLINK IPROUTE IPTUNNEL IPRULE IPNEIGH NAMEIF
  NBDCLIENT TUNCTL UDHCPC UDHCPC6 UDHCPD ZCIP SLATTACH TC
)
# must be =y in the final config (the applets the tests rely on)
REQUIRE=(
  SH_IS_ASH ASH ASH_BASH_COMPAT ASH_JOB_CONTROL ASH_ALIAS ASH_GETOPTS ASH_CMDCMD ASH_ECHO ASH_PRINTF
  ASH_TEST LS CAT CP MV RM MKDIR RMDIR FIND GREP SED AWK SORT WC SHA256SUM MD5SUM TAR FEATURE_TAR_CREATE
  HEAD TAIL TR CUT UNIQ XARGS ECHO PRINTF TEST EXPR ENV SEQ YES TRUE FALSE SLEEP DATE STAT TOUCH LN
  READLINK BASENAME DIRNAME DU DF OD HEXDUMP DIFF CMP GZIP GUNZIP
)

NO_VERIFY=0; NO_DEBIAN=0; BUILD=1; ARCHES=()
for x in "$@"; do case $x in
  --no-verify) NO_VERIFY=1;; --no-debian) NO_DEBIAN=1;; --verify-only) BUILD=0;;
  riscv64|aarch64|x86_64|loongarch64) ARCHES+=("$x");;
  *) echo "usage: $0 [--no-verify] [--no-debian] [--verify-only] [riscv64|aarch64|x86_64|loongarch64...]" >&2; exit 2;;
esac; done
[ ${#ARCHES[@]} -gt 0 ] || ARCHES=(riscv64 aarch64 x86_64 loongarch64)
log() { echo "build-busybox: $*"; }
die() { echo "build-busybox: $*" >&2; exit 1; }

# ---- private apt ---------------------------------------------------------------------------------
# shellcheck source=lib/debian-apt.sh
. "$(dirname "$0")/lib/debian-apt.sh"
apt_setup() { debian_apt_setup "deb deb-src" amd64 arm64; }
have() {  # have FILE KEY: FILE exists with the pinned sha256 of KEY
  [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "${SHA256[$2]}" ]
}

# ---- 1. Debian source package -> patched tree ----------------------------------------------------
fetch_source() {
  local d="$B/dl" f ok=1
  mkdir -p "$d"
  for f in busybox_$BB_VER.orig.tar.bz2 busybox_${DEB_SRC_VER#1:}.debian.tar.xz busybox_${DEB_SRC_VER#1:}.dsc; do
    have "$d/$f" "$f" || ok=0
  done
  [ $ok = 1 ] && return
  apt_setup
  log "apt-get source --download-only busybox=$DEB_SRC_VER"
  (cd "$d" && apt-get "${APTO[@]}" -qq source --download-only "busybox=$DEB_SRC_VER") ||
    die "could not download source busybox=$DEB_SRC_VER (gone from the mirror? update the pins at the top of $0)"
  for f in busybox_$BB_VER.orig.tar.bz2 busybox_${DEB_SRC_VER#1:}.debian.tar.xz busybox_${DEB_SRC_VER#1:}.dsc; do
    have "$d/$f" "$f" || die "$f: sha256 mismatch"
  done
}

SRC="$B/busybox-$BB_VER"
prepare_source() {
  local stamp="$SRC/.runlinuxd-patched" want p
  # the stamp names the Debian version and the sha256 of our own patches: a change re-extracts
  want="debian $DEB_SRC_VER; local $(cat "$DOC"/*.patch | sha256sum | cut -c1-16)"
  [ -f "$stamp" ] && [ "$(head -1 "$stamp")" = "$want" ] && return
  fetch_source
  log "unpacking busybox $BB_VER + Debian patches ($DEB_SRC_VER) + ours into ${SRC#$ROOT/}"
  rm -rf "$SRC" "$B"/build-* "$B/config"
  tar -xjf "$B/dl/busybox_$BB_VER.orig.tar.bz2" -C "$B"
  tar -xJf "$B/dl/busybox_${DEB_SRC_VER#1:}.debian.tar.xz" -C "$SRC"
  # Debian's quilt series, in order (all of them: ash/HOME export, build-tag in the banner, CVE fixes,
  # spelling, portability; the two FreeBSD ones are commented out in the series itself)
  echo "$want" >"$stamp.tmp"
  for p in $(sed -e 's/#.*//' "$SRC/debian/patches/series"); do
    patch -d "$SRC" -p1 -s -N <"$SRC/debian/patches/$p" || die "patch $p failed"
    echo "$p" >>"$stamp.tmp"
  done
  # then ours (test/fixtures/src/busybox/*.patch, in name order)
  for p in "$DOC"/*.patch; do
    patch -d "$SRC" -p1 -s -N <"$p" || die "patch $p failed"
    echo "${p#$ROOT/}" >>"$stamp.tmp"
  done
  mv "$stamp.tmp" "$stamp"
}

# ---- 2. configuration ----------------------------------------------------------------------------
make_config() {  # -> $B/config/.config and test/fixtures/src/busybox/busybox.config
  local c="$B/config" s sedargs=()
  rm -rf "$c"; mkdir -p "$c"
  make -s -C "$SRC" O="$c" HOSTCC="$HOSTCC" KCONFIG_NOTIMESTAMP=1 defconfig >"$c/defconfig.log" 2>&1 ||
    { cat "$c/defconfig.log" >&2; die "make defconfig failed"; }
  for s in "${ENABLE[@]}"; do sedargs+=(-e "s/^# CONFIG_$s is not set\$/CONFIG_$s=y/"); done
  for s in "${DISABLE[@]}"; do sedargs+=(-e "s/^CONFIG_$s=y\$/# CONFIG_$s is not set/"); done
  sedargs+=(-e 's/^CONFIG_EXTRA_CFLAGS=.*/CONFIG_EXTRA_CFLAGS="-DBB_GLOBAL_CONST="/')
  sed -i "${sedargs[@]}" "$c/.config"
  { yes '' || true; } | make -s -C "$SRC" O="$c" HOSTCC="$HOSTCC" KCONFIG_NOTIMESTAMP=1 oldconfig >"$c/oldconfig.log" 2>&1 ||
    { cat "$c/oldconfig.log" >&2; die "make oldconfig failed"; }
  for s in "${ENABLE[@]}" "${REQUIRE[@]}"; do grep -qx "CONFIG_$s=y" "$c/.config" || die "config: CONFIG_$s is not y"; done
  for s in "${DISABLE[@]}"; do grep -qx "# CONFIG_$s is not set" "$c/.config" || die "config: CONFIG_$s is still set"; done
  grep -qx 'CONFIG_EXTRA_CFLAGS="-DBB_GLOBAL_CONST="' "$c/.config" || die "config: EXTRA_CFLAGS lost"
  mkdir -p "$DOC"
  cmp -s "$c/.config" "$DOC/busybox.config" || { cp "$c/.config" "$DOC/busybox.config"; log "wrote ${DOC#$ROOT/}/busybox.config"; }
}

# ---- 3. build ------------------------------------------------------------------------------------
build_arch() {
  local a=$1 sys="$ROOT/.toolchain/$1" o="$B/build-$1" cc="$B/bin/cc-$1"
  [ -f "$sys/lib/libc.a" ] || die "no sysroot $sys - run: bash scripts/build-toolchain.sh $a"
  mkdir -p "$o" "$B/bin"
  printf '#!/bin/sh\nexec sh "%s" %s "%s" "$@"\n' "$CCDRV" "$a" "$sys" >"$cc.tmp"; chmod +x "$cc.tmp"
  cmp -s "$cc.tmp" "$cc" && rm "$cc.tmp" || mv "$cc.tmp" "$cc"
  cmp -s "$B/config/.config" "$o/.config" || cp "$B/config/.config" "$o/.config"
  local mk=(make -C "$SRC" O="$o" -j"$JOBS" CC="$cc" HOSTCC="$HOSTCC" AR=llvm-ar-16 NM=llvm-nm-16
            STRIP=llvm-strip-16 OBJCOPY=llvm-objcopy-16 OBJDUMP=llvm-objdump-16
            KCONFIG_NOTIMESTAMP=1 BB_EXTRA_VERSION="$BUILD_TAG" SKIP_STRIP=n)
  log "$a: building (log: ${o#$ROOT/}/build.log)"
  if ! "${mk[@]}" busybox >"$o/build.log" 2>&1; then
    { grep -E 'error:|\*\*\*' "$o/build.log" || tail -5 "$o/build.log"; } | head -20 >&2; die "$a: build failed (see ${o#$ROOT/}/build.log)"
  fi
  # busybox's Makefile strips busybox_unstripped into busybox (strip -s, minus .note/.comment);
  # the unstripped one (symbols, no debug info) stays in .build/busybox/build-<arch>/
  file_is_static "$o/busybox" || die "$a: busybox is not a static ELF"
  mkdir -p "$FIX/$a"
  if cmp -s "$o/busybox" "$FIX/$a/busybox"; then log "$a: test/fixtures/$a/busybox unchanged ($(stat -c %s "$o/busybox") bytes)"
  else cp "$o/busybox" "$FIX/$a/busybox"; log "$a: wrote test/fixtures/$a/busybox ($(stat -c %s "$o/busybox") bytes)"; fi
}
file_is_static() {  # ELF with no PT_INTERP / PT_DYNAMIC
  [ "$(head -c4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ] || return 1
  ! llvm-readelf-16 -l "$1" 2>/dev/null | grep -qE '^ *(INTERP|DYNAMIC) '
}

# ---- 4. Debian's busybox-static (glibc, static-pie) ----------------------------------------------
fetch_debian() {
  local darch=$1 a=$2 d="$B/dl" deb="$B/dl/busybox-static_$1.deb" x="$B/debian-$1"
  if ! have "$deb" "busybox-static_$darch.deb"; then
    apt_setup
    log "apt-get download busybox-static:$darch=$DEB_BIN_VER"
    rm -f "$d"/busybox-static_*_"$darch".deb
    (cd "$d" && apt-get "${APTO[@]}" -qq download "busybox-static:$darch=$DEB_BIN_VER") ||
      die "could not download busybox-static:$darch=$DEB_BIN_VER (update the pins at the top of $0)"
    mv "$d"/busybox-static_*_"$darch".deb "$deb"
    have "$deb" "busybox-static_$darch.deb" || die "$deb: sha256 mismatch"
  fi
  rm -rf "$x"; mkdir -p "$x"
  dpkg-deb -x "$deb" "$x"
  mkdir -p "$FIX/$a"
  if cmp -s "$x/bin/busybox" "$FIX/$a/busybox-debian"; then log "$a: busybox-debian unchanged"
  else cp "$x/bin/busybox" "$FIX/$a/busybox-debian"; chmod 755 "$FIX/$a/busybox-debian"
       log "$a: wrote test/fixtures/$a/busybox-debian ($(stat -c %s "$FIX/$a/busybox-debian") bytes)"; fi
}

# ---- 5. verification under qemu-user -------------------------------------------------------------
# check NAME CMD WANT: CMD is run by bash with $BB = "env PATH=/nonexistent qemu-ARCH /abs/busybox" in
# a fresh scratch directory holding a.txt ("one\ntwo\nthree\n", 14 bytes) and sub/b.txt ("b\n"); its
# stdout+stderr must equal WANT (expected values were checked against the host's coreutils/gawk).
# Under qemu-user without binfmt_misc a guest execve of a foreign-arch ELF fails (ENOEXEC), so busybox's
# execve(/proc/self/exe) for non-NOEXEC applets (cat, wc, sed, grep, tar, ...) inside `sh -c` only works
# for x86_64 (the host kernel then runs the x86_64 busybox natively, outside qemu). ash then falls back
# to a PATH search and would silently run the HOST's /usr/bin/cat - hence PATH=/nonexistent for the
# guest, the sh-exec check only for x86_64, and the other shell checks use only NOFORK/NOEXEC applets
# (echo printf seq sort test expr ls cp mv rm mkdir find head xargs cut touch ln readlink ...), which
# busybox runs in-process or after a plain fork, without an execve.
CHECK_ARCH=; CHECK_BIN=; CHECK_N=0; CHECK_FAIL=0
check() {
  local name=$1 cmd=$2 want=$3 got t
  [ "$name" = sh-exec ] && [ "$CHECK_ARCH" != x86_64 ] && return 0
  t=$(mktemp -d)
  printf 'one\ntwo\nthree\n' >"$t/a.txt"; mkdir "$t/sub"; echo b >"$t/sub/b.txt"
  got=$(cd "$t" && BB="env PATH=/nonexistent $(command -v "qemu-$CHECK_ARCH") $CHECK_BIN" timeout 60 bash -c "$cmd" 2>&1 | head -c 10000) || true
  rm -rf "$t"
  CHECK_N=$((CHECK_N + 1))
  if [ "$got" != "$want" ]; then
    CHECK_FAIL=$((CHECK_FAIL + 1)); echo "build-busybox: $CHECK_ARCH $CHECK_BIN: FAIL $name" >&2
    diff <(echo "$want") <(echo "$got") | sed 's/^/    /' >&2 || true
  fi
}
run_checks() {
  check version '$BB 2>&1 | head -n 1 | cut -d" " -f1-2' 'BusyBox v1.35.0'
  check sh-loop '$BB sh -c '\''for i in 1 2 3; do echo $i; done | sort -r | head -n 2 | xargs echo'\' '3 2'
  check sh-subshell '$BB sh -c '\''x=$(echo a; (echo b; echo c) | sort -r); echo "$x"; echo $((6*7)) ${#x}'\' \
'a
c
b
42 5'
  check sh-redir '$BB sh -c '\''echo hi > t.$$; printf "%s-%d\n" x 5 >> t.$$; read l < t.$$; echo "[$l]"; head -n 2 t.$$; rm t.$$; test -e t.$$ || echo gone; echo err >&2'\'' 2>/dev/null' \
'[hi]
hi
x-5
gone'
  check sh-case-while '$BB sh -c '\''n=0; while [ $n -lt 5 ]; do n=$((n+1)); case $n in 2|4) echo even $n;; *) : ;; esac; done; expr 7 \* 6'\' \
'even 2
even 4
42'
  check sh-func-trap '$BB sh -c '\''f() { local v=$1; echo "f:$v:$#"; return 3; }; f a b; echo rc=$?; trap "echo bye" EXIT; set -- x y z; shift; echo "$@"'\' \
'f:a:2
rc=3
y z
bye'
  check sh-fsops '$BB sh -c '\''mkdir -p d/e && touch d/e/f && cp a.txt d/g && mv d/g d/h && ln -s h d/l && readlink d/l && ls d && find d -type f | sort && rm -r d && ls -d d 2>/dev/null || echo removed'\' \
'h
e
h
l
d/e/f
d/h
removed'
  check sh-exit '$BB sh -c '\''(exit 7); echo $?; false || echo or; ! true; echo $?; exit 3'\''; echo status=$?' \
'7
or
1
status=3'
  check sh-exec '$BB sh -c '\''for i in 1 2 3; do echo $i; done | sort -r | wc -l; echo hi > x.$$; cat x.$$; rm x.$$; cat a.txt | grep -c o; sed -n 2p a.txt'\' \
'3
hi
2
two'
  check sha256sum 'printf abc | $BB sha256sum' 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  -'
  check md5sum '$BB md5sum a.txt' 'deed54b823522e0525693b090363f9df  a.txt'
  check awk '$BB awk '\''{ s += length($0); n++ } END { printf "%d %d %.3f\n", n, s, s/n; print toupper(substr("hello", 2, 3)), index("hello", "l"), int(-3.7), 1e3/7 }'\'' a.txt' \
'3 11 3.667
ELL 3 -3 142.857'
  check sed '$BB sed -n -e s/o/0/g -e 2,3p a.txt; $BB sed "1d;s/\(t\)\(h\)/\2\1/" a.txt' \
'tw0
three
two
htree'
  check grep '$BB grep -n -e e -e w a.txt; $BB grep -c -v o a.txt; $BB grep -E "^t(wo|hree)$" a.txt' \
'1:one
2:two
3:three
1
two
three'
  check sort-uniq-wc 'printf "b\na\nb\nc\n" | $BB sort | $BB uniq -c; printf "x y\nz\n" | $BB wc' \
'      1 a
      2 b
      1 c
        2         3         6'
  check tr-cut 'echo Hello,World | $BB tr a-z A-Z | $BB cut -d, -f2' 'WORLD'
  check seq-tail-head '$BB seq 10 | $BB tail -n 2; $BB seq -s, 3; $BB head -c 5 a.txt; echo' \
'9
10
1,2,3
one
t'
  check tar '$BB tar -cf t.tar a.txt sub && $BB tar -tf t.tar && mkdir x && $BB tar -xf t.tar -C x && $BB cmp a.txt x/a.txt && $BB diff sub/b.txt x/sub/b.txt && echo same' \
'a.txt
sub/
sub/b.txt
same'
  check gzip '$BB gzip -c a.txt | $BB gunzip -c | $BB md5sum' 'deed54b823522e0525693b090363f9df  -'
  check find '$BB find . -name "*.txt" | $BB sort; $BB find . -type d | $BB sort' \
'./a.txt
./sub/b.txt
.
./sub'
  check od 'printf "AB\n" | $BB od -An -tx1' ' 41 42 0a'
  check hexdump 'printf AB | $BB hexdump -C' \
'00000000  41 42                                             |AB|
00000002'
  check diff-cmp 'printf "a\nb\n" > p; printf "a\nc\n" > q; $BB diff p q | tail -n 2; $BB cmp -s p q || echo differ' \
'-b
+c
differ'
  check stat-du-df '$BB stat -c "%s %n" a.txt; $BB du -s sub >/dev/null && echo du-ok; $BB df . >/dev/null && echo df-ok' \
'14 a.txt
du-ok
df-ok'
  check env-expr-date '$BB env -i A=1 B=2; $BB expr 3 + 4; $BB date -u -d @0 +%Y-%m-%dT%H:%M:%S; $BB basename /a/b.c .c; $BB dirname /a/b.c' \
'A=1
B=2
7
1970-01-01T00:00:00
b
/a'
  check yes-true-false-sleep '$BB yes y | $BB head -n 2; $BB true && ! $BB false && $BB sleep 0.1 && echo tf' \
'y
y
tf'
  check test-printf '$BB test 3 -gt 2 && $BB [ -d sub ] && $BB printf "%05.1f|%x|%s\n" 3.14159 255 ok' '003.1|ff|ok'
  check touch-ln-readlink '$BB touch n && $BB ln -s n l && $BB readlink l && $BB ls -1 && $BB rm n l && $BB mkdir q && $BB rmdir q && echo ok' \
'n
a.txt
l
n
sub
ok'
}

verify_bin() {  # verify_bin ARCH BINARY LABEL -> 0 when all checks pass
  CHECK_ARCH=$1; CHECK_BIN=$2; CHECK_N=0; CHECK_FAIL=0
  run_checks
  log "$3: $((CHECK_N - CHECK_FAIL))/$CHECK_N checks passed under qemu-$1"
  [ $CHECK_FAIL = 0 ]
}
write_applets() {  # write_applets ARCH BINARY OUTFILE
  local tmp; tmp=$(mktemp)
  qemu-"$1" "$2" --list >"$tmp"
  [ -s "$tmp" ] || { rm -f "$tmp"; die "$1: busybox --list printed nothing"; }
  if cmp -s "$tmp" "$3"; then rm -f "$tmp"; else mv "$tmp" "$3"; chmod 644 "$3"; log "wrote ${3#$ROOT/} ($(wc -l <"$3") applets)"; fi
}

# ---- main ----------------------------------------------------------------------------------------
HOSTCC=${HOSTCC:-$(command -v gcc || command -v cc || echo clang-16)}
if [ $BUILD = 1 ]; then
  for t in clang-16 llvm-ar-16 llvm-strip-16 llvm-readelf-16 make patch bzip2 xz; do
    command -v "$t" >/dev/null || die "missing $t (apt-get install clang-16 lld-16 llvm-16 make patch bzip2 xz-utils)"
  done
  prepare_source
  make_config
  for a in "${ARCHES[@]}"; do build_arch "$a"; done
  if [ $NO_DEBIAN = 0 ]; then
    for a in "${ARCHES[@]}"; do case $a in
      aarch64) fetch_debian arm64 aarch64;; x86_64) fetch_debian amd64 x86_64;;
    esac; done
  fi
fi

if [ $NO_VERIFY = 0 ]; then
  fail=0
  for a in "${ARCHES[@]}"; do
    command -v "qemu-$a" >/dev/null || { echo "build-busybox: qemu-$a missing, not verifying $a" >&2; continue; }
    bins=("$FIX/$a/busybox:busybox:applets-$a.txt")
    [ $NO_DEBIAN = 0 ] && [ -f "$FIX/$a/busybox-debian" ] && bins+=("$FIX/$a/busybox-debian:busybox-debian:applets-$a-debian.txt")
    for e in "${bins[@]}"; do
      IFS=: read -r bin label list <<<"$e"
      [ -f "$bin" ] || { echo "build-busybox: $bin missing" >&2; fail=1; continue; }
      verify_bin "$a" "$bin" "$a/$label" || fail=1
      write_applets "$a" "$bin" "$DOC/$list"
    done
  done
  exit $fail
fi

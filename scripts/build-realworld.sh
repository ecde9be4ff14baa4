#!/usr/bin/env bash
# Build real programs from Debian bookworm's source packages (upstream tarball + Debian's quilt
# patches) as static musl 1.2.5 binaries for riscv64, aarch64, x86_64 and loongarch64 with recipe A
# (../shared/toolchain/musl-cc.sh, sysroots from scripts/build-toolchain.sh):
#   lua5.4    -> test/fixtures/<arch>/lua      the `lua` interpreter (src/lua.c + the core and libraries)
#   sqlite3   -> test/fixtures/<arch>/sqlite3  the `sqlite3` shell (shell.c + the sqlite3.c amalgamation)
#   xz-utils  -> test/fixtures/<arch>/xz       `xz` with a static liblzma (threads: -T2)
#   jq        -> test/fixtures/<arch>/jq       `jq` without oniguruma (no test/match/sub builtins)
#   make-dfsg -> test/fixtures/<arch>/make     GNU make (no guile, no NLS)
# xz, jq and make use their own autotools build (configure --host=<arch>-linux-musl with the musl
# driver as CC); jq's and make's Debian tarballs are git snapshots without configure, so those two
# run `autoreconf -fi` once on the host (apt-get install autoconf automake autopoint libtool).
# Both are stripped in test/fixtures; the unstripped binaries (symbols for the differential runner)
# stay in $CACHE/build-<arch>/. Then (unless --no-verify) each binary is smoke-tested under
# qemu-<arch>. test/e2e/realworld.test.ts runs them with test/fixtures/src/realworld/*.
#
# usage: bash scripts/build-realworld.sh [--no-verify] [--verify-only] [lua] [sqlite3] [xz] [jq] [make] [arch...]
#
# Downloads and builds live in $REALWORLD_CACHE (default .toolchain/realworld, git-ignored, outside
# the tracked tree): re-running is cheap and idempotent (downloads are skipped when the files are
# there with the pinned sha256, sources are re-extracted only when the pins change, objects are
# rebuilt only when missing, fixtures are only rewritten when their bytes change). Downloads use apt
# with a private state directory (own sources list with a deb-src line, own lists and cache); the
# machine's apt configuration is not changed. Mirror: $DEBIAN_MIRROR / $DEBIAN_SECURITY_MIRROR,
# default: the machine's own Debian apt source.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${RUNLINUXD_SHARED:-$ROOT/../shared}
SHARED=$(cd "$SHARED" && pwd)
CCDRV="$SHARED/toolchain/musl-cc.sh"
B=${REALWORLD_CACHE:-$ROOT/.toolchain/realworld}
FIX="$ROOT/test/fixtures"
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}

# ---- pinned inputs (Debian bookworm; also listed in test/fixtures/README.md) ---------------------
LUA_VER=5.4.4;     LUA_DEB=5.4.4-3+deb12u1
SQLITE_VER=3.40.1; SQLITE_DEB=3.40.1-2+deb12u2
XZ_VER=5.4.1;      XZ_DEB=5.4.1-1+deb12u2
JQ_VER=1.6;        JQ_DEB=1.6-2.1+deb12u2
MAKE_VER=4.3;      MAKE_DEB=4.3-4.1
declare -A SHA256=(
  [lua5.4_5.4.4.orig.tar.gz]=164c7849653b80ae67bec4b7473b884bf5cc8d2dca05653475ec2ed27b9ebf61
  [lua5.4_5.4.4-3+deb12u1.debian.tar.xz]=2d8e0e380722c648cfeffb8d58287865619b4d035544d93d7ef3a2eaf627abe6
  [lua5.4_5.4.4-3+deb12u1.dsc]=d47c50154294a68c8a209c5d61bc09e5b22891c01b7c47501ac3f9725eb4a813
  [sqlite3_3.40.1.orig.tar.xz]=aaa776260ab4dc976db34aa7891819484c8676b5b2783123ebc6301e2ca5d655
  [sqlite3_3.40.1.orig-www.tar.xz]=a5e95a18d1b59729278860559ded78751b9163ffb5bb906c5cd24c015f71d5fd
  [sqlite3_3.40.1-2+deb12u2.debian.tar.xz]=0843bc12e4364076477935ce313a6d0796fd899a989ff18ebb6545540e10e4ca
  [sqlite3_3.40.1-2+deb12u2.dsc]=ee3459ae9d00939741c7708fc1b8ce1bde12d8c3fb1dfa005bbbc8651d884e23
  [xz-utils_5.4.1.orig.tar.xz]=5d9827aa1875b21c288f78864bb26d2650b436ea8d2cad364e4921eb6266a5a5
  [xz-utils_5.4.1-1+deb12u2.debian.tar.xz]=7e0b1d1448520ea4f88ec05136a88f07564cc4a1abd6dfcf53c1f822a3e4f64f
  [xz-utils_5.4.1-1+deb12u2.dsc]=bffc9917562b5787661379621bb1f7510bf7271b03d8ce4181cebc84b90d3c35
  [jq_1.6.orig.tar.gz]=3ba940b97571c866923f0409678033d33b5a98758dfc174fad8397ed908bc4d9
  [jq_1.6-2.1+deb12u2.debian.tar.xz]=88498e8c917c09ddee251544b0525051551e6a0552c862625696a3e83469ae66
  [jq_1.6-2.1+deb12u2.dsc]=ac53e4e0af865fd228e47c26a6d9a34da459fd4fbc2ab90815147dfeedf6ded0
  [make-dfsg_4.3.orig.tar.gz]=be4c17542578824e745f83bcd2a9ba264206187247cb6a5f5df99b0a9d1f9047
  [make-dfsg_4.3-4.1.diff.gz]=753c254ecaba425ebe2e0a0fb4d299847701e1c3eeb43df563e39975cae56b4c
  [make-dfsg_4.3-4.1.dsc]=d2523d94f4d4198df6801f238d36cf0dea2ab5521f1d19ee76b2e8ee1f1918bb
)
# Debian's own CFLAGS (debian/rules) minus the Makefile's readline/libtool/shared-library parts.
# LUA_USE_POSIX without LUA_USE_DLOPEN: a static musl program cannot load C modules.
LUA_CFLAGS=(-std=gnu99 -O2 -DLUA_COMPAT_5_3 -DLUA_USE_POSIX)
# Debian's -DSQLITE_* set (debian/rules) with load_extension omitted (static: no dlopen) and the
# features configure turns on (FTS4/5, math functions); threadsafe as Debian (musl pthread mutexes).
SQLITE_CFLAGS=(-O2 -fno-strict-aliasing
  -DSQLITE_SECURE_DELETE -DSQLITE_ENABLE_COLUMN_METADATA -DSQLITE_ENABLE_FTS3
  -DSQLITE_ENABLE_FTS3_PARENTHESIS -DSQLITE_ENABLE_FTS4 -DSQLITE_ENABLE_FTS5 -DSQLITE_ENABLE_RTREE=1
  -DSQLITE_SOUNDEX=1 -DSQLITE_ENABLE_UNLOCK_NOTIFY -DSQLITE_OMIT_LOOKASIDE=1 -DSQLITE_ENABLE_DBSTAT_VTAB
  -DSQLITE_ALLOW_ROWID_IN_VIEW -DSQLITE_ENABLE_UPDATE_DELETE_LIMIT=1 -DSQLITE_OMIT_LOAD_EXTENSION
  -DSQLITE_ENABLE_JSON1 -DSQLITE_LIKE_DOESNT_MATCH_BLOBS -DSQLITE_THREADSAFE=1 -DSQLITE_USE_URI=1
  -DSQLITE_MAX_SCHEMA_RETRY=25 -DSQLITE_ENABLE_PREUPDATE_HOOK -DSQLITE_ENABLE_SESSION
  -DSQLITE_ENABLE_STMTVTAB -DSQLITE_MAX_VARIABLE_NUMBER=250000 -DSQLITE_ENABLE_MATH_FUNCTIONS
  -DHAVE_USLEEP=1 -DHAVE_LOCALTIME_R=1 -DHAVE_GMTIME_R=1 -DHAVE_STRCHRNUL=1 -DHAVE_ISNAN=1)
# reproducible objects: no compiler ident, no build paths
REPRO=(-fno-ident "-ffile-prefix-map=$B=.")

NO_VERIFY=0; BUILD=1; ARCHES=(); PROGS=()
for x in "$@"; do case $x in
  --no-verify) NO_VERIFY=1;; --verify-only) BUILD=0;;
  lua|sqlite3|xz|jq|make) PROGS+=("$x");;
  riscv64|aarch64|x86_64|loongarch64) ARCHES+=("$x");;
  *) echo "usage: $0 [--no-verify] [--verify-only] [lua] [sqlite3] [xz] [jq] [make] [riscv64|aarch64|x86_64|loongarch64...]" >&2; exit 2;;
esac; done
[ ${#ARCHES[@]} -gt 0 ] || ARCHES=(riscv64 aarch64 x86_64 loongarch64)
[ ${#PROGS[@]} -gt 0 ] || PROGS=(lua sqlite3 xz jq make)
log() { echo "build-realworld: $*"; }
die() { echo "build-realworld: $*" >&2; exit 1; }

# ---- private apt ---------------------------------------------------------------------------------
# shellcheck source=lib/debian-apt.sh
. "$(dirname "$0")/lib/debian-apt.sh"
apt_setup() { debian_apt_setup deb-src; }
have() {  # have FILE: FILE exists in $B/dl with its pinned sha256
  [ -f "$B/dl/$1" ] && [ "$(sha256sum "$B/dl/$1" | cut -d' ' -f1)" = "${SHA256[$1]}" ]
}

# ---- 1. Debian source packages -> patched trees --------------------------------------------------
fetch_source() {  # fetch_source PKG DEBVER FILE...
  local pkg=$1 ver=$2 f ok=1; shift 2
  mkdir -p "$B/dl"
  for f in "$@"; do have "$f" || ok=0; done
  [ $ok = 1 ] && return
  apt_setup
  log "apt-get source --download-only $pkg=$ver"
  (cd "$B/dl" && apt-get "${APTO[@]}" -qq source --download-only "$pkg=$ver") ||
    die "could not download source $pkg=$ver (gone from the mirror? update the pins at the top of $0)"
  for f in "$@"; do have "$f" || die "$f: sha256 mismatch"; done
}

# unpack ORIG into $B/src/DIR, add Debian's debian/ and apply its quilt series (skipping SKIP...)
unpack() {  # unpack DIR ORIG DEBIAN_TAR STAMPTEXT [SKIP...]
  local dir=$1 orig=$2 deb=$3 want=$4 p; shift 4
  local src="$B/src/$dir" stamp="$B/src/$dir/.runlinuxd-patched"
  want="$want; skip: $*"   # a changed pin or skip list re-extracts
  [ -f "$stamp" ] && [ "$(head -1 "$stamp")" = "$want" ] && return
  log "unpacking $orig + Debian patches into $src"
  rm -rf "$src"; mkdir -p "$B/src"
  tar -xf "$B/dl/$orig" -C "$B/src"
  [ -d "$src" ] || die "$orig did not unpack into $dir"
  case $deb in
    *.diff.gz) gzip -dc "$B/dl/$deb" | patch -d "$src" -p1 -s -N || die "$deb failed";;  # format 1.0
    *) tar -xJf "$B/dl/$deb" -C "$src";;
  esac
  echo "$want" >"$stamp.tmp"
  for p in $( [ -f "$src/debian/patches/series" ] && sed -e 's/#.*//' "$src/debian/patches/series"); do
    case " $* " in *" $p "*) echo "# skipped $p" >>"$stamp.tmp"; continue;; esac
    patch -d "$src" -p1 -s -N <"$src/debian/patches/$p" || die "patch $p failed"
    echo "$p" >>"$stamp.tmp"
  done
  mv "$stamp.tmp" "$stamp"
}

prepare_lua() {
  fetch_source lua5.4 "$LUA_DEB" lua5.4_$LUA_VER.orig.tar.gz lua5.4_$LUA_DEB.debian.tar.xz lua5.4_$LUA_DEB.dsc
  # 0001 turns the Makefile into a libtool shared-library build: we compile the files directly
  unpack lua-$LUA_VER lua5.4_$LUA_VER.orig.tar.gz lua5.4_$LUA_DEB.debian.tar.xz "debian $LUA_DEB" \
    0001-build-system.patch
}

prepare_sqlite() {
  fetch_source sqlite3 "$SQLITE_DEB" sqlite3_$SQLITE_VER.orig.tar.xz sqlite3_$SQLITE_DEB.debian.tar.xz sqlite3_$SQLITE_DEB.dsc
  # skipped: 32-dynamic_link (links the shell against libsqlite3.la: we link the amalgamation
  # statically); the configure.ac ones need autoreconf and only touch the build system
  unpack sqlite3-$SQLITE_VER sqlite3_$SQLITE_VER.orig.tar.xz sqlite3_$SQLITE_DEB.debian.tar.xz "debian $SQLITE_DEB" \
    32-dynamic_link.patch 10-520466-libsqlite3-depends-on-libdl.patch 10-665363-disable-malloc-usable-size.patch \
    40-amalgamation_configure.patch
  # the amalgamation (sqlite3.c, sqlite3.h) and the shell's shell.c are generated by host tools
  # (lemon, mkkeywordhash, tclsh scripts): configure for the host, make just those files
  local g="$B/src/sqlite3-amalgamation"
  if [ ! -f "$g/sqlite3.c" ] || [ ! -f "$g/shell.c" ] || [ "$B/src/sqlite3-$SQLITE_VER/.runlinuxd-patched" -nt "$g/sqlite3.c" ]; then
    command -v tclsh >/dev/null || die "missing tclsh (apt-get install tcl)"
    log "generating the sqlite3 amalgamation (log: $g/gen.log)"
    rm -rf "$g"; mkdir -p "$g"
    (cd "$g" && CC="$HOSTCC" "$B/src/sqlite3-$SQLITE_VER/configure" --disable-tcl --disable-readline >gen.log 2>&1 &&
      make -j"$JOBS" sqlite3.c shell.c >>gen.log 2>&1) || { tail -20 "$g/gen.log" >&2; die "amalgamation failed"; }
  fi
}

prepare_xz() {
  fetch_source xz-utils "$XZ_DEB" xz-utils_$XZ_VER.orig.tar.xz xz-utils_$XZ_DEB.debian.tar.xz xz-utils_$XZ_DEB.dsc
  unpack xz-$XZ_VER xz-utils_$XZ_VER.orig.tar.xz xz-utils_$XZ_DEB.debian.tar.xz "debian $XZ_DEB"
}

autoreconf_once() {  # autoreconf_once DIR: generate configure in a git-snapshot tree (once per unpack)
  local src=$1
  [ -f "$src/.runlinuxd-autoreconf" ] && [ "$src/.runlinuxd-autoreconf" -nt "$src/.runlinuxd-patched" ] && return
  command -v autoreconf >/dev/null && command -v autopoint >/dev/null ||
    die "missing autoreconf/autopoint (apt-get install autoconf automake autopoint libtool)"
  log "autoreconf -fi in $src (log: $src/autoreconf.log)"
  (cd "$src" && autoreconf -fi >autoreconf.log 2>&1) || { tail -20 "$src/autoreconf.log" >&2; die "autoreconf failed in $src"; }
  touch "$src/.runlinuxd-autoreconf"
}

prepare_jq() {
  fetch_source jq "$JQ_DEB" jq_$JQ_VER.orig.tar.gz jq_$JQ_DEB.debian.tar.xz jq_$JQ_DEB.dsc
  unpack jq-jq-$JQ_VER jq_$JQ_VER.orig.tar.gz jq_$JQ_DEB.debian.tar.xz "debian $JQ_DEB"
  # Debian's patches change parser.y and the generated parser.c alike: keep the shipped parser and
  # lexer newer than their grammars so make does not want bison/flex
  local s="$B/src/jq-jq-$JQ_VER/src" f
  for f in parser lexer; do [ "$s/$f.c" -nt "$s/parser.y" ] && [ "$s/$f.c" -nt "$s/lexer.l" ] || touch "$s/$f.c" "$s/$f.h"; done
  autoreconf_once "$B/src/jq-jq-$JQ_VER"
}

prepare_make() {
  fetch_source make-dfsg "$MAKE_DEB" make-dfsg_$MAKE_VER.orig.tar.gz make-dfsg_$MAKE_DEB.diff.gz make-dfsg_$MAKE_DEB.dsc
  unpack make-dfsg-$MAKE_VER make-dfsg_$MAKE_VER.orig.tar.gz make-dfsg_$MAKE_DEB.diff.gz "debian $MAKE_DEB"
  autoreconf_once "$B/src/make-dfsg-$MAKE_VER"
}

# ---- 2. build ------------------------------------------------------------------------------------
cc_for() {  # prints the path of a one-line `cc` wrapper for ARCH
  local a=$1 sys="$ROOT/.toolchain/$1" cc="$B/bin/cc-$1"
  [ -f "$sys/lib/libc.a" ] || die "no sysroot $sys - run: bash scripts/build-toolchain.sh $a"
  mkdir -p "$B/bin"
  printf '#!/bin/sh\nexec sh "%s" %s "%s" "$@"\n' "$CCDRV" "$a" "$sys" >"$cc.tmp"; chmod +x "$cc.tmp"
  if cmp -s "$cc.tmp" "$cc"; then rm "$cc.tmp"; else mv "$cc.tmp" "$cc"; fi
  echo "$cc"
}

# compile SRC... into objects in OUT (skipped when the object is newer than its source and the
# flags are unchanged), then link them into OUT/NAME. Runs up to $JOBS compilers at once.
compile_link() {  # compile_link ARCH OUT NAME "CFLAGS..." SRC...
  local a=$1 o=$2 name=$3 flags=$4 cc s obj objs=() n=0; shift 4
  cc=$(cc_for "$a")
  mkdir -p "$o"
  if [ "$(cat "$o/flags" 2>/dev/null)" != "$flags" ]; then rm -f "$o"/*.o; echo "$flags" >"$o/flags"; fi
  for s in "$@"; do
    obj="$o/$(basename "${s%.c}").o"; objs+=("$obj")
    [ "$obj" -nt "$s" ] && continue
    # shellcheck disable=SC2086
    { "$cc" $flags -c "$s" -o "$obj.tmp" 2>>"$o/build.log" && mv "$obj.tmp" "$obj"; } &  # no half-written .o
    n=$((n + 1)); if [ $n -ge "$JOBS" ]; then wait -n || die "$a: compiling $name failed (see $o/build.log)"; n=$((n - 1)); fi
  done
  while [ $n -gt 0 ]; do wait -n || die "$a: compiling $name failed (see $o/build.log)"; n=$((n - 1)); done
  "$cc" -o "$o/$name" "${objs[@]}" 2>>"$o/build.log" || die "$a: linking $name failed (see $o/build.log)"
  file_is_static "$o/$name" || die "$a: $name is not a static ELF"
  llvm-strip-16 -o "$o/$name.stripped" "$o/$name"
  mkdir -p "$FIX/$a"
  if cmp -s "$o/$name.stripped" "$FIX/$a/$name"; then log "$a: test/fixtures/$a/$name unchanged ($(stat -c %s "$o/$name.stripped") bytes)"
  else cp "$o/$name.stripped" "$FIX/$a/$name"; chmod 755 "$FIX/$a/$name"
       log "$a: wrote test/fixtures/$a/$name ($(stat -c %s "$o/$name.stripped") bytes)"; fi
}
file_is_static() {  # ELF with no PT_INTERP / PT_DYNAMIC
  [ "$(head -c4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ] || return 1
  ! llvm-readelf-16 -l "$1" 2>/dev/null | grep -qE '^ *(INTERP|DYNAMIC) '
}

build_lua() {
  local a=$1 src="$B/src/lua-$LUA_VER/src" s files=()
  # luaconf.h (Debian's 0002) includes this for the C module path; the musl triple stands in
  # for Debian's multiarch directory
  printf '#ifndef _LUA_DEB_MULTIARCH_\n#define _LUA_DEB_MULTIARCH_\n#define DEB_HOST_MULTIARCH "%s-linux-musl"\n#endif\n' "$a" \
    >"$B/build-$a-lua5.4-deb-multiarch.h"
  mkdir -p "$B/build-$a/lua-inc"
  cmp -s "$B/build-$a-lua5.4-deb-multiarch.h" "$B/build-$a/lua-inc/lua5.4-deb-multiarch.h" ||
    mv "$B/build-$a-lua5.4-deb-multiarch.h" "$B/build-$a/lua-inc/lua5.4-deb-multiarch.h"
  rm -f "$B/build-$a-lua5.4-deb-multiarch.h"
  for s in "$src"/*.c; do case $(basename "$s") in luac.c|onelua.c) ;; *) files+=("$s");; esac; done
  log "$a: building lua (log: $B/build-$a/lua/build.log)"
  compile_link "$a" "$B/build-$a/lua" lua "${LUA_CFLAGS[*]} ${REPRO[*]} -I$B/build-$a/lua-inc" "${files[@]}"
}

build_sqlite() {
  local a=$1 g="$B/src/sqlite3-amalgamation"
  log "$a: building sqlite3 (log: $B/build-$a/sqlite3/build.log)"
  compile_link "$a" "$B/build-$a/sqlite3" sqlite3 "${SQLITE_CFLAGS[*]} ${REPRO[*]} -I$g" "$g/sqlite3.c" "$g/shell.c"
}

# autotools programs: configure out of tree in OUT for --host=ARCH-linux-musl (again only when the
# flags or the source tree change), `make -C OUT TARGET` or `make -C OUT/DIR TARGET` for each TARGET
# or DIR:TARGET in "TARGETS" (the last one is the program), then strip and install like compile_link
configure_make() {  # configure_make ARCH OUT NAME SRC "TARGETS" "CFLAGS" CONFIGURE_ARG...
  local a=$1 o=$2 name=$3 src=$4 targets=$5 flags=$6 cc want t; shift 6
  cc=$(cc_for "$a")
  want="$flags; $*; $(head -1 "$src/.runlinuxd-patched")"
  mkdir -p "$o"
  if [ ! -f "$o/config.status" ] || [ "$(cat "$o/flags" 2>/dev/null)" != "$want" ] || [ "$src/.runlinuxd-patched" -nt "$o/config.status" ]; then
    rm -rf "$o"; mkdir -p "$o"
    (cd "$o" && CC="$cc" CFLAGS="$flags" AR=llvm-ar-16 RANLIB=llvm-ranlib-16 "$src/configure" --host="$a-linux-musl" \
      --build="$(uname -m)-linux-gnu" "$@" >build.log 2>&1) || { tail -30 "$o/build.log" >&2; die "$a: configuring $name failed (see $o/build.log)"; }
    echo "$want" >"$o/flags"
  fi
  for t in $targets; do
    case $t in *:*) set -- "$o/${t%%:*}" "${t#*:}";; *) set -- "$o" "$t";; esac
    make -C "$1" -j"$JOBS" "$2" >>"$o/build.log" 2>&1 ||
      { tail -30 "$o/build.log" >&2; die "$a: building $name failed (see $o/build.log)"; }
  done
  install_fixture "$a" "$1/$2" "$name"
}
install_fixture() {  # install_fixture ARCH BINARY NAME
  local a=$1 bin=$2 name=$3
  file_is_static "$bin" || die "$a: $name is not a static ELF"
  llvm-strip-16 -o "$bin.stripped" "$bin"
  mkdir -p "$FIX/$a"
  if cmp -s "$bin.stripped" "$FIX/$a/$name"; then log "$a: test/fixtures/$a/$name unchanged ($(stat -c %s "$bin.stripped") bytes)"
  else cp "$bin.stripped" "$FIX/$a/$name"; chmod 755 "$FIX/$a/$name"
       log "$a: wrote test/fixtures/$a/$name ($(stat -c %s "$bin.stripped") bytes)"; fi
}

build_xz() {
  local a=$1
  log "$a: building xz (log: $B/build-$a/xz/build.log)"
  # Debian's configure flags minus shared/NLS/docs; threads are posix (musl pthreads); the
  # assembler CRC code is x86-only and off anyway with --disable-assembler
  configure_make "$a" "$B/build-$a/xz" xz "$B/src/xz-$XZ_VER" "src/liblzma:liblzma.la src/xz:xz" "-O2 ${REPRO[*]}" \
    --disable-shared --enable-static --disable-nls --disable-doc --disable-scripts --disable-xzdec \
    --disable-lzmadec --disable-lzmainfo --disable-lzma-links --disable-assembler --enable-threads=posix
}

build_jq() {
  local a=$1
  log "$a: building jq (log: $B/build-$a/jq/build.log)"
  # src/builtin.inc (builtin.jq as a C string) is generated in the build folder
  configure_make "$a" "$B/build-$a/jq" jq "$B/src/jq-jq-$JQ_VER" "src/builtin.inc jq" "-O2 ${REPRO[*]} -I$B/build-$a/jq" \
    --disable-shared --enable-static --with-oniguruma=no --disable-docs --disable-maintainer-mode \
    --disable-valgrind
}

build_make() {
  local a=$1
  log "$a: building make (log: $B/build-$a/make/build.log)"
  configure_make "$a" "$B/build-$a/make" make "$B/src/make-dfsg-$MAKE_VER" "lib:all make" "-O2 ${REPRO[*]}" \
    --disable-nls --without-guile --disable-load
}

# ---- 3. verification under qemu-user ------------------------------------------------------------
FAIL=0
check() {  # check ARCH NAME WANT CMD...: CMD's stdout+stderr under qemu-ARCH must be WANT
  local a=$1 name=$2 want=$3 got; shift 3
  got=$(timeout 60 "qemu-$a" "$@" 2>&1) || true
  if [ "$got" != "$want" ]; then
    FAIL=1; echo "build-realworld: $a: FAIL $name" >&2; diff <(echo "$want") <(echo "$got") | sed 's/^/    /' >&2 || true
  fi
}
verify() {
  local a=$1 p=$2
  command -v "qemu-$a" >/dev/null || { echo "build-realworld: qemu-$a missing, not verifying $a" >&2; return; }
  case $p in
    lua) check "$a" lua-version "Lua $LUA_VER  Copyright (C) 1994-2022 Lua.org, PUC-Rio" "$FIX/$a/lua" -v
         check "$a" lua-expr $'3.1416\t40320\t0x7fffffffffffffff\t7\tab' "$FIX/$a/lua" -e \
           'print(string.format("%.4f", math.pi), (function(n) local r = 1 for i = 2, n do r = r * i end return r end)(8), string.format("%#x", math.maxinteger), 15 // 2, ("a"):rep(1) .. "b")';;
    sqlite3) check "$a" sqlite3-version "$SQLITE_VER 2022-12-28 14:03:47 df5c253c0b3dd24916e4ec7cf77d3db5294cc9fd45ae7b9c5e82ad8197f3alt1" \
           "$FIX/$a/sqlite3" -version
         check "$a" sqlite3-query '3|6.0|[1,2]' "$FIX/$a/sqlite3" :memory: \
           'create table t(x); insert into t values (1),(2),(3); select count(*), printf("%.1f", sum(x)), json_array(1,2) from t;';;
    xz) check "$a" xz-version $'xz (XZ Utils) 5.4.1\nliblzma 5.4.1' "$FIX/$a/xz" --version
        printf 'hello hello hello' | timeout 60 "qemu-$a" "$FIX/$a/xz" -T2 --check=sha256 >"$B/verify-$a.xz" || true
        check "$a" xz-roundtrip 'hello hello hello' "$FIX/$a/xz" -dc "$B/verify-$a.xz";;
    jq) check "$a" jq-version 'jq-1.6' "$FIX/$a/jq" --version
        check "$a" jq-filter '[1.7976931348623157e+308,"YWI=",3]' "$FIX/$a/jq" -nc '[1e1000, ("ab" | @base64), ([1, 2] | add)]';;
    make) check "$a" make-eval '4.3 x=4' "$FIX/$a/make" -s -f /dev/null --eval 'all: ; @echo $(MAKE_VERSION) x=$(words a b c d)';;
  esac
}

# ---- main ----------------------------------------------------------------------------------------
HOSTCC=${HOSTCC:-$(command -v gcc || command -v cc || echo clang-16)}
if [ $BUILD = 1 ]; then
  for t in clang-16 llvm-strip-16 llvm-readelf-16 make patch xz; do
    command -v "$t" >/dev/null || die "missing $t (apt-get install clang-16 lld-16 llvm-16 make patch xz-utils tcl)"
  done
  for p in "${PROGS[@]}"; do
    case $p in lua) prepare_lua;; sqlite3) prepare_sqlite;; xz) prepare_xz;; jq) prepare_jq;; make) prepare_make;; esac
    for a in "${ARCHES[@]}"; do case $p in
      lua) build_lua "$a";; sqlite3) build_sqlite "$a";; xz) build_xz "$a";; jq) build_jq "$a";; make) build_make "$a";;
    esac; done
  done
fi
if [ $NO_VERIFY = 0 ]; then
  for p in "${PROGS[@]}"; do for a in "${ARCHES[@]}"; do verify "$a" "$p"; done; done
  [ $FAIL = 0 ] && log "all smoke tests passed under qemu-user"
fi
exit $FAIL

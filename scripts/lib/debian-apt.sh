# Sourced by scripts/build-*.sh: a private apt state under $B/apt (lists, cache, sources) that reads
# Debian bookworm (+ updates, security) from the machine's own mirror, so `apt-get source` and
# `apt-get download` work without touching the host's apt configuration.
# Needs $B and the caller's log/die. Sets APTO, the options every apt-get call passes.
#
# debian_apt_setup TYPES [ARCH...]   TYPES: "deb-src" or "deb deb-src"; ARCHs for binary packages
APT_READY=0
debian_apt_setup() {
  [ $APT_READY = 1 ] && return
  local types=$1; shift
  command -v apt-get >/dev/null || die "apt-get missing (needs a Debian host)"
  local mirror=${DEBIAN_MIRROR:-} sec=${DEBIAN_SECURITY_MIRROR:-} u archline='' x
  if [ -z "$mirror" ] || [ -z "$sec" ]; then   # the machine's own Debian sources (deb822 or one-line)
    for u in $(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | sed -n 's/^URIs:[[:space:]]*//p';
               cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
               sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]\+\).*/\2/p'); do
      case $u in
        */debian-security|*/debian-security/) [ -n "$sec" ] || sec=${u%/};;
        */debian|*/debian/) [ -n "$mirror" ] || mirror=${u%/};;
      esac
    done
  fi
  mirror=${mirror:-http://deb.debian.org/debian}; sec=${sec:-http://deb.debian.org/debian-security}
  [ $# -gt 0 ] && archline="Architectures: $*
"
  mkdir -p "$B/apt/lists/partial" "$B/apt/cache/archives/partial" "$B/apt/parts" "$B/apt/prefs"
  cat >"$B/apt/debian.sources" <<EOF
Types: $types
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
${archline}Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: $types
URIs: $sec
Suites: bookworm-security
Components: main
${archline}Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  APTO=(-o "Dir::Etc::SourceList=$B/apt/debian.sources" -o "Dir::Etc::SourceParts=$B/apt/parts"
        -o "Dir::Etc::PreferencesParts=$B/apt/prefs" -o "Dir::State::Lists=$B/apt/lists"
        -o "Dir::Cache=$B/apt/cache" -o "APT::Sandbox::User=root" -o "Debug::NoLocking=1")
  for x in "$@"; do APTO+=(-o "APT::Architectures::=$x"); done
  log "apt-get update (private lists in $B/apt, mirror $mirror)"
  apt-get "${APTO[@]}" -qq update >"$B/apt/update.log" 2>&1 || { cat "$B/apt/update.log" >&2; die "apt-get update failed"; }
  APT_READY=1
}

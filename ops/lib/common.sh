# shellcheck shell=bash
# ops/lib/common.sh — small helpers shared by the ops/ scripts (lab, run, test, ...).
#
# Source it from a script that has already done `set -euo pipefail`:
#     . "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
#
# Everything here is non-interactive and safe to call as root with no stdin.

if [[ -n "${_DIST_BTRFS_COMMON_SH:-}" ]]; then
    return 0
fi
_DIST_BTRFS_COMMON_SH=1

# Name used as a prefix on messages; scripts may override before sourcing.
: "${OPS_PROG:=$(basename "${0:-ops}")}"

# ---------------------------------------------------------------------------
# Messages
# ---------------------------------------------------------------------------

# log MSG... — progress message on stderr (stdout stays clean for machine output).
log() {
    printf '%s: %s\n' "$OPS_PROG" "$*" >&2
}

# warn MSG... — a warning on stderr.
warn() {
    printf '%s: warning: %s\n' "$OPS_PROG" "$*" >&2
}

# die MSG... — print an error on stderr and exit 1.
die() {
    printf '%s: error: %s\n' "$OPS_PROG" "$*" >&2
    exit 1
}

# need_root — die unless running as root.
need_root() {
    [[ "$(id -u)" -eq 0 ]] || die "must run as root"
}

# have CMD — true if CMD is on PATH.
have() {
    command -v "$1" >/dev/null 2>&1
}

# ---------------------------------------------------------------------------
# Quoting
# ---------------------------------------------------------------------------

# shell_squote STRING — print STRING as one POSIX single-quoted word.
shell_squote() {
    local s=$1
    printf "'%s'" "${s//\'/\'\\\'\'}"
}

# print_export NAME VALUE — print `export NAME='VALUE'` (safe for eval).
print_export() {
    [[ "$1" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "bad variable name: $1"
    printf 'export %s=%s\n' "$1" "$(shell_squote "$2")"
}

# ---------------------------------------------------------------------------
# Packages
# ---------------------------------------------------------------------------

# pkg_installed PKG — true if dpkg reports PKG as installed.
pkg_installed() {
    local status
    status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) || return 1
    [[ "$status" == "install ok installed" ]]
}

_APT_UPDATED=""

# ensure_apt_packages PKG... — install the Debian packages that are missing.
# Runs `apt-get update` at most once per process and only if something is missing.
ensure_apt_packages() {
    local missing=() p
    for p in "$@"; do
        pkg_installed "$p" || missing+=("$p")
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    [[ "$(id -u)" -eq 0 ]] || die "missing packages (${missing[*]}) and not root: cannot install them"
    log "installing missing packages: ${missing[*]}"
    if [[ -z "$_APT_UPDATED" ]]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null >&2 \
            || die "apt-get update failed"
        _APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        "${missing[@]}" </dev/null >&2 \
        || die "apt-get install failed for: ${missing[*]}"
    for p in "${missing[@]}"; do
        pkg_installed "$p" || die "package $p still not installed after apt-get install"
    done
}

# ensure_promtool DEST — puts Prometheus's `promtool` at DEST unless it is there (or on
# PATH: prints that one's path). It is unpacked from Debian's prometheus package, not
# installed: installing would start a Prometheus server. Prints the path to use.
ensure_promtool() {
    local dest=$1 tmp
    if have promtool; then command -v promtool; return 0; fi
    if [[ -x "$dest" ]]; then echo "$dest"; return 0; fi
    tmp=$(mktemp -d)
    chmod 0755 "$tmp"
    if ! (cd "$tmp" && apt-get download -q prometheus </dev/null >&2 2>/dev/null); then
        DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null >&2 || die "apt-get update failed"
        _APT_UPDATED=1
        (cd "$tmp" && apt-get download -q prometheus </dev/null >&2) || die "apt-get download prometheus failed"
    fi
    dpkg-deb -x "$tmp"/prometheus_*.deb "$tmp/x" || die "could not unpack the prometheus package"
    install -D -m 0755 "$tmp/x/usr/bin/promtool" "$dest"
    rm -rf "$tmp"
    echo "$dest"
}

# ---------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------

# pg_bindir — print the bin directory of the highest installed PostgreSQL
# server version (/usr/lib/postgresql/N/bin). Honors $PG_BINDIR if set.
pg_bindir() {
    if [[ -n "${PG_BINDIR:-}" ]]; then
        [[ -x "$PG_BINDIR/initdb" && -x "$PG_BINDIR/pg_ctl" ]] \
            || die "PG_BINDIR=$PG_BINDIR has no initdb/pg_ctl"
        printf '%s\n' "$PG_BINDIR"
        return 0
    fi
    local d best="" bestv=-1 v
    for d in /usr/lib/postgresql/*/bin; do
        [[ -x "$d/initdb" && -x "$d/pg_ctl" && -x "$d/postgres" ]] || continue
        v=${d#/usr/lib/postgresql/}
        v=${v%/bin}
        [[ "$v" =~ ^[0-9]+$ ]] || continue
        if ((v > bestv)); then
            bestv=$v
            best=$d
        fi
    done
    [[ -n "$best" ]] || { warn "no PostgreSQL server found under /usr/lib/postgresql/*/bin"; return 1; }
    printf '%s\n' "$best"
}

# ---------------------------------------------------------------------------
# Misc
# ---------------------------------------------------------------------------

# random_secret [BYTES] — print a random lowercase hex string (2*BYTES chars, default 16 bytes).
# Hex only, so it needs no escaping in URLs, SQL literals or shell words.
random_secret() {
    local n=${1:-16}
    od -An -tx1 -N"$n" /dev/urandom | tr -d ' \n'
}

# admin_api_token BASE PASSWORD NAME COOKIE_JAR — log in to the API at BASE (`.../api/v1`) as
# `admin` with PASSWORD, create an API token called NAME and print it (`dbt_...`); dies when
# it cannot. Needs curl and jq. The session cookie goes to COOKIE_JAR.
admin_api_token() {
    local base=$1 password=$2 name=$3 jar=$4 login csrf token
    login=$(jq -n --arg p "$password" '{username: "admin", password: $p}')
    csrf=$(curl -sf -c "$jar" -H 'content-type: application/json' -d "$login" "$base/auth/login" | jq -r .csrf_token)
    token=$(curl -sf -b "$jar" -H "X-CSRF-Token: $csrf" -H 'content-type: application/json' \
        -d "$(jq -n --arg n "$name" '{name: $n}')" "$base/tokens" | jq -r .token)
    [[ "$token" == dbt_* ]] || die "could not make an API token"
    printf '%s\n' "$token"
}

# wait_for_tcp HOST PORT [TIMEOUT_SECONDS] — wait until HOST:PORT accepts a TCP connection.
# Only for loopback addresses (this project never addresses anything else).
wait_for_tcp() {
    local host=$1 port=$2 timeout=${3:-20} i
    [[ "$host" == 127.* || "$host" == localhost ]] || die "wait_for_tcp: refusing non-loopback address $host"
    for ((i = 0; i < timeout * 10; i++)); do
        if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    return 1
}

# tcp_open HOST PORT — true if HOST:PORT accepts a TCP connection right now.
tcp_open() {
    [[ "$1" == 127.* || "$1" == localhost ]] || die "tcp_open: refusing non-loopback address $1"
    # shellcheck disable=SC2016 # expanded by the inner bash
    timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}

# close_extra_fds — close every file descriptor above 2 in the current shell. Use it in a
# subshell that then execs a daemon, so the daemon inherits no locks or pipes of the caller
# (an inherited pipe makes `$(...)` callers hang, an inherited lock blocks the next run):
#     ( close_extra_fds; exec some-daemon ) </dev/null >>log 2>&1 &
close_extra_fds() {
    local f fd fds=()
    for f in "/proc/$BASHPID/fd/"*; do
        fd=${f##*/}
        [[ "$fd" =~ ^[0-9]+$ ]] && ((fd > 2)) && fds+=("$fd")
    done
    for fd in "${fds[@]}"; do
        exec {fd}>&- 2>/dev/null || true
    done
    return 0
}

# run_closed_fds CMD... — run CMD in the foreground with every file descriptor above 2 closed.
run_closed_fds() {
    (
        close_extra_fds
        exec "$@"
    )
}

# repo_root — print the repository root (the directory above ops/).
repo_root() {
    local here
    here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
    printf '%s\n' "$here"
}

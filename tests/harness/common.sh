#!/bin/bash
# Shared helpers for the host-side harness. Source it; do not run it.
# shellcheck shell=bash

DKA_CACHE=${DKA_CACHE:-/var/cache/dax-kmem-atomic}
HARNESS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TESTS_DIR=$(dirname "$HARNESS_DIR")
REPO_DIR=$(dirname "$TESTS_DIR")
export HARNESS_DIR TESTS_DIR REPO_DIR
export DKA_CACHE

log() { printf '[dka %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[dka] ERROR: %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" = 0 ]; }

# need_cmd CMD PKG: make sure CMD exists; install PKG with apt-get when root.
declare -A _DKA_NEED_DONE=()
need_cmd() {
	local cmd=$1 pkg=$2
	command -v "$cmd" >/dev/null 2>&1 && return 0
	[ -x "$cmd" ] && return 0
	need_pkg "$pkg"
	command -v "$cmd" >/dev/null 2>&1 || [ -x "$cmd" ] ||
		die "$cmd still missing after installing $pkg"
}

# need_pkg PKG...: install Debian packages on the host if not installed.
need_pkg() {
	local missing=() p
	for p in "$@"; do
		[ -n "${_DKA_NEED_DONE[$p]:-}" ] && continue
		if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
			_DKA_NEED_DONE[$p]=1
		else
			missing+=("$p")
		fi
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if ! is_root; then
		die "missing host package(s): ${missing[*]} (run: apt-get install ${missing[*]})"
	fi
	log "installing host packages: ${missing[*]}"
	if [ ! -e "$DKA_CACHE/.host-apt-updated" ]; then
		mkdir -p "$DKA_CACHE"
		DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || die "apt-get update failed"
		touch "$DKA_CACHE/.host-apt-updated"
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 ||
		die "apt-get install ${missing[*]} failed"
	for p in "${missing[@]}"; do _DKA_NEED_DONE[$p]=1; done
}

# Host mirror for the main Debian archive, copied from the host's apt sources.
host_mirror() {
	local m=""
	if [ -n "${DKA_MIRROR:-}" ]; then echo "$DKA_MIRROR"; return; fi
	m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -v '^[[:space:]]*#' | grep -oE '(https?|ftp)://[^[:space:]]+/debian/?([[:space:]]|$)' |
		head -n1 | tr -d '[:space:]') || true
	echo "${m%/}" | grep . || echo "http://deb.debian.org/debian"
}

host_security_mirror() {
	local m=""
	if [ -n "${DKA_SECURITY_MIRROR:-}" ]; then echo "$DKA_SECURITY_MIRROR"; return; fi
	m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -v '^[[:space:]]*#' | grep -oE '(https?|ftp)://[^[:space:]]+/debian-security/?([[:space:]]|$)' |
		head -n1 | tr -d '[:space:]') || true
	echo "${m%/}" | grep . || echo "http://deb.debian.org/debian-security"
}

# Decompress a module file into DEST (handles .ko, .ko.xz, .ko.zst, .ko.gz).
decompress_ko() {
	local src=$1 dest=$2
	case "$src" in
	*.ko.xz) xz -dc "$src" >"$dest" ;;
	*.ko.zst) zstd -qdc "$src" >"$dest" ;;
	*.ko.gz) gzip -dc "$src" >"$dest" ;;
	*) cp "$src" "$dest" ;;
	esac
}

# copy_tree SRC DEST: copy a source tree into DEST (which must exist): a git
# checkout's tracked and untracked files (not ignored ones, not .git), or
# everything but .git.
copy_tree() {
	if git -C "$1" rev-parse --show-toplevel >/dev/null 2>&1 &&
		[ "$(git -C "$1" rev-parse --show-toplevel)" = "$1" ]; then
		(cd "$1" && git ls-files -co --exclude-standard -z |
			while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
			tar --null -T - -cf -) | tar -C "$2" -xf -
	else
		tar -C "$1" --exclude=.git -cf - . | tar -C "$2" -xf -
	fi
}

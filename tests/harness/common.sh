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
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq >&2 ||
			die "apt-get update failed"
		touch "$DKA_CACHE/.host-apt-updated"
	fi
	# (waits for the dpkg lock: kernels built in parallel install at once)
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
		install -y -qq --no-install-recommends "${missing[@]}" >&2 ||
		die "apt-get install ${missing[*]} failed"
	for p in "${missing[@]}"; do _DKA_NEED_DONE[$p]=1; done
}

# apt_mirror_of PATH DEFAULT: the first mirror of the host's apt sources
# whose URL ends in /PATH (the host's own choice of mirror), else DEFAULT
apt_mirror_of() {
	local m
	m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -v '^[[:space:]]*#' | grep -oE "(https?|ftp)://[^[:space:]]+/$1/?([[:space:]]|\$)" |
		head -n1 | tr -d '[:space:]') || true
	echo "${m%/}" | grep . || echo "$2"
}

# Host mirror for the main Debian archive (DKA_MIRROR overrides it).
host_mirror() {
	if [ -n "${DKA_MIRROR:-}" ]; then echo "$DKA_MIRROR"; return; fi
	apt_mirror_of debian http://deb.debian.org/debian
}

# ... and for its security archive (DKA_SECURITY_MIRROR).
host_security_mirror() {
	if [ -n "${DKA_SECURITY_MIRROR:-}" ]; then echo "$DKA_SECURITY_MIRROR"; return; fi
	apt_mirror_of debian-security http://deb.debian.org/debian-security
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

# ---- private apt: packages of any Debian suite, downloaded, never installed

# papt_init SUITE...: a private sources list for SUITEs ("-security" ones
# from the security mirror) with lists and cache under $DKA_CACHE/apt; sets
# APT_DIR, APT_OPTS, DEB_DIR and PAPT_SUITES for the functions below.
papt_init() {
	local s mirror tmp
	PAPT_SUITES="$*"
	APT_DIR="$DKA_CACHE/apt/$(echo "$PAPT_SUITES" | tr ' ' '+')"
	DEB_DIR="$DKA_CACHE/debs"
	mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial" "$DEB_DIR"
	APT_OPTS=(
		-o "Dir::Etc::SourceList=$APT_DIR/sources.list"
		-o Dir::Etc::SourceParts=/dev/null
		-o Dir::Etc::Preferences=/dev/null
		-o Dir::Etc::PreferencesParts=/dev/null
		-o "Dir::State::Lists=$APT_DIR/lists"
		-o "Dir::Cache=$APT_DIR/cache"
		-o Dir::State::status=/dev/null
		-o APT::Architecture=amd64
		-o APT::Architectures=amd64
		-o Acquire::Languages=none
		-o Debug::NoLocking=1
		-o APT::Sandbox::User=root
	)
	tmp=$(mktemp)
	for s in $PAPT_SUITES; do
		case "$s" in
		*-security) mirror=$(host_security_mirror) ;;
		*) mirror=$(host_mirror) ;;
		esac
		echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $s main"
	done >"$tmp"
	if ! cmp -s "$tmp" "$APT_DIR/sources.list" 2>/dev/null; then
		mv "$tmp" "$APT_DIR/sources.list"
		rm -f "$APT_DIR/.updated"
	else
		rm -f "$tmp"
	fi
}

# papt_update: refresh the private lists when missing, when asked
# (DKA_REFRESH=1), or when older than DKA_APT_MAX_AGE days (default 7); on a
# network failure with usable old lists, carry on with them.
papt_update() {
	local age_days=${DKA_APT_MAX_AGE:-7} stale=0
	if [ -e "$APT_DIR/.updated" ] && [ -n "$(find "$APT_DIR/.updated" -mtime +"$age_days" 2>/dev/null)" ]; then
		stale=1
	fi
	if [ -e "$APT_DIR/.updated" ] && [ "${DKA_REFRESH:-0}" != 1 ] && [ $stale = 0 ]; then
		return 0
	fi
	log "apt-get update for suites: $PAPT_SUITES"
	if apt-get "${APT_OPTS[@]}" -qq update >&2; then
		touch "$APT_DIR/.updated"
	elif [ -e "$APT_DIR/.updated" ]; then
		log "warning: apt-get update failed; using the old lists"
	else
		die "apt-get update failed for $PAPT_SUITES"
	fi
}

acache() { apt-cache "${APT_OPTS[@]}" "$@"; }

has_candidate() {
	local c
	c=$(acache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}')
	[ -n "$c" ] && [ "$c" != "(none)" ]
}

# download PKG...: fetch each package's candidate ("PKG=VER" for a version,
# "?PKG" when optional) into DEB_DIR unless cached; prints the .deb paths.
download() {
	local p opt ver file
	for p in "$@"; do
		opt=0 ver=""
		case "$p" in \?*) opt=1; p=${p#\?} ;; esac
		case "$p" in *=*) ver=${p#*=}; p=${p%%=*} ;; esac
		if ! has_candidate "$p"; then
			[ $opt = 1 ] && continue
			die "package $p not available in $PAPT_SUITES"
		fi
		[ -n "$ver" ] || ver=$(acache policy "$p" | awk '/Candidate:/ {print $2}')
		file=$(ls "$DEB_DIR/${p}_${ver//:/%3a}_"*.deb 2>/dev/null | head -n1) || true
		if [ ! -s "$file" ]; then
			log "downloading $p $ver"
			(cd "$DEB_DIR" && apt-get "${APT_OPTS[@]}" -qq download "$p=$ver" >&2) ||
				die "apt-get download $p failed"
		fi
		[ -s "$file" ] || file=$(ls "$DEB_DIR/${p}_${ver//:/%3a}_"*.deb 2>/dev/null | head -n1) || true
		[ -s "$file" ] || die "downloaded $p but cannot find the .deb"
		echo "$file"
	done
}

#!/bin/bash
# fetch-kernel.sh NAME: download (apt-get download) and unpack one named kernel
# from kernels.sh into the cache, outside the repo. Idempotent: a second run
# uses the cache and needs no network.
#
# Writes $DKA_CACHE/kernels/NAME.env with:
#   KVER ROOT (unpacked boot packages) VMLINUZ SYSMAP CONFIG MODDIR
#   HDR_DEBS (space-separated .deb paths of the headers) KBASE CHROOT_SUITE
set -euo pipefail
. "$(dirname "$0")/common.sh"
. "$HARNESS_DIR/kernels.sh"

NAME=${1:?usage: fetch-kernel.sh NAME}
[ -n "${K_RESOLVE[$NAME]:-}" ] || die "unknown kernel '$NAME' (known: ${KERNEL_NAMES[*]})"

need_cmd apt-get apt
need_cmd dpkg-deb dpkg
need_cmd depmod kmod
need_cmd xz xz-utils

APT_DIR="$DKA_CACHE/apt/$(echo "${K_SUITES[$NAME]}" | tr ' ' '+')"
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

write_sources() {
	local s mirror tmp
	tmp=$(mktemp)
	for s in ${K_SUITES[$NAME]}; do
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

apt_update() {
	# Refresh the private lists when missing, when asked (DKA_REFRESH=1), or
	# when older than DKA_APT_MAX_AGE days (default 7); on a network failure
	# with usable old lists, carry on with them.
	local age_days=${DKA_APT_MAX_AGE:-7} stale=0
	if [ -e "$APT_DIR/.updated" ] && [ -n "$(find "$APT_DIR/.updated" -mtime +"$age_days" 2>/dev/null)" ]; then
		stale=1
	fi
	if [ -e "$APT_DIR/.updated" ] && [ "${DKA_REFRESH:-0}" != 1 ] && [ $stale = 0 ]; then
		return 0
	fi
	log "apt-get update for suites: ${K_SUITES[$NAME]}"
	if apt-get "${APT_OPTS[@]}" -qq update >&2; then
		touch "$APT_DIR/.updated"
	elif [ -e "$APT_DIR/.updated" ]; then
		log "warning: apt-get update failed; using the old lists"
	else
		die "apt-get update failed for ${K_SUITES[$NAME]}"
	fi
}

acache() { apt-cache "${APT_OPTS[@]}" "$@"; }

has_candidate() {
	local c
	c=$(acache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}')
	[ -n "$c" ] && [ "$c" != "(none)" ]
}

resolve_kver() {
	local how=${K_RESOLVE[$NAME]} arg dep p best=""
	arg=${how#*:}
	case "$how" in
	fixed:*) echo "$arg" ;;
	meta:*)
		dep=$(acache show --no-all-versions "$arg" 2>/dev/null | sed -n 's/^Depends: //p' | head -n1)
		dep=$(echo "$dep" | tr ',' '\n' | sed 's/^ *//; s/ .*//' | grep -E '^linux-(image|headers)-[0-9]' | head -n1)
		[ -n "$dep" ] || die "cannot resolve $arg in ${K_SUITES[$NAME]}"
		dep=${dep#linux-image-}
		dep=${dep#linux-headers-}
		echo "${dep%-unsigned}"
		;;
	glob:*)
		# generic flavour only (not -rt-amd64, -cloud-amd64)
		for p in $(acache pkgnames "$arg" 2>/dev/null | grep -E -- "^${arg//./\\.}[^-]*(-[0-9]+)?-amd64\$" | sort -V -r); do
			if has_candidate "$p"; then best=$p; break; fi
		done
		[ -n "$best" ] || die "no package $arg* in ${K_SUITES[$NAME]}"
		# KVER is the package name without the "linux-binary-unsigned-"-like prefix
		echo "$best" | sed -E 's/^linux-(binary-unsigned|image|headers|modules|base)-//'
		;;
	*) die "bad K_RESOLVE for $NAME: $how" ;;
	esac
}

subst() { sed -e "s/{KVER}/$KVER/g" -e "s/{KBASE}/$KBASE/g"; }

# download PKG...: fetch each package's candidate into DEB_DIR unless cached;
# prints the .deb paths.
download() {
	local p opt ver file
	for p in "$@"; do
		opt=0 ver=""
		case "$p" in \?*) opt=1; p=${p#\?} ;; esac
		case "$p" in *=*) ver=${p#*=}; p=${p%%=*} ;; esac
		if ! has_candidate "$p"; then
			[ $opt = 1 ] && continue
			die "package $p not available in ${K_SUITES[$NAME]}"
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

ENV_FILE="$DKA_CACHE/kernels/$NAME.env"
# Reuse a resolution younger than DKA_APT_MAX_AGE days (a kernel like "6.1"
# follows bookworm's current ABI; DKA_REFRESH=1 forces a new look).
if [ -s "$ENV_FILE" ] && [ "${DKA_REFRESH:-0}" != 1 ] &&
	[ -z "$(find "$ENV_FILE" -mtime +"${DKA_APT_MAX_AGE:-7}" 2>/dev/null)" ]; then
	# shellcheck disable=SC1090
	. "$ENV_FILE"
	if [ -s "${VMLINUZ:-/nonexistent}" ] && [ -s "$MODDIR/modules.dep" ]; then
		log "kernel $NAME: $KVER (cached)"
		exit 0
	fi
fi

write_sources
apt_update
KVER=$(resolve_kver)
KBASE=${KVER%-amd64}
log "kernel $NAME resolves to $KVER"

KDIR="$DKA_CACHE/kernels/$KVER"
ROOT="$KDIR/root"
# (not via process substitution: a failed download must stop the script)
tmpl=$(mktemp)
trap 'rm -f "$tmpl"' EXIT
# shellcheck disable=SC2046
download $(k_boot_pkgs "${K_LAYOUT[$NAME]}" | subst) >"$tmpl"
mapfile -t BOOT_DEBS <"$tmpl"
# shellcheck disable=SC2046
# linux-kbuild-X is shared by several ABIs (5.10.0-N): take the build of the
# same source version as the headers when the archive still has it.
KBUILD_PKG=$(echo "${K_KBUILD[$NAME]}" | subst)
HDR_VER=$(acache policy "linux-headers-$KVER" | awk '/Candidate:/ {print $2}')
if acache madison "$KBUILD_PKG" 2>/dev/null | awk -F'|' '{gsub(/ /,"",$2); print $2}' | grep -qxF "$HDR_VER"; then
	KBUILD_PKG="$KBUILD_PKG=$HDR_VER"
fi
# shellcheck disable=SC2046
download $(k_hdr_pkgs "${K_LAYOUT[$NAME]}" | subst) "$KBUILD_PKG" >"$tmpl"
mapfile -t HDR_DEBS <"$tmpl"

if [ ! -e "$KDIR/.unpacked" ]; then
	rm -rf "$ROOT"
	mkdir -p "$ROOT"
	for d in "${BOOT_DEBS[@]}"; do
		log "unpacking $(basename "$d")"
		dpkg-deb -x "$d" "$ROOT"
	done
	# 7.x puts modules under /usr/lib/modules: give depmod/modprobe a /lib.
	if [ ! -e "$ROOT/lib" ] && [ -d "$ROOT/usr/lib/modules" ]; then
		ln -s usr/lib "$ROOT/lib"
	fi
	touch "$KDIR/.unpacked"
fi

VMLINUZ=$(ls "$ROOT"/boot/vmlinuz-"$KVER" "$ROOT"/usr/lib/linux/vmlinuz-"$KVER" "$ROOT"/usr/lib/modules/"$KVER"/vmlinuz 2>/dev/null | head -n1) || true
[ -n "$VMLINUZ" ] || VMLINUZ=$(find "$ROOT" -name "vmlinuz*" -type f | head -n1)
[ -n "$VMLINUZ" ] || die "no vmlinuz in the $KVER packages"
SYSMAP=$(find "$ROOT" -name "System.map*" -type f | head -n1)
CONFIG=$(find "$ROOT" \( -name "config-$KVER" -o -path "*/modules/$KVER/config" \) -type f | head -n1)
[ -n "$SYSMAP" ] || die "no System.map in the $KVER packages"
MODDIR="$ROOT/lib/modules/$KVER"
[ -d "$MODDIR" ] || die "no modules dir $MODDIR"
if [ ! -s "$MODDIR/modules.dep" ]; then
	log "depmod $KVER"
	depmod -b "$ROOT" -F "$SYSMAP" "$KVER"
fi

{
	echo "KNAME=$NAME"
	echo "KVER=$KVER"
	echo "KBASE=$KBASE"
	echo "ROOT=$ROOT"
	echo "VMLINUZ=$VMLINUZ"
	echo "SYSMAP=$SYSMAP"
	echo "CONFIG=$CONFIG"
	echo "MODDIR=$MODDIR"
	echo "CHROOT_SUITE=${K_CHROOT[$NAME]}"
	echo "HDR_DEBS=\"${HDR_DEBS[*]}\""
} >"$ENV_FILE.tmp"
mv "$ENV_FILE.tmp" "$ENV_FILE"
log "kernel $NAME: $KVER ready in $KDIR"

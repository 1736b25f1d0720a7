#!/bin/bash
# fetch-kernel.sh NAME: download (apt-get download) and unpack one named kernel
# from kernels.sh into the cache, outside the repo. Idempotent: a second run
# uses the cache and needs no network.
#
# Writes $DKA_CACHE/kernels/NAME.env with:
#   KVER ROOT (unpacked boot packages) VMLINUZ SYSMAP CONFIG MODDIR
#   HDR_DEBS (space-separated .deb paths of the headers) KBASE CHROOT_SUITE
#   KBUILD_DIR (K_LAYOUT local only: the kernel's build tree, the KDIR)
set -euo pipefail
. "$(dirname "$0")/common.sh"
. "$HARNESS_DIR/kernels.sh"

NAME=${1:?usage: fetch-kernel.sh NAME}
[ -n "${K_RESOLVE[$NAME]:-}" ] || die "unknown kernel '$NAME' (known: ${KERNEL_NAMES[*]})"

ENV_FILE="$DKA_CACHE/kernels/$NAME.env"

# A kernel built here: its script builds it (or finds it cached) and says
# where it is; nothing to download.
if [ "${K_LAYOUT[$NAME]}" = local ]; then
	# "local:SCRIPT [ARG...]"
	read -r -a script <<<"${K_RESOLVE[$NAME]#local:}"
	local_env=$("$TESTS_DIR/${script[0]}" "${script[@]:1}") || die "${script[*]} failed"
	# A kernel built in a chroot: our module is built in the same one (the
	# kernel's compiler)
	built_in=$(sed -n 's/^BUILD_SUITE=//p' "$local_env")
	[ -z "$built_in" ] || [ "$built_in" = "${K_CHROOT[$NAME]}" ] ||
		die "kernel $NAME was built in the $built_in chroot, but K_CHROOT[$NAME] is ${K_CHROOT[$NAME]}"
	mkdir -p "$DKA_CACHE/kernels"
	{
		echo "KNAME=$NAME"
		cat "$local_env"
		echo "CHROOT_SUITE=${K_CHROOT[$NAME]}"
		echo 'HDR_DEBS=""'
	} >"$ENV_FILE.tmp"
	mv "$ENV_FILE.tmp" "$ENV_FILE"
	exit 0
fi

need_cmd apt-get apt
need_cmd dpkg-deb dpkg
need_cmd depmod kmod
need_cmd xz xz-utils

# shellcheck disable=SC2086  # one word per suite
papt_init ${K_SUITES[$NAME]}

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

papt_update
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

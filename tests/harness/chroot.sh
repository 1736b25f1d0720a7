#!/bin/bash
# chroot.sh SUITE: create (once) and print the path of a cached minimal Debian
# build chroot for SUITE (bookworm for 5.10/6.1/6.12-bpo; trixie for 6.12+ and
# 7.x; bullseye, with its gcc-10, for tests/dkms-test.sh). Packages added to the list below later are installed into an existing
# chroot with its own apt-get (once; a stamp records the list).
set -euo pipefail
. "$(dirname "$0")/common.sh"

SUITE=${1:?usage: chroot.sh SUITE}
DIR="$DKA_CACHE/chroot/$SUITE"

# Besides the compiler and the libraries kbuild's host tools link against:
#  pahole      linux-kbuild-6.12+ depends on it (module BTF); bookworm's 1.24
#              is what 6.12.95+deb12 was built with (CONFIG_PAHOLE_VERSION=124)
#  kmod        depmod/modinfo for the build
#  xz-utils, zstd, gzip, binutils
#              unpack /boot/vmlinuz-KVER for the module's BTF layout check
#              (extract-vmlinux, objcopy/readelf)
COMMON="make,gcc,libc6-dev,zlib1g,kmod,pahole,xz-utils,zstd,gzip,binutils"
case "$SUITE" in
bookworm) INCLUDE="$COMMON,gcc-12,libelf1,libssl3" ;;
# bullseye has no pahole package yet: dwarves holds it
bullseye) INCLUDE="${COMMON/pahole/dwarves},gcc-10,libelf1,libssl1.1" ;;
trixie) INCLUDE="$COMMON,gcc-14,libelf1t64,libssl3t64" ;;
*) die "no build chroot recipe for suite $SUITE" ;;
esac

if [ ! -e "$DIR/.complete" ]; then
	is_root || die "creating the build chroot needs root (debootstrap)"
	need_cmd debootstrap debootstrap
	rm -rf "$DIR"
	mkdir -p "$(dirname "$DIR")"
	log "debootstrap --variant=minbase $SUITE (once; cached in $DIR)"
	debootstrap --variant=minbase --include="$INCLUDE" \
		--keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
		"$SUITE" "$DIR" "$(host_mirror)" >"$DIR.log" 2>&1 ||
		{ tail -n 30 "$DIR.log" >&2; die "debootstrap $SUITE failed (log: $DIR.log)"; }
	rm -rf "$DIR/var/cache/apt/archives/"*.deb
	echo "$INCLUDE" >"$DIR/.packages"
	touch "$DIR/.complete"
fi

# A chroot made with an older list: install what is missing.
if [ "$(cat "$DIR/.packages" 2>/dev/null)" != "$INCLUDE" ]; then
	is_root || die "updating the build chroot needs root"
	exec 8>"$DIR.setup.lock"
	flock 8
	if [ "$(cat "$DIR/.packages" 2>/dev/null)" != "$INCLUDE" ]; then
		missing=()
		for p in ${INCLUDE//,/ }; do
			chroot "$DIR" dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
				missing+=("$p")
		done
		if [ ${#missing[@]} -gt 0 ]; then
			log "installing into the $SUITE chroot: ${missing[*]}"
			chroot "$DIR" sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"' \
				sh "${missing[@]}" >>"$DIR.log" 2>&1 ||
				{ tail -n 20 "$DIR.log" >&2; die "apt-get install ${missing[*]} in the $SUITE chroot failed"; }
			rm -rf "$DIR/var/cache/apt/archives/"*.deb
		fi
		echo "$INCLUDE" >"$DIR/.packages"
	fi
	exec 8>&-
fi
echo "$DIR"

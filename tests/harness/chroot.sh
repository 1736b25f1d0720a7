#!/bin/bash
# chroot.sh SUITE: create (once) and print the path of a cached minimal Debian
# build chroot for SUITE (bookworm for 5.10/6.1; trixie for 6.12+ and 7.x).
set -euo pipefail
. "$(dirname "$0")/common.sh"

SUITE=${1:?usage: chroot.sh SUITE}
DIR="$DKA_CACHE/chroot/$SUITE"

case "$SUITE" in
bookworm) INCLUDE="make,gcc,gcc-12,libc6-dev,libelf1,libssl3,zlib1g,kmod,xz-utils" ;;
trixie) INCLUDE="make,gcc,gcc-14,libc6-dev,libelf1t64,libssl3t64,zlib1g,pahole,kmod,xz-utils" ;;
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
	touch "$DIR/.complete"
fi
echo "$DIR"

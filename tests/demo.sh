#!/bin/bash
# make demo: fetch Debian 12's kernel, build the module for it, boot it in
# QEMU with a 2 GiB dax device, and show that device going
# unplugged -> online_movable -> unplugged -> online_kernel -> unplugged,
# with the time each write took (in the guest, under TCG emulation).
set -euo pipefail
. "$(dirname "$0")/harness/common.sh"

NAME=${1:-6.1}
is_root || die "make demo needs root (apt-get, debootstrap, chroot)"
"$HARNESS_DIR/fetch-kernel.sh" "$NAME" >&2
"$HARNESS_DIR/build.sh" "$NAME" >/dev/null
initrd=$("$HARNESS_DIR/initramfs.sh" "$NAME" --driver dax_kmem_atomic)
mkdir -p "$DKA_CACHE/logs"
console="$DKA_CACHE/logs/demo-$NAME.console.log"
rc=0
"$HARNESS_DIR/boot.sh" "$NAME" --initrd "$initrd" --log "$console" \
	--append "dka.tests=demo" --timeout 600 || rc=$?
echo
tr -d '\r' <"$console" | sed -n 's/^@@DEMO //p; /dax_kmem_atomic dax0.0:/p; /^ok [0-9]* \|^not ok [0-9]* /p'
echo
grep -qE '^ok [0-9]+ demo' "$console" || die "the demo did not run through (boot rc=$rc): see $console"
echo "console log: $console"

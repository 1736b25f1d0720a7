#!/bin/bash
# build.sh NAME [SRCDIR]: build the module (and tests/helpers when present)
# for kernel NAME inside a cached Debian build chroot that has the kernel's
# headers packages unpacked at their real paths. SRCDIR defaults to $DKA_SRC,
# else the repo (DKA_SRC=DIR tests/run.sh ... tests another tree).
# The .ko files land in $DKA_CACHE/build/KVER/.
set -euo pipefail
. "$(dirname "$0")/common.sh"

NAME=${1:?usage: build.sh NAME [SRCDIR]}
SRC=${2:-${DKA_SRC:-$REPO_DIR}}
SRC=$(cd "$SRC" && pwd)
is_root || die "build.sh needs root (chroot)"
[ -f "$SRC/Makefile" ] || die "no Makefile in $SRC"

"$HARNESS_DIR/fetch-kernel.sh" "$NAME" >&2
# shellcheck disable=SC1090
. "$DKA_CACHE/kernels/$NAME.env"

CHROOT=$("$HARNESS_DIR/chroot.sh" "$CHROOT_SUITE")
KDIR=/usr/src/linux-headers-$KVER
# DKA_BUILD_FLAVOR: a build of its own (the oracle run builds the test
# helper beside a run of our driver for the same kernel).
FLAVOR=${DKA_BUILD_FLAVOR:+-$DKA_BUILD_FLAVOR}
OUT="$DKA_CACHE/build/$KVER$FLAVOR"

exec 9>"$CHROOT.lock"
flock 9

# headers, -common and linux-kbuild-X at their real paths inside the chroot
if [ ! -e "$CHROOT/.headers-$KVER" ]; then
	for d in $HDR_DEBS; do
		log "unpacking $(basename "$d") into the $CHROOT_SUITE chroot"
		# keep the chroot's merged-/usr symlinks (/lib -> usr/lib)
		dpkg-deb --fsys-tarfile "$d" | tar -C "$CHROOT" -x --keep-directory-symlink ||
			die "unpacking $d failed"
	done
	[ -e "$CHROOT$KDIR/Makefile" ] || die "headers unpacked but $KDIR/Makefile missing"
	touch "$CHROOT/.headers-$KVER"
fi

# The kernel image where a Debian system has it, for the module's build-time
# BTF layout check (it reads the BTF out of /boot/vmlinuz-KVER).
if [ -s "${VMLINUZ:-}" ]; then
	mkdir -p "$CHROOT/boot"
	if ! cmp -s "$VMLINUZ" "$CHROOT/boot/vmlinuz-$KVER"; then
		log "copying vmlinuz-$KVER into the $CHROOT_SUITE chroot"
		cp "$VMLINUZ" "$CHROOT/boot/vmlinuz-$KVER.tmp"
		mv "$CHROOT/boot/vmlinuz-$KVER.tmp" "$CHROOT/boot/vmlinuz-$KVER"
	fi
fi

# The compiler the kernel was built with, if the chroot has it; else the
# chroot's own gcc (5.10's headers name gcc-10, which bookworm lacks).
MAKE_ARGS=("KDIR=$KDIR")
cfg="$CHROOT$KDIR/.config"
cc=""
if [ -f "$cfg" ]; then
	cc=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\([^ ]*\) .*/\1/p' "$cfg")
fi
if [ -n "$cc" ] && ! chroot "$CHROOT" sh -c "command -v $cc" >/dev/null 2>&1; then
	fallback=$(chroot "$CHROOT" sh -c 'ls /usr/bin/gcc-[0-9]* 2>/dev/null' | sort -V | tail -n1)
	fallback=$(basename "${fallback:-gcc}")
	log "compiler $cc (from the kernel config) is not in the chroot: using $fallback"
	MAKE_ARGS+=("CC=$fallback")
fi

# Extra make arguments, e.g. DKA_MAKE_EXTRA="W=1 C=2" from tests/lint.sh.
if [ -n "${DKA_MAKE_EXTRA:-}" ]; then
	read -r -a extra <<<"$DKA_MAKE_EXTRA"
	MAKE_ARGS+=("${extra[@]}")
	if [[ " $DKA_MAKE_EXTRA " == *" C="* ]] && ! chroot "$CHROOT" sh -c 'command -v sparse' >/dev/null; then
		log "installing sparse into the $CHROOT_SUITE chroot"
		chroot "$CHROOT" sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sparse' >&2 ||
			die "could not install sparse into the chroot"
	fi
fi

# Copy the source tree (tracked and untracked files, without .git).
BDIR="/build/$KVER$FLAVOR"
rm -rf "${CHROOT:?}$BDIR"
mkdir -p "$CHROOT$BDIR/src"
copy_tree "$SRC" "$CHROOT$BDIR/src"

mounted=0
cleanup() {
	if [ $mounted = 1 ]; then umount "$CHROOT/proc" 2>/dev/null || true; fi
}
trap cleanup EXIT
if ! mountpoint -q "$CHROOT/proc"; then
	mount -t proc proc "$CHROOT/proc"
	mounted=1
fi

JOBS=$(nproc)
run_make() {
	chroot "$CHROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C \
		make -C "$1" -j"$JOBS" "${MAKE_ARGS[@]}" >&2
}
# The test helper first: it does not depend on the module, so a module that
# does not build yet for this kernel still leaves the helper checked.
failed=""
if [ -f "$CHROOT$BDIR/src/tests/helpers/Makefile" ]; then
	log "building tests/helpers for $KVER"
	run_make "$BDIR/src/tests/helpers" || failed="tests/helpers"
fi
if [ -z "$failed" ]; then
	log "building $SRC for $KVER (${MAKE_ARGS[*]})"
	run_make "$BDIR/src" || failed="$SRC"
fi

rm -rf "$OUT"
mkdir -p "$OUT"
find "$CHROOT$BDIR/src" -name '*.ko' -exec cp {} "$OUT/" \;
[ -z "$failed" ] || die "build of $failed for $KVER failed"
n=$(find "$OUT" -name '*.ko' | wc -l)
[ "$n" -gt 0 ] || die "the build produced no .ko"
log "built $n module(s) for $KVER into $OUT: $(cd "$OUT" && echo *.ko)"
echo "$OUT"

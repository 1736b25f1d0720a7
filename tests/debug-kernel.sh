#!/bin/bash
# tests/debug-kernel.sh (make debug-kernel): build, from Debian 12's own
# linux-source-6.1 package, a kernel for the QEMU harness with the
# detectors on: lockdep (PROVE_LOCKING), KASAN, DEBUG_ATOMIC_SLEEP,
# kmemleak, DEBUG_OBJECTS, DEBUG_VM, hung-task detection (the options are
# tests/harness/debug-kernel.config). Base: x86_64_defconfig +
# kvm_guest.config, trimmed, not Debian's full config (thousands of
# modules would take many hours on two cores).
#
# Cached in $DKA_CACHE/debug-kernel/SRCVER-HASH (HASH: the config fragment
# and this script's configuration steps): a second run reuses it. There:
#   src/                    the source tree, built: the KDIR our module builds against
#   root/boot/              vmlinuz-KVER, System.map-KVER, config-KVER
#   root/lib/modules/KVER/  the modules (stripped), depmod'ed
#   build-seconds           the wall-clock time of the build
#   kernel.env              KVER, ROOT, VMLINUZ, SYSMAP, CONFIG, MODDIR, KBUILD_DIR
# Prints the path of kernel.env. The harness knows it as kernel "6.1-debug"
# (K_LAYOUT local in tests/harness/kernels.sh), not part of run.sh --all:
#   DKA_FLAVOR=debug tests/run.sh --kernel 6.1-debug --tests all
#
#   tests/debug-kernel.sh [--check]
#   --check  then run the full guest suite on it (every suite and companion
#            boot, t-stress's short run among them: make debug-kernel):
#            DKA_FLAVOR=${DKA_FLAVOR:-debug} tests/run.sh --kernel 6.1-debug --tests all
#
# Environment: DKA_NICE (niceness of the build, default 15), DKA_JOBS_BUILD
# (make -j, default nproc).
set -euo pipefail
. "$(dirname "$0")/harness/common.sh"

if [ "${1:-}" = --check ]; then
	"$0" >/dev/null
	export DKA_FLAVOR=${DKA_FLAVOR:-debug}
	exec "$TESTS_DIR/run.sh" --kernel 6.1-debug --tests all
fi
[ $# = 0 ] || die "usage: tests/debug-kernel.sh [--check]"

FRAGMENT="$HARNESS_DIR/debug-kernel.config"
SRC_PKG=linux-source-6.1
NICE=${DKA_NICE:-15}
JOBS=${DKA_JOBS_BUILD:-$(nproc)}

# The configuration steps; part of the cache key with the fragment.
BASE_TARGETS="x86_64_defconfig kvm_guest.config"

need_cmd apt-get apt
need_cmd dpkg-deb dpkg
need_cmd xz xz-utils
need_cmd make make
need_cmd gcc gcc
need_pkg libc6-dev
need_cmd bc bc
need_cmd bison bison
need_cmd flex flex
need_pkg libelf-dev libssl-dev
need_cmd pahole dwarves
need_cmd depmod kmod
need_cmd perl perl

# The source package, downloaded (never installed) into the cache, as
# tests/lint.sh does for checkpatch; the version of bookworm's candidate.
mkdir -p "$DKA_CACHE/debs"
deb=$(ls "$DKA_CACHE"/debs/${SRC_PKG}_*_all.deb 2>/dev/null | sort -V | tail -n1) || true
if [ -z "$deb" ]; then
	if ! apt-cache policy "$SRC_PKG" 2>/dev/null | grep -q 'Candidate: [0-9]'; then
		log "apt-get update (no candidate for $SRC_PKG yet)"
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq >&2 ||
			die "apt-get update failed"
	fi
	log "downloading $SRC_PKG"
	(cd "$DKA_CACHE/debs" && apt-get download -qq "$SRC_PKG" >&2) ||
		die "apt-get download $SRC_PKG failed (package $SRC_PKG, Debian 12 main)"
	deb=$(ls "$DKA_CACHE"/debs/${SRC_PKG}_*_all.deb | sort -V | tail -n1)
fi
SRCVER=$(dpkg-deb -f "$deb" Version)
HASH=$( { cat "$FRAGMENT"; echo "$BASE_TARGETS"; } | sha256sum | cut -c1-12)
DIR="$DKA_CACHE/debug-kernel/$SRCVER-$HASH"
TREE="$DIR/src"
ROOT="$DIR/root"
ENV_FILE="$DIR/kernel.env"

cached() {
	[ -e "$DIR/.done" ] && [ -s "$ENV_FILE" ] || return 1
	log "debug kernel $SRCVER-$HASH (cached; built in $(cat "$DIR/build-seconds") s)"
	echo "$ENV_FILE"
}
cached && exit 0
# One build at a time; a run that waited for another finds it built.
exec 8>"$DKA_CACHE/debug-kernel.lock"
flock 8
cached && exit 0

T0=$(date +%s)
if [ ! -e "$DIR/.unpacked" ]; then
	rm -rf "$DIR"
	mkdir -p "$DIR"
	log "unpacking $(basename "$deb")"
	dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/src/$SRC_PKG.tar.xz" |
		tar -xJ -C "$DIR" || die "could not unpack $deb"
	mv "$DIR/$SRC_PKG" "$TREE"
	touch "$DIR/.unpacked"
fi

# Configure: the base, then each line of the fragment with scripts/config.
log "configuring ($BASE_TARGETS + $(basename "$FRAGMENT"))"
# shellcheck disable=SC2086  # one word per target
make -C "$TREE" -s $BASE_TARGETS >&2
sc() { "$TREE/scripts/config" --file "$TREE/.config" "$@"; }
while IFS= read -r line; do
	case "$line" in
	"# CONFIG_"*" is not set")
		o=${line#\# CONFIG_}
		sc --disable "${o% is not set}"
		;;
	"#"* | "") ;;
	CONFIG_*=y) o=${line%%=*}; sc --enable "${o#CONFIG_}" ;;
	CONFIG_*=m) o=${line%%=*}; sc --module "${o#CONFIG_}" ;;
	CONFIG_*=\"*\") o=${line%%=*}; v=${line#*=\"}; sc --set-str "${o#CONFIG_}" "${v%\"}" ;;
	CONFIG_*=*) o=${line%%=*}; sc --set-val "${o#CONFIG_}" "${line#*=}" ;;
	*) die "$(basename "$FRAGMENT"): cannot read line: $line" ;;
	esac
done <"$FRAGMENT"
make -C "$TREE" -s olddefconfig >&2

# Verify: every line of the fragment holds in the final .config.
missing=()
while IFS= read -r line; do
	case "$line" in
	"# CONFIG_"*" is not set")
		o=${line#\# }
		o=${o% is not set}
		grep -qE "^$o=(y|m)\$" "$TREE/.config" && missing+=("$o (still set)")
		;;
	"#"* | "") ;;
	*) grep -qxF "$line" "$TREE/.config" || missing+=("$line (have: $(grep -E "^(# )?${line%%=*}[= ]" "$TREE/.config" || echo absent))") ;;
	esac
done <"$FRAGMENT"
[ ${#missing[@]} -eq 0 ] || die "the debug kernel's .config lacks: ${missing[*]}"

log "building bzImage and modules (nice -n $NICE, -j$JOBS); this takes long on few cores"
T1=$(date +%s)
nice -n "$NICE" make -C "$TREE" -j"$JOBS" -s bzImage modules >&2 ||
	die "the build of the debug kernel failed"
# (after the build: before it, kernelrelease does not see CONFIG_LOCALVERSION)
KVER=$(cat "$TREE/include/config/kernel.release")
rm -rf "$ROOT"
mkdir -p "$ROOT/boot"
nice -n "$NICE" make -C "$TREE" -s INSTALL_MOD_PATH="$ROOT" INSTALL_MOD_STRIP=1 modules_install >&2 ||
	die "modules_install failed"
rm -f "$ROOT/lib/modules/$KVER/build" "$ROOT/lib/modules/$KVER/source"
cp "$TREE/arch/x86/boot/bzImage" "$ROOT/boot/vmlinuz-$KVER"
cp "$TREE/System.map" "$ROOT/boot/System.map-$KVER"
cp "$TREE/.config" "$ROOT/boot/config-$KVER"
[ -s "$ROOT/lib/modules/$KVER/modules.dep" ] || depmod -b "$ROOT" -F "$ROOT/boot/System.map-$KVER" "$KVER"
T2=$(date +%s)
echo $((T2 - T1)) >"$DIR/build-seconds"
{
	echo "KVER=$KVER"
	echo "KBASE=$KVER"
	echo "ROOT=$ROOT"
	echo "VMLINUZ=$ROOT/boot/vmlinuz-$KVER"
	echo "SYSMAP=$ROOT/boot/System.map-$KVER"
	echo "CONFIG=$ROOT/boot/config-$KVER"
	echo "MODDIR=$ROOT/lib/modules/$KVER"
	echo "KBUILD_DIR=$TREE"
	echo "SRCVER=$SRCVER"
} >"$ENV_FILE"
touch "$DIR/.done"
log "debug kernel $KVER built in $((T2 - T1)) s (make; $((T2 - T0)) s with unpacking and configuring), nice -n $NICE, -j$JOBS, $(nproc) cores; cached in $DIR"
echo "$ENV_FILE"

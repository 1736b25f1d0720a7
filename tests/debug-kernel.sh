#!/bin/bash
# tests/debug-kernel.sh (make debug-kernel): build, from one of Debian's own
# linux-source packages, a kernel for the QEMU harness with the detectors
# on: lockdep (PROVE_LOCKING), KASAN, DEBUG_ATOMIC_SLEEP, kmemleak,
# DEBUG_OBJECTS, DEBUG_VM, hung-task detection, fault injection (the options
# are tests/harness/debug-kernel.config). Base: x86_64_defconfig +
# kvm_guest.config, trimmed, not Debian's full config (thousands of modules
# would take many hours on two cores).
#
# Two bases (--base):
#   6.1  (default) Debian 12's linux-source-6.1 (the host's apt, bookworm),
#        built on the host with its gcc-12 and pahole 1.24: kernel "6.1-debug"
#   7.3  trixie-backports' linux-source-7.3, built in the harness's trixie
#        chroot (tests/harness/chroot.sh trixie: gcc-14, pahole 1.30, as
#        Debian built its 7.3; 7.3 needs pahole 1.26, the host has 1.24),
#        where the module is then built against it: kernel "7.3-debug"
# A base may change lines of the fragment that its kernel renamed or
# dropped: tests/harness/debug-kernel-BASE.config (7.3's says what and why).
#
# Cached in $DKA_CACHE/debug-kernel/SRCVER-HASH (HASH: the fragment as
# applied and this script's configuration steps): a second run reuses it.
# There:
#   src/                    the source tree, built: the KDIR our module builds against
#   root/boot/              vmlinuz-KVER, System.map-KVER, config-KVER
#   root/lib/modules/KVER/  the modules (stripped), depmod'ed
#   build-seconds           the wall-clock time of the build
#   kernel.env              KVER, ROOT, VMLINUZ, SYSMAP, CONFIG, MODDIR, KBUILD_DIR
# Prints the path of kernel.env. The harness knows them as kernels
# "6.1-debug" and "7.3-debug" (K_LAYOUT local in tests/harness/kernels.sh),
# not part of run.sh --all:
#   DKA_FLAVOR=debug tests/run.sh --kernel 6.1-debug --tests all
#   DKA_FLAVOR=debug73 tests/run.sh --kernel 7.3-debug --tests all
#
#   tests/debug-kernel.sh [--base 6.1|7.3] [--check]
#   --check  then run the full guest suite on it (every suite and companion
#            boot, t-stress's short run among them: make debug-kernel):
#            DKA_FLAVOR=${DKA_FLAVOR:-debug} tests/run.sh --kernel 6.1-debug --tests all
#            (7.3: DKA_FLAVOR=${DKA_FLAVOR:-debug73}, --kernel 7.3-debug)
#
# Environment: DKA_NICE (niceness of the build, default 15), DKA_JOBS_BUILD
# (make -j, default nproc).
set -euo pipefail
. "$(dirname "$0")/harness/common.sh"

usage() { die "usage: tests/debug-kernel.sh [--base 6.1|7.3] [--check]"; }
BASE=6.1
CHECK=0
while [ $# -gt 0 ]; do
	case "$1" in
	--base) [ $# -ge 2 ] || usage; BASE=$2; shift 2 ;;
	--check) CHECK=1; shift ;;
	*) usage ;;
	esac
done

# Per base: the source package, the suite it comes from (empty: the host's
# own apt, bookworm), the chroot it is built in (empty: the host), the
# flavour of --check's run. K_CHROOT of the kernel in kernels.sh must name
# the same release (the module is built with the kernel's compiler).
case "$BASE" in
6.1) SRC_PKG=linux-source-6.1 SRC_SUITE="" BUILD_SUITE="" CHECK_FLAVOR=debug ;;
7.3) SRC_PKG=linux-source-7.3 SRC_SUITE=trixie-backports BUILD_SUITE=trixie CHECK_FLAVOR=debug73 ;;
*) die "unknown base '$BASE' (known: 6.1, 7.3)" ;;
esac

if [ $CHECK = 1 ]; then
	"$0" --base "$BASE" >/dev/null
	export DKA_FLAVOR=${DKA_FLAVOR:-$CHECK_FLAVOR}
	exec "$TESTS_DIR/run.sh" --kernel "$BASE-debug" --tests all
fi

FRAGMENT="$HARNESS_DIR/debug-kernel.config"
# Lines of the fragment this base's kernel renamed or dropped (none for 6.1)
OVERLAY="$HARNESS_DIR/debug-kernel-$BASE.config"
NICE=${DKA_NICE:-15}
JOBS=${DKA_JOBS_BUILD:-$(nproc)}

# The configuration steps; part of the cache key with the fragment.
BASE_TARGETS="x86_64_defconfig kvm_guest.config"

need_cmd apt-get apt
need_cmd dpkg-deb dpkg
need_cmd xz xz-utils
need_cmd depmod kmod
if [ -z "$BUILD_SUITE" ]; then
	need_cmd make make
	need_cmd gcc gcc
	need_pkg libc6-dev
	need_cmd bc bc
	need_cmd bison bison
	need_cmd flex flex
	need_pkg libelf-dev libssl-dev
	need_cmd pahole dwarves
	need_cmd perl perl
else
	is_root || die "building the $BASE debug kernel needs root (chroot)"
	need_cmd unshare util-linux
fi

# The source package, downloaded (never installed) into the cache, as
# tests/host/lint.sh does for checkpatch; the version of the suite's candidate
# (6.1: bookworm's, through the host's apt; others through the private apt
# of tests/harness/common.sh).
mkdir -p "$DKA_CACHE/debs"
deb=$(ls "$DKA_CACHE"/debs/${SRC_PKG}_*_all.deb 2>/dev/null | sort -V | tail -n1) || true
if [ -z "$deb" ] && [ -n "$SRC_SUITE" ]; then
	papt_init "$SRC_SUITE"
	papt_update
	deb=$(download "$SRC_PKG") || die "could not download $SRC_PKG from $SRC_SUITE"
elif [ -z "$deb" ]; then
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

# The fragment as applied to this base: debug-kernel.config itself, or with
# the base's overlay applied (effective_fragment, below).
EFFECTIVE=$(mktemp)
trap 'rm -f "$EFFECTIVE"' EXIT
# REPLACED: the lines of the fragment the overlay replaced (checked below:
# each must be one this base cannot hold).
REPLACED=()
effective_fragment() {
	local line old new n=0 added=0
	local -A repl=()
	if [ ! -e "$OVERLAY" ]; then
		cat "$FRAGMENT"
		return
	fi
	# The overlay: "OLD -> NEW" replaces the fragment's line OLD (word for
	# word) by NEW, in its place (several such lines with the same OLD: by
	# each NEW, in order); a line that is neither this nor a comment is
	# a fragment line added at the end. An OLD with no NEW is refused:
	# nothing is dropped without a replacement.
	while IFS= read -r line; do
		n=$((n + 1))
		case "$line" in
		CONFIG_*" -> "* | "# CONFIG_"*" is not set -> "*)
			old=${line%% -> *}
			new=${line#* -> }
			grep -qxF -- "$old" "$FRAGMENT" ||
				die "$(basename "$OVERLAY"):$n replaces '$old', which $(basename "$FRAGMENT") does not have"
			[ -n "$new" ] || die "$(basename "$OVERLAY"):$n: '$old' replaced by nothing"
			repl[$old]+="$new"$'\n'
			;;
		"# CONFIG_"*" is not set" | CONFIG_*=*) ;;
		"#"* | "") ;;
		*) die "$(basename "$OVERLAY"):$n: cannot read line: $line" ;;
		esac
	done <"$OVERLAY"
	while IFS= read -r line; do
		if [ -n "$line" ] && [ -n "${repl[$line]+x}" ]; then
			echo "# $BASE: '$line' replaced by $(basename "$OVERLAY")"
			printf '%s' "${repl[$line]}"
		else
			printf '%s\n' "$line"
		fi
	done <"$FRAGMENT"
	while IFS= read -r line; do
		case "$line" in
		*" -> "*) ;;
		"# CONFIG_"*" is not set" | CONFIG_*=*)
			[ $added = 1 ] || echo "# --- $BASE: added by $(basename "$OVERLAY")"
			added=1
			printf '%s\n' "$line"
			;;
		esac
	done <"$OVERLAY"
}
effective_fragment >"$EFFECTIVE"
if [ -e "$OVERLAY" ]; then
	declare -A seen=()
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*" -> "* | "# CONFIG_"*" is not set -> "*)
			[ -n "${seen[${line%% -> *}]+x}" ] || REPLACED+=("${line%% -> *}")
			seen[${line%% -> *}]=1
			;;
		esac
	done <"$OVERLAY"
fi

# The cache key: the fragment as applied and the configuration steps (for a
# base built in a chroot, that too). 6.1's is what it always was: the
# fragment and the base targets.
if [ -z "$BUILD_SUITE" ]; then
	HASH=$( { cat "$EFFECTIVE"; echo "$BASE_TARGETS"; } | sha256sum | cut -c1-12)
else
	HASH=$( { cat "$EFFECTIVE"; echo "$BASE_TARGETS"; echo "built in the $BUILD_SUITE chroot"; } |
		sha256sum | cut -c1-12)
fi
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
# (a lock per base: a 7.3 build does not hold up a 6.1 one)
if [ "$BASE" = 6.1 ]; then
	exec 8>"$DKA_CACHE/debug-kernel.lock"
else
	exec 8>"$DKA_CACHE/debug-kernel-$BASE.lock"
fi
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

# Where make runs: on the host (6.1), or in the base's build chroot, with
# $DIR bind-mounted at $CDIR in a mount namespace of its own (nothing to
# unmount afterwards; a module build that mounts or unmounts the chroot's
# /proc meanwhile does not touch this build's).
CHROOT="" CDIR=""
if [ -n "$BUILD_SUITE" ]; then
	CHROOT=$("$HARNESS_DIR/chroot.sh" "$BUILD_SUITE")
	# What kbuild needs besides the chroot's compiler, pahole, make and
	# kmod; installed like chroot.sh's own additions (its lock), once.
	KBUILD_PKGS=(bc bison flex libelf-dev libssl-dev perl python3)
	missing=()
	for p in "${KBUILD_PKGS[@]}"; do
		chroot "$CHROOT" dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		exec 7>"$CHROOT.setup.lock"
		flock 7
		log "installing into the $BUILD_SUITE chroot: ${missing[*]}"
		chroot "$CHROOT" sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"' \
			sh "${missing[@]}" >&2 || die "apt-get install ${missing[*]} in the $BUILD_SUITE chroot failed"
		rm -rf "$CHROOT/var/cache/apt/archives/"*.deb
		exec 7>&-
	fi
	CDIR=/build/dka-debug-kernel-$BASE
	mkdir -p "$CHROOT$CDIR"
fi
# kmake ARGS...: make in the tree, where the base builds (KMAKE_NICE=1:
# at nice $NICE)
kmake() {
	local pre=()
	[ -z "${KMAKE_NICE:-}" ] || pre=(nice -n "$NICE")
	if [ -z "$CHROOT" ]; then
		"${pre[@]}" make -C "$TREE" "$@"
	else
		"${pre[@]}" unshare -m --propagation private -- sh -c '
			dir=$1 root=$2 cdir=$3
			shift 3
			mount --bind "$dir" "$root$cdir" && mount -t proc proc "$root/proc" &&
				exec chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C "$@"
		' sh "$DIR" "$CHROOT" "$CDIR" make -C "$CDIR/src" "$@"
	fi
}
TOOLS=host
[ -z "$CHROOT" ] || TOOLS="the $BUILD_SUITE chroot"

# Configure: the base, then each line of the fragment with scripts/config.
log "configuring ($BASE_TARGETS + $(basename "$FRAGMENT")$([ ! -e "$OVERLAY" ] || echo " with $(basename "$OVERLAY")"); tools of $TOOLS)"
# shellcheck disable=SC2086  # one word per target
kmake -s $BASE_TARGETS >&2
# apply FILE CONFIG: set each line of the fragment FILE in CONFIG
apply() {
	local line o v
	while IFS= read -r line; do
		case "$line" in
		"# CONFIG_"*" is not set")
			o=${line#\# CONFIG_}
			"$TREE/scripts/config" --file "$2" --disable "${o% is not set}"
			;;
		"#"* | "") ;;
		CONFIG_*=y) o=${line%%=*}; "$TREE/scripts/config" --file "$2" --enable "${o#CONFIG_}" ;;
		CONFIG_*=m) o=${line%%=*}; "$TREE/scripts/config" --file "$2" --module "${o#CONFIG_}" ;;
		CONFIG_*=\"*\") o=${line%%=*}; v=${line#*=\"}; "$TREE/scripts/config" --file "$2" --set-str "${o#CONFIG_}" "${v%\"}" ;;
		CONFIG_*=*) o=${line%%=*}; "$TREE/scripts/config" --file "$2" --set-val "${o#CONFIG_}" "${line#*=}" ;;
		*) die "$(basename "$FRAGMENT"): cannot read line: $line" ;;
		esac
	done <"$1"
}
apply "$EFFECTIVE" "$TREE/.config"
kmake -s olddefconfig >&2

# holds LINE CONFIG: the fragment line LINE holds in CONFIG; else prints
# what CONFIG has instead
holds() {
	local o
	case "$1" in
	"# CONFIG_"*" is not set")
		o=${1#\# }
		o=${o% is not set}
		! grep -qE "^$o=(y|m)\$" "$2" || { echo "$o (still set)"; return 1; }
		;;
	*) grep -qxF "$1" "$2" || { echo "$1 (have: $(grep -E "^(# )?${1%%=*}[= ]" "$2" || echo absent))"; return 1; } ;;
	esac
}
# Verify: every line of the fragment (as applied) holds in the final .config.
missing=()
while IFS= read -r line; do
	case "$line" in
	"# CONFIG_"*" is not set" | CONFIG_*) have=$(holds "$line" "$TREE/.config") || missing+=("$have") ;;
	esac
done <"$EFFECTIVE"
[ ${#missing[@]} -eq 0 ] || die "the debug kernel's .config lacks: ${missing[*]}"

# A line the overlay replaced must be one this base cannot hold: set on a
# copy of the final .config, it is gone after olddefconfig. Else the
# replacement hides an option that exists: drop it from the overlay.
if [ ${#REPLACED[@]} -gt 0 ]; then
	cp "$TREE/.config" "$TREE/.config.dka-replaced"
	printf '%s\n' "${REPLACED[@]}" >"$TREE/.config.dka-replaced.lines"
	apply "$TREE/.config.dka-replaced.lines" "$TREE/.config.dka-replaced"
	kmake -s KCONFIG_CONFIG=.config.dka-replaced olddefconfig >&2
	held=()
	for line in "${REPLACED[@]}"; do
		if holds "$line" "$TREE/.config.dka-replaced" >/dev/null; then
			held+=("$line")
		else
			log "$BASE: '$line' cannot be set here; replaced by $(basename "$OVERLAY")"
		fi
	done
	rm -f "$TREE"/.config.dka-replaced*
	[ ${#held[@]} -eq 0 ] ||
		die "$(basename "$OVERLAY") replaces lines that $BASE holds: ${held[*]} (drop their replacements)"
fi
cp "$EFFECTIVE" "$DIR/fragment.config"
log "$(sed -n 's/^CONFIG_CC_VERSION_TEXT=//p; s/^CONFIG_PAHOLE_VERSION=/pahole /p' "$TREE/.config" | tr '\n' ' ')"

log "building bzImage and modules (nice -n $NICE, -j$JOBS, tools of $TOOLS); this takes long on few cores"
T1=$(date +%s)
KMAKE_NICE=1 kmake -j"$JOBS" -s bzImage modules >&2 ||
	die "the build of the debug kernel failed"
# (after the build: before it, kernelrelease does not see CONFIG_LOCALVERSION)
KVER=$(cat "$TREE/include/config/kernel.release")
rm -rf "$ROOT"
mkdir -p "$ROOT/boot"
# ($ROOT as make sees it)
if [ -z "$CHROOT" ]; then INSTALL_ROOT=$ROOT; else INSTALL_ROOT=$CDIR/root; fi
KMAKE_NICE=1 kmake -s INSTALL_MOD_PATH="$INSTALL_ROOT" INSTALL_MOD_STRIP=1 modules_install >&2 ||
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
	[ -z "$BUILD_SUITE" ] || echo "BUILD_SUITE=$BUILD_SUITE"
} >"$ENV_FILE"
touch "$DIR/.done"
log "debug kernel $KVER built in $((T2 - T1)) s (make; $((T2 - T0)) s with unpacking and configuring), nice -n $NICE, -j$JOBS, $(nproc) cores, tools of $TOOLS; cached in $DIR"
echo "$ENV_FILE"

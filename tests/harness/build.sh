#!/bin/bash
# build.sh NAME [SRCDIR]: build the module (and tests/harness/module when present)
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
KBUILD_DIR=""
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

mounted=0
cleanup() {
	if [ $mounted = 1 ]; then umount "$CHROOT/proc" 2>/dev/null || true; fi
	if [ -n "${KBUILD_DIR:-}" ]; then umount "$CHROOT$KDIR" 2>/dev/null || true; fi
}
trap cleanup EXIT

# headers, -common and linux-kbuild-X at their real paths inside the chroot;
# a kernel built here (K_LAYOUT local): its build tree, bind-mounted there
if [ -n "${KBUILD_DIR:-}" ]; then
	[ -e "$KBUILD_DIR/Module.symvers" ] || die "no built kernel tree in $KBUILD_DIR"
	mkdir -p "$CHROOT$KDIR"
	mountpoint -q "$CHROOT$KDIR" || mount --bind "$KBUILD_DIR" "$CHROOT$KDIR"
elif [ ! -e "$CHROOT/.headers-$KVER" ]; then
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

# sparse_for_kernel: make sparse usable for this kernel (with C=).
# 7.x headers use __typeof_unqual__ under __CHECKER__, which trixie's sparse
# (0.6.4) cannot parse, and their kbuild asks scripts/checker-valid.sh,
# which Debian's headers packages do not ship, whether sparse is new enough.
# For such a kernel: sid's sparse (Debian's 0.6.5~rc1; only its binary,
# which needs nothing but glibc, unpacked to /usr/local/bin in the chroot:
# the package's other tools pull in gcc-16), a stand-in for the missing
# script that asks that sparse the same question, and CHECK= naming it.
sparse_for_kernel() {
	local common mirror
	common=$(sed -n 's|^include \(/usr/src/[^ ]*\)/Makefile$|\1|p' "$CHROOT$KDIR/Makefile" | head -n 1)
	[ -n "$common" ] || common=$KDIR
	grep -q 'checker-valid.sh' "$CHROOT$common/Makefile" 2>/dev/null || return 0
	if [ -x "$CHROOT$common/scripts/checker-valid.sh" ] &&
		! grep -q dax-kmem-atomic "$CHROOT$common/scripts/checker-valid.sh"; then
		return 0	# the kernel's own
	fi
	if [ ! -x "$CHROOT/usr/local/bin/sparse-sid" ]; then
		mirror=$(host_mirror)
		log "installing sid's sparse binary into the $CHROOT_SUITE chroot as /usr/local/bin/sparse-sid"
		cat >"$CHROOT/tmp/dka-sparse-sid.sh" <<-EOF
		set -e
		d=\$(mktemp -d)
		cd "\$d"
		mkdir -p lists/partial
		echo 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror sid main' >sid.list
		set -- -o Dir::Etc::SourceList="\$d/sid.list" -o Dir::Etc::SourceParts=/dev/null \\
			-o Dir::State::status=/dev/null -o Dir::State::Lists="\$d/lists" \\
			-o APT::Sandbox::User=root -o Acquire::Check-Valid-Until=false
		apt-get "\$@" -qq update
		apt-get "\$@" -qq download sparse
		dpkg-deb -x sparse_*.deb x
		install -m 755 x/usr/bin/sparse /usr/local/bin/sparse-sid
		cd /
		rm -rf "\$d"
		EOF
		chroot "$CHROOT" sh /tmp/dka-sparse-sid.sh >&2 || die "could not fetch sid's sparse"
	fi
	# The stand-in: 1 when sparse takes __typeof_unqual__ without an error.
	cat >"$CHROOT$common/scripts/checker-valid.sh" <<-'EOF'
	#!/bin/sh
	# Stand-in added by dax-kmem-atomic's tests/harness/build.sh: Debian's
	# headers package lacks this script. Prints 1 when the checker ($@) can
	# parse __typeof_unqual__, as this kernel's headers need under __CHECKER__.
	t=$(mktemp --suffix=.c)
	echo 'int dka(const int *p) { __typeof_unqual__(*p) v = *p; return v; }' >"$t"
	if "$@" "$t" 2>&1 | grep -q error; then echo 0; else echo 1; fi
	rm -f "$t"
	EOF
	chmod 755 "$CHROOT$common/scripts/checker-valid.sh"
	MAKE_ARGS+=("CHECK=/usr/local/bin/sparse-sid")
}

# Extra make arguments, e.g. DKA_MAKE_EXTRA="W=1 C=2" from tests/host/lint.sh.
if [ -n "${DKA_MAKE_EXTRA:-}" ]; then
	read -r -a extra <<<"$DKA_MAKE_EXTRA"
	MAKE_ARGS+=("${extra[@]}")
	if [[ " $DKA_MAKE_EXTRA " == *" C="* ]]; then
		if ! chroot "$CHROOT" sh -c 'command -v sparse' >/dev/null; then
			log "installing sparse into the $CHROOT_SUITE chroot"
			chroot "$CHROOT" sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sparse' >&2 ||
				die "could not install sparse into the chroot"
		fi
		sparse_for_kernel
	fi
fi

# Copy the source tree (tracked and untracked files, without .git).
BDIR="/build/$KVER$FLAVOR"
rm -rf "${CHROOT:?}$BDIR"
mkdir -p "$CHROOT$BDIR/src"
copy_tree "$SRC" "$CHROOT$BDIR/src"

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
if [ -f "$CHROOT$BDIR/src/tests/harness/module/Makefile" ]; then
	log "building tests/harness/module for $KVER"
	run_make "$BDIR/src/tests/harness/module" || failed="tests/harness/module"
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

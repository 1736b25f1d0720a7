#!/bin/bash
# tests/host/layout-test.sh: the build-time layout check (scripts/layout-check.sh)
# must accept the right BTF and stop the build, saying what differs, when
# the BTF is another kernel's.  Builds for 6.1 in its Debian chroot:
#   - its own BTF (from /boot/vmlinuz, as on a Debian system): verified;
#   - 7.3's BTF (DKA_BTF=): refused, naming the members that moved;
#   - 5.10's BTF: refused (remove() returns int there), suggesting v5.10;
#   - 5.10's BTF with DKA_IGNORE_BTF_MISMATCH=1: builds, loudly;
#   - no BTF at all: builds, saying the layout is not verified;
#   - 6.12 (trixie chroot) with our kmem driver type changed: refused
#     (replace mode declares kmem's type, which must be the kernel's);
#   - booted (tests/guest/t-sanity.sh): modules built anyway with another
#     family's view must refuse the device at probe and change nothing:
#     7.3 with v6.12 (dev_dax's struct device 8 bytes off) and 6.12 with
#     v6.1 (no memmap_on_memory: the range count reads 0).
# Prints KTAP (tests/harness/ktap.sh): one "ok N layout: ..." / "not ok N
# layout: ... # why" per check (the boots' checks among them), "# ..."
# diagnostics, totals and "N passed, N failed"; exits non-zero on a failure.
set -euo pipefail
# shellcheck source=../harness/common.sh
. "$(dirname "$0")/../harness/common.sh"
# shellcheck source=../harness/ktap.sh
. "$HARNESS_DIR/ktap.sh"

is_root || die "layout-test.sh needs root (chroot)"
ok() { ktap_ok "layout: $1"; }
# nok NAME WHY
nok() { ktap_fail "layout: $1" "$2"; }

# The 6.1 chroot with its headers, and the BTF files of 5.10 and 7.3.
setup_log=$(mktemp)
{
	"$HARNESS_DIR/build.sh" 6.1 &&
	"$HARNESS_DIR/fetch-kernel.sh" 5.10 &&
	"$HARNESS_DIR/fetch-kernel.sh" 7.3
} >/dev/null 2>"$setup_log" || { cat "$setup_log" >&2; die "setup failed"; }
rm -f "$setup_log"
# shellcheck disable=SC1090,SC1091
. "$DKA_CACHE/kernels/6.1.env"
KVER61=$KVER
BUILD_KVER=$KVER61
CHROOT=$("$HARNESS_DIR/chroot.sh" "$CHROOT_SUITE")
# shellcheck disable=SC1090,SC1091
VMLINUZ510=$(. "$DKA_CACHE/kernels/5.10.env" && echo "$VMLINUZ")
# shellcheck disable=SC1090,SC1091
HDR73=$(. "$DKA_CACHE/kernels/7.3.env" && echo "$HDR_DEBS" | tr ' ' '\n' | grep 'linux-headers-.*-amd64_')

W=/var/tmp/dka-layout-test
rm -rf "${CHROOT:?}$W"
mkdir -p "$CHROOT$W/src"
cp "$VMLINUZ510" "$CHROOT$W/vmlinuz-5.10"
dpkg-deb --fsys-tarfile "$HDR73" | tar -xO --wildcards '*/vmlinux' >"$CHROOT$W/vmlinux-7.3"
[ -s "$CHROOT$W/vmlinux-7.3" ] || die "no vmlinux in $HDR73"
copy_tree "$REPO_DIR" "$CHROOT$W/src"

ktap_header
hidden=""
restore() {
	if [ -n "$hidden" ]; then mv "$hidden" "${hidden%.hidden}"; fi
	rm -rf "${CHROOT:?}$W"
}
trap restore EXIT

# build VAR=VALUE...: clean build of the module for $BUILD_KVER in $CHROOT;
# output in $out, status in $rc.
build() {
	rc=0
	out=$(chroot "$CHROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C \
		make -C "$W/src" KDIR="/usr/src/linux-headers-$BUILD_KVER" "$@" 2>&1) || rc=$?
	chroot "$CHROOT" make -C "$W/src" KDIR="/usr/src/linux-headers-$BUILD_KVER" clean >/dev/null 2>&1 || true
}
has() { grep -qF -- "$1" <<<"$out"; }
show() { sed 's/^/#   /' <<<"$out" | grep -v 'PROBE\|CC \[M\]\|LD \[M\]\|Entering\|Leaving' | head -n 30; }

build
if [ $rc = 0 ] && has "LAYOUT  v6.1 verified against the BTF of $KVER61 (/boot/vmlinuz-$KVER61)"; then
	ok "6.1 built against its own BTF is verified"
else
	nok "6.1 built against its own BTF is verified" "rc=$rc"; show
fi

build DKA_BTF="$W/vmlinux-7.3"
if [ $rc != 0 ] && has "does not match the kernel $KVER61" &&
	has "struct dev_dax: member nr_range is at offset 860 in the kernel" &&
	grep -q "has no member named .cached_size." <<<"$out" &&
	has "no known layout family matches this kernel" &&
	! has "LD [M]"; then
	ok "7.3's BTF stops the 6.1 build, naming the members that differ"
else
	nok "7.3's BTF stops the 6.1 build, naming the members that differ" "rc=$rc"; show
fi

build DKA_BTF="$W/vmlinuz-5.10"
if [ $rc != 0 ] && has "struct dax_device_driver: function remove returns value in the kernel" &&
	has "the layout family that matches this kernel's BTF: v5.10" && ! has "LD [M]"; then
	ok "5.10's BTF stops the 6.1 build (remove() returns int) and names v5.10"
else
	nok "5.10's BTF stops the 6.1 build (remove() returns int) and names v5.10" "rc=$rc"; show
fi

build DKA_BTF="$W/vmlinuz-5.10" DKA_IGNORE_BTF_MISMATCH=1
if [ $rc = 0 ] && has "WARNING: DKA_IGNORE_BTF_MISMATCH=1" && has "LD [M]"; then
	ok "DKA_IGNORE_BTF_MISMATCH=1 builds anyway, with a warning"
else
	nok "DKA_IGNORE_BTF_MISMATCH=1 builds anyway, with a warning" "rc=$rc"; show
fi

if [ -e "$CHROOT/boot/vmlinuz-$KVER61" ]; then
	hidden="$CHROOT/boot/vmlinuz-$KVER61.hidden"
	mv "$CHROOT/boot/vmlinuz-$KVER61" "$hidden"
fi
build
if [ $rc = 0 ] && has "no BTF found for $KVER61" && has "NOT verified" && has "LD [M]"; then
	ok "without any BTF the build goes on and says the layout is not verified"
else
	nok "without any BTF the build goes on and says the layout is not verified" "rc=$rc"; show
fi

# 6.12: the value replace mode gives kmem's driver type is checked too.
restore
hidden=""
"$HARNESS_DIR/build.sh" 6.12 >/dev/null 2>&1 || die "setup of 6.12 failed"
# shellcheck disable=SC1090,SC1091
. "$DKA_CACHE/kernels/6.12.env"
CHROOT=$("$HARNESS_DIR/chroot.sh" "$CHROOT_SUITE")
rm -rf "${CHROOT:?}$W"
mkdir -p "$CHROOT$W/src"
copy_tree "$REPO_DIR" "$CHROOT$W/src"
sed -i 's/DKA_DAXDRV_KMEM_TYPE = 0,/DKA_DAXDRV_KMEM_TYPE = 7,/' "$CHROOT$W/src/src/compat/dax-bus.h"
grep -q 'DKA_DAXDRV_KMEM_TYPE = 7,' "$CHROOT$W/src/src/compat/dax-bus.h" || die "cannot alter DKA_DAXDRV_KMEM_TYPE"
BUILD_KVER=$KVER
build
if [ $rc != 0 ] && has "enum dax_driver_type: DAXDRV_KMEM_TYPE has another value in the kernel" &&
	! has "LD [M]"; then
	ok "6.12: a wrong value for kmem's driver type (replace mode) stops the build"
else
	nok "6.12: a wrong value for kmem's driver type (replace mode) stops the build" "rc=$rc"; show
fi

restore
hidden=""

# sanity_boot KERNEL FAMILY: build for KERNEL with FAMILY's view of the dax
# structures (the build says it is wrong and goes on), boot it, and count
# the results of t-sanity (its checks and the harness's per boot).
sanity_boot() {
	local res
	res=$(DKA_FLAVOR="layout-$2" DKA_MAKE_EXTRA="DKA_LAYOUT=$2 DKA_IGNORE_BTF_MISMATCH=1" \
		"$TESTS_DIR/run.sh" --kernel "$1" --tests sanity --append "dka.layout=$2" 2>&1) || true
	# run.sh's results ("ok N [KERNEL] NAME"), numbered on from ours
	ktap_relay "layout: $1 with $2: " < <(sed -E 's/^((not )?ok [0-9]+ )\[[^]]*\] /\1/' <<<"$res")
	if ! [[ $(tail -n 1 <<<"$res") =~ ^[0-9]+\ passed,\ [0-9]+\ failed(,\ [0-9]+\ skipped)?$ ]]; then
		nok "$1 with $2: the boot finished" "run.sh did not finish"
		sed 's/^/#   /' <<<"$res" | tail -n 20
	fi
}
sanity_boot 7.3 v6.12
sanity_boot 6.12 v6.1

ktap_totals

#!/bin/bash
# tests/system-test.sh [--suite SUITE] [--upto STEP]: the product as users
# run it. A whole Debian SUITE system (default bookworm), booted by systemd in
# QEMU (TCG) with its own kernel and initramfs, installs our packages with apt
# and applies a boot-time policy. Steps, each needing the one before:
#   image    tests/harness/image.sh SUITE: the cached disk image (mmdebstrap;
#            rebuilt only when its package list or script change)
#   boot     boot a throwaway qcow2 overlay of it: systemd is PID 1, the boot
#            ends with no failed unit, the image's kernel, two NUMA nodes,
#            memmap= soft-reserved memory that dax_hmem makes dax0.0 (2 GiB,
#            node 1), as tests/harness/boot.sh sets the machine up
#   install  pkg/build.sh (make pkg) builds the .debs; the guest sees
#            them over 9p and runs apt install ./dax-kmem-atomic-dkms_*.deb
#            ./dax-kmem-atomic_*.deb: dpkg, dkms status "installed" for the
#            running kernel, modinfo's version is dkms.conf's, the layout
#            check ran under DKMS, the module loads, the command lists dax0.0;
#            then the guest writes /etc/dax-kmem-atomic.d/50-test.conf
#            (dax0.0 -> online_movable) and reboots
#   policy   the boot after install (same overlay): with nobody logged in,
#            the udev rule and dax-kmem-atomic-apply@dax0.0.service brought
#            dax0.0 to online_movable: the unit's result and journal lines,
#            sysfs, list --json (state, zones, blocks), MemTotal + 2 GiB
# --upto STEP stops after STEP (default policy: all of them). The guest half
# is tests/harness/system-guest.sh.
#
# Prints KTAP (tests/harness/ktap.sh): result lines of the host's checks and
# the guest's, the phase before each guest check's name ("[install] ..."),
# "# ..." diagnostics with the times, "N passed, N failed". On a failure it
# prints what the guest said (its failed units, journal, apt and dkms logs).
# Logs: $DKA_CACHE/logs/system-SUITE-*/ (console-PHASE.log, out/).
# Needs root (mmdebstrap, mkfs). DKA_VERBOSE=1 streams the guest console.
#   DKA_TIMEOUT   seconds per boot (default 1800: the DKMS build runs in TCG)
#   DKA_NICE      niceness of QEMU and of the image build (default 0)
set -euo pipefail
# shellcheck source=harness/common.sh
. "$(dirname "$0")/harness/common.sh"
# shellcheck source=harness/ktap.sh
. "$HARNESS_DIR/ktap.sh"

SUITE=bookworm UPTO=policy
while [ $# -gt 0 ]; do
	case "$1" in
	--suite) SUITE=$2; shift 2 ;;
	--upto) UPTO=$2; shift 2 ;;
	*) die "usage: system-test.sh [--suite bookworm|trixie] [--upto image|boot|install|policy]" ;;
	esac
done
case "$UPTO" in image | boot | install | policy) ;; *) die "--upto: image, boot, install or policy" ;; esac
is_root || die "system-test.sh needs root (mmdebstrap, mkfs); as root it installs what it needs with apt-get"
need_cmd qemu-system-x86_64 qemu-system-x86
need_cmd qemu-img qemu-utils

PKG=dax-kmem-atomic
VER=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$REPO_DIR/dkms.conf")
[ -n "$VER" ] || die "no PACKAGE_VERSION in $REPO_DIR/dkms.conf"
TIMEOUT=${DKA_TIMEOUT:-1800}
# The kernel command line of a suite, as README.md tells users: Debian 13's
# 6.12 binds hmem devices to the in-kernel kmem as soon as it loads, which
# onlines their memory (Debian's default policy), and apply refuses memory
# online under another driver; with memhp_default_state=offline it takes them.
case "$SUITE" in
trixie) SUITE_APPEND=" memhp_default_state=offline" ;;
*) SUITE_APPEND="" ;;
esac
# no_timer_check: under TCG on a busy host the kernel's early check of the
# IO-APIC timer can fail and panic ("IO-APIC + timer doesn't work!", seen
# with trixie's 6.12); cloud images boot with it for the same reason
RUN_DIR="$DKA_CACHE/logs/system-$SUITE-$(date +%Y%m%d-%H%M%S)-$$"
SHARE="$RUN_DIR/share"
mkdir -p "$SHARE/out" "$SHARE/debs"
T_START=$(date +%s)
ktap_header

# ---- step 1: the image ------------------------------------------------------

t0=$(date +%s)
ENV_FILE=""
if ENV_FILE=$("$HARNESS_DIR/image.sh" "$SUITE" 2>"$RUN_DIR/image.log"); then
	KVER="" IMG="" VMLINUZ="" INITRD="" BUILD_SECONDS=""
	# shellcheck disable=SC1090
	. "$ENV_FILE"
	if grep -q 'built in' "$RUN_DIR/image.log"; then
		echo "# image: built now in $BUILD_SECONDS s ($IMG)"
	else
		echo "# image: cached ($IMG; its build took $BUILD_SECONDS s), $(($(date +%s) - t0)) s"
	fi
	echo "# kernel $KVER${SUITE_APPEND:+, booted with$SUITE_APPEND}"
	ktap_ok "image-$SUITE"
else
	cat "$RUN_DIR/image.log" >&2
	ktap_fail "image-$SUITE" "tests/harness/image.sh $SUITE failed (log: $RUN_DIR/image.log)"
	ktap_totals
	exit 1
fi
[ "$UPTO" = image ] && { ktap_totals; exit $?; }

# ---- the guest -------------------------------------------------------------

OVERLAY="$RUN_DIR/overlay.qcow2"
qemu-img create -q -f qcow2 -F raw -b "$IMG" "$OVERLAY"
cp "$HARNESS_DIR/system-guest.sh" "$SHARE/run.sh"
cp "$HARNESS_DIR/ktap.sh" "$SHARE/ktap.sh"

# what the guest said, after a failure
show_guest() {
	local phase=$1 f
	for f in "$SHARE/out/$phase"-*.log "$SHARE/out/$phase"-make.log; do
		[ -s "$f" ] || continue
		case "$f" in
		*-journal.log) grep -aiE 'dax|dkms|error|fail|warn' "$f" | tail -n 60 | sed "s|^|# $(basename "$f"): |" ;;
		*) tail -n 40 "$f" | sed "s|^|# $(basename "$f"): |" ;;
		esac
	done
	[ -s "$SHARE/out/$phase.ktap" ] || tail -n 40 "$RUN_DIR/console-$phase.log" | tr -d '\r' | sed 's/^/# console: /'
}

# boot PHASE POWER: boot the overlay once; the guest runs its PHASE and ends
# with POWER (poweroff, or reboot: QEMU exits either way, -no-reboot)
boot() {
	local phase=$1 power=$2 console="$RUN_DIR/console-$1.log" rc=0 t0 secs line tail_pid=""
	cat >"$SHARE/env" <<EOF
PHASE=$phase
VERSION=$VER
KVER=$KVER
POWER=$power
EOF
	: >"$console"
	if [ "${DKA_VERBOSE:-0}" = 1 ]; then
		tail -n +1 -f "$console" &
		tail_pid=$!
	fi
	log "boot $phase ($KVER, TCG; console: $console)"
	t0=$(date +%s)
	timeout --kill-after=10 "$TIMEOUT" nice -n "${DKA_NICE:-0}" qemu-system-x86_64 \
		-machine q35 -accel "tcg${DKA_TCG_OPTS-,thread=single}" -cpu max -smp 2 -m 6G \
		-object memory-backend-ram,id=m0,size=2G \
		-object memory-backend-ram,id=m1,size=4G \
		-numa node,nodeid=0,cpus=0-1,memdev=m0 \
		-numa node,nodeid=1,memdev=m1 \
		-nodefaults -display none -no-reboot \
		-chardev "file,id=ser0,path=$console" -serial chardev:ser0 \
		-drive "file=$OVERLAY,format=qcow2,if=virtio,cache=unsafe" \
		-virtfs "local,path=$SHARE,mount_tag=dka,security_model=none,id=dka" \
		-kernel "$VMLINUZ" -initrd "$INITRD" \
		-append "root=/dev/vda rw console=ttyS0,115200 panic=-1 nokaslr no_timer_check memmap=2G%4G-1+0xefffffff quiet dka.run=1$SUITE_APPEND" \
		</dev/null >"$RUN_DIR/qemu-$phase.log" 2>&1 || rc=$?
	secs=$(($(date +%s) - t0))
	if [ -n "$tail_pid" ]; then
		sleep 0.2
		kill "$tail_pid" 2>/dev/null || true
	fi
	touch "$SHARE/out/$phase.ktap"
	# the guest's results numbered on from ours, its diagnostics among them
	while IFS= read -r line; do
		case "$line" in
		"# Totals"* | "KTAP version"*) ;;
		"# "*) echo "# [$phase] ${line#\# }" ;;
		"ok "* | "not ok "*) ktap_relay "[$phase] " <<<"$line" ;;
		esac
	done <"$SHARE/out/$phase.ktap"
	line=$(grep -a '^@@DKA-END' "$SHARE/out/$phase.ktap" | tail -n 1) || true
	echo "# [$phase] boot to power-off: $secs s"
	if [ "$rc" = 0 ] && [ "$line" = "@@DKA-END rc=0" ]; then
		ktap_ok "$phase-guest-finished"
	else
		[ "$rc" = 124 ] && rc="timeout after $TIMEOUT s"
		ktap_fail "$phase-guest-finished" "QEMU: $rc, guest end marker '${line:-none}' (console: $console)"
		show_guest "$phase"
		return 1
	fi
	[ "$KTAP_FAIL" = 0 ] || { show_guest "$phase"; return 1; }
}

finish() {
	echo "# whole run $(($(date +%s) - T_START)) s; logs in $RUN_DIR"
	rm -f "$OVERLAY"
	ktap_totals
}

# ---- step 2: boot -------------------------------------------------------------

if [ "$UPTO" = boot ]; then
	boot boot poweroff || true
	finish
	exit $?
fi

# ---- step 3: install ---------------------------------------------------------

t0=$(date +%s)
if "$REPO_DIR/pkg/build.sh" "$RUN_DIR/dist" >"$RUN_DIR/pkg-build.log" 2>&1 &&
	cp "$RUN_DIR/dist/${PKG}-dkms_${VER}_all.deb" "$RUN_DIR/dist/${PKG}_${VER}_amd64.deb" "$SHARE/debs/"; then
	echo "# make pkg: $(($(date +%s) - t0)) s"
	ktap_ok "pkg-build-debs-$VER"
else
	tail -n 20 "$RUN_DIR/pkg-build.log" | sed 's/^/# pkg-build: /'
	ktap_fail "pkg-build-debs-$VER" "pkg/build.sh failed (log: $RUN_DIR/pkg-build.log)"
	finish
	exit 1
fi
if ! boot install reboot || [ "$UPTO" = install ]; then
	finish
	exit $?
fi

# ---- step 4: the boot-time policy -------------------------------------------

boot policy poweroff || true
finish

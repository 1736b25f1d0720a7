#!/bin/bash
# boot.sh NAME --initrd FILE --log FILE [--append ARGS] [--timeout SECONDS]
# Boot kernel NAME in QEMU with the test machine layout: q35, 2 CPUs, two
# NUMA nodes (node 0: 2G with the CPUs, node 1: 4G), and the kernel command
# line that turns 2G at 4G into soft-reserved memory (dax0.0 on node 1).
# KVM is used only when a probe run shows it works; TCG otherwise.
# The serial console goes to --log (and to stdout with DKA_VERBOSE=1).
# Exit status: QEMU's, 124 on timeout.
set -euo pipefail
. "$(dirname "$0")/common.sh"

NAME=${1:?usage: boot.sh NAME --initrd FILE --log FILE [--append ARGS] [--timeout S]}
shift
INITRD="" LOG="" APPEND="" TIMEOUT=${DKA_TIMEOUT:-1200}
while [ $# -gt 0 ]; do
	case "$1" in
	--initrd) INITRD=$2; shift 2 ;;
	--log) LOG=$2; shift 2 ;;
	--append) APPEND="$APPEND $2"; shift 2 ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	*) die "boot.sh: unknown argument $1" ;;
	esac
done
[ -s "$INITRD" ] || die "boot.sh: --initrd FILE needed"
[ -n "$LOG" ] || die "boot.sh: --log FILE needed"
need_cmd qemu-system-x86_64 qemu-system-x86

"$HARNESS_DIR/fetch-kernel.sh" "$NAME" >&2
# shellcheck disable=SC1090
. "$DKA_CACHE/kernels/$NAME.env"

# KVM probe: boot the kernel without an initrd (it panics at once: no root)
# and see whether QEMU survives. Cached per QEMU version and kernel.
accel_args() {
	local stamp out
	if [ "${DKA_ACCEL:-auto}" = tcg ] || [ ! -w /dev/kvm ]; then
		echo "-accel tcg${DKA_TCG_OPTS-,thread=single} -cpu max"
		return
	fi
	stamp="$DKA_CACHE/kvm-probe-$(qemu-system-x86_64 --version | head -n1 | tr -dc 'a-zA-Z0-9.')-$KVER"
	if [ ! -e "$stamp" ]; then
		out=$(mktemp)
		if timeout 60 qemu-system-x86_64 -machine q35 -accel kvm -cpu max -smp 2 -m 512 \
			-nodefaults -display none -no-reboot -serial "file:$out" \
			-kernel "$VMLINUZ" -append "console=ttyS0 panic=-1 nokaslr" >/dev/null 2>&1 &&
			grep -q 'Kernel panic\|Linux version' "$out"; then
			echo kvm >"$stamp"
		else
			echo tcg >"$stamp"
			log "KVM probe failed; using TCG"
		fi
		rm -f "$out"
	fi
	if [ "$(cat "$stamp")" = kvm ]; then
		echo "-accel kvm -cpu max"
	else
		echo "-accel tcg${DKA_TCG_OPTS-,thread=single} -cpu max"
	fi
}

CMDLINE="console=ttyS0,115200 panic=-1 oops=panic nokaslr memmap=2G%4G-1+0xefffffff quiet$APPEND"
read -r -a ACCEL <<<"$(accel_args)"
mkdir -p "$(dirname "$LOG")"
: >"$LOG"
log "boot $KVER (${ACCEL[1]}): $CMDLINE"

TAIL_PID=""
if [ "${DKA_VERBOSE:-0}" = 1 ]; then
	tail -n +1 -f "$LOG" &
	TAIL_PID=$!
fi
rc=0
timeout --kill-after=10 "$TIMEOUT" qemu-system-x86_64 \
	-machine q35 "${ACCEL[@]}" -smp 2 -m 6G \
	-object memory-backend-ram,id=m0,size=2G \
	-object memory-backend-ram,id=m1,size=4G \
	-numa node,nodeid=0,cpus=0-1,memdev=m0 \
	-numa node,nodeid=1,memdev=m1 \
	-nodefaults -display none -no-reboot \
	-chardev "file,id=ser0,path=$LOG" -serial chardev:ser0 \
	-kernel "$VMLINUZ" -initrd "$INITRD" \
	-append "$CMDLINE" </dev/null || rc=$?
if [ -n "$TAIL_PID" ]; then
	sleep 0.2
	kill "$TAIL_PID" 2>/dev/null || true
fi
if [ $rc = 124 ] || [ $rc = 137 ]; then
	log "QEMU killed after ${TIMEOUT}s"
	echo "@@DKA-HOST timeout after ${TIMEOUT}s" >>"$LOG"
	exit 124
fi

# The test machine must give us dax0.0 on node 1 with 2 GiB in 16 blocks.
dax=$(grep -a '^@@DKA-DAX ' "$LOG" | head -n1 | tr -d '\r') || true
if [ -z "$dax" ]; then
	log "no dax0.0 line in the guest log"
	[ $rc = 0 ] && rc=3
elif ! echo "$dax" | grep -q 'target_node=1 size=2147483648 blocks=16 '; then
	log "unexpected dax0.0: $dax"
	[ $rc = 0 ] && rc=3
fi
exit $rc

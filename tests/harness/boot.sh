#!/bin/bash
# boot.sh NAME --initrd FILE --log FILE [--append ARGS] [--timeout SECONDS]
#         [--dax GIB --node1 GIB]
# Boot kernel NAME in QEMU with the test machine layout: q35, 2 CPUs, two
# NUMA nodes (node 0: 2G with the CPUs, node 1: 4G), and the kernel command
# line that turns 2G at 4G into soft-reserved memory (dax0.0 on node 1).
# --dax/--node1 (tests/bench.sh) make dax0.0 and node 1 bigger; node 1
# needs 2G more than the dax range (guest RAM is allocated lazily).
# KVM is used only when a probe run shows it works; TCG otherwise.
# The serial console goes to --log (and to stdout with DKA_VERBOSE=1).
# With numa=off in --append the kernel sees one node (dax0.0 on node 0).
# Exit status: QEMU's, 124 on timeout.
set -euo pipefail
. "$(dirname "$0")/common.sh"

NAME=${1:?usage: boot.sh NAME --initrd FILE --log FILE [--append ARGS] [--timeout S]}
shift
INITRD="" LOG="" APPEND="" TIMEOUT=${DKA_TIMEOUT:-1200} DAX_GIB=2 NODE1_GIB=4
while [ $# -gt 0 ]; do
	case "$1" in
	--initrd) INITRD=$2; shift 2 ;;
	--log) LOG=$2; shift 2 ;;
	--append) APPEND="$APPEND $2"; shift 2 ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	--dax) DAX_GIB=$2; shift 2 ;;
	--node1) NODE1_GIB=$2; shift 2 ;;
	*) die "boot.sh: unknown argument $1" ;;
	esac
done
[ -s "$INITRD" ] || die "boot.sh: --initrd FILE needed"
[ -n "$LOG" ] || die "boot.sh: --log FILE needed"
if ! [[ $DAX_GIB =~ ^[1-9][0-9]*$ && $NODE1_GIB =~ ^[1-9][0-9]*$ ]] ||
	[ "$NODE1_GIB" -lt $((DAX_GIB + 2)) ]; then
	die "boot.sh: --dax and --node1 want GiB, node 1 at least 2 more than the dax range"
fi
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

CMDLINE="console=ttyS0,115200 panic=-1 oops=panic nokaslr memmap=${DAX_GIB}G%4G-1+0xefffffff quiet$APPEND"
read -r -a ACCEL <<<"$(accel_args)"
# A node bigger than the host's RAM: no up-front reservation (overcommit
# heuristics would refuse it); pages are allocated when the guest touches them.
NORESERVE=""
[ "$NODE1_GIB" -le 4 ] || NORESERVE=",reserve=off"
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
	-machine q35 "${ACCEL[@]}" -smp 2 -m $((NODE1_GIB + 2))G \
	-object memory-backend-ram,id=m0,size=2G \
	-object "memory-backend-ram,id=m1,size=${NODE1_GIB}G${NORESERVE}" \
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

# The test machine must give us dax0.0 on node 1 with 2 GiB in 16 blocks
# (or the --dax size: 8 blocks per GiB); on node 0 when the kernel was told
# numa=off (t-nonode: one fake node covers the RAM).
node=1
[[ " $APPEND " == *" numa=off "* ]] && node=0
dax=$(grep -a '^@@DKA-DAX ' "$LOG" | head -n1 | tr -d '\r') || true
if [ -z "$dax" ]; then
	log "no dax0.0 line in the guest log"
	[ $rc = 0 ] && rc=3
elif ! echo "$dax" | grep -q "target_node=$node size=$((DAX_GIB << 30)) blocks=$((DAX_GIB * 8)) "; then
	log "unexpected dax0.0: $dax"
	[ $rc = 0 ] && rc=3
fi
exit $rc

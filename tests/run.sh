#!/bin/bash
# tests/run.sh [--kernel NAME]... [--driver kmem|dax_kmem_atomic] [--tests LIST]
#              [--append ARGS] [--timeout SECONDS]
# For each kernel: fetch it, build the module (not for the in-kernel kmem),
# pack an initramfs, boot QEMU and run the guest tests (tests/guest/t-*.sh).
# Prints every result line, one summary line per kernel and a final
# "N passed, N failed". Exits non-zero when a check failed, a guest did not
# finish, the kernel oopsed/panicked, or its log shows WARNING/BUG/Call Trace.
#
#   tests/run.sh --kernel 7.3 --driver kmem --tests abi     # the 7.3 oracle
#
# Environment: DKA_CACHE (default /var/cache/dax-kmem-atomic), DKA_VERBOSE=1
# (stream the guest console), DKA_ACCEL=tcg, DKA_REFRESH=1 (re-resolve
# kernels), DKA_TIMEOUT (per boot, seconds).
set -euo pipefail
. "$(dirname "$0")/harness/common.sh"
# shellcheck source=harness/kernels.sh
. "$HARNESS_DIR/kernels.sh"

KERNELS=()
DRIVER=dax_kmem_atomic
TESTS=abi
APPEND=""
TIMEOUT=${DKA_TIMEOUT:-1200}
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) KERNELS+=("$2"); shift 2 ;;
	--driver) DRIVER=$2; shift 2 ;;
	--tests) TESTS=$2; shift 2 ;;
	--append) APPEND="$APPEND $2"; shift 2 ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	-h | --help) sed -n '2,16p' "$0"; exit 0 ;;
	*) die "unknown argument $1 (see --help)" ;;
	esac
done
[ ${#KERNELS[@]} -gt 0 ] || KERNELS=("${KERNEL_NAMES[@]}")
case "$DRIVER" in kmem | dax_kmem_atomic) ;; *) die "unknown driver $DRIVER" ;; esac

# Extra boots: a test that needs another kernel command line names a companion
# test to run in a second boot of the same kernel.
#   abi: also boot with memhp_default_state=offline and check the probe there.
declare -A EXTRA_BOOT=([abi]="abi-bootpolicy|memhp_default_state=offline")

LOG_DIR="$DKA_CACHE/logs/$(date +%Y%m%d-%H%M%S)-$$"
mkdir -p "$LOG_DIR"
TOTAL_PASS=0
TOTAL_FAIL=0
BAD_LOGS=()

# boot_and_parse NAME INITRD TESTS APPEND LOG: boot once; print results; add
# to the counters of this kernel (K_PASS, K_FAIL).
boot_and_parse() {
	local name=$1 initrd=$2 tests=$3 append=$4 log=$5 rc=0 t0 line results nres
	t0=$(date +%s)
	"$HARNESS_DIR/boot.sh" "$name" --initrd "$initrd" --log "$log" --timeout "$TIMEOUT" \
		--append "dka.driver=$DRIVER dka.tests=$tests$append" || rc=$?
	BOOT_SECS=$(($(date +%s) - t0))
	results=$(tr -d '\r' <"$log" | grep -aE '^(ok|FAIL) - ' || true)
	nres=0
	if [ -n "$results" ]; then
		while IFS= read -r line; do
			echo "[$name] $line"
			case "$line" in
			ok*) K_PASS=$((K_PASS + 1)) ;;
			*) K_FAIL=$((K_FAIL + 1)) ;;
			esac
			nres=$((nres + 1))
		done <<<"$results"
	fi
	harness_check "$name" "vm-boot-dax0.0-node1-2GiB[$tests]" \
		"$(grep -aq '^@@DKA-DAX .*target_node=1 size=2147483648 blocks=16 ' "$log" && echo ok ||
			echo "dax0.0 missing or not 2 GiB on node 1 (boot.sh rc=$rc)")"
	local end
	end=$(tr -d '\r' <"$log" | grep -a '^@@DKA-END' | tail -n1 || true)
	harness_check "$name" "vm-guest-finished[$tests]" \
		"$([ -n "$end" ] && echo ok || echo "no end marker (boot.sh rc=$rc)")"
	local bad
	bad=$(tr -d '\r' <"$log" | grep -aE '^@@DKA-DMESG|Kernel panic|Oops:|BUG:|WARNING:|Call Trace' |
		head -n 5 || true)
	harness_check "$name" "vm-kernel-log-clean[$tests]" \
		"$([ -z "$bad" ] && echo ok || echo "$bad" | head -n1)"
	if [ "$nres" = 0 ] && [ -n "$tests" ] && [ "$tests" != none ]; then
		harness_check "$name" "vm-tests-ran[$tests]" "no result lines"
	fi
}

harness_check() {
	if [ "$3" = ok ]; then
		echo "[$1] ok - $2"
		K_PASS=$((K_PASS + 1))
	else
		echo "[$1] FAIL - $2: $3"
		K_FAIL=$((K_FAIL + 1))
	fi
}

for name in "${KERNELS[@]}"; do
	[ -n "${K_RESOLVE[$name]:-}" ] || die "unknown kernel '$name' (known: ${KERNEL_NAMES[*]})"
	K_PASS=0 K_FAIL=0
	t0=$(date +%s)
	klog="$LOG_DIR/$name-$DRIVER.host.log"
	if ! "$HARNESS_DIR/fetch-kernel.sh" "$name" 2>>"$klog"; then
		harness_check "$name" "fetch-kernel" "failed (see $klog)"
		TOTAL_FAIL=$((TOTAL_FAIL + K_FAIL)); BAD_LOGS+=("$klog"); continue
	fi
	t1=$(date +%s)
	if [ "$DRIVER" != kmem ]; then
		if ! "$HARNESS_DIR/build.sh" "$name" >>"$klog" 2>&1; then
			tail -n 20 "$klog" | sed "s/^/[$name] build: /"
			harness_check "$name" "build" "failed (see $klog)"
			TOTAL_FAIL=$((TOTAL_FAIL + K_FAIL)); BAD_LOGS+=("$klog"); continue
		fi
	fi
	t2=$(date +%s)
	if ! initrd=$("$HARNESS_DIR/initramfs.sh" "$name" --driver "$DRIVER" 2>>"$klog"); then
		harness_check "$name" "initramfs" "failed (see $klog)"
		TOTAL_FAIL=$((TOTAL_FAIL + K_FAIL)); BAD_LOGS+=("$klog"); continue
	fi
	t3=$(date +%s)
	boots=""
	log="$LOG_DIR/$name-$DRIVER.console.log"
	boot_and_parse "$name" "$initrd" "$TESTS" "$APPEND" "$log" 2>>"$klog"
	boots="$BOOT_SECS"
	logs="$log"
	for t in $(echo "$TESTS" | tr ',' ' '); do
		extra=${EXTRA_BOOT[$t]:-}
		[ -n "$extra" ] || continue
		log="$LOG_DIR/$name-$DRIVER-${extra%%|*}.console.log"
		boot_and_parse "$name" "$initrd" "${extra%%|*}" "$APPEND ${extra#*|}" "$log" 2>>"$klog"
		boots="$boots+$BOOT_SECS"
		logs="$logs $log"
	done
	kver=$(sed -n 's/^KVER=//p' "$DKA_CACHE/kernels/$name.env")
	echo "[$name] $kver $DRIVER: $K_PASS passed, $K_FAIL failed" \
		"(fetch $((t1 - t0))s, build $((t2 - t1))s, initramfs $((t3 - t2))s, boot+tests ${boots}s)"
	if [ "$K_FAIL" -gt 0 ]; then
		read -r -a _l <<<"$logs"
		BAD_LOGS+=("${_l[@]}" "$klog")
	fi
	TOTAL_PASS=$((TOTAL_PASS + K_PASS))
	TOTAL_FAIL=$((TOTAL_FAIL + K_FAIL))
done

if [ ${#BAD_LOGS[@]} -gt 0 ]; then
	echo "logs of failed runs:"
	printf '  %s\n' "${BAD_LOGS[@]}"
fi
echo "$TOTAL_PASS passed, $TOTAL_FAIL failed"
[ "$TOTAL_FAIL" -eq 0 ]

#!/bin/bash
# make stress: the stress and race suite (tests/guest/t-stress.sh) in QEMU,
# on every kernel of tests/harness/kernels.sh or the ones named, through
# tests/run.sh: one boot per kernel with dka.stress_seconds=SECONDS per step.
#   tests/stress.sh [--seconds S] [--kernel NAME]... [--jobs N] [--faults]
#   --seconds S  load per step (default DKA_STRESS_SECONDS or 6, the short run
#                make check does; e.g. 600 for a long run)
#   --faults     the fault-injection suite (t-faults) first, in the same boot
#   --jobs N     kernels booted at once (default DKA_JOBS or the number of cores)
# Prints run.sh's output, then the figures line of each kernel and run.sh's
# closing "N passed, N failed" (KTAP: see run.sh); exits non-zero when a
# check failed.
# DKA_FLAVOR=NAME as for run.sh (build and initramfs directories of its own).
set -euo pipefail
cd "$(dirname "$0")/.."

SECS=${DKA_STRESS_SECONDS:-6}
JOBS=${DKA_JOBS:-$(nproc)}
TESTS=stress
KERNELS=()
while [ $# -gt 0 ]; do
	case "$1" in
	--seconds) SECS=$2; shift 2 ;;
	--kernel) KERNELS+=(--kernel "$2"); shift 2 ;;
	--jobs) JOBS=$2; shift 2 ;;
	--faults) TESTS=faults,stress; shift ;;
	-h | --help) sed -n '2,13p' "$0"; exit 0 ;;
	*) echo "stress.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done
[[ $SECS =~ ^[1-9][0-9]*$ ]] || { echo "stress.sh: --seconds wants a positive number" >&2; exit 2; }
# five timed steps of SECS, the untimed ones (memory fills, an unbind
# waiting for an unplug), the boot, at TCG speed on a busy host
TIMEOUT=$((SECS * 8 + 1200))

out=$(mktemp)
trap 'rm -f "$out"' EXIT
rc=0
DKA_STRESS_SECONDS=$SECS tests/run.sh "${KERNELS[@]}" --tests "$TESTS" --jobs "$JOBS" \
	--timeout "$TIMEOUT" | tee "$out" || rc=$?
echo "figures ($SECS s per step):"
# run.sh's result lines: "ok N [KERNEL] stress figures: ..." (or "not ok")
sed -n 's/^\(ok\|not ok\) [0-9]* \[\([^]]*\)\] stress figures: /  \2 \1: /p' "$out"
tail -n 1 "$out"
exit $rc

#!/bin/bash
# tests/bench.sh [--kernel NAME]... [--sizes LIST] [--multi GIBxRANGES|none]
#                [--reps N] [--interf GIB|0] [--who LIST] [--jobs N]
#                [--trace GIB|0] [--out DIR] [--docs]
# `make bench`: a benchmark, not a test -- it reports timings, it
# does not pass or fail on them. For each kernel (default: 6.1 and 7.3) it
# builds the module (build flavour "bench"), boots one big QEMU guest (node
# 1 large enough for the biggest device; RAM is allocated lazily) and runs
# tests/guest/t-bench.sh there: our state transitions, 7.3's in-kernel
# state (where kmem has it), the per-block flow from a shell loop and
# daxctl reconfigure-device, on the same layout, each repeated; then the
# interference figures. tests/harness/bench-report.sh makes the markdown table and
# the gnuplot PNG from the raw figures.
#   --sizes     dax0.0 sizes in GiB, one range each (default 2,8,32)
#   --multi     one device of RANGES ranges, GIB in all (default 8x4)
#   --reps      repetitions of every measurement (default 5)
#   --interf    device size for the interference runs (default: the largest
#               of --sizes; 0: none)
#   --who       contenders (default ours,ours_wr,kmem,shell,daxctl; ours_wr:
#               ours unplugging a one-range device with the kernel's
#               offline_and_remove_memory(), before 7.3 only)
#   --trace     last in each boot: one transition of each kind at GIB with
#               ftrace (function_graph on the hotplug functions), for the
#               report's "where the time goes" (default 8; 0: none)
#   --jobs      kernels booted at once (default: the number of cores)
#   --out       results directory (default $DKA_CACHE/bench/<timestamp>)
#   --docs      also copy the table and the plot to docs/bench.md, docs/bench.png
# Exits non-zero only when a guest did not finish or a step failed.
set -euo pipefail
# shellcheck source=harness/common.sh
. "$(dirname "$0")/harness/common.sh"

KERNELS=()
SIZES=2,8,32
MULTI=8x4
REPS=5
INTERF=""
TRACE=8
WHO=ours,ours_wr,kmem,shell,daxctl
JOBS=$(nproc)
OUT=""
DOCS=0
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) KERNELS+=("$2"); shift 2 ;;
	--sizes) SIZES=$2; shift 2 ;;
	--multi) MULTI=$2; shift 2 ;;
	--reps) REPS=$2; shift 2 ;;
	--interf) INTERF=$2; shift 2 ;;
	--who) WHO=$2; shift 2 ;;
	--trace) TRACE=$2; shift 2 ;;
	--jobs) JOBS=$2; shift 2 ;;
	--out) OUT=$2; shift 2 ;;
	--docs) DOCS=1; shift ;;
	-h | --help) sed -n '2,29p' "$0"; exit 0 ;;
	*) die "unknown argument $1 (see --help)" ;;
	esac
done
[ ${#KERNELS[@]} -gt 0 ] || KERNELS=(6.1 7.3)
[[ $SIZES =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || die "--sizes wants GiB, comma-separated"
[[ $MULTI =~ ^([1-9][0-9]*x[1-9][0-9]*|none)$ ]] || die "--multi wants GIBxRANGES or none"
[[ $REPS =~ ^[1-9][0-9]*$ ]] || die "--reps wants a positive number"
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || die "--jobs wants a positive number"
is_root || die "bench.sh needs root (build chroot)"
need_pkg gnuplot-nox

# The biggest device decides the guest: the region holds it, the 1 GiB
# interference device and the 128 MiB devices between ranges (1 GiB slack).
MAX=0
for s in ${SIZES//,/ }; do [ "$s" -gt "$MAX" ] && MAX=$s; done
[ -n "$INTERF" ] || INTERF=$MAX
[ "$INTERF" = 0 ] || [ "$INTERF" -le "$MAX" ] || MAX=$INTERF
[ "$MULTI" = none ] || [ "${MULTI%x*}" -le "$MAX" ] || MAX=${MULTI%x*}
[[ $TRACE =~ ^[0-9]+$ ]] || die "--trace wants GiB or 0"
[ "$TRACE" -le "$MAX" ] || MAX=$TRACE
DAX_GIB=$((MAX + 2))
NODE1_GIB=$((DAX_GIB + 2))

export DKA_BUILD_FLAVOR=${DKA_BUILD_FLAVOR:-bench}
# the build with the alternatives ours is measured against (Kbuild, DKA_BENCH)
export DKA_MAKE_EXTRA="${DKA_MAKE_EXTRA:+$DKA_MAKE_EXTRA }DKA_BENCH=1"
[ -n "$OUT" ] || OUT="$DKA_CACHE/bench/$(date -u +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
T0=$(date +%s)
log "bench: kernels ${KERNELS[*]}, sizes $SIZES, multi $MULTI, $REPS reps, interference at $INTERF GiB; guest $((NODE1_GIB + 2)) GiB (dax range $DAX_GIB GiB); results in $OUT"

APPEND="dka.driver=dax_kmem_atomic dka.tests=bench dka.bench.sizes=$SIZES dka.bench.multi=$MULTI"
APPEND="$APPEND dka.bench.reps=$REPS dka.bench.interf=$INTERF dka.bench.who=$WHO dka.bench.trace=$TRACE"

# bench_kernel NAME: build, pack, boot; the console log and a meta file
bench_kernel() {
	local name=$1 initrd t0 t1 rc=0 kver accel
	t0=$(date +%s)
	"$HARNESS_DIR/fetch-kernel.sh" "$name" >/dev/null 2>>"$OUT/$name.host.log" ||
		die "fetch of $name failed (see $OUT/$name.host.log)"
	"$HARNESS_DIR/build.sh" "$name" >>"$OUT/$name.host.log" 2>&1 ||
		die "build for $name failed (see $OUT/$name.host.log)"
	initrd=$("$HARNESS_DIR/initramfs.sh" "$name" --driver dax_kmem_atomic 2>>"$OUT/$name.host.log") ||
		die "initramfs for $name failed (see $OUT/$name.host.log)"
	t1=$(date +%s)
	/usr/bin/time -f '%M' -o "$OUT/$name.maxrss" \
		"$HARNESS_DIR/boot.sh" "$name" --initrd "$initrd" --log "$OUT/$name.console.log" \
		--dax "$DAX_GIB" --node1 "$NODE1_GIB" --timeout "${DKA_TIMEOUT:-3000}" \
		--append "$APPEND" 2>>"$OUT/$name.host.log" || rc=$?
	kver=$(sed -n 's/^KVER=//p' "$DKA_CACHE/kernels/$name.env")
	accel=$(sed -n 's/.*boot [^ ]* (\([^)]*\)).*/\1/p' "$OUT/$name.host.log" | tail -n 1)
	{
		echo "kernel=$name kver=$kver accel=$accel boot_rc=$rc"
		echo "prepare_s=$((t1 - t0)) boot_s=$(($(date +%s) - t1))"
		echo "qemu_maxrss_kb=$(tail -n 1 "$OUT/$name.maxrss" 2>/dev/null || echo '?')"
		echo "guest_gib=$((NODE1_GIB + 2)) dax_gib=$DAX_GIB"
	} >"$OUT/$name.meta"
	return $rc
}

pids=() names=()
for name in "${KERNELS[@]}"; do
	while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do sleep 1; done
	bench_kernel "$name" &
	pids+=($!)
	names+=("$name")
done
FAIL=0
for i in "${!pids[@]}"; do
	if ! wait "${pids[$i]}"; then
		log "bench on ${names[$i]}: the guest run failed (see $OUT/${names[$i]}.console.log)"
		FAIL=1
	fi
done
for name in "${KERNELS[@]}"; do
	tr -d '\r' <"$OUT/$name.console.log" | grep -a '^@@BENCH-ERR\|^not ok ' | sed "s/^/[$name] /" || true
	if ! tr -d '\r' <"$OUT/$name.console.log" | grep -aq '^@@DKA-END rc=0'; then
		FAIL=1
	fi
done
echo "total=$(($(date +%s) - T0))" >"$OUT/run.meta"
"$HARNESS_DIR/bench-report.sh" "$OUT" "${KERNELS[@]}"
if [ $DOCS = 1 ]; then
	mkdir -p "$REPO_DIR/docs"
	cp "$OUT/bench.md" "$REPO_DIR/docs/bench.md"
	cp "$OUT/bench.png" "$REPO_DIR/docs/bench.png"
	log "copied the table and the plot to docs/"
fi
log "bench: $(($(date +%s) - T0)) s in all; table $OUT/bench.md, plot $OUT/bench.png"
exit $FAIL

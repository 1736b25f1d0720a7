#!/bin/bash
# tests/run.sh [--kernel NAME]... [--driver kmem|dax_kmem_atomic|replace] [--tests LIST]
#              [--append ARGS] [--timeout SECONDS]
# tests/run.sh --all [--jobs N]
# For each kernel: fetch it, build the module (not for the in-kernel kmem),
# pack an initramfs, boot QEMU and run the guest suites (tests/guest/t-*.sh;
# LIST is comma-separated, default "abi"; "all" = every suite). Prints every
# result line, one summary line per kernel and a final "N passed, N failed".
# Exits non-zero when a check failed, a guest did not finish, the kernel
# oopsed/panicked, or its log shows WARNING/BUG/Call Trace (or a report of
# the debug kernel's detectors: BAD_LOG_RE).
#   --all: every kernel of tests/harness/kernels.sh with our driver and every
#          suite, then the ABI and fuzz suites on the oracle (7.3's in-kernel
#          kmem); ends with a table: one line per kernel (checks passed and
#          failed, fetch, build and boot seconds).
#   --jobs N: run up to N kernels at once (default DKA_JOBS or 1); each boot
#          is single-threaded TCG, so N = the number of cores fills them.
#          Output is printed per kernel, in order, as each one finishes.
#
#   tests/run.sh --kernel 7.3 --driver kmem --tests abi     # the 7.3 oracle
#
# Environment: DKA_CACHE (default /var/cache/dax-kmem-atomic), DKA_VERBOSE=1
# (stream the guest console), DKA_ACCEL=tcg, DKA_REFRESH=1 (re-resolve
# kernels), DKA_TIMEOUT (per boot, seconds), DKA_TCG_OPTS (default
# ",thread=single"; set it empty for multi-threaded TCG), DKA_FLAVOR=NAME
# (build and initramfs directories of their own, so that a run of another
# tree, DKA_SRC=DIR, does not share them with a run going on).
set -euo pipefail
# shellcheck source=harness/common.sh
. "$(dirname "$0")/harness/common.sh"
# shellcheck source=harness/kernels.sh
. "$HARNESS_DIR/kernels.sh"

KERNELS=()
DRIVER=dax_kmem_atomic
TESTS=abi
APPEND=""
ALL=0
JOBS=${DKA_JOBS:-1}
TIMEOUT=${DKA_TIMEOUT:-1200}
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) KERNELS+=("$2"); shift 2 ;;
	--driver) DRIVER=$2; shift 2 ;;
	--tests) TESTS=$2; shift 2 ;;
	--append) APPEND="$APPEND $2"; shift 2 ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	--all) ALL=1; shift ;;
	--jobs) JOBS=$2; shift 2 ;;
	-h | --help) sed -n '2,27p' "$0"; exit 0 ;;
	*) die "unknown argument $1 (see --help)" ;;
	esac
done
case "$DRIVER" in kmem | dax_kmem_atomic | replace) ;; *) die "unknown driver $DRIVER" ;; esac
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || die "--jobs wants a positive number"

# Kernel command-line arguments a suite needs; added to any boot that runs it.
#  abi-bootpolicy: the online policy set at boot
#  match: a second soft-reserved range (512 MiB at 6.5 GiB, in node 1, apart
#         from the first so they do not merge): dax_hmem makes dax1.0 in a
#         region of its own
#  nonode: NUMA off (one fake node up to the end of RAM; dax0.0 then on
#          node 0) and a second soft-reserved range, the last GiB of RAM
#          (7-8 GiB), beyond that node: dax1.0 on no node
#  stress: its duration per step (DKA_STRESS_SECONDS, default 6: the short
#          run of make check; make stress STRESS_SECONDS=N for longer)
declare -A SUITE_APPEND=(
	[abi-bootpolicy]="memhp_default_state=offline"
	[match]="memmap=512M%6656M-1+0xefffffff"
	[nonode]="numa=off memmap=1G%7G-1+0xefffffff"
	[stress]="dka.stress_seconds=${DKA_STRESS_SECONDS:-6}"
)
# Companion boots: a suite that needs another kernel command line, or that
# leaves the machine unusable, runs in a boot of its own after its parent.
# A companion named in the same LIST runs in that boot instead.
declare -A COMPANIONS=(
	[abi]="abi-bootpolicy abi-leak nonode"
	[atomic]="match"
	[faults]="stress"
	[cli]="cli-boot"
)

# suite_append LIST: the command-line arguments the suites of LIST need.
suite_append() {
	local t out=""
	for t in ${1//,/ }; do
		[ -n "${SUITE_APPEND[$t]:-}" ] && out="$out ${SUITE_APPEND[$t]}"
	done
	echo "$out"
}

# Suites for "all": every t-*.sh not marked "dka: not-in-all", not the demo.
all_suites() {
	local f out=()
	for f in "$TESTS_DIR"/guest/t-*.sh; do
		grep -q 'dka: not-in-all' "$f" && continue
		f=$(basename "$f" .sh)
		f=${f#t-}
		[ "$f" = demo ] && continue
		out+=("$f")
	done
	local IFS=,
	echo "${out[*]}"
}

LOG_DIR="$DKA_CACHE/logs/$(date +%Y%m%d-%H%M%S)-$$"
mkdir -p "$LOG_DIR"
TOTAL_PASS=0
TOTAL_FAIL=0
BAD_LOGS=()

harness_check() {
	if [ "$3" = ok ]; then
		echo "[$1] ok - $2"
		K_PASS=$((K_PASS + 1))
	else
		echo "[$1] FAIL - $2: $3"
		K_FAIL=$((K_FAIL + 1))
	fi
}

# What fails a boot's log: the guest's dump of such kernel log lines
# (@@DKA-DMESG, guest/init) and anything of the kind on the console. BUG:
# and WARNING: cover KASAN ("BUG: KASAN:"), sleeping in atomic context
# ("BUG: sleeping function called from invalid context"), lockdep
# ("WARNING: possible circular locking dependency", "... recursive
# locking", "inconsistent lock state", "suspicious RCU usage") and
# DEBUG_OBJECTS' WARN; the rest name the other detectors of the debug
# kernel (6.1-debug): ODEBUG, kmemleak, hung tasks.
BAD_LOG_RE='^@@DKA-DMESG|^@@DKA-KMEMLEAK|Kernel panic|Oops:|BUG:|WARNING:|Call Trace|ODEBUG:|unreferenced object 0x|blocked for more than'

# boot_and_parse NAME DRIVER INITRD TESTS APPEND LOG: boot once, print the
# results, count them into K_PASS/K_FAIL, and check the run as a whole.
boot_and_parse() {
	local name=$1 driver=$2 initrd=$3 tests=$4 append=$5 log=$6
	local rc=0 t0 line results nres=0 end bad args node=1
	t0=$(date +%s)
	args="dka.driver=$driver dka.tests=$tests$(suite_append "$tests")${K_APPEND[$name]:+ ${K_APPEND[$name]}}$append"
	# dax0.0's node: 1, or 0 with NUMA off (as boot.sh checks it)
	[[ " $args " == *" numa=off "* ]] && node=0
	"$HARNESS_DIR/boot.sh" "$name" --initrd "$initrd" --log "$log" \
		--timeout $((TIMEOUT * ${K_SLOW[$name]:-1})) --append "$args" || rc=$?
	BOOT_SECS=$(($(date +%s) - t0))
	results=$(tr -d '\r' <"$log" | grep -aE '^(ok|FAIL) - ' || true)
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
	if grep -aq "^@@DKA-DAX .*target_node=$node size=2147483648 blocks=16 " "$log"; then
		harness_check "$name" "vm-boot-dax0.0-node$node-2GiB[$tests]" ok
	else
		harness_check "$name" "vm-boot-dax0.0-node$node-2GiB[$tests]" \
			"dax0.0 missing or not 2 GiB in 16 blocks on node $node (boot.sh rc=$rc)"
	fi
	end=$(tr -d '\r' <"$log" | grep -a '^@@DKA-END' | tail -n1 || true)
	if [ -n "$end" ]; then
		harness_check "$name" "vm-guest-finished[$tests]" ok
	else
		harness_check "$name" "vm-guest-finished[$tests]" "no end marker (boot.sh rc=$rc)"
	fi
	bad=$(tr -d '\r' <"$log" | grep -aE "$BAD_LOG_RE" | head -n 1 || true)
	if [ -z "$bad" ]; then
		harness_check "$name" "vm-kernel-log-clean[$tests]" ok
	else
		harness_check "$name" "vm-kernel-log-clean[$tests]" "$bad"
	fi
	if [ "$nres" = 0 ] && [ -n "$tests" ] && [ "$tests" != none ]; then
		harness_check "$name" "vm-tests-ran[$tests]" "no result lines"
	fi
}

# run_kernel NAME DRIVER TESTS: fetch, build, pack, boot (+ companions).
run_kernel() {
	local name=$1 driver=$2 tests=$3 t0 t1 t2 t3 klog initrd log logs boots t c kver
	local -a loga
	[ -n "${K_RESOLVE[$name]:-}" ] || die "unknown kernel '$name' (known: ${KERNEL_NAMES[*]})"
	[ "$tests" = all ] && tests=$(all_suites)
	K_PASS=0 K_FAIL=0
	t0=$(date +%s)
	t1=$t0 t2=$t0 t3=$t0 boots=""
	kver=$name
	klog="$LOG_DIR/$name-$driver.host.log"
	logs="$klog"
	if ! "$HARNESS_DIR/fetch-kernel.sh" "$name" 2>>"$klog"; then
		harness_check "$name" "fetch-kernel" "failed (see $klog)"
	else
		t1=$(date +%s)
		# Each driver builds apart, so as not to race another run of the
		# kernel (the in-kernel kmem needs only the test helper).
		if [ "$driver" != dax_kmem_atomic ]; then
			export DKA_BUILD_FLAVOR=$driver${DKA_FLAVOR:+-$DKA_FLAVOR}
		elif [ -n "${DKA_FLAVOR:-}" ]; then
			export DKA_BUILD_FLAVOR=$DKA_FLAVOR
		else
			unset DKA_BUILD_FLAVOR
		fi
		if ! "$HARNESS_DIR/build.sh" "$name" >>"$klog" 2>&1; then
			tail -n 20 "$klog" | sed "s/^/[$name] build: /"
			harness_check "$name" "build" "failed (see $klog)"
		else
			t2=$(date +%s)
			if ! initrd=$("$HARNESS_DIR/initramfs.sh" "$name" --driver "$driver" 2>>"$klog"); then
				harness_check "$name" "initramfs" "failed (see $klog)"
			else
				t3=$(date +%s)
				log="$LOG_DIR/$name-$driver.console.log"
				boot_and_parse "$name" "$driver" "$initrd" "$tests" "$APPEND" "$log" 2>>"$klog"
				boots=$BOOT_SECS
				logs="$logs $log"
				for t in ${tests//,/ }; do
					for c in ${COMPANIONS[$t]:-}; do
						[[ ",$tests," == *",$c,"* ]] && continue
						log="$LOG_DIR/$name-$driver-$c.console.log"
						boot_and_parse "$name" "$driver" "$initrd" "$c" "$APPEND" "$log" 2>>"$klog"
						boots="$boots+$BOOT_SECS"
						logs="$logs $log"
					done
				done
			fi
		fi
	fi
	kver=$(sed -n 's/^KVER=//p' "$DKA_CACHE/kernels/$name.env" 2>/dev/null || echo "$name")
	t0=$((t0 - ${PREP_FETCH[$name]:-0}))
	echo "[$name] $kver $driver: $K_PASS passed, $K_FAIL failed" \
		"(fetch $((t1 - t0))s, build $((t2 - t1))s, initramfs $((t3 - t2))s," \
		"boots ${boots:-0}s, total $(($(date +%s) - t0))s)"
	# the summary table's row: kernel KVER driver passed failed fetch build boots total
	K_ROW="$name ${kver:-?} $driver $K_PASS $K_FAIL $((t1 - t0)) $((t2 - t1)) $((${boots:-0})) $(($(date +%s) - t0))"
	if [ "$K_FAIL" -gt 0 ]; then
		read -r -a loga <<<"$logs"
		BAD_LOGS+=("${loga[@]}")
	fi
	TOTAL_PASS=$((TOTAL_PASS + K_PASS))
	TOTAL_FAIL=$((TOTAL_FAIL + K_FAIL))
	ROWS+=("$K_ROW")
}

# A job runs run_kernel in a subshell with its output in a file; its counts,
# summary row and failed logs come back through a second file.
declare -a JOB_PIDS=() JOB_FILES=()
ROWS=()
start_job() {
	local f="$LOG_DIR/job-${#JOB_FILES[@]}"
	(
		TOTAL_PASS=0 TOTAL_FAIL=0 BAD_LOGS=() ROWS=()
		run_kernel "$@" >"$f.out" 2>&1
		{
			echo "$TOTAL_PASS $TOTAL_FAIL"
			echo "$K_ROW"
			printf '%s\n' "${BAD_LOGS[@]}"
		} >"$f.res"
	) &
	JOB_PIDS+=($!)
	JOB_FILES+=("$f")
}
# finish_job I: wait for job I, print its output, add its results.
finish_job() {
	local f=${JOB_FILES[$1]} p q l
	wait "${JOB_PIDS[$1]}" || true
	cat "$f.out"
	if [ ! -s "$f.res" ]; then
		echo "FAIL - job $1 died (see $f.out)"
		TOTAL_FAIL=$((TOTAL_FAIL + 1))
		return
	fi
	{
		read -r p q
		read -r l
		ROWS+=("$l")
		while read -r l; do [ -n "$l" ] && BAD_LOGS+=("$l"); done
	} <"$f.res"
	TOTAL_PASS=$((TOTAL_PASS + p))
	TOTAL_FAIL=$((TOTAL_FAIL + q))
}

# prepare "NAME DRIVER TESTS"...: before parallel jobs, fetch every kernel and
# make every build chroot one at a time (kernels share apt lists and chroots).
declare -A PREP_FETCH=()
prepare() {
	local r t0 name suite
	local -a a suites=()
	for r in "$@"; do
		read -r -a a <<<"$r"
		name=${a[0]}
		[ -n "${PREP_FETCH[$name]:-}" ] && continue
		t0=$(date +%s)
		"$HARNESS_DIR/fetch-kernel.sh" "$name" 2>>"$LOG_DIR/prepare.log" || continue
		PREP_FETCH[$name]=$(($(date +%s) - t0))
		suite=${K_CHROOT[$name]}
		[ "${a[1]}" = kmem ] || [[ " ${suites[*]} " == *" $suite "* ]] || suites+=("$suite")
	done
	for suite in "${suites[@]}"; do
		"$HARNESS_DIR/chroot.sh" "$suite" >/dev/null 2>>"$LOG_DIR/prepare.log" || true
	done
}

# run_all "NAME DRIVER TESTS"...: every run, JOBS at a time, output in order.
run_all() {
	local r next=0 done_=0 n=$#
	local -a runs=("$@") a
	[ "$JOBS" -gt 1 ] && [ $n -gt 1 ] && prepare "$@"
	if [ "$JOBS" = 1 ]; then
		for r in "${runs[@]}"; do
			read -r -a a <<<"$r"
			run_kernel "${a[@]}"
		done
		return
	fi
	while [ $done_ -lt $n ]; do
		while [ $next -lt $n ] && [ $((next - done_)) -lt "$JOBS" ]; do
			read -r -a a <<<"${runs[$next]}"
			start_job "${a[@]}"
			next=$((next + 1))
		done
		finish_job "$done_"
		done_=$((done_ + 1))
	done
}

# The table at the end: one line per kernel run.
summary_table() {
	local r
	[ ${#ROWS[@]} -gt 1 ] || return 0
	echo "summary ($(($(date +%s) - T_START)) s in all, $JOBS at a time):"
	printf '  %-9s %-22s %-16s %6s %6s %6s %6s %6s %6s\n' kernel release driver passed failed fetch build boots total
	for r in "${ROWS[@]}"; do
		# shellcheck disable=SC2086
		printf '  %-9s %-22s %-16s %6s %6s %5ss %5ss %5ss %5ss\n' $r
	done
}

T_START=$(date +%s)
RUNS=()
if [ $ALL = 1 ]; then
	for name in "${KERNEL_NAMES[@]}"; do
		RUNS+=("$name dax_kmem_atomic all")
	done
	RUNS+=("$ORACLE_KERNEL kmem abi,fuzz,rollback")
	for name in "${REPLACE_KERNELS[@]}"; do
		RUNS+=("$name replace daxctl")
	done
else
	[ ${#KERNELS[@]} -gt 0 ] || KERNELS=("${KERNEL_NAMES[@]}")
	for name in "${KERNELS[@]}"; do
		RUNS+=("$name $DRIVER $TESTS")
	done
fi
run_all "${RUNS[@]}"
summary_table

if [ ${#BAD_LOGS[@]} -gt 0 ]; then
	echo "logs of failed runs:"
	printf '  %s\n' "${BAD_LOGS[@]}"
fi
echo "$TOTAL_PASS passed, $TOTAL_FAIL failed"
[ "$TOTAL_FAIL" -eq 0 ]

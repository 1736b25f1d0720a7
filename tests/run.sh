#!/bin/bash
# tests/run.sh [--kernel NAME]... [--driver kmem|dax_kmem_atomic|replace] [--tests LIST]
#              [--append ARGS] [--timeout SECONDS]
# tests/run.sh --all [--jobs N]
# For each kernel: fetch it, build the module (not for the in-kernel kmem),
# pack an initramfs, boot QEMU and run the guest suites (tests/guest/t-*.sh;
# LIST is comma-separated, default "abi"; "all" = every suite). Prints KTAP
# (tests/harness/ktap.sh): every guest check and the harness's own checks
# per boot as "ok N [KERNEL] NAME" / "not ok N [KERNEL] NAME # why" /
# "ok N [KERNEL] NAME # SKIP why", one "# [KERNEL] ..." summary line per
# kernel, "# Totals: ..." and a final "N passed, N failed" (", N skipped"
# when there are any).
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
# shellcheck source=harness/ktap.sh
. "$HARNESS_DIR/ktap.sh"

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
	-h | --help) sed -n '2,31p' "$0"; exit 0 ;;
	*) die "unknown argument $1 (see --help)" ;;
	esac
done
case "$DRIVER" in kmem | dax_kmem_atomic | replace) ;; *) die "unknown driver $DRIVER" ;; esac
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || die "--jobs wants a positive number"

# The suites, from tests/guest/suites.conf (the one list of which suite runs
# in "all", which needs a boot of its own after which other suite, and with
# what on the kernel command line): SUITES in its order, SUITE_ALL[NAME]=yes|no,
# SUITE_APPEND[NAME] and COMPANIONS[NAME] (the suites booted after NAME).
SUITES_CONF=$TESTS_DIR/guest/suites.conf
declare -a SUITES=()
declare -A SUITE_ALL=() SUITE_APPEND=() COMPANIONS=()
read_suites() {
	local name all after append f
	while read -r name all after append; do
		[ -z "$name" ] || [[ $name == \#* ]] && continue
		if [[ $all != yes && $all != no ]] || [ -z "$after" ] || [ -z "$append" ]; then
			die "$SUITES_CONF: bad line for $name (NAME yes|no AFTER|- APPEND|-)"
		fi
		[ -f "$TESTS_DIR/guest/t-$name.sh" ] || die "$SUITES_CONF: no tests/guest/t-$name.sh"
		SUITES+=("$name")
		SUITE_ALL[$name]=$all
		# shellcheck disable=SC2016  # the literal text of suites.conf
		[ "$append" = - ] || SUITE_APPEND[$name]=${append//'$DKA_STRESS_SECONDS'/${DKA_STRESS_SECONDS:-6}}
		[ "$after" = - ] || COMPANIONS[$after]="${COMPANIONS[$after]:+${COMPANIONS[$after]} }$name"
	done <"$SUITES_CONF"
	for f in "$TESTS_DIR"/guest/t-*.sh; do
		f=$(basename "$f" .sh)
		[ -n "${SUITE_ALL[${f#t-}]:-}" ] || die "tests/guest/$f.sh has no line in $SUITES_CONF"
	done
}
read_suites

# suite_append LIST: the command-line arguments the suites of LIST need.
suite_append() {
	local t out=""
	for t in ${1//,/ }; do
		[ -n "${SUITE_APPEND[$t]:-}" ] && out="$out ${SUITE_APPEND[$t]}"
	done
	echo "$out"
}

# Suites for "all": the ones suites.conf marks so, in its order.
all_suites() {
	local t out=()
	for t in "${SUITES[@]}"; do
		[ "${SUITE_ALL[$t]}" = yes ] && out+=("$t")
	done
	local IFS=,
	echo "${out[*]}"
}

LOG_DIR="$DKA_CACHE/logs/$(date +%Y%m%d-%H%M%S)-$$"
mkdir -p "$LOG_DIR"
BAD_LOGS=()

# harness_check KERNEL NAME ok|WHY: one of the harness's own checks
harness_check() { ktap_result "[$1] $2" "$3"; }

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
# results (KTAP's counters), and check the run as a whole.
boot_and_parse() {
	local name=$1 driver=$2 initrd=$3 tests=$4 append=$5 log=$6
	local rc=0 t0 end bad args node=1
	t0=$(date +%s)
	args="dka.driver=$driver dka.tests=$tests$(suite_append "$tests")${K_APPEND[$name]:+ ${K_APPEND[$name]}}$append"
	# dax0.0's node: 1, or 0 with NUMA off (as boot.sh checks it)
	[[ " $args " == *" numa=off "* ]] && node=0
	"$HARNESS_DIR/boot.sh" "$name" --initrd "$initrd" --log "$log" \
		--timeout $((TIMEOUT * ${K_SLOW[$name]:-1})) --append "$args" || rc=$?
	BOOT_SECS=$(($(date +%s) - t0))
	# the guest's KTAP result lines, numbered on from ours
	ktap_relay "[$name] " < <(tr -d '\r' <"$log")
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
	if [ "$KTAP_RELAYED" = 0 ] && [ -n "$tests" ] && [ "$tests" != none ]; then
		harness_check "$name" "vm-tests-ran[$tests]" "no result lines"
	fi
}

# run_kernel NAME DRIVER TESTS: fetch, build, pack, boot (+ companions).
run_kernel() {
	local name=$1 driver=$2 tests=$3 t0 t1 t2 t3 klog initrd log logs boots t c kver
	local p0=$KTAP_PASS f0=$KTAP_FAIL s0=$KTAP_SKIP
	local -a loga
	[ -n "${K_RESOLVE[$name]:-}" ] || die "unknown kernel '$name' (known: ${KERNEL_NAMES[*]})"
	[ "$tests" = all ] && tests=$(all_suites)
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
			tail -n 20 "$klog" | sed "s/^/# [$name] build: /"
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
	K_PASS=$((KTAP_PASS - p0)) K_FAIL=$((KTAP_FAIL - f0)) K_SKIP=$((KTAP_SKIP - s0))
	t=""
	[ "$K_SKIP" = 0 ] || t=", $K_SKIP skipped"
	echo "# [$name] $kver $driver: $K_PASS passed, $K_FAIL failed$t" \
		"(fetch $((t1 - t0))s, build $((t2 - t1))s, initramfs $((t3 - t2))s," \
		"boots ${boots:-0}s, total $(($(date +%s) - t0))s)"
	# the summary table's row: kernel KVER driver passed failed fetch build boots total
	K_ROW="$name ${kver:-?} $driver $K_PASS $K_FAIL $((t1 - t0)) $((t2 - t1)) $((${boots:-0})) $(($(date +%s) - t0))"
	if [ "$K_FAIL" -gt 0 ]; then
		read -r -a loga <<<"$logs"
		BAD_LOGS+=("${loga[@]}")
	fi
	ROWS+=("$K_ROW")
}

# A job runs run_kernel in a subshell with its output in a file; its counts,
# summary row and failed logs come back through a second file (its result
# lines are numbered again as they are printed).
declare -a JOB_PIDS=() JOB_FILES=()
ROWS=()
start_job() {
	local f="$LOG_DIR/job-${#JOB_FILES[@]}"
	(
		KTAP_PASS=0 KTAP_FAIL=0 KTAP_SKIP=0 BAD_LOGS=() ROWS=()
		run_kernel "$@" >"$f.out" 2>&1
		{
			echo "$KTAP_PASS $KTAP_FAIL $KTAP_SKIP"
			echo "$K_ROW"
			printf '%s\n' "${BAD_LOGS[@]}"
		} >"$f.res"
	) &
	JOB_PIDS+=($!)
	JOB_FILES+=("$f")
}
# finish_job I: wait for job I, print its output, add its results.
finish_job() {
	local f=${JOB_FILES[$1]} p q s l
	wait "${JOB_PIDS[$1]}" || true
	ktap_renumber <"$f.out"
	if [ ! -s "$f.res" ]; then
		ktap_fail "job $1" "died (see $f.out)"
		return
	fi
	{
		read -r p q s
		read -r l
		ROWS+=("$l")
		while read -r l; do [ -n "$l" ] && BAD_LOGS+=("$l"); done
	} <"$f.res"
	KTAP_PASS=$((KTAP_PASS + p))
	KTAP_FAIL=$((KTAP_FAIL + q))
	KTAP_SKIP=$((KTAP_SKIP + s))
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
	echo "# summary ($(($(date +%s) - T_START)) s in all, $JOBS at a time):"
	printf '#   %-9s %-22s %-16s %6s %6s %6s %6s %6s %6s\n' kernel release driver passed failed fetch build boots total
	for r in "${ROWS[@]}"; do
		# shellcheck disable=SC2086
		printf '#   %-9s %-22s %-16s %6s %6s %5ss %5ss %5ss %5ss\n' $r
	done
}

T_START=$(date +%s)
ktap_header
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
	echo "# logs of failed runs:"
	printf '#   %s\n' "${BAD_LOGS[@]}"
fi
ktap_totals

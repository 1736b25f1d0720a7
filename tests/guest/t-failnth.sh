#!/bin/sh
# Not in "all" (tests/guest/suites.conf): needs a kernel with CONFIG_FAULT_INJECTION, the debug
# kernel 6.1-debug, and hours of its boot: DKA_FLAVOR=failnth tests/run.sh
# --kernel 6.1-debug --tests failnth
#
# Systematic fault injection (fail-nth), our module only.  For each
# operation, for N = 1, 2, 3, ...: the precondition is set up and
# snapshotted (driver, state, drift, the blocks' states and zones, the
# device's /proc/iomem lines, MemTotal), the operation's one write(2) is
# done with the N-th fault-injection point of the writing task failed
# (sysfs-write -f N: /proc/thread-self/fail-nth; failslab and
# fail_page_alloc count every allocation of the task, GFP_KERNEL and
# order 0 included), and the invariant checked: the operation succeeded
# (the state asked for, every block in it), or nothing changed (the
# snapshot again); only where the README says so something else (a bind
# whose online fails stays bound with the memory offline, state offline).
# Always: state agrees with the blocks, drift reads 0, and no oops,
# WARNING, BUG, KASAN, lockdep, ODEBUG or hung-task report in the kernel
# log.  The sweep ends at the first N that is not injected (the operation
# has fewer points than N), which must succeed; FN_CAP (dka.failnth_cap=,
# default 1000) is a failure.  After each operation's sweep, kmemleak:
# no new report.
#
# What fail-nth does not reach: the online itself and its rollback run in
# a kernel thread of the module (dka-online/daxX.Y: the writer's signals do
# not reach it, nor does its fail-nth), so a state write or bind that
# onlines is swept up to the thread's start; allocations by kthreadd, by
# workqueues and in interrupts are not the writer's either.
#
# Device: dax0.0 in two ranges of one 128 MiB block each (dax0.1 between
# them), so that the per-range paths are swept (the second range failing
# after the first was added) at a size the debug kernel under TCG sweeps
# in hours; the per-block code is the same for 2 blocks as for 16.
# dax0.1 stays bound to us with its memory added (offline) throughout: x86's
# phys_pud_init() (arch/x86/mm/init_64.c, 6.1 and 7.3 alike) does not check
# the GFP_ATOMIC page-table page it allocates when hotplugged memory is the
# first in its GiB of the direct map, and a failure there is a NULL
# dereference in phys_pmd_init() (seen here at the 4th point of an online:
# a kernel bug, not the module's, that any hotplug of such memory can
# meet); with dax0.1's memory mapped that page table stays, and no add of
# dax0.0 allocates it.
#
# Result lines: one check per operation; the figures in a line
# "@@DKA-INFO failnth OP: ..." (N reached, faults injected, outcomes,
# violations), each violation in "@@DKA-INFO failnth OP N=n: ..." lines with
# the snapshot's difference and the kernel log lines of that write.
# Sourced by /init with lib.sh.

FN_CAP=1000
FN_OPS=""
for w in $(cat /proc/cmdline); do
	case "$w" in
	dka.failnth_cap=*) FN_CAP=${w#dka.failnth_cap=} ;;
	dka.failnth_ops=*) FN_OPS=$(echo "${w#dka.failnth_ops=}" | tr ',' ' ') ;;
	esac
done
FN_NTH=/proc/thread-self/fail-nth
FN_DBG=/sys/kernel/debug
FN_DEV=dax0.0
FN_D=$DAXBUS/devices/$FN_DEV
FN_KMSG=/tmp/fn-kmsg
FN_TOTAL_VIOL=0

# ---- set-up --------------------------------------------------------------

# fn_faults_on: fail-nth needs a kernel with fault injection; failslab and
# fail_page_alloc then count and fail the writing task's allocations only
# (fail-nth is per task; probability 0: nothing else is ever failed).
# Their per-capability filters take precedence over fail-nth, so every
# allocation is made a candidate: those that may sleep (ignore-gfp-wait N),
# highmem ones and order 0 (min-order 0). verbose 1: one "FAULT_INJECTION:
# forcing a failure" line per fault (not for __GFP_NOWARN ones), without
# the stack dump of verbose 2 (a "Call Trace" fails the harness's log check).
fn_faults_on() {
	local a
	[ -e "$FN_NTH" ] ||
		why "no $FN_NTH: kernel $(uname -r) has no CONFIG_FAULT_INJECTION; boot the debug kernel (tests/debug-kernel.sh: --kernel 6.1-debug)" ||
		return 1
	for a in failslab fail_page_alloc; do
		[ -d "$FN_DBG/$a" ] ||
			why "no $FN_DBG/$a: kernel $(uname -r) lacks CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC or CONFIG_FAULT_INJECTION_DEBUG_FS" ||
			return 1
		echo 0 >"$FN_DBG/$a/probability" &&
			echo N >"$FN_DBG/$a/task-filter" &&
			echo 1 >"$FN_DBG/$a/verbose" &&
			echo N >"$FN_DBG/$a/ignore-gfp-wait" ||
			why "cannot configure $FN_DBG/$a" || return 1
	done
	echo N >"$FN_DBG/failslab/cache-filter" &&
		echo N >"$FN_DBG/fail_page_alloc/ignore-gfp-highmem" &&
		echo 0 >"$FN_DBG/fail_page_alloc/min-order" ||
		why "cannot configure the filters of failslab and fail_page_alloc" || return 1
	info "failnth: failslab and fail_page_alloc: probability 0, task-filter N, verbose 1, ignore-gfp-wait N, cache-filter N, ignore-gfp-highmem N, min-order 0; cap N=$FN_CAP"
}

# fn_layout: dax0.0 in two ranges of one block each, dax0.1 between them;
# the MemTotal of the device unplugged (FN_BASE) and its size in kB.
fn_layout() {
	set_policy offline
	dax_split $FN_DEV "$BLOCK_SIZE" "$BLOCK_SIZE" $((2 * BLOCK_SIZE)) || return 1
	at_n=$SPLIT_NEW
	expect_eq "blocks of $FN_DEV" "$(nblocks_of $FN_DEV)" 2 || return 1
	# dax0.1 added (bound to us, offline) for the whole run: the direct
	# map of this GiB keeps its page table (see the header)
	FN_GAP=$at_n
	fresh_bind "$FN_GAP" offline && state_is "$FN_GAP" offline ||
		{ why "$FN_GAP (between the ranges) could not be bound offline: $DKA_WHY"; return 1; }
	FN_BASE=$(memtotal_kb)
	FN_KB=$((2 * BLOCK_SIZE / 1024))
	FN_BLOCKS=$(blocks_of $FN_DEV | tr '\n' ' ')
	# the ranges ("start-end", decimal) and their /proc/iomem lines
	# while added: our reservation and the kernel's child below it
	FN_RANGES="" FN_IO_ADDED=""
	while read -r at_s at_e; do
		FN_RANGES="${FN_RANGES:+$FN_RANGES }$at_s-$at_e"
		at_r=$(printf '%08x-%08x' "$at_s" "$at_e")
		FN_IO_ADDED="${FN_IO_ADDED:+$FN_IO_ADDED;}$at_r : $FN_DEV;$at_r : System RAM (kmem)"
	done <<EOT
$(dax_ranges $FN_DEV)
EOT
	info "failnth: $FN_DEV: ranges $FN_RANGES, blocks $FN_BLOCKS(between them $FN_GAP, bound offline), MemTotal unplugged $FN_BASE kB, iomem once added: $FN_IO_ADDED"
}

# ---- reading the device, with shell builtins only -------------------------
# (each fork costs much under TCG on the debug kernel, and a sweep reads
# the device a few thousand times; lib.sh's helpers fork for each field)


# fn_snap: the device now, in SN_DRV, SN_STATE, SN_DRIFT (when ours),
# SN_BLOCKS ("32:online 34:online"), SN_BSUM and SN_ZONES (the distinct
# block states, and zones of the online ones), SN_IO (its /proc/iomem
# lines, as iomem_of), SN_MEM (MemTotal, kB); SN_ALL: all of them
fn_snap() {
	local _b _st _z _line _r _name _a _e _s _k _v _rest
	SN_DRV="" SN_STATE="" SN_DRIFT="" SN_BLOCKS="" SN_BSUM="" SN_ZONES="" SN_IO="" SN_MEM=""
	if [ -e "$DAXBUS/drivers/$DRV/$FN_DEV" ]; then
		SN_DRV=$DRV
		read -r SN_STATE <"$FN_D/state" || SN_STATE="<unreadable>"
		read -r SN_DRIFT <"$FN_D/drift" || SN_DRIFT="<unreadable>"
	elif [ -e "$FN_D/driver" ]; then
		SN_DRV=other
	fi
	for _b in $FN_BLOCKS; do
		_st=absent
		if [ -e "$MEMSYS/memory$_b/state" ]; then
			read -r _st <"$MEMSYS/memory$_b/state" || _st="<unreadable>"
		fi
		SN_BLOCKS="${SN_BLOCKS:+$SN_BLOCKS }$_b:$_st"
		case ",$SN_BSUM," in *",$_st,"*) ;; *) SN_BSUM="${SN_BSUM:+$SN_BSUM,}$_st" ;; esac
		[ "$_st" = online ] || continue
		read -r _z <"$MEMSYS/memory$_b/valid_zones" || _z="<unreadable>"
		case ",$SN_ZONES," in *",$_z,"*) ;; *) SN_ZONES="${SN_ZONES:+$SN_ZONES,}$_z" ;; esac
	done
	# the lines inside the device's ranges, but the enclosing hmem ones
	while IFS= read -r _line; do
		_line=${_line#"${_line%%[! ]*}"}
		_r=${_line%% : *}
		_name=${_line#* : }
		case "$_name" in "Soft Reserved" | hmem*) continue ;; esac
		_a=$((0x${_r%-*}))
		_e=$((0x${_r#*-}))
		for _s in $FN_RANGES; do
			if [ "$_a" -ge "${_s%-*}" ] && [ "$_e" -le "${_s#*-}" ]; then
				SN_IO="${SN_IO:+$SN_IO;}$_line"
				break
			fi
		done
	done </proc/iomem
	while read -r _k _v _rest; do
		[ "$_k" = MemTotal: ] && { SN_MEM=$_v; break; }
	done </proc/meminfo
	SN_ALL="driver=$SN_DRV state=$SN_STATE drift=$SN_DRIFT blocks=$SN_BLOCKS zones=$SN_ZONES iomem=$SN_IO MemTotal=$SN_MEM"
}

# ---- preconditions (each from whatever state the last write left) -------

fn_forget() { echo $FN_DEV >"$DAXBUS/drivers/$DRV/remove_id" 2>/dev/null || true; }

# unbound, not in our driver's id list (new_id then adds it: swept too)
fn_pre_unbound() {
	if [ -e "$FN_D/driver" ]; then
		dax_release $FN_DEV || { why "$FN_DEV cannot be released from $(dax_driver $FN_DEV)"; return 1; }
	fi
	fn_forget
	[ ! -e "$FN_D/driver" ] || why "$FN_DEV still bound to $(dax_driver $FN_DEV)"
}

# fn_state_now: FN_ST, the state attribute when ours is bound, else ""
fn_state_now() {
	FN_ST=""
	[ -e "$DAXBUS/drivers/$DRV/$FN_DEV" ] && read -r FN_ST <"$FN_D/state"
	return 0
}

# bound to us (by a bind with policy offline when it is not), state offline
fn_pre_offline() {
	fn_state_now
	[ "$FN_ST" = offline ] && return 0
	fn_pre_unbound || return 1
	fresh_bind $FN_DEV offline || { why "bind of $FN_DEV (policy offline) failed"; return 1; }
	state_is $FN_DEV offline
}

fn_pre_unplugged() {
	fn_state_now
	[ "$FN_ST" = unplugged ] && return 0
	if [ -z "$FN_ST" ]; then
		fn_pre_unbound || return 1
		fresh_bind $FN_DEV offline || { why "bind of $FN_DEV (policy offline) failed"; return 1; }
	fi
	set_state $FN_DEV unplugged ||
		{ why "$FN_DEV: unplugged refused from $(dax_state $FN_DEV)"; return 1; }
	state_is $FN_DEV unplugged
}

# fn_pre_online TYPE
fn_pre_online() {
	fn_state_now
	[ "$FN_ST" = "$1" ] && return 0
	fn_pre_unplugged || return 1
	set_state $FN_DEV "$1" || { why "$FN_DEV: $1 refused from unplugged"; return 1; }
	state_is $FN_DEV "$1"
}

# ---- invariants (on the last fn_snap) --------------------------------------

# fn_shape_is STATE: the device is whole in STATE (unbound: no driver and
# nothing added), drift 0, its iomem lines and MemTotal those of STATE
fn_shape_is() {
	local _drv="$DRV" _blk _zone="" _mem=$((FN_BASE + FN_KB)) _io="$FN_IO_ADDED"
	case "$1" in
	unbound) _drv="" _blk=absent _mem=$FN_BASE _io="" ;;
	unplugged) _blk=absent _mem=$FN_BASE _io="" ;;
	offline) _blk=offline _mem=$FN_BASE ;;
	online) _blk=online ;;
	online_kernel) _blk=online _zone=Normal ;;
	online_movable) _blk=online _zone=Movable ;;
	esac
	[ "$SN_DRV" = "$_drv" ] || { why "driver '$SN_DRV', want '$_drv'"; return 1; }
	if [ -n "$_drv" ]; then
		[ "$SN_STATE" = "$1" ] || { why "state $SN_STATE, want $1"; return 1; }
		[ "$SN_DRIFT" = 0 ] || { why "drift $SN_DRIFT"; return 1; }
	fi
	[ "$SN_BSUM" = "$_blk" ] || { why "blocks $SN_BSUM, want $_blk"; return 1; }
	[ -z "$_zone" ] || [ "$SN_ZONES" = "$_zone" ] || { why "zones $SN_ZONES, want $_zone"; return 1; }
	[ "$SN_IO" = "$_io" ] || { why "iomem '$SN_IO', want '$_io'"; return 1; }
	[ "$SN_MEM" = "$_mem" ] || why "MemTotal $SN_MEM kB, want $_mem"
}

# fn_agrees: state (when bound) is what the blocks are (every block in
# it, in its zone), drift 0
fn_agrees() {
	local _st="${SN_STATE:-unbound}" _w _wz
	case "$_st" in
	unbound | unplugged) _w=absent _wz="" ;;
	offline) _w=offline _wz="" ;;
	online) _w=online _wz=$SN_ZONES ;;
	online_kernel) _w=online _wz=Normal ;;
	online_movable) _w=online _wz=Movable ;;
	*) why "state reads '$_st'"; return 1 ;;
	esac
	[ "$SN_BSUM" = "$_w" ] || { why "state $_st, blocks $SN_BSUM"; return 1; }
	[ "$SN_ZONES" = "$_wz" ] || { why "state $_st, zones $SN_ZONES"; return 1; }
	[ "$_st" = unbound ] || [ "$SN_DRIFT" = 0 ] || why "drift reads $SN_DRIFT"
}

# ---- the kernel log ------------------------------------------------------
# A reader of /dev/kmsg copies the log to FN_KMSG (no dmesg of the whole
# 8 MB buffer per write); its records are "prio,seq,time,-;text", with the
# device's properties on continuation lines (" SUBSYSTEM=dax").

fn_log_size() { wc -c <$FN_KMSG; }
# fn_log_from OFFSET: the messages since byte OFFSET of FN_KMSG, text only
fn_log_from() { tail -c +$(($1 + 1)) $FN_KMSG | grep -v '^ ' | sed 's/^[^;]*;//'; }
# fn_log_sync TAG: a line "dka-failnth: TAG" in the kernel log, and wait
# (up to 10 s) until the reader copied it: every line before it is in FN_KMSG
fn_log_sync() {
	local _i=0
	echo "dka-failnth: $1" >/dev/kmsg
	while ! tail -c 2048 $FN_KMSG | grep -q "dka-failnth: $1\$" && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}
# What no write may cause, injected or not: an oops, WARNING, BUG (KASAN,
# sleeping in atomic), lockdep, ODEBUG, hung-task or kmemleak report.
# (Report headers only: a stack line like "lockdep_hardirqs_on_prepare" or
# "kasan_save_stack" is no report; KASAN's are "BUG: KASAN:", lockdep's
# "WARNING: possible circular locking dependency detected" and the like.)
FN_BAD_RE='WARNING:|BUG:|Oops|general protection|kernel BUG|ODEBUG:|UBSAN:|blocked for more than|soft lockup|unreferenced object'
# A stack dump ("Call Trace") with none of those is the kernel's report of
# a failed allocation, warn_alloc(): "page allocation failure", "vmalloc
# error", "vmemmap alloc failure", for an allocation without __GFP_NOWARN;
# the injected fault itself, not a violation. Counted and named in the
# figures. (run.sh's BAD_LOG_RE fails the boot on any "Call Trace": see
# tests/README.md.)
FN_ALLOC_RE='page allocation failure|alloc failure|allocation failure|vmalloc error'
# x86's add_pages() (arch/x86/mm/init_64.c, 6.1 and 7.3 alike) warns with
# WARN_ON_ONCE() whenever __add_pages() fails, so the first injected
# failure inside a memory add prints a WARNING: the kernel's report of that
# fault, like warn_alloc()'s, when the write failed and changed nothing
# (seen on 7.3-debug at the 7th point of an online_movable). Counted with
# the allocation-failure reports when the write failed cleanly (a bind's
# new_id returns OK even then: nothing bound is its failure); anywhere else
# it is a violation.
FN_ADDWARN_RE='WARNING: .*arch/x86/mm/init_64\.c:[0-9]+ (at )?add_pages\+'

# ---- one sweep -----------------------------------------------------------

# fn_sweep OP PRE PATH VALUE WANT [POLICY]: for N = 1, 2, ...: PRE (a
# function, with its argument: "fn_pre_online online_movable"), then the
# write of VALUE to PATH with the N-th fault injected (auto_online_blocks
# at POLICY meanwhile, when given); WANT is the state (or "unbound") the
# write must reach when it succeeds.  Outcomes of an injected write: done
# (as if no fault: the kernel got over it), a clean error (nothing
# changed), or, for a bind whose online failed, bound offline (README);
# anything else is a violation, as is any bad line in the kernel log
# (from the precondition on) or an operation that fails with no fault.
fn_sweep() {
	local op="$1" pre="$2" path="$3" value="$4" want="$5" pol="${6:-}"
	local n=0 inj=0 done_=0 clean=0 doc=0 viol=0 allocw=0 res rest off t0 t1 bad addw what stop="" before
	FN_RESULTS=""
	FN_FINAL=""
	t0=$(cut -d' ' -f1 /proc/uptime)
	while :; do
		n=$((n + 1))
		if [ $n -gt "$FN_CAP" ]; then
			stop="still injected at N=$FN_CAP (dka.failnth_cap=): the sweep did not end"
			viol=$((viol + 1))
			break
		fi
		# this round's kernel log: from here to its end marker
		off=$(fn_log_size)
		DKA_WHY=""
		if ! $pre; then
			stop="N=$n: precondition not reached: $DKA_WHY"
			viol=$((viol + 1))
			break
		fi
		fn_snap
		before=$SN_ALL
		DKA_WHY=""
		if ! fn_agrees; then
			stop="N=$n: the precondition does not hold: $DKA_WHY ($SN_ALL)"
			viol=$((viol + 1))
			break
		fi
		[ -n "$pol" ] && set_policy "$pol"
		sysfs-write -f $n "$path" "$value" >/tmp/fn-res 2>&1
		[ -n "$pol" ] && set_policy offline
		fn_snap
		read -r res </tmp/fn-res
		fn_log_sync "$op N=$n"
		rest=${res##* }
		res=${res% *}
		case "$rest" in
		injected)
			inj=$((inj + 1))
			FN_RESULTS="$FN_RESULTS $res"
			;;
		not-injected) FN_FINAL=$res ;;
		*)
			stop="N=$n: sysfs-write -f: $(cat /tmp/fn-res)"
			viol=$((viol + 1))
			break
			;;
		esac
		what=""
		cleanly=0
		DKA_WHY=""
		if fn_shape_is "$want"; then
			case "$res" in
			OK) [ "$rest" = injected ] && done_=$((done_ + 1)) ;;
			*) what="the write returned $res, but $op was done" ;;
			esac
		elif [ "$rest" = not-injected ]; then
			what="no fault was injected, yet $op was not done ($DKA_WHY): $res"
		elif [ "$SN_ALL" = "$before" ]; then
			case "$res" in
			OK)
				# new_id does not return a probe's error
				# (driver_attach() drops it): nothing bound is
				# that bind's clean failure
				case "$op" in
				bind-*) clean=$((clean + 1)) cleanly=1 ;;
				*) what="the write returned OK, but nothing changed" ;;
				esac
				;;
			*) clean=$((clean + 1)) cleanly=1 ;;
			esac
		elif [ "$op" = bind-online_movable ] && [ "$res" = OK ] &&
			fn_shape_is offline &&
			fn_log_from "$off" | grep -q "$FN_DEV: could not online every block as online_movable: leaving the memory offline"; then
			# README: a probe whose online fails stays bound, offline
			doc=$((doc + 1))
		else
			what="the write returned $res; neither done (${DKA_WHY}) nor nothing changed: before: $before; after: $SN_ALL"
		fi
		DKA_WHY=""
		if [ -z "$what" ] && ! fn_agrees; then
			what="state and blocks disagree after the write ($res): $DKA_WHY ($SN_ALL)"
		fi
		fn_log_from "$off" | grep -v '^dka-failnth: \|^FAULT_INJECTION: forcing a failure' >/tmp/fn-log
		bad=$(grep -E "$FN_BAD_RE" /tmp/fn-log)
		addw=$(echo "$bad" | grep -E "$FN_ADDWARN_RE" | head -n 1)
		if [ -n "$addw" ] && [ -z "$what" ] && [ "$cleanly" = 1 ] && [ "$rest" = injected ] &&
			[ -z "$(echo "$bad" | grep -vE "$FN_ADDWARN_RE")" ]; then
			allocw=$((allocw + 1))
			info "failnth $op N=$n: allocation-failure report ($res): the memory add's own warning: $addw"
			bad=""
		elif [ -n "$bad" ]; then
			what="${what:+$what; }kernel log: $(echo "$bad" | head -n 3 | tr '\n' ';')"
		elif grep -q 'Call Trace' /tmp/fn-log; then
			bad=$(grep -E "$FN_ALLOC_RE" /tmp/fn-log | head -n 1)
			if [ -n "$bad" ]; then
				allocw=$((allocw + 1))
				info "failnth $op N=$n: allocation-failure report ($res): $bad"
			else
				what="${what:+$what; }kernel log: a stack dump (Call Trace) of unknown cause"
			fi
		fi
		if [ -n "$what" ]; then
			viol=$((viol + 1))
			info "failnth $op N=$n: VIOLATION ($rest): $what"
			# the log from a few lines before the first report, else its end
			if [ -n "$bad" ]; then
				grep -E -m 1 -B 6 -A 60 "$FN_BAD_RE|Call Trace" /tmp/fn-log
			else
				tail -n 60 /tmp/fn-log
			fi | sed "s/^/@@DKA-INFO failnth $op N=$n: log: /"
		fi
		[ "$rest" = not-injected ] && break
		# progress, every 25 rounds
		[ $((n % 25)) = 0 ] && info "failnth $op: N=$n, $inj injected, $done_ done anyway, $clean clean, $doc bound offline, $viol violation(s)"
	done
	t1=$(cut -d' ' -f1 /proc/uptime)
	FN_TOTAL_VIOL=$((FN_TOTAL_VIOL + viol))
	FN_LINE="$op: N reached $n ($([ -n "$FN_FINAL" ] && echo "not injected: $FN_FINAL" || echo "not ended")), $inj fault(s) injected: $done_ done anyway, $clean clean error(s)$([ "$doc" -gt 0 ] && echo ", $doc bound offline (online failed, documented)"); their results:$(echo "$FN_RESULTS" | tr ' ' '\n' | grep . | sort | uniq -c | awk '{printf " %s=%s", $2, $1}'); allocation-failure reports $allocw; violations $viol; $(echo "$t0 $t1" | awk '{printf "%.0f", $2 - $1}') s"
	info "failnth $FN_LINE"
	[ -z "$stop" ] || info "failnth $op: stopped: $stop"
	DKA_WHY=""
	[ "$viol" = 0 ] || why "$op: $viol violation(s)${stop:+, stopped: $stop} (@@DKA-INFO failnth $op lines)"
}

# fn_kmemleak OP: no new kmemleak report since the last one (two scans,
# objects older than 5 s); what it reports is printed and cleared, so the
# next operation counts its own
fn_kmemleak() {
	local k=/sys/kernel/debug/kmemleak n
	[ -w $k ] || { info "failnth: no kmemleak in this kernel"; return 0; }
	sleep 6
	echo scan >$k
	sleep 1
	echo scan >$k
	n=$(grep -c '^unreferenced object' $k)
	info "failnth $1: kmemleak: $n new report(s)"
	[ "$n" = 0 ] && return 0
	sed "s/^/@@DKA-KMEMLEAK failnth $1: /" $k
	echo clear >$k
	why "kmemleak: $n suspected leak(s) after the $1 sweep (@@DKA-KMEMLEAK lines)"
}

# fn_op OP PRE PATH VALUE WANT [POLICY]: the sweep, then kmemleak
fn_op() {
	local _rc=0 _why
	fn_sweep "$@" || _rc=1
	_why=$DKA_WHY
	DKA_WHY=""
	fn_kmemleak "$1" || _rc=1
	if [ -n "$_why" ] && [ -n "$DKA_WHY" ]; then
		DKA_WHY="$_why; $DKA_WHY"
	else
		DKA_WHY="$_why$DKA_WHY"
	fi
	return $_rc
}

# fn_run OP WHAT PRE PATH VALUE WANT [POLICY]: one check per operation
# (dka.failnth_ops=OP,...: only those)
fn_run() {
	local _op="$1" _what="$2"
	shift 2
	if [ -n "$FN_OPS" ] && ! echo " $FN_OPS " | grep -q " $_op "; then
		info "failnth $_op: not run (dka.failnth_ops=$(echo "$FN_OPS" | tr ' ' ','))"
		return 0
	fi
	check "failnth $_op: $_what: done or nothing changed, for every N" fn_op "$_op" "$@"
}

# ---- the sweeps ----------------------------------------------------------

# (check always returns 0: the failure count says whether the set-up held)
FN_FAILS=$DKA_FAIL
check "failnth: /proc/thread-self/fail-nth present, failslab and fail_page_alloc configured" fn_faults_on
[ "$DKA_FAIL" = "$FN_FAILS" ] &&
	check "failnth: $FN_DEV in two ranges of one block" fn_layout
if [ "$DKA_FAIL" = "$FN_FAILS" ]; then
	cat /dev/kmsg >$FN_KMSG &
	FN_KMSG_PID=$!
	S=$FN_D/state
	U=$DAXBUS/drivers/$DRV/unbind
	B=$DAXBUS/drivers/$DRV/new_id
	fn_log_sync start
	# The sweeps that cannot leave memory behind come first: an unbind or
	# a bind that goes wrong may leave the device unusable until reboot.
	fn_run online "state online from unplugged" fn_pre_unplugged "$S" online online
	fn_run online_kernel "state online_kernel from unplugged" fn_pre_unplugged "$S" online_kernel online_kernel
	fn_run online_movable "state online_movable from unplugged" fn_pre_unplugged "$S" online_movable online_movable
	fn_run unplug-movable "state unplugged from online_movable" "fn_pre_online online_movable" "$S" unplugged unplugged
	fn_run unplug-kernel "state unplugged from online_kernel" "fn_pre_online online_kernel" "$S" unplugged unplugged
	fn_run unbind-unplugged "unbind from unplugged" fn_pre_unplugged "$U" $FN_DEV unbound
	fn_run bind-offline "bind (new_id), auto_online_blocks offline" fn_pre_unbound "$B" $FN_DEV offline offline
	fn_run unbind-offline "unbind from offline" fn_pre_offline "$U" $FN_DEV unbound
	fn_run bind-online_movable "bind (new_id), auto_online_blocks online_movable (or bound offline when the online fails, documented)" \
		fn_pre_unbound "$B" $FN_DEV online_movable online_movable
	info "failnth: $FN_TOTAL_VIOL violation(s) in all"
	kill $FN_KMSG_PID 2>/dev/null
	# the devices unplugged and unbound for whatever runs next
	set_policy offline
	dax_release $FN_DEV || true
	dax_release "$FN_GAP" || true
	fn_forget
	echo "$FN_GAP" >"$DAXBUS/drivers/$DRV/remove_id" 2>/dev/null || true
	set_policy "$DKA_BOOT_POLICY"
fi

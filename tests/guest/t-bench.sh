#!/bin/sh
# Not in "all" (tests/guest/suites.conf): make bench: a benchmark, booted by tests/bench.sh in a big guest
#
# The benchmark: time, in the guest, what users wait on, for every contender on
# the same device layout in one boot:
#   ours    our state writes: bind (probe, policy offline), unplugged ->
#           online_movable / online_kernel / online and back, bind with the
#           policy online_movable (probe + online), unbind
#   kmem    the same on the in-kernel kmem where it has "state" (7.3)
#   shell   the legacy flow on kmem: bind, a shell loop writing
#           online_movable to every memoryN/state, a loop writing offline,
#           unbind (which removes the memory)
#   daxctl  daxctl reconfigure-device --mode=system-ram (bind + online
#           movable) and --mode=devdax --force (offline, unbind, device_dax)
# for dax0.0 of each size of dka.bench.sizes (GiB, one range) and of
# dka.bench.multi (GIBxRANGES: one device of that many ranges, with a
# 128 MiB device between them), dka.bench.reps times each, the contenders
# taking turns within each repetition.  Interference: while a transition of
# the dka.bench.interf GiB device runs, a loop offlines and onlines one
# block of another device (dax0.1, 1 GiB on kmem, online) and times each
# write.  Prints raw figures only:
#   @@BENCH kernel=K layout=L gib=S ranges=R blocks=N who=W op=OP rep=I ms=MS
#   @@BENCH-LAT kernel=K gib=S who=W op=OP rep=I ms= MS MS ...   (interference)
# With dka.bench.trace=GIB, last, one transition of each kind at GIB with
# ftrace's function_graph on the hotplug functions:
#   @@TRACE gib=S who=W op=OP fn=FUNCTION hits=N us=TOTAL
# tests/bench.sh turns them into the table and the plot.  A failed step
# prints "@@BENCH-ERR ..." and a FAIL line (the figures are then missing).
# Sourced by /init with lib.sh (dka_reset left dax0.0 whole and unbound).

B_SIZES=2,8,32
B_MULTI=8x4
B_REPS=5
B_INTERF=32
B_WHO=ours,ours_wr,kmem,shell,daxctl
B_TRACE=0
# shellcheck disable=SC2013  # words, not lines
for w in $(cat /proc/cmdline); do
	case "$w" in
	dka.bench.sizes=*) B_SIZES=${w#*=} ;;
	dka.bench.multi=*) B_MULTI=${w#*=} ;;
	dka.bench.reps=*) B_REPS=${w#*=} ;;
	dka.bench.interf=*) B_INTERF=${w#*=} ;;
	dka.bench.who=*) B_WHO=${w#*=} ;;
	dka.bench.trace=*) B_TRACE=${w#*=} ;;
	esac
done
B_KV=$(uname -r)
B_ST=$DAXBUS/devices/dax0.0/state
B_ERRS=0
B_LAYOUT="" B_GIB=0 B_RANGES=0 B_BLOCKS=0 B_REP=0
GIB=$((1 << 30))

wants() { case ",$B_WHO," in *",$1,"*) return 0 ;; esac; return 1; }

# ours_wr: our driver with the benchmark build's switch on (src/transition.c):
# a one-range device is unplugged by the kernel's offline_and_remove_memory()
# instead of block by block. Before 7.3 only (there ours calls the kernel's
# offline_and_remove_memory_ranges() anyway) and where the module has it.
B_WR=/sys/module/$DRV/parameters/bench_whole_range
wr_here() { [ -e "$B_WR" ] && [ -z "$B_KMEM_STATE" ] && [ "$B_RANGES" = 1 ]; }
# wr CMD...: CMD with the switch on
wr() {
	local _rc
	echo Y >"$B_WR" || { bench_err ours_wr switch "cannot write $B_WR"; return 1; }
	"$@"
	_rc=$?
	echo N >"$B_WR"
	return $_rc
}

bench_put() {
	echo "@@BENCH kernel=$B_KV layout=$B_LAYOUT gib=$B_GIB ranges=$B_RANGES blocks=$B_BLOCKS who=$1 op=$2 rep=$B_REP ms=$3"
}

bench_err() {
	B_ERRS=$((B_ERRS + 1))
	echo "@@BENCH-ERR layout=$B_LAYOUT gib=$B_GIB who=$1 op=$2 rep=$B_REP: $3"
}

# us_to_ms MICROSECONDS
us_to_ms() { printf '%d.%03d\n' $(($1 / 1000)) $(($1 % 1000)); }

# tw WHO OP PATH WORD: one write(2), timed by sysfs-write itself
tw() {
	local _o _ms
	_o=$(sysfs-write -t "$3" "$4")
	case "$_o" in
	"OK "*)
		_ms=${_o#OK }
		bench_put "$1" "$2" "${_ms% ms}"
		;;
	*)
		bench_err "$1" "$2" "write '$4' to $3: $_o"
		return 1
		;;
	esac
}

# tbind WHO OP DRIVER: bind dax0.0 to DRIVER, timed; through new_id when
# it is not on the driver's id list (daxctl's devdax mode takes it off
# kmem's): the probe then runs in that write
tbind() {
	local _o _ms
	_o=$(sysfs-write -t "$DAXBUS/drivers/$3/bind" dax0.0)
	case "$_o" in
	"OK "*)
		_ms=${_o#OK }
		bench_put "$1" "$2" "${_ms% ms}"
		;;
	ENODEV*) tw "$1" "$2" "$DAXBUS/drivers/$3/new_id" dax0.0 ;;
	*)
		bench_err "$1" "$2" "bind to $3: $_o"
		return 1
		;;
	esac
}

# state_expect WHO OP WANT
state_expect() {
	[ "$(dax_state dax0.0)" = "$3" ] || { bench_err "$1" "$2" "state $(dax_state dax0.0), want $3"; return 1; }
}

# blocks_expect WHO OP SUMMARY
blocks_expect() {
	[ "$(block_summary dax0.0)" = "$3" ] || { bench_err "$1" "$2" "blocks $(block_summary dax0.0), want $3"; return 1; }
}

# park DEV: a spacer device bound to device_dax, so that no driver_attach
# (new_id writes of daxctl, kmem's type matching on 6.12+) takes it
park() {
	echo "$1" >"$DAXBUS/drivers/device_dax/bind" 2>/dev/null ||
		echo "$1" >"$DAXBUS/drivers/device_dax/new_id" 2>/dev/null || true
}

# new_dev: create an empty device in dax0.0's region; prints its name
new_dev() {
	local _reg
	_reg=$(dax_region dax0.0)
	echo 1 >"$_reg/create" || return 1
	if [ -e "$_reg/youngest" ]; then cat "$_reg/youngest"; else cat "$_reg/seed"; fi
}

# release_all: every device of the region unbound without leaking memory,
# spacers deleted, dax0.0 empty
release_all() {
	local _o _rdir _reg
	_reg=$(dax_region dax0.0)
	_rdir=$(dirname "$_reg")
	for _o in "$_rdir"/dax*.*; do
		_o=$(basename "$_o")
		dax_release "$_o" || return 1
		[ "$(cat "$DAXBUS/devices/$_o/size")" = 0 ] || dax_resize "$_o" 0
		[ "$_o" = dax0.0 ] || [ "$(cat "$_reg/seed")" = "$_o" ] ||
			echo "$_o" >"$_reg/delete" 2>/dev/null || true
	done
}

# layout GIB RANGES: dax0.1 (1 GiB, the interference device, on kmem with
# its blocks online movable) at the start of the region, then dax0.0 of GIB
# in RANGES equal ranges with a 128 MiB device between them; dax0.0 unbound
layout() {
	local _r _sp _per
	set_policy offline
	release_all || return 1
	B_IDEV=$(new_dev) || return 1
	dax_resize "$B_IDEV" $GIB || return 1
	# bind by type (6.12+) or by id (before; dax0.0 is empty: not taken)
	echo "$B_IDEV" >"$DAXBUS/drivers/kmem/bind" 2>/dev/null ||
		echo "$B_IDEV" >"$DAXBUS/drivers/kmem/new_id" 2>/dev/null
	[ "$(dax_driver "$B_IDEV")" = kmem ] || { why "$B_IDEV not bound to kmem"; return 1; }
	for _r in $(blocks_of "$B_IDEV"); do
		echo online_movable >"$MEMSYS/memory$_r/state" || { why "memory$_r of $B_IDEV did not go online"; return 1; }
	done
	B_IBLK=$MEMSYS/memory$(blocks_of "$B_IDEV" | head -n 1)/state
	_per=$(($1 * GIB / $2))
	_r=1
	while :; do
		dax_resize dax0.0 $((_r * _per)) || return 1
		[ "$_r" -lt "$2" ] || break
		_sp=$(new_dev) || return 1
		dax_resize "$_sp" $((128 << 20)) || return 1
		park "$_sp"
		# (parking through device_dax's new_id, 6.12+, takes dax0.0 too
		# once daxctl put it on that list)
		dax_release dax0.0
		_r=$((_r + 1))
	done
	B_GIB=$1
	B_RANGES=$(dax_ranges dax0.0 | wc -l)
	B_BLOCKS=$(nblocks_of dax0.0)
	B_BLKS=$(blocks_of dax0.0 | tr '\n' ' ')
	[ "$B_RANGES" = "$2" ] || { why "dax0.0 has $B_RANGES ranges, want $2"; return 1; }
	[ "$B_BLOCKS" = $(($1 * 8)) ] || { why "dax0.0 has $B_BLOCKS blocks, want $(($1 * 8))"; return 1; }
	info "bench layout $B_LAYOUT: dax0.0 $(dax_ranges dax0.0 | tr '\n' ',') $B_BLOCKS blocks; $B_IDEV $(dax_ranges "$B_IDEV")"
}

# cycle_state WHO DRIVER: the state transitions through DRIVER's "state"
cycle_state() {
	local _w="$1" _d="$DAXBUS/drivers/$2" _t
	set_policy offline
	tbind "$_w" bind "$2" && state_expect "$_w" bind offline &&
		tw "$_w" unplug_from_offline "$B_ST" unplugged || return 1
	for _t in online_movable online_kernel online; do
		tw "$_w" "$_t" "$B_ST" $_t && state_expect "$_w" "$_t" $_t &&
			blocks_expect "$_w" "$_t" online &&
			tw "$_w" "unplug_from_$_t" "$B_ST" unplugged &&
			blocks_expect "$_w" "unplug_from_$_t" absent || return 1
	done
	tw "$_w" unbind_unplugged "$_d/unbind" dax0.0 || return 1
	set_policy online_movable
	tbind "$_w" bind_online "$2"
	_t=$?
	set_policy offline
	[ $_t = 0 ] && state_expect "$_w" bind_online online_movable &&
		tw "$_w" unplug "$B_ST" unplugged && tw "$_w" unbind "$_d/unbind" dax0.0
}

# loop_blocks WORD: write WORD to every block of dax0.0 from the shell
loop_blocks() {
	local _b
	for _b in $B_BLKS; do
		echo "$1" >"$MEMSYS/memory$_b/state" || return 1
	done
}

# timed WHO OP CMD...: time a command with the monotonic clock
timed() {
	local _w="$1" _op="$2" _t0 _t1 _rc
	shift 2
	_t0=$(monotime)
	"$@" >/tmp/bench.out 2>&1
	_rc=$?
	_t1=$(monotime)
	if [ $_rc = 0 ]; then
		bench_put "$_w" "$_op" "$(us_to_ms $((_t1 - _t0)))"
	else
		bench_err "$_w" "$_op" "$* failed: $(tail -n 3 /tmp/bench.out | tr '\n' '|')"
	fi
	return $_rc
}

# cycle_shell: what a script (or daxctl) does on kmem without "state"
cycle_shell() {
	set_policy offline
	tbind shell bind kmem &&
		timed shell online loop_blocks online_movable &&
		blocks_expect shell online online &&
		timed shell offline loop_blocks offline &&
		tw shell unbind "$DAXBUS/drivers/kmem/unbind" dax0.0 &&
		blocks_expect shell unbind absent
}

cycle_daxctl() {
	set_policy offline
	if [ "$B_RANGES" -gt 1 ]; then
		# daxctl 76 takes the device for one span from its first range,
		# as long as its size: the blocks past that (as many as the holes
		# between the ranges) stay offline (seen: 61 of 64 with 4 ranges
		# around 3 holes of 128 MiB); not timed, said once
		[ "$B_REP" = 1 ] || return 0
		daxctl reconfigure-device --mode=system-ram dax0.0 >/dev/null 2>&1
		info "bench: daxctl reconfigure-device --mode=system-ram on $B_RANGES ranges left blocks $(block_summary dax0.0) ($(block_states dax0.0 | grep -c ':online') of $B_BLOCKS online): not timed"
		daxctl reconfigure-device --mode=devdax --force dax0.0 >/dev/null 2>&1
		dax_release dax0.0
		return 0
	fi
	timed daxctl system_ram daxctl reconfigure-device --mode=system-ram dax0.0 &&
		blocks_expect daxctl system_ram online &&
		timed daxctl devdax daxctl reconfigure-device --mode=devdax --force dax0.0 &&
		blocks_expect daxctl devdax absent
	dax_release dax0.0
}

# ---- interference --------------------------------------------------------

# interf_loop STOP OUT: offline and online the block $B_IBLK until STOP exists
interf_loop() {
	while [ ! -e "$1" ]; do
		sysfs-write -t "$B_IBLK" offline >>"$2"
		sysfs-write -t "$B_IBLK" online_movable >>"$2"
	done
}

# interf WHO OP CMD...: run CMD (timed as WHO/OP) with the loop running beside
interf() {
	local _w="$1" _op="$2" _p
	shift 2
	rm -f /tmp/istop
	: >/tmp/ilat
	interf_loop /tmp/istop /tmp/ilat &
	_p=$!
	sleep 0.2
	: >/tmp/ilat
	"$@"
	touch /tmp/istop
	wait $_p
	echo "@@BENCH-LAT kernel=$B_KV gib=$B_GIB who=$_w op=$_op rep=$B_REP ms= $(
		sed -n 's/^[A-Z]* \([0-9.]*\) ms$/\1/p; s/^OK \([0-9.]*\) ms$/\1/p' /tmp/ilat | tr '\n' ' ')"
	grep -v '^OK ' /tmp/ilat | sort | uniq -c | sed 's/^/@@DKA-INFO interference errors: /'
}

# idle_lat: the loop alone, 20 pairs
idle_lat() {
	local _i=0
	: >/tmp/ilat
	while [ $_i -lt 20 ]; do
		sysfs-write -t "$B_IBLK" offline >>/tmp/ilat
		sysfs-write -t "$B_IBLK" online_movable >>/tmp/ilat
		_i=$((_i + 1))
	done
	echo "@@BENCH-LAT kernel=$B_KV gib=$B_GIB who=none op=idle rep=$B_REP ms= $(
		sed -n 's/^OK \([0-9.]*\) ms$/\1/p' /tmp/ilat | tr '\n' ' ')"
}

interf_state() {
	set_policy offline
	tbind "$1" bind "$2" && tw "$1" unplug_from_offline "$B_ST" unplugged &&
		interf "$1" online_movable tw "$1" i_online_movable "$B_ST" online_movable &&
		interf "$1" unplug tw "$1" i_unplug "$B_ST" unplugged &&
		tw "$1" unbind_unplugged "$DAXBUS/drivers/$2/unbind" dax0.0
}

interf_shell() {
	set_policy offline
	tbind shell bind kmem &&
		interf shell online timed shell i_online loop_blocks online_movable &&
		interf shell offline timed shell i_offline loop_blocks offline &&
		tw shell unbind "$DAXBUS/drivers/kmem/unbind" dax0.0
}

# ---- the run ---------------------------------------------------------------

bench_setup() {
	set_policy offline
	modprobe kmem || { why "modprobe kmem failed"; return 1; }
	release_all || return 1
	# dax0.0 on each driver's id list (empty: nothing binds now), so that
	# the timed writes are plain "bind"s
	echo dax0.0 >"$DAXBUS/drivers/$DRV/new_id" 2>/dev/null
	echo dax0.0 >"$DAXBUS/drivers/kmem/new_id" 2>/dev/null
	B_KMEM_STATE=""
	info "bench: sizes=$B_SIZES multi=$B_MULTI reps=$B_REPS interf=$B_INTERF who=$B_WHO block_size=$BLOCK_SIZE MemTotal=$(memtotal_kb) kB"
	return 0
}

# kmem_has_state: does the in-kernel kmem have 7.3's attribute? (one bind)
kmem_has_state() {
	set_policy offline
	echo dax0.0 >"$DAXBUS/drivers/kmem/bind" 2>/dev/null
	[ -e "$B_ST" ] && B_KMEM_STATE=1
	dax_release dax0.0
	if [ -n "$B_KMEM_STATE" ]; then
		info "bench: the in-kernel kmem has a state attribute"
	else
		info "bench: the in-kernel kmem has no state attribute"
	fi
}

# bench_layout NAME GIB RANGES
bench_layout() {
	local _i
	B_LAYOUT=$1
	B_REP=0
	layout "$2" "$3" || { bench_err layout setup "${DKA_WHY:-failed}"; return 1; }
	[ -n "$B_KMEM_STATE$B_CHECKED" ] || { kmem_has_state; B_CHECKED=1; }
	_i=1
	while [ $_i -le "$B_REPS" ]; do
		B_REP=$_i
		info "bench $B_LAYOUT rep $_i at $(cut -d' ' -f1 /proc/uptime) s"
		if wants ours; then cycle_state ours "$DRV" || dax_release dax0.0; fi
		if wants ours_wr && wr_here; then wr cycle_state ours_wr "$DRV" || dax_release dax0.0; fi
		if wants kmem && [ -n "$B_KMEM_STATE" ]; then cycle_state kmem kmem || dax_release dax0.0; fi
		if wants shell; then cycle_shell || dax_release dax0.0; fi
		if wants daxctl; then cycle_daxctl; fi
		_i=$((_i + 1))
	done
}

bench_interference() {
	local _i
	B_LAYOUT=interf
	B_REP=0
	layout "$1" 1 || { bench_err layout setup "${DKA_WHY:-failed}"; return 1; }
	_i=1
	while [ $_i -le "$B_REPS" ]; do
		B_REP=$_i
		info "bench interference rep $_i at $(cut -d' ' -f1 /proc/uptime) s"
		idle_lat
		if wants ours; then interf_state ours "$DRV" || dax_release dax0.0; fi
		if wants ours_wr && wr_here; then wr interf_state ours_wr "$DRV" || dax_release dax0.0; fi
		if wants kmem && [ -n "$B_KMEM_STATE" ]; then interf_state kmem kmem || dax_release dax0.0; fi
		if wants shell; then interf_shell || dax_release dax0.0; fi
		_i=$((_i + 1))
	done
}

# ---- the rollback of an unplug, block by block against the kernel's call ---

# rb_one WHO: dax0.0 online_kernel with a kernel page pinned in its last
# block: unplugged must fail with EBUSY after offlining every other block,
# and leave each of them online in its zone again (the rollback); timed
rb_one() {
	local _w=$1 _b _o
	set_policy offline
	tbind "$_w" bind "$DRV" && tw "$_w" unplug_from_offline "$B_ST" unplugged &&
		tw "$_w" online_kernel "$B_ST" online_kernel || return 1
	_b=$(blocks_of dax0.0 | tail -n 1)
	modprobe "$HELPER" mode=pin_kernel nid="$(dnode dax0.0)" pfn="$(first_pfn "$_b")" ||
		{ bench_err "$_w" rollback "the helper could not pin a page in memory$_b"; return 1; }
	_o=$(sysfs-write -t "$B_ST" unplugged)
	rmmod "$HELPER"
	case "$_o" in
	"EBUSY "*) info "bench rollback $_w rep $B_REP: $B_GIB GiB online_kernel, memory$_b pinned: unplugged EBUSY in ${_o#EBUSY }" ;;
	*) bench_err "$_w" rollback "unplugged with memory$_b pinned: $_o, want EBUSY"; return 1 ;;
	esac
	state_expect "$_w" rollback online_kernel || return 1
	blocks_are dax0.0 online Normal || { bench_err "$_w" rollback "after the rollback: ${DKA_WHY:-blocks wrong}"; return 1; }
	tw "$_w" unplug "$B_ST" unplugged && tw "$_w" unbind "$DAXBUS/drivers/$DRV/unbind" dax0.0
}

bench_rollback() {
	local _i
	B_LAYOUT=rollback
	B_REP=0
	layout "$1" 1 || { bench_err layout setup "${DKA_WHY:-failed}"; return 1; }
	_i=1
	while [ $_i -le "$B_REPS" ]; do
		B_REP=$_i
		rb_one ours || dax_release dax0.0
		wr rb_one ours_wr || dax_release dax0.0
		_i=$((_i + 1))
	done
}

# ---- where the time goes: ftrace's function profiler ----------------------

# Time per function (function_graph with set_ftrace_filter: only the
# functions below are patched, so the overhead stays small; Debian's
# kernels have no function profiler), per operation.
TR=/sys/kernel/tracing
TR_FUNCS="add_memory_driver_managed __add_memory_driver_managed add_memory_resource
arch_add_memory vmemmap_populate sparse_add_section create_memory_block_devices
walk_memory_blocks memory_subsys_online memory_block_online online_pages
move_pfn_range_to_zone memmap_init_range online_pages_range generic_online_page
zone_pcp_update build_all_zonelists init_per_zone_wmark_min shuffle_zone
kswapd_run kcompactd_run memory_notify undo_isolate_page_range
memory_subsys_offline memory_block_offline offline_pages start_isolate_page_range
scan_movable_pages do_migrate_range dissolve_free_hugetlb_folios
dissolve_free_huge_pages test_pages_isolated __offline_isolated_pages
lru_add_drain_all drain_all_pages zone_pcp_disable zone_pcp_enable
remove_pfn_range_from_zone remove_memory try_remove_memory arch_remove_memory
remove_memory_block_devices offline_and_remove_memory_ranges device_online
device_offline lock_device_hotplug_sysfs kobject_uevent_env msleep
dka_block_write dka_block_get dka_block_status dka_ranges_add dka_blocks_online
dka_blocks_offline dka_ranges_remove dka_ranges_unplug bus_find_device
kset_find_obj state_store synchronize_rcu"

trace_setup() {
	local _f
	[ -e $TR/current_tracer ] || mount -t tracefs tracefs $TR 2>/dev/null
	[ -e $TR/current_tracer ] || { why "no tracefs"; return 1; }
	echo 0 >$TR/tracing_on
	: >$TR/set_ftrace_filter
	# (a name the kernel does not have, e.g. inlined, is refused: skipped)
	for _f in $TR_FUNCS; do
		echo "$_f" >>$TR/set_ftrace_filter 2>/dev/null
	done
	echo 16384 >$TR/buffer_size_kb
	echo function_graph >$TR/current_tracer || { why "no function_graph tracer"; return 1; }
	echo 1 >$TR/options/funcgraph-tail 2>/dev/null
	info "trace: function_graph on $(wc -l <$TR/set_ftrace_filter) functions"
}

# traced WHO OP CMD...: run CMD with the tracer on; print the time per
# function (inclusive of the traced functions it calls) and call counts
traced() {
	local _w="$1" _op="$2"
	shift 2
	: >$TR/trace
	echo 1 >$TR/tracing_on
	"$@"
	echo 0 >$TR/tracing_on
	awk -v w="$_w" -v o="$_op" -v g="$B_GIB" '
	/^#/ { next }
	match($0, /[0-9]+(\.[0-9]+)? us/) {
		d = substr($0, RSTART, RLENGTH - 3)
		if (match($0, /\/\* [^ ]+ \*\//)) f = substr($0, RSTART + 3, RLENGTH - 6)
		else if (match($0, /[A-Za-z_0-9.]+\(\);/)) f = substr($0, RSTART, RLENGTH - 3)
		else next
		hits[f]++
		us[f] += d
	}
	/LOST|Overrun/ { print "@@DKA-INFO trace: " $0 }
	END {
		for (f in us) printf "@@TRACE gib=%s who=%s op=%s fn=%s hits=%d us=%.0f\n", g, w, o, f, hits[f], us[f]
	}' $TR/trace
}

bench_trace() {
	B_LAYOUT=trace
	B_REP=1
	layout "$1" 1 || { why "layout: ${DKA_WHY:-failed}"; return 1; }
	kmem_has_state
	trace_setup || return 1
	set_policy offline
	tbind ours bind "$DRV" && tw ours unplug_from_offline "$B_ST" unplugged &&
		traced ours online_movable tw ours online_movable "$B_ST" online_movable &&
		traced ours unplug tw ours unplug_from_online_movable "$B_ST" unplugged &&
		tw ours unbind_unplugged "$DAXBUS/drivers/$DRV/unbind" dax0.0 || return 1
	if [ -n "$B_KMEM_STATE" ]; then
		tbind kmem bind kmem && tw kmem unplug_from_offline "$B_ST" unplugged &&
			traced kmem online_movable tw kmem online_movable "$B_ST" online_movable &&
			traced kmem unplug tw kmem unplug_from_online_movable "$B_ST" unplugged &&
			tw kmem unbind_unplugged "$DAXBUS/drivers/kmem/unbind" dax0.0 || return 1
	fi
	traced shell bind tbind shell bind kmem &&
		traced shell online timed shell online loop_blocks online_movable &&
		traced shell offline timed shell offline loop_blocks offline &&
		traced shell unbind tw shell unbind "$DAXBUS/drivers/kmem/unbind" dax0.0
}

B_CHECKED=""
check "bench: setup (kmem loaded, dax0.0 on the id lists)" bench_setup
for B_S in $(echo "$B_SIZES" | tr ',' ' '); do
	bench_layout single "$B_S" 1
done
if [ "$B_MULTI" != none ]; then
	bench_layout "multi${B_MULTI#*x}" "${B_MULTI%x*}" "${B_MULTI#*x}"
fi
# (before 7.3, where the module has the switch: B_RANGES is 1 here)
B_RANGES=1
if wants ours_wr && wr_here; then bench_rollback "$(echo "$B_SIZES" | cut -d, -f1)"; fi
[ "$B_INTERF" = 0 ] || bench_interference "$B_INTERF"
# last: tracing slows what it traces
if [ "$B_TRACE" != 0 ]; then
	check "bench: ftrace profile of one transition of each kind at $B_TRACE GiB" bench_trace "$B_TRACE"
fi
release_all
bench_done() { [ "$B_ERRS" = 0 ] || why "$B_ERRS steps failed (@@BENCH-ERR lines)"; }
check "bench: every step ran" bench_done

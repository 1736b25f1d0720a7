#!/bin/sh
# Helpers for the guest test scripts (busybox sh). Sourced by /init.
# Results are KTAP (Documentation/dev-tools/ktap.rst): /init prints the
# "KTAP version 1" header, one result line per check, numbered from 1 over
# the whole boot ("ok N NAME", "not ok N NAME # why", "ok N NAME # SKIP why";
# further lines of a reason as "# ..." diagnostic lines before the result),
# then "# Totals: pass:X fail:Y skip:Z". The number of checks is only known at
# the end, so there is no plan line (KTAP allows none; a plan at the end is
# not KTAP).

DAXBUS=/sys/bus/dax
MEMSYS=/sys/devices/system/memory
BLOCK_SIZE=$((0x$(cat $MEMSYS/block_size_bytes)))
DKA_PASS=${DKA_PASS:-0}
DKA_FAIL=${DKA_FAIL:-0}
DKA_SKIP=${DKA_SKIP:-0}
DKA_NUM=${DKA_NUM:-0}
DKA_WHY=""

# ktap_line RESULT NAME [DIRECTIVE-AND-REASON]: the next numbered result line;
# a reason of several lines puts all but its first before it as diagnostics.
ktap_line() {
	local _first
	DKA_NUM=$((DKA_NUM + 1))
	if [ -z "${3:-}" ]; then
		echo "$1 $DKA_NUM $2"
		return 0
	fi
	_first=$(printf '%s\n' "$3" | head -n 1)
	[ "$_first" = "$3" ] || printf '%s\n' "$3" | sed '1d; s/^/# /'
	echo "$1 $DKA_NUM $2 # $_first"
}

pass() {
	DKA_PASS=$((DKA_PASS + 1))
	ktap_line ok "$1"
}

fail() {
	DKA_FAIL=$((DKA_FAIL + 1))
	ktap_line "not ok" "$1" "${2:-failed}"
}

# skip NAME WHY: a check that cannot run here (not counted as passed)
skip() {
	DKA_SKIP=$((DKA_SKIP + 1))
	ktap_line ok "$1" "SKIP $2"
}

info() { echo "@@DKA-INFO $*"; }

# check NAME CMD...: run CMD; pass if it succeeds, else fail with $DKA_WHY.
check() {
	local _n
	_n=$1
	shift
	DKA_WHY=""
	if "$@"; then pass "$_n"; else fail "$_n" "${DKA_WHY:-$* failed}"; fi
}

why() { DKA_WHY="$*"; return 1; }

# expect_eq WHAT GOT WANT
expect_eq() {
	[ "$2" = "$3" ] || why "$1: got '$2', want '$3'"
}

memtotal_kb() { awk '/^MemTotal:/ {print $2}' /proc/meminfo; }

# ---- dax devices -------------------------------------------------------

dax_path() { echo "$DAXBUS/devices/$1"; }

dax_driver() {
	local _l
	_l=$(readlink "$DAXBUS/devices/$1/driver" 2>/dev/null) || return 0
	basename "$_l"
}

# dax_state DEV: the state attribute's content, or "<none>" if absent.
dax_state() {
	if [ -e "$DAXBUS/devices/$1/state" ]; then
		cat "$DAXBUS/devices/$1/state"
	else
		echo "<none>"
	fi
}

# dax_region DEV: sysfs directory of the device's dax region.
dax_region() { echo "$(dirname "$(readlink -f "$DAXBUS/devices/$1")")/dax_region"; }

# dax_ranges DEV: "start end" (decimal, end inclusive) for each range.
dax_ranges() {
	local _d _m _s
	_d=$DAXBUS/devices/$1
	if ls -d "$_d"/mapping[0-9]* >/dev/null 2>&1; then
		for _m in "$_d"/mapping[0-9]*; do
			echo "$(($(cat "$_m/start"))) $(($(cat "$_m/end")))"
		done | sort -n
	elif [ -e "$_d/resource" ] && [ "$(cat "$_d/size")" != 0 ]; then
		# single-range devices without mappingN (static regions)
		_s=$(($(cat "$_d/resource")))
		echo "$_s $((_s + $(cat "$_d/size") - 1))"
	fi
}

# blocks_of DEV: memory block numbers covered by the device (each range
# aligned inward to the memory block size, as kmem does).
blocks_of() {
	local _b _e _first _last _s
	dax_ranges "$1" | while read -r _s _e; do
		_first=$(((_s + BLOCK_SIZE - 1) / BLOCK_SIZE))
		_last=$(((_e + 1) / BLOCK_SIZE - 1))
		_b=$_first
		while [ $_b -le $_last ]; do
			echo $_b
			_b=$((_b + 1))
		done
	done
}

# block_states DEV: one "N:state" per block ("N:absent" if not present).
block_states() {
	local _b
	for _b in $(blocks_of "$1"); do
		if [ -e "$MEMSYS/memory$_b/state" ]; then
			echo "$_b:$(cat "$MEMSYS/memory$_b/state")"
		else
			echo "$_b:absent"
		fi
	done
}

# block_summary DEV: the distinct block states, comma-separated, e.g.
# "online", "offline", "absent" or "absent,online".
block_summary() {
	block_states "$1" | cut -d: -f2 | sort -u | tr '\n' ',' | sed 's/,$//'
}

# block_zones DEV: distinct valid_zones of the device's online blocks.
block_zones() {
	local _b
	for _b in $(blocks_of "$1"); do
		[ "$(cat "$MEMSYS/memory$_b/state" 2>/dev/null)" = online ] || continue
		cat "$MEMSYS/memory$_b/valid_zones"
	done | sort -u | tr '\n' ',' | sed 's/,$//'
}

nblocks_of() { blocks_of "$1" | wc -l; }

# iomem_of DEV: /proc/iomem lines that lie inside the device's ranges: the
# driver's reservation (named DEV) and its "System RAM (kmem)" children.
# (The dax bus reserves device ranges inside the region, not in iomem; an
# enclosing "Soft Reserved"/hmem entry is skipped.)
iomem_of() {
	local _a _e _line _name _r _s _z
	dax_ranges "$1" | while read -r _s _e; do
		sed 's/^ *//' /proc/iomem | while IFS= read -r _line; do
			_r=${_line%% : *}
			_name=${_line#* : }
			_a=$((0x${_r%-*}))
			_z=$((0x${_r#*-}))
			if [ "$_a" -lt "$_s" ] || [ "$_z" -gt "$_e" ]; then continue; fi
			case "$_name" in "Soft Reserved" | hmem*) continue ;; esac
			echo "$_line"
		done
	done
}

# iomem_kmem_count DEV: number of "System RAM (...)" entries inside the device.
iomem_ram_count() { iomem_of "$1" | grep -c 'System RAM' || true; }

# ---- writes ------------------------------------------------------------

# write_expect PATH STRING EXPECTED [nl]: one write(2) of STRING (plus a
# newline if the 4th argument is "nl"); EXPECTED is OK or an errno name.
write_expect() {
	local _got
	if [ "${4:-}" = nl ]; then
		_got=$(sysfs-write -n "$1" "$2")
	else
		_got=$(sysfs-write "$1" "$2")
	fi
	[ "$_got" = "$3" ] || why "write '$2'${4:+ +\\n} to $1: got $_got, want $3"
}

# set_state DEV STATE: write STATE to the device's state attribute (quietly).
set_state() { sysfs-write "$DAXBUS/devices/$1/state" "$2" >/dev/null; }

# ---- binding -----------------------------------------------------------

policy() { cat $MEMSYS/auto_online_blocks; }
set_policy() { echo "$1" >$MEMSYS/auto_online_blocks; }

# dax_unbind DEV: plain unbind from whatever driver holds it (no offlining).
dax_unbind() {
	local _drv
	_drv=$(dax_driver "$1")
	[ -n "$_drv" ] || return 0
	echo "$1" >"$DAXBUS/drivers/$_drv/unbind"
}

# dax_release DEV: unbind without leaking memory: unplug through `state` when
# there is one, else offline the blocks one by one (legacy flow), then unbind.
# Copes with every way a device can be found: unbound (6.12+: hmem devices are
# kmem-typed, device_dax does not take them, and nothing auto-binds without
# kmem), bound to device_dax (5.10/6.1), or bound to kmem (6.12+ binds hmem
# devices to kmem by type when it loads), offline or, with Debian 6.12+'s
# default policy, online. A block that will not go offline is tried again
# (a racer, a transient page); if one stays online the device is left bound
# and 1 returned, since unbinding would leak the memory until reboot.
dax_release() {
	local _b _drv _left _pass
	_drv=$(dax_driver "$1")
	[ -n "$_drv" ] || return 0
	if [ -e "$DAXBUS/devices/$1/state" ]; then
		set_state "$1" unplugged || info "dax_release: unplug of $1 failed"
	fi
	_pass=0
	while :; do
		_left=""
		for _b in $(blocks_of "$1"); do
			[ "$(cat "$MEMSYS/memory$_b/state" 2>/dev/null)" = online ] || continue
			echo offline >"$MEMSYS/memory$_b/state" 2>/dev/null || _left="$_left memory$_b"
		done
		[ -n "$_left" ] && [ $_pass -lt 2 ] || break
		_pass=$((_pass + 1))
		sleep 0.2
	done
	if [ -n "$_left" ]; then
		info "dax_release: $1 ($_drv) kept bound:$_left would not go offline"
		return 1
	fi
	echo "$1" >"$DAXBUS/drivers/$_drv/unbind"
}

# dax_bind DEV [DRV]: bind DEV to DRV (default $DRV), releasing it first from
# any other driver. Returns non-zero if it is not bound to DRV afterwards.
dax_bind() {
	local _to
	_to=${2:-$DRV}
	[ "$(dax_driver "$1")" = "$_to" ] && return 0
	dax_release "$1"
	echo "$1" >"$DAXBUS/drivers/$_to/new_id" 2>/dev/null || true
	[ "$(dax_driver "$1")" = "$_to" ] ||
		echo "$1" >"$DAXBUS/drivers/$_to/bind" 2>/dev/null || true
	[ "$(dax_driver "$1")" = "$_to" ]
}

# fresh_bind DEV POLICY: bind DEV to $DRV from unbound, with the kernel's
# auto_online_blocks set to POLICY during the probe (restored afterwards).
fresh_bind() {
	local _old _rc
	dax_release "$1"
	_old=$(policy)
	set_policy "$2"
	dax_bind "$1"
	_rc=$?
	set_policy "$_old"
	return $_rc
}

# ---- dax region: multi-range devices ------------------------------------

region_avail() { cat "$(dax_region "$1")/available_size"; }

# dax_resize DEV BYTES (device must be unbound)
dax_resize() { echo "$2" >"$DAXBUS/devices/$1/size"; }

# region_create DEV0: create a new (empty) device in DEV0's region; prints it.
region_create() {
	local _reg
	_reg=$(dax_region "$1")
	echo 1 >"$_reg/create" || return 1
	cat "$_reg/seed"
}

region_delete() {
	local _reg
	_reg=$(dax_region "$1")
	dax_release "$1"
	dax_resize "$1" 0
	echo "$1" >"$_reg/delete"
}

# second_device DEV HINT: DEV appears within 5 s of boot, in a dax region
# other than dax0.0's (HINT: the boot arguments that make it, for the message)
second_device() {
	local _i=0
	while [ ! -e "$DAXBUS/devices/$1" ] && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	[ -e "$DAXBUS/devices/$1" ] || why "no $1: boot with $2" || return 1
	[ "$(dax_region dax0.0)" != "$(dax_region "$1")" ] || why "dax0.0 and $1 share a region"
}

# dax_single DEV: put DEV back to one range covering the whole region, with
# every other device of the region deleted; DEV is left unbound.
dax_single() {
	local _o _rdir _reg
	_reg=$(dax_region "$1")
	_rdir=$(dirname "$_reg")
	dax_release "$1"
	for _o in "$_rdir"/dax*.*; do
		[ -e "$_o" ] || continue
		_o=$(basename "$_o")
		[ "$_o" = "$1" ] && continue
		dax_release "$_o"
		[ "$(cat "$DAXBUS/devices/$_o/size")" = 0 ] || dax_resize "$_o" 0
		# the region's seed device cannot be deleted; an empty one is harmless
		[ "$(cat "$_reg/seed")" = "$_o" ] || echo "$_o" >"$_reg/delete" 2>/dev/null || true
	done
	dax_resize "$1" 0 2>/dev/null || true
	dax_resize "$1" "$(cat "$_reg/size")"
}

# forget_ids: take back the device names earlier suites wrote to the
# drivers' new_id. A name stays in a driver's list after its device was
# unbound or deleted; a later new_id or bind of another device (the driver
# then attaches every matching unbound device) would take that one too.
# remove_id of a name that is not in the list does nothing. Besides the devices
# there are now, the names the suites' region_create can hand out again.
forget_ids() {
	local _d _n _r
	for _d in "$DAXBUS"/drivers/*/remove_id; do
		for _n in "$DAXBUS"/devices/dax*.*; do
			echo "$(basename "$_n")" >"$_d" 2>/dev/null || true
		done
		for _r in 0 1; do
			for _n in 0 1 2 3 4 5 6 7; do
				echo "dax$_r.$_n" >"$_d" 2>/dev/null || true
			done
		done
	done
}

# dka_reset: the known state every suite starts from: the driver under test
# loaded, dax0.0 alone in its region with its whole size and unbound, and the
# boot-time online policy.
dka_reset() {
	set_policy offline
	[ -d "$DAXBUS/drivers/$DRV" ] || modprobe "$DRV" 2>/dev/null ||
		info "dka_reset: cannot load $DRV"
	dax_single dax0.0 || info "dka_reset: dax0.0 could not be reset"
	forget_ids
	set_policy "$DKA_BOOT_POLICY"
}

# ---- helpers for the failure suites (t-atomic, t-rollback) ---------------

# shellcheck disable=SC2034  # used by the suites that source this file
HELPER=dka_test_helper
PAGES_PER_BLOCK=$((BLOCK_SIZE / 4096))

# first_pfn BLOCK: the first page frame of memory block BLOCK
first_pfn() { echo $(($1 * PAGES_PER_BLOCK)); }
dnode() { cat "$DAXBUS/devices/$1/target_node"; }

# blocks_are DEV STATE ZONE: every block of DEV is STATE (and in ZONE if set)
blocks_are() {
	at_s=$(block_summary "$1")
	[ "$at_s" = "$2" ] || { why "blocks of $1: $at_s, want $2"; return 1; }
	[ -z "${3:-}" ] && return 0
	at_z=$(block_zones "$1")
	[ "$at_z" = "$3" ] || why "zones of $1: $at_z, want $3"
}

state_is() {
	at_g=$(dax_state "$1")
	[ "$at_g" = "$2" ] || why "state of $1: $at_g, want $2"
}

# wait_exit PID SECONDS: wait up to SECONDS for PID to end, looking every
# half second; WAITED is the time waited, in half seconds. False when it
# still runs (the caller decides whether to signal it).
wait_exit() {
	WAITED=0
	while kill -0 "$1" 2>/dev/null && [ $WAITED -lt $(($2 * 2)) ]; do
		sleep 0.5
		WAITED=$((WAITED + 1))
	done
	! kill -0 "$1" 2>/dev/null
}

# dax_split DEV SIZE NEW_SIZE [GROW]: DEV alone in its region (dax_single),
# shrunk to SIZE bytes, and a new device of NEW_SIZE bytes right after it,
# both unbound; with GROW, DEV then grows to GROW bytes, which gives it a
# second range after the new device. The new device's name is in SPLIT_NEW
# (a variable, not output: a failure's why must reach the caller).
dax_split() {
	SPLIT_NEW=
	dax_single "$1" || return 1
	dax_resize "$1" "$2" || why "cannot shrink $1 to $2" || return 1
	SPLIT_NEW=$(region_create "$1") || why "cannot create a device beside $1" || return 1
	dax_resize "$SPLIT_NEW" "$3" || why "cannot size $SPLIT_NEW to $3" || return 1
	[ -z "${4:-}" ] && return 0
	dax_resize "$1" "$4" || why "cannot grow $1 to $4" || return 1
	[ "$(dax_ranges "$1" | wc -l)" = 2 ] || why "$1 has $(dax_ranges "$1" | wc -l) ranges, want 2"
}

# two_ranges: dax0.0 with two ranges (8 + 4 blocks) around dax0.1, unbound.
two_ranges() {
	dax_split dax0.0 $((1024 << 20)) $((512 << 20)) $((1536 << 20)) || return 1
	at_n=$SPLIT_NEW
}

# unplug_pinned_at first|last|N: dax0.0 in two ranges online_kernel, a
# kernel page pinned in its first, last or Nth block: unplugged is EBUSY and
# changes nothing (state, blocks and zones, drift, MemTotal, iomem); our
# driver logs the block and the failed transition. Unplugged works once the
# pin is gone. Shared by t-rollback (also run against 7.3's kmem) and t-faults.
unplug_pinned_at() {
	two_ranges || return 1
	online_as dax0.0 online_kernel || return 1
	case "$1" in
	first) at_b=$(blocks_of dax0.0 | head -n 1) ;;
	last) at_b=$(blocks_of dax0.0 | tail -n 1) ;;
	*) at_b=$(blocks_of dax0.0 | sed -n "$1p") ;;
	esac
	modprobe $HELPER mode=pin_kernel nid="$(dnode dax0.0)" pfn="$(first_pfn "$at_b")" ||
		{ why "helper could not pin a page in memory$at_b"; return 1; }
	at_mem=$(memtotal_kb)
	at_io=$(iomem_of dax0.0)
	write_expect "$DAXBUS/devices/dax0.0/state" unplugged EBUSY
	at_rc=$?
	rmmod $HELPER
	[ $at_rc = 0 ] || return 1
	state_is dax0.0 online_kernel && blocks_are dax0.0 online Normal &&
		drift_is dax0.0 0 || return 1
	expect_eq MemTotal "$(memtotal_kb)" "$at_mem" || return 1
	[ "$(iomem_of dax0.0)" = "$at_io" ] || { why "iomem changed"; return 1; }
	if [ "$DRV" != kmem ]; then
		dmesg | grep -q "dax0.0: unplug: offlining memory$at_b failed: -16" ||
			{ why "no log line naming memory$at_b"; return 1; }
		dmesg | grep -q "dax0.0: online_kernel -> unplugged failed: -16, device stays online_kernel" ||
			{ why "no log line for the failed transition"; return 1; }
	fi
	write_expect "$DAXBUS/devices/dax0.0/state" unplugged OK &&
		blocks_are dax0.0 absent
}

# online_as DEV TYPE: bind DEV with policy offline, then unplug and online TYPE
online_as() {
	fresh_bind "$1" offline || { why "bind $1 failed"; return 1; }
	write_expect "$DAXBUS/devices/$1/state" unplugged OK &&
		write_expect "$DAXBUS/devices/$1/state" "$2" OK
}

# drift_is DEV N: our "drift" attribute reads N (the in-kernel kmem has none;
# in replace mode the driver "kmem" is ours)
drift_is() {
	[ "$DRV" = kmem ] && [ -z "${DKA_REPLACE:-}" ] && return 0
	at_g=$(cat "$DAXBUS/devices/$1/drift")
	[ "$at_g" = "$2" ] || why "drift of $1: $at_g, want $2"
}

#!/bin/sh
# The `state` ABI checks (README.md, "The states"). They must pass identically on
# Linux 7.3's in-kernel kmem (DRV=kmem, the oracle) and on dax_kmem_atomic.
# Sourced by /init with lib.sh loaded; $DRV names the driver under test.

DEV=dax0.0
STATE=$DAXBUS/devices/$DEV/state
ONLINE_TYPES="online online_kernel online_movable"
ALL_STATES="offline unplugged online online_kernel online_movable"
# write targets; "" is the empty string
TARGETS="unplugged online online_kernel online_movable offline foo Online online_movablex"
case "$DRV" in
kmem) DRV_MODULE=kmem ;;
*) DRV_MODULE=$DRV ;;
esac

bound() { [ "$(dax_driver "$1")" = "$DRV" ]; }

# blocks_match DEV STATE: the blocks agree with the device state.
blocks_match() {
	local _sum
	_sum=$(block_summary "$1")
	case "$2" in
	unplugged) expect_eq "blocks of $1 in state $2" "$_sum" absent ;;
	offline) expect_eq "blocks of $1 in state $2" "$_sum" offline ;;
	online*) expect_eq "blocks of $1 in state $2" "$_sum" online ;;
	*) why "unknown state $2" ;;
	esac
}

# zones_match DEV STATE: online blocks sit in the zone the state asks for.
zones_match() {
	local _z
	_z=$(block_zones "$1")
	case "$2" in
	online_movable) expect_eq "valid_zones of $1 in $2" "$_z" Movable ;;
	online_kernel) expect_eq "valid_zones of $1 in $2" "$_z" Normal ;;
	online)
		case "$_z" in
		*,* | "") why "valid_zones of $1 in online not one zone: '$_z'" ;;
		esac
		;;
	*) return 0 ;;
	esac
}

# well_formed: state reads one known word and a newline.
state_well_formed() {
	local _raw _word
	_raw=$(
		cat "$STATE"
		echo x
	)
	_word=${_raw%?x}
	case "$_raw" in
	*"
x") ;;
	*) why "state does not end with a newline: '$_raw'" || return 1 ;;
	esac
	case "$_word" in
	unplugged | offline | online | online_kernel | online_movable) ;;
	*) why "state reads '$_word'" || return 1 ;;
	esac
	[ "$(printf '%s' "$_word" | wc -w)" = 1 ] || why "state not one word: '$_word'"
}

# goto_state STATE: bring $DEV (bound to $DRV) into STATE by the shortest way.
goto_state() {
	local _want
	_want=$1
	if bound $DEV && [ "$(dax_state $DEV)" = "$_want" ]; then return 0; fi
	case "$_want" in
	offline) fresh_bind $DEV offline || return 1 ;;
	*)
		if ! bound $DEV; then fresh_bind $DEV offline || return 1; fi
		[ "$(dax_state $DEV)" = unplugged ] || set_state $DEV unplugged || return 1
		[ "$_want" = unplugged ] || set_state $DEV "$_want" || return 1
		;;
	esac
	[ "$(dax_state $DEV)" = "$_want" ]
}

# expected RESULT and STATE-AFTER of writing TARGET (+nl?) in state FROM
expect_write() {
	local _from _nl _to
	_from=$1 _to=$2 _nl=$3
	EXP_AFTER=$_from
	case "$_to" in
	unplugged)
		EXP_RES=OK
		EXP_AFTER=unplugged
		;;
	online | online_kernel | online_movable)
		if [ "$_from" = "$_to" ]; then
			EXP_RES=OK
		elif [ "$_from" = unplugged ]; then
			EXP_RES=OK
			EXP_AFTER=$_to
		else
			EXP_RES=EBUSY
		fi
		;;
	"")
		# A zero-byte write(2) never reaches the sysfs store (returns 0).
		if [ "$_nl" = nl ]; then EXP_RES=EINVAL; else EXP_RES=OK; fi
		;;
	*) EXP_RES=EINVAL ;;
	esac
}

abi_reset() {
	set_policy offline
	dax_single $DEV
	set_policy "$DKA_BOOT_POLICY"
}

# ---- attribute presence --------------------------------------------------

abi_attr() {
	abi_reset
	check "state-absent-while-unbound" test ! -e "$STATE"
	fresh_bind $DEV offline
	check "state-present-while-bound-to-$DRV" test -e "$STATE"
	check "state-mode-0644" expect_eq "mode of state" "$(stat -c %a "$STATE" 2>/dev/null)" 644
	check "state-reads-one-word-and-newline" state_well_formed
	dax_release $DEV
	check "state-gone-after-unbind" test ! -e "$STATE"
}

# ---- probe follows auto_online_blocks -------------------------------------

probe_with_policy() {
	local _after _before _p _want
	_p=$1
	_want=$_p
	_before=$(memtotal_kb)
	fresh_bind $DEV "$_p" || why "bind to $DRV failed" || return 1
	expect_eq "state after probe with auto_online_blocks=$_p" "$(dax_state $DEV)" "$_want" || return 1
	state_well_formed || return 1
	expect_eq "number of blocks" "$(nblocks_of $DEV)" 16 || return 1
	blocks_match $DEV "$_want" || return 1
	zones_match $DEV "$_want" || return 1
	_after=$(memtotal_kb)
	case "$_want" in
	offline) expect_eq "MemTotal after offline probe" "$_after" "$_before" || return 1 ;;
	*) [ $((_after - _before)) -eq $((2 * 1024 * 1024)) ] ||
		why "MemTotal grew by $((_after - _before)) kB, want 2 GiB" || return 1 ;;
	esac
	[ "$(iomem_ram_count $DEV)" -ge 1 ] || why "no System RAM iomem entry for $DEV"
}

abi_probe() {
	local _p
	abi_reset
	for _p in offline online online_movable online_kernel; do
		check "probe-with-auto_online_blocks-$_p-reads-$_p" probe_with_policy "$_p"
		abi_reset
	done
	# The boot-time default (memhp_default_state= on the command line when set)
	check "probe-with-boot-default-policy-$DKA_BOOT_POLICY" probe_with_policy "$DKA_BOOT_POLICY"
	abi_reset
}

# ---- every write from every state ------------------------------------------

matrix_cell() {
	local _from _nl _to
	_from=$1 _to=$2 _nl=$3
	goto_state "$_from" || why "setup: cannot reach $_from (state $(dax_state $DEV))" || return 1
	expect_write "$_from" "$_to" "$_nl"
	write_expect "$STATE" "$_to" "$EXP_RES" "$_nl" || return 1
	expect_eq "state after write" "$(dax_state $DEV)" "$EXP_AFTER" || return 1
	blocks_match $DEV "$EXP_AFTER" || return 1
	zones_match $DEV "$EXP_AFTER"
}

abi_matrix() {
	local _from _nl _to
	abi_reset
	for _from in $ALL_STATES; do
		for _to in $TARGETS ""; do
			for _nl in "" nl; do
				check "write-from-$_from-to-${_to:-empty}${_nl:+-nl}" matrix_cell "$_from" "$_to" "$_nl"
			done
		done
	done
	abi_reset
}

# ---- unplugged really removes; onlining uses the zone asked for -------------

unplug_from() {
	local _b _before _from _io
	_from=$1
	dax_release $DEV
	_before=$(memtotal_kb)
	goto_state "$_from" || why "setup: cannot reach $_from" || return 1
	set_state $DEV unplugged || why "write unplugged failed" || return 1
	expect_eq "state" "$(dax_state $DEV)" unplugged || return 1
	for _b in $(blocks_of $DEV); do
		[ ! -e "$MEMSYS/memory$_b" ] || why "memory$_b still present" || return 1
	done
	_io=$(iomem_of $DEV)
	[ -z "$_io" ] || why "iomem entries left: $(echo "$_io" | tr '\n' ';')" || return 1
	expect_eq "MemTotal after unplug" "$(memtotal_kb)" "$_before"
}

online_from_unplugged() {
	local _before _t
	_t=$1
	goto_state unplugged || why "setup: cannot reach unplugged" || return 1
	_before=$(memtotal_kb)
	set_state $DEV "$_t" || why "write $_t failed" || return 1
	expect_eq "state" "$(dax_state $DEV)" "$_t" || return 1
	expect_eq "number of blocks" "$(nblocks_of $DEV)" 16 || return 1
	blocks_match $DEV "$_t" || return 1
	zones_match $DEV "$_t" || return 1
	[ $(($(memtotal_kb) - _before)) -eq $((2 * 1024 * 1024)) ] ||
		why "MemTotal grew by $(($(memtotal_kb) - _before)) kB, want 2 GiB" || return 1
	[ "$(iomem_ram_count $DEV)" -ge 1 ] || why "no System RAM iomem entry"
}

abi_unplug() {
	local _s _t
	abi_reset
	for _s in offline online online_kernel online_movable; do
		check "unplug-from-$_s-removes-blocks-iomem-memtotal" unplug_from "$_s"
	done
	for _t in $ONLINE_TYPES; do
		check "$_t-from-unplugged-all-blocks-in-zone" online_from_unplugged "$_t"
		info "zones after $_t: $(block_zones $DEV)"
	done
	# unplug and online again, a few rounds
	check "unplug-online-cycles-stay-consistent" cycles
	abi_reset
}

cycles() {
	local _i _t
	for _i in 1 2 3; do
		for _t in online_movable online_kernel online; do
			goto_state unplugged || why "round $_i: cannot unplug" || return 1
			set_state $DEV "$_t" || why "round $_i: write $_t failed" || return 1
			blocks_match $DEV "$_t" || return 1
		done
	done
	goto_state unplugged && blocks_match $DEV unplugged
}

# ---- a device of several ranges ---------------------------------------------

# make_multirange: dax0.0 = [1 GiB][dax0.1: 256 MiB][dax0.0: 768 MiB]
MR_OTHER=""
make_multirange() {
	local _n _total
	abi_reset
	dax_release $DEV
	_total=$(cat "$(dax_region $DEV)/size")
	dax_resize $DEV $((1024 * 1024 * 1024)) || why "shrink $DEV failed" || return 1
	MR_OTHER=$(region_create $DEV) || why "dax_region/create failed" || return 1
	[ -n "$MR_OTHER" ] || why "no seed device after create" || return 1
	dax_release "$MR_OTHER"
	dax_resize "$MR_OTHER" $((256 * 1024 * 1024)) || why "size of $MR_OTHER failed" || return 1
	dax_resize $DEV $((_total - 256 * 1024 * 1024)) || why "grow $DEV failed" || return 1
	# Park the neighbour on device_dax: a driver_attach() (new_id, module
	# load) of a driver that matches the region type would grab it otherwise.
	dax_bind "$MR_OTHER" device_dax || why "cannot bind $MR_OTHER to device_dax" || return 1
	_n=$(dax_ranges $DEV | wc -l)
	[ "$_n" -ge 2 ] || why "$DEV has $_n range(s), want 2" || return 1
	info "$DEV ranges: $(dax_ranges $DEV | tr '\n' ';') $MR_OTHER: $(dax_ranges "$MR_OTHER")"
	expect_eq "blocks of the two ranges" "$(nblocks_of $DEV)" 14
}

mr_bind_offline() {
	fresh_bind $DEV offline || why "bind failed" || return 1
	expect_eq "state" "$(dax_state $DEV)" offline || return 1
	blocks_match $DEV offline
}

mr_transition() {
	local _before _t
	_t=$1
	_before=$(memtotal_kb)
	goto_state unplugged || why "cannot unplug" || return 1
	blocks_match $DEV unplugged || return 1
	[ -z "$(iomem_of $DEV)" ] || why "iomem entries left after unplug" || return 1
	set_state $DEV "$_t" || why "write $_t failed" || return 1
	blocks_match $DEV "$_t" || return 1
	zones_match $DEV "$_t" || return 1
	set_state $DEV unplugged || why "write unplugged failed" || return 1
	blocks_match $DEV unplugged || return 1
	[ -z "$(iomem_of $DEV)" ] || why "iomem entries left after unplug" || return 1
	# the neighbour was never touched
	expect_eq "driver of $MR_OTHER" "$(dax_driver "$MR_OTHER")" device_dax || return 1
	expect_eq "blocks of $MR_OTHER" "$(block_summary "$MR_OTHER")" absent
}

mr_restore() {
	abi_reset
	expect_eq "ranges of $DEV after restore" "$(dax_ranges $DEV | wc -l)" 1 || return 1
	expect_eq "blocks of $DEV after restore" "$(nblocks_of $DEV)" 16
}

abi_multirange() {
	local _t
	if ! check "multirange-build-two-range-device" make_multirange; then :; fi
	if [ "$(dax_ranges $DEV | wc -l)" -ge 2 ]; then
		check "multirange-probe-offline-all-blocks" mr_bind_offline
		check "multirange-unplug-from-offline" unplug_from offline
		for _t in $ONLINE_TYPES; do
			check "multirange-$_t-and-unplug-as-one" mr_transition "$_t"
		done
		check "multirange-unplug-from-online_movable" unplug_from online_movable
	fi
	check "multirange-restore-single-range" mr_restore
}

# ---- unbind and module removal ----------------------------------------------

unbind_unplugged() {
	goto_state unplugged || why "setup" || return 1
	dax_unbind $DEV || why "unbind failed" || return 1
	[ -z "$(dax_driver $DEV)" ] || why "still bound" || return 1
	[ ! -e "$STATE" ] || why "state still present" || return 1
	blocks_match $DEV unplugged || return 1
	[ -z "$(iomem_of $DEV)" ] || why "iomem entries left: $(iomem_of $DEV | tr '\n' ';')"
}

rebind_works() {
	fresh_bind $DEV offline || why "rebind failed" || return 1
	expect_eq "state after rebind" "$(dax_state $DEV)" offline || return 1
	blocks_match $DEV offline
}

unbind_offline() {
	local _before
	_before=$(memtotal_kb)
	goto_state offline || why "setup" || return 1
	dax_unbind $DEV || why "unbind failed" || return 1
	[ -z "$(dax_driver $DEV)" ] || why "still bound" || return 1
	blocks_match $DEV unplugged || return 1
	[ -z "$(iomem_of $DEV)" ] || why "iomem entries left: $(iomem_of $DEV | tr '\n' ';')" || return 1
	expect_eq "MemTotal" "$(memtotal_kb)" "$_before"
}

dmesg_mark() { DMESG_MARK=$(dmesg | wc -l); }
# dmesg_since_has REGEX: a kernel log line since the mark matches REGEX
dmesg_since_has() { dmesg | tail -n +$((DMESG_MARK + 1)) | grep -qE "$1"; }

unbind_online_leaks() {
	goto_state online_movable || why "setup" || return 1
	dmesg_mark
	dax_unbind $DEV || why "unbind failed" || return 1
	[ -z "$(dax_driver $DEV)" ] || why "still bound" || return 1
	[ ! -e "$STATE" ] || why "state still present" || return 1
	expect_eq "blocks after unbind while online" "$(block_summary $DEV)" online || return 1
	dmesg_since_has "$DEV" || why "no kernel log line about $DEV" || return 1
	info "dmesg after unbind while online: $(dmesg | tail -n +$((DMESG_MARK + 1)) | tr '\n' '|')"
}

rebind_after_leak_fails() {
	dmesg_mark
	echo $DEV >"$DAXBUS/drivers/$DRV/new_id" 2>/dev/null
	echo $DEV >"$DAXBUS/drivers/$DRV/bind" 2>/dev/null
	[ -z "$(dax_driver $DEV)" ] || why "bound to $(dax_driver $DEV)" || return 1
	dmesg_since_has "$DEV|$DRV" || why "no kernel log line about the failed bind" || return 1
	info "dmesg after rebind: $(dmesg | tail -n +$((DMESG_MARK + 1)) | tr '\n' '|')"
	expect_eq "blocks still online" "$(block_summary $DEV)" online
}

rmmod_in() {
	local _s
	_s=$1
	goto_state "$_s" || why "setup" || return 1
	rmmod "$DRV_MODULE" || why "rmmod $DRV_MODULE failed" || return 1
	! grep -q "^$DRV_MODULE " /proc/modules || why "module still loaded" || return 1
	[ ! -e "$STATE" ] || why "state still present" || return 1
	[ -z "$(dax_driver $DEV)" ] || why "still bound" || return 1
	blocks_match $DEV unplugged || return 1
	[ -z "$(iomem_of $DEV)" ] || why "iomem entries left"
}

reload_module() {
	local _old
	_old=$(policy)
	set_policy offline # kmem on 6.12+ binds hmem devices by itself at load
	modprobe "$DRV_MODULE" || { set_policy "$_old"; why "modprobe failed"; return 1; }
	set_policy "$_old"
	[ -d "$DAXBUS/drivers/$DRV" ] || why "driver not registered"
}

abi_unbind() {
	local _s
	abi_reset
	check "unbind-while-unplugged-is-clean" unbind_unplugged
	check "rebind-after-unbind-while-unplugged" rebind_works
	check "unbind-while-offline-removes-memory" unbind_offline
	check "rebind-after-unbind-while-offline" rebind_works
	for _s in unplugged offline; do
		check "rmmod-with-device-$_s" rmmod_in "$_s"
		check "modprobe-after-rmmod-with-device-$_s" reload_module
		check "bind-after-module-reload-from-$_s" rebind_works
	done
	abi_reset
	# Unbind while online leaks the memory until reboot, by design: that part
	# is t-abi-leak.sh, which run.sh runs in a boot of its own.
}

# t-abi-bootpolicy.sh sources this file for its helpers only.
if [ -z "${ABI_LIB_ONLY:-}" ]; then
	abi_attr
	abi_probe
	abi_matrix
	abi_unplug
	abi_multirange
	abi_unbind
fi

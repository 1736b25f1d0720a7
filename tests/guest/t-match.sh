#!/bin/sh
# Not in "all" (tests/guest/suites.conf): needs a second soft-reserved range on the command line: run.sh boots it after t-atomic.sh
# In the default mode the driver binds only by explicit request
# (new_id, then bind/drivers_probe of a listed device) and never competes with
# kmem or device_dax. On 6.12+ hmem regions are kmem-typed (IORESOURCE_DAX_KMEM)
# and the dax bus matches a driver by type: a driver declaring kmem's type
# would take dax1.0 at load, on `bind`, on drivers_probe, or before kmem when
# it registered first. The boot has two soft-reserved ranges, so dax_hmem
# makes dax0.0 (2 GiB) and dax1.0 (512 MiB) in regions of their own.
# Our module only. Sourced by /init with lib.sh.

OTHER=dax1.0
PROBE=$DAXBUS/drivers_probe

not_ours() {
	local _d
	for _d in "$@"; do
		[ "$(dax_driver "$_d")" != "$DRV" ] || why "$_d is bound to $DRV" || return 1
	done
}

is_unbound() {
	local _d
	for _d in "$@"; do
		[ -z "$(dax_driver "$_d")" ] || why "$_d is bound to $(dax_driver "$_d")" || return 1
	done
}

# reprobe DEV: ask the bus to find a driver for DEV (drivers_probe, all
# kernels here have it).
reprobe() {
	[ -e "$PROBE" ] || why "no $PROBE" || return 1
	echo "$1" >"$PROBE" 2>/dev/null
	return 0
}

# competitors_out: neither kmem nor device_dax registered (rmmod unbinds
# their devices; nothing of theirs is online: the policy is offline).
competitors_out() {
	local _m
	for _m in kmem device_dax; do
		dax_release dax0.0 2>/dev/null
		[ "$(dax_driver "$OTHER")" = "$_m" ] && dax_release "$OTHER"
		[ -d "/sys/module/$_m" ] || continue
		rmmod "$_m" || why "rmmod $_m failed" || return 1
	done
}

two_devices() {
	second_device $OTHER "a second range, e.g. --append memmap=512M%6656M-1+0xefffffff" || return 1
	expect_eq "size of $OTHER" "$(cat "$DAXBUS/devices/$OTHER/size")" $((512 << 20)) || return 1
	info "$OTHER: driver=$(dax_driver $OTHER) target_node=$(cat $DAXBUS/devices/$OTHER/target_node)"
}

# load_takes_nothing: with no other dax driver registered and both devices
# unbound, loading the module binds neither.
load_takes_nothing() {
	competitors_out || return 1
	dax_release "$OTHER"
	dax_release dax0.0
	rmmod "$DRV" || why "rmmod $DRV failed" || return 1
	is_unbound dax0.0 "$OTHER" || return 1
	modprobe "$DRV" || why "modprobe $DRV failed" || return 1
	is_unbound dax0.0 "$OTHER"
}

drivers_probe_takes_nothing() {
	reprobe dax0.0 && reprobe "$OTHER" && is_unbound dax0.0 "$OTHER"
}

bind_unlisted_refused() {
	write_expect "$DAXBUS/drivers/$DRV/bind" "$OTHER" ENODEV &&
		write_expect "$DAXBUS/drivers/$DRV/bind" dax0.0 ENODEV &&
		is_unbound dax0.0 "$OTHER"
}

new_id_binds_only_named() {
	write_expect "$DAXBUS/drivers/$DRV/new_id" dax0.0 OK || return 1
	expect_eq "driver of dax0.0" "$(dax_driver dax0.0)" "$DRV" || return 1
	is_unbound "$OTHER" && reprobe "$OTHER" && is_unbound "$OTHER" &&
		write_expect "$DAXBUS/drivers/$DRV/bind" "$OTHER" ENODEV && is_unbound "$OTHER"
}

# reprobe_after_unbind: dax0.0 stays listed (new_id), so a re-probe binds it
# again; dax1.0 is still not ours.
reprobe_after_unbind() {
	dax_release dax0.0
	is_unbound dax0.0 || return 1
	reprobe dax0.0 && reprobe "$OTHER" || return 1
	expect_eq "driver of dax0.0 after drivers_probe" "$(dax_driver dax0.0)" "$DRV" || return 1
	is_unbound "$OTHER"
}

# remove_id_stops_matching: after remove_id nothing matches dax0.0 any more.
remove_id_stops_matching() {
	write_expect "$DAXBUS/drivers/$DRV/remove_id" dax0.0 OK || return 1
	expect_eq "driver of dax0.0 after remove_id" "$(dax_driver dax0.0)" "$DRV" || return 1
	dax_release dax0.0
	reprobe dax0.0 && is_unbound dax0.0 || return 1
	write_expect "$DAXBUS/drivers/$DRV/bind" dax0.0 ENODEV && is_unbound dax0.0
}

# competitors_win: our driver registered first (it is loaded, kmem and
# device_dax are not); then kmem and device_dax come. A device nobody listed
# for us goes to one of them (kmem by type on 6.12+, device_dax before), on
# their load and on a later drivers_probe, where the bus offers it to the
# drivers in registration order, ours first.
competitors_win() {
	local _d _m
	is_unbound dax0.0 "$OTHER" || return 1
	for _m in kmem device_dax; do
		modprobe "$_m" || why "modprobe $_m failed" || return 1
	done
	_d=$(dax_driver "$OTHER")
	case "$_d" in
	kmem | device_dax) ;;
	*) why "after loading kmem and device_dax, $OTHER is bound to '${_d:-nothing}'" || return 1 ;;
	esac
	info "$OTHER taken by $_d; dax0.0 by $(dax_driver dax0.0)"
	dax_release "$OTHER"
	is_unbound "$OTHER" || return 1
	reprobe "$OTHER" || return 1
	expect_eq "driver of $OTHER after drivers_probe" "$(dax_driver "$OTHER")" "$_d"
}

# listed_beside_competitors: with kmem and device_dax loaded, new_id still
# takes exactly the listed device (out of its competitor's hands).
listed_beside_competitors() {
	local _d
	_d=$(dax_driver "$OTHER")
	dax_bind dax0.0 || why "dax0.0 could not be bound to $DRV (bound to '$(dax_driver dax0.0)')" || return 1
	expect_eq "driver of $OTHER" "$(dax_driver "$OTHER")" "$_d" || return 1
	not_ours "$OTHER"
}

set_policy offline
if [ "$DRV" = kmem ]; then
	fail "match-suite" "this suite checks dax_kmem_atomic's matching, not kmem's"
elif check "match-two-hmem-devices-in-separate-regions" two_devices; then
	check "match-load-binds-nothing" load_takes_nothing
	check "match-drivers_probe-of-unlisted-devices-binds-nothing" drivers_probe_takes_nothing
	check "match-bind-of-unlisted-devices-refused-ENODEV" bind_unlisted_refused
	check "match-new_id-binds-only-the-named-device" new_id_binds_only_named
	check "match-unbind-and-reprobe-rebinds-only-the-listed-device" reprobe_after_unbind
	check "match-remove_id-stops-matching" remove_id_stops_matching
	check "match-kmem-or-device_dax-take-unlisted-devices-not-us" competitors_win
	check "match-new_id-beside-kmem-and-device_dax-takes-only-the-named-device" listed_beside_competitors
	dax_release dax0.0
	dax_release "$OTHER"
fi
set_policy "$DKA_BOOT_POLICY"

#!/bin/sh
# Fault injection at every position, our module only; completes
# t-rollback.sh (unplug failing at the first block and at the last block of
# the last range, EINTR) and t-atomic.sh (online vetoed at a middle block,
# at probe, a device too small for one block):
#  - unplug failing at a middle block, and at the first block of the
#    second range (a pinned kernel page): EBUSY, every block back online;
#  - online failing at the first block and at the last block of the last
#    range (the helper vetoes onlining): EIO, back to unplugged;
#  - probe errors: a range already claimed by someone else (the helper's
#    mode=claim), in the first and in the second range: a clear message,
#    nothing left added or reserved, and the device binds once it is free;
#    a range that alignment leaves empty is skipped, one it shortens is
#    truncated, each with its message.
# Not reachable in QEMU for real, so not tested: a device without a NUMA
# node (dax_hmem always finds the node of a memmap= range), and the
# probe-time sanity checks of our view of the dax structures (they refuse
# only a device whose structures we misread).
# Every case: the error returned and logged, state, blocks, zones, drift,
# /proc/iomem and MemTotal as before.  Sourced by /init with lib.sh.

# fl_iomem_is DEV WANT: the iomem lines inside DEV's ranges, names only
fl_iomem_is() {
	at_g=$(iomem_of "$1" | sed 's/.* : //' | sort | tr '\n' ';')
	[ "$at_g" = "$2" ] || why "iomem of $1: '$at_g', want '$2'"
}

check "unplug fails at a middle block (5 of 12, pinned page): EBUSY, logged, every block back online" unplug_pinned_at 5
check "unplug fails at the first block of the second range (9 of 12): EBUSY, logged, every block back online" unplug_pinned_at 9

# online_fails_at first|last: two ranges unplugged, onlining vetoed in
# the first block or the last block of the last range: EIO, unplugged
online_fails_at() {
	two_ranges || return 1
	fresh_bind dax0.0 offline || { why "bind failed"; return 1; }
	write_expect "$DAXBUS/devices/dax0.0/state" unplugged OK || return 1
	at_mem=$(memtotal_kb)
	if [ "$1" = first ]; then
		at_b=$(blocks_of dax0.0 | head -n 1)
	else
		at_b=$(blocks_of dax0.0 | tail -n 1)
	fi
	modprobe $HELPER mode=veto_online pfn="$(first_pfn "$at_b")" || { why "helper load failed"; return 1; }
	write_expect "$DAXBUS/devices/dax0.0/state" online_movable EIO
	at_rc=$?
	rmmod $HELPER
	[ $at_rc = 0 ] || return 1
	state_is dax0.0 unplugged && blocks_are dax0.0 absent && drift_is dax0.0 0 || return 1
	[ -z "$(iomem_of dax0.0)" ] || { why "iomem still has: $(iomem_of dax0.0 | tr '\n' ';')"; return 1; }
	expect_eq MemTotal "$(memtotal_kb)" "$at_mem" || return 1
	dmesg | grep -q "dax0.0: online_movable of memory$at_b failed: -5; rolling back" ||
		{ why "no log line naming memory$at_b"; return 1; }
	dmesg | grep -q "dax0.0: unplugged -> online_movable failed: -5, device stays unplugged" ||
		{ why "no log line for the failed transition"; return 1; }
	write_expect "$DAXBUS/devices/dax0.0/state" online_movable OK &&
		blocks_are dax0.0 online Movable &&
		write_expect "$DAXBUS/devices/dax0.0/state" unplugged OK
}
check "online fails at the first block (vetoed): EIO, logged, back to unplugged, nothing left" online_fails_at first
check "online fails at the last block of the last range (vetoed): EIO, logged, back to unplugged, nothing left" online_fails_at last

# ---- probe errors ----

# claimed N: another driver holds block N of dax0.0 (two ranges) in iomem;
# binding fails with a message naming the range, nothing left behind
claimed() {
	two_ranges || return 1
	# dax0.1 bound and unplugged first: a new_id of dax0.0 would otherwise
	# bind it too (when an earlier check left its id with the driver) and
	# online it per policy
	fresh_bind dax0.1 offline && set_state dax0.1 unplugged || { why "dax0.1 not bound"; return 1; }
	dax_release dax0.0
	at_mem=$(memtotal_kb)
	at_b=$(blocks_of dax0.0 | sed -n "$1p")
	modprobe $HELPER mode=claim pfn="$(first_pfn "$at_b")" || { why "helper could not claim memory$at_b"; return 1; }
	if dax_bind dax0.0; then
		rmmod $HELPER
		why "dax0.0 was bound with memory$at_b claimed"
		return 1
	fi
	at_ok=1
	fl_iomem_is dax0.0 "dka_test_helper;" || at_ok=0
	[ $at_ok = 1 ] && blocks_are dax0.0 absent || at_ok=0
	[ $at_ok = 1 ] && expect_eq MemTotal "$(memtotal_kb)" "$at_mem" || at_ok=0
	rmmod $HELPER
	[ $at_ok = 1 ] || return 1
	dmesg | grep -q "dax0.0: mapping$2: .* could not reserve region: in use" ||
		{ why "no log line for mapping$2"; return 1; }
	# nothing of the failed probe is left: the device binds and works
	dax_bind dax0.0 || { why "dax0.0 cannot be bound once the range is free"; return 1; }
	write_expect "$DAXBUS/devices/dax0.0/state" unplugged OK &&
		write_expect "$DAXBUS/devices/dax0.0/state" online_movable OK &&
		blocks_are dax0.0 online Movable &&
		write_expect "$DAXBUS/devices/dax0.0/state" unplugged OK &&
		expect_eq MemTotal "$(memtotal_kb)" "$at_mem"
}
check "probe: the first range already claimed by another driver: bind fails, logged, nothing left" claimed 1 0
check "probe: the second range claimed: bind fails, the first range added and removed again, nothing left" claimed 9 1

# alignment: dax0.0 = 1 GiB + a range of 192 MiB starting 64 MiB into a
# block (after a 64 MiB dax0.1): it is truncated to its one whole block;
# dax0.1 (64 MiB) has nothing left: refused
alignment() {
	dax_split dax0.0 $((1024 << 20)) $((64 << 20)) $(((1024 + 192) << 20)) || return 1
	at_n=$SPLIT_NEW
	fresh_bind dax0.0 offline || { why "bind failed"; return 1; }
	dmesg | grep -q "dax0.0: mapping1: .* truncated to memory block boundaries" ||
		{ why "no log line for the truncated range"; return 1; }
	expect_eq blocks "$(nblocks_of dax0.0)" 9 || return 1
	write_expect "$DAXBUS/devices/dax0.0/state" unplugged OK &&
		write_expect "$DAXBUS/devices/dax0.0/state" online_movable OK &&
		blocks_are dax0.0 online Movable || return 1
	fl_iomem_is dax0.0 "System RAM (kmem);System RAM (kmem);dax0.0;dax0.0;" || return 1
	write_expect "$DAXBUS/devices/dax0.0/state" unplugged OK || return 1
	if dax_bind "$at_n"; then
		why "a 64 MiB device was bound"
		return 1
	fi
	dmesg | grep -q "$at_n: mapping0: .* too small after alignment, skipped" ||
		why "no log line for the skipped range of $at_n"
}
check "probe: a range cut to block boundaries is truncated, one with nothing left is skipped, each logged" alignment

dax_single dax0.0

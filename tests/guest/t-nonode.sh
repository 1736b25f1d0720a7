#!/bin/sh
# Not in "all" (tests/guest/suites.conf): needs numa=off and a range at the top of RAM: run.sh boots it after t-abi.sh
# A dax device on no NUMA node is refused at probe, with kmem's log line,
# and leaves nothing behind. The boot has NUMA off (one fake node covering
# RAM up to its end) and a second soft-reserved range, the last GiB of RAM:
# it lies beyond the fake node, so dax_hmem gives dax1.0 target_node -1,
# as firmware that names no proximity domain for a range would. Linux 7.3's
# kmem refuses such a device too (the oracle runs this suite). dax0.0 is on
# node 0 in this boot. Sourced by /init with lib.sh.

NONODE=dax1.0

# nonode_device: dax1.0 exists, alone in a region of its own, on no node:
# numa_node -1, and target_node hidden (the dax core shows it only when it
# is a node) or -1
nonode_device() {
	second_device $NONODE "numa=off memmap=1G%7G-1+0xefffffff" || return 1
	if [ -e "$DAXBUS/devices/$NONODE/target_node" ]; then
		expect_eq "target_node of $NONODE" "$(cat $DAXBUS/devices/$NONODE/target_node)" -1 || return 1
	fi
	expect_eq "numa_node of $NONODE" "$(cat $DAXBUS/devices/$NONODE/numa_node)" -1 &&
		expect_eq "size of $NONODE" "$(cat $DAXBUS/devices/$NONODE/size)" $((1 << 30))
}
check "a device on no NUMA node: dax1.0, 1 GiB, numa_node -1" nonode_device

# nonode_refused: binding dax1.0 fails with kmem's log line; no memory
# added, no resource left in iomem, MemTotal as before. With the in-kernel
# kmem on 6.12+ the bus already tried (and failed) at boot, by type.
# dax0.0 is bound first, its memory offline: new_id makes the driver try
# every unbound device it matches (by type on 6.12+), dax0.0 too.
nonode_refused() {
	local _mem
	fresh_bind dax0.0 offline || why "dax0.0 not bound" || return 1
	dax_release $NONODE
	_mem=$(memtotal_kb)
	if dax_bind $NONODE; then
		dax_release $NONODE
		why "$NONODE was bound to $DRV"
		return 1
	fi
	[ -z "$(dax_driver $NONODE)" ] || why "$NONODE is bound to $(dax_driver $NONODE)" || return 1
	dmesg | grep -q "$NONODE: rejecting DAX region with invalid node: -1" ||
		why "no log line for the refusal" || return 1
	blocks_are $NONODE absent || return 1
	[ -z "$(iomem_of $NONODE)" ] || why "iomem has: $(iomem_of $NONODE | tr '\n' ';')" || return 1
	expect_eq MemTotal "$(memtotal_kb)" "$_mem"
}
check "binding a device on no NUMA node: refused, logged, nothing added" nonode_refused

# the driver is unharmed: dax0.0 (node 0) onlines and unplugs
others_work() {
	local _mem
	fresh_bind dax0.0 offline || why "dax0.0 not bound" || return 1
	write_expect "$DAXBUS/devices/dax0.0/state" unplugged OK || return 1
	_mem=$(memtotal_kb)
	write_expect "$DAXBUS/devices/dax0.0/state" online_movable OK &&
		blocks_are dax0.0 online Movable || return 1
	write_expect "$DAXBUS/devices/dax0.0/state" unplugged OK &&
		blocks_are dax0.0 absent &&
		expect_eq MemTotal "$(memtotal_kb)" "$_mem"
}
check "after the refusal, dax0.0 (node 0) onlines and unplugs" others_work

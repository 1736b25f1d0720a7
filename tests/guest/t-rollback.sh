#!/bin/sh
# All-or-nothing unplug on real failures: a page the test helper pins makes
# offlining fail (EBUSY) or hang until a signal (EINTR); every block must
# come back online in its zone.  Linux 7.3's kmem defines this behaviour
# too, so this suite also runs against it (the oracle); the log line and
# the "drift" attribute checked here are ours only.  Sourced by /init with
# lib.sh.

# ---- all-or-nothing unplug: a pinned page makes offlining really fail ----

# unplug_pinned_at (lib.sh): a pinned page makes offlining fail part-way
check "unplug fails at the first block (pinned page): EBUSY, all blocks back online in Normal" unplug_pinned_at first
check "unplug fails at the last block of the last range: EBUSY, all blocks back online in Normal" unplug_pinned_at last

# ---- a signal ends an unplug stuck on an unmovable page ----

unplug_signal() {
	dax_single dax0.0
	online_as dax0.0 online_movable || return 1
	at_b=$(blocks_of dax0.0 | sed -n 5p)
	modprobe $HELPER mode=pin_movable nid="$(dnode dax0.0)" pfn="$(first_pfn "$at_b")" ||
		{ why "helper could not pin a movable page in memory$at_b"; return 1; }
	sysfs-write -i "$DAXBUS/devices/dax0.0/state" unplugged >/tmp/intr.out &
	at_pid=$!
	sleep 2
	if ! kill -0 $at_pid 2>/dev/null; then
		rmmod $HELPER
		why "unplug was not stuck: $(cat /tmp/intr.out)"
		return 1
	fi
	kill -USR1 $at_pid
	wait $at_pid
	rmmod $HELPER
	expect_eq "interrupted unplug" "$(cat /tmp/intr.out)" EINTR || return 1
	state_is dax0.0 online_movable && blocks_are dax0.0 online Movable &&
		drift_is dax0.0 0
}
check "unplug stuck on an unmovable page, signalled: EINTR, all blocks back online in Movable" unplug_signal

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

# ---- the same with SIGTERM, while another unplug holds the hotplug lock ----

# unplug_term: dax0.0 and dax0.1 (1 GiB each) online_movable, a movable page
# pinned in each (the 5th block of dax0.0, the 2nd of dax0.1). A writer W
# unplugs dax0.0 and gets stuck at its 5th block, holding the kernel's
# device_hotplug_lock while page migration retries; a second writer F
# unplugs dax0.1 and waits for that lock. W gets SIGTERM with no handler,
# which the kernel turns into SIGKILL when it is sent (timeout(1), systemctl
# stop, udev killing a worker): its offline ends with EINTR, F takes the lock
# and gets stuck in its turn while W must put its 4 offlined blocks back
# online, with SIGKILL pending, against a lock F holds for seconds. Then F
# gets SIGTERM too. Both devices must end with every block online in
# Movable, and "state" saying so.
unplug_term() {
	dax_split dax0.0 $((1024 << 20)) $((1024 << 20)) || return 1
	at_n=$SPLIT_NEW
	online_as dax0.0 online_movable && online_as "$at_n" online_movable || return 1
	at_mem=$(memtotal_kb)
	at_b=$(blocks_of dax0.0 | sed -n 5p)
	at_b2=$(blocks_of "$at_n" | sed -n 2p)
	modprobe $HELPER mode=pin_movable nid="$(dnode dax0.0)" pfn="$(first_pfn "$at_b")" \
		pfn2="$(first_pfn "$at_b2")" ||
		{ why "helper could not pin movable pages in memory$at_b and memory$at_b2"; return 1; }
	sysfs-write "$DAXBUS/devices/dax0.0/state" unplugged >/dev/null &
	at_w=$!
	sleep 1.5
	sysfs-write "$DAXBUS/devices/$at_n/state" unplugged >/dev/null &
	at_f=$!
	sleep 0.5
	kill -TERM $at_w
	sleep 2
	kill -TERM $at_f
	wait $at_w
	wait $at_f
	rmmod $HELPER
	for at_d in dax0.0 "$at_n"; do
		at_now="blocks $(block_summary $at_d) zones $(block_zones $at_d)"
		[ "$at_now" = "blocks online zones Movable" ] ||
			{ why "$at_d: $at_now after its killed unplug, state $(dax_state $at_d)"; return 1; }
		state_is $at_d online_movable && drift_is $at_d 0 || return 1
	done
	expect_eq MemTotal "$(memtotal_kb)" "$at_mem" || return 1
	region_delete "$at_n"
}
check "two unplugs stuck in migration, both writers killed by SIGTERM in turn: every block back online in Movable" unplug_term

#!/bin/sh
# Not in "all" (tests/guest/suites.conf): a boot of its own: dka.driver=replace
#
# Replace mode: with conf/dax-kmem-atomic.conf enabled in
# /etc/modprobe.d, our module takes the in-kernel kmem's place, and
# unmodified daxctl -- bookworm's (76) and sid's (85), each on its own
# libraries -- manages the device through it: reconfigure-device to
# system-ram (onlining, and --no-online), list, online-memory,
# offline-memory, back to devdax; our "state" stays the truth of the blocks
# (exclusive=0, as the file sets it) and works on the daxctl-managed device.
# Also: replace mode refuses to load beside the in-kernel kmem.  Sourced by
# /init with lib.sh; init loaded nothing but device_dax (the softdep).

MOD=/sys/module/dax_kmem_atomic
PARAM=$MOD/parameters/exclusive
DEVS=$DAXBUS/devices/dax0.0

# until_ok SECONDS CMD...: retry CMD every 0.1 s (the state follows per-block
# changes from a work item, a moment after the last one)
until_ok() {
	local _n
	_n=$(($1 * 10))
	shift
	while ! "$@"; do
		[ "$_n" -gt 0 ] || return 1
		_n=$((_n - 1))
		sleep 0.1
	done
}

# list_field DAXCTL NAME: a field of "daxctl list -d dax0.0" (JSON, no jq here)
list_field() {
	"$1" list -d dax0.0 2>/dev/null | tr -d ' \n\t' |
		sed -n "s/.*\"$2\":\"\{0,1\}\([^\",}]*\).*/\1/p"
}

# list_is DAXCTL NAME VALUE
list_is() {
	at_v=$(list_field "$1" "$2")
	[ "$at_v" = "$3" ] || why "$1 list: $2 is '$at_v', want '$3'"
}

# run DAXCTL ARGS...: run daxctl, keeping its output for the failure message
run() {
	at_out=$("$@" 2>&1) || { why "$* failed: $(echo "$at_out" | tail -n 3 | tr '\n' '|')"; return 1; }
}

BASE_KB=$(memtotal_kb)

softdep_loaded_us() {
	[ -d $MOD ] || why "dax_kmem_atomic not loaded by modprobe device_dax (softdep)" || return 1
	[ ! -d /sys/module/kmem ] || why "the in-kernel kmem is loaded" || return 1
	expect_eq replace_kmem "$(cat $MOD/parameters/replace_kmem)" Y &&
		expect_eq exclusive "$(cat $PARAM)" N &&
		expect_eq "module of drivers/kmem" "$(basename "$(readlink $DAXBUS/drivers/kmem/module)")" dax_kmem_atomic
}
check "replace mode: modprobe device_dax loads us (softdep) as the dax driver kmem, exclusive=N" softdep_loaded_us

# 6.12+ (where dax devices have memmap_on_memory): hmem devices bind to a
# driver of kmem's type when it loads, as they would to the in-kernel kmem;
# before, device_dax took them.
auto_bound_as_kmem() {
	if [ -e $DEVS/memmap_on_memory ]; then
		expect_eq "driver of dax0.0 at boot" "$DKA_BOOT_DRIVER" kmem
	else
		expect_eq "driver of dax0.0 at boot" "$DKA_BOOT_DRIVER" device_dax
	fi
}
check "replace mode: at boot dax0.0 went where the in-kernel kmem would have let it go (6.12+: to kmem by type)" auto_bound_as_kmem

modprobe_kmem_is_us() {
	modprobe kmem || why "modprobe kmem failed" || return 1
	[ ! -d /sys/module/kmem ] || why "modprobe kmem loaded the in-kernel kmem"
}
check "replace mode: modprobe kmem runs the install rule, the in-kernel kmem stays out" modprobe_kmem_is_us

for DAXCTL in daxctl daxctl-sid; do
	V=$($DAXCTL --version 2>/dev/null)
	info "$DAXCTL is version $V"

	to_system_ram() {
		dax_single dax0.0
		set_policy offline
		run $DAXCTL reconfigure-device --mode=system-ram dax0.0 || return 1
		expect_eq driver "$(dax_driver dax0.0)" kmem || return 1
		blocks_are dax0.0 online Movable || return 1
		until_ok 5 state_is dax0.0 online_movable || return 1
		drift_is dax0.0 0 && list_is $DAXCTL mode system-ram &&
			list_is $DAXCTL online_memblocks 16 && list_is $DAXCTL total_memblocks 16
	}
	check "daxctl $V: reconfigure-device --mode=system-ram: every block online movable, state online_movable, list agrees" to_system_ram

	to_devdax() {
		# (online memory: daxctl wants --force to offline it first)
		run $DAXCTL reconfigure-device --mode=devdax --force dax0.0 || return 1
		expect_eq driver "$(dax_driver dax0.0)" device_dax || return 1
		blocks_are dax0.0 absent || return 1
		[ "$(iomem_ram_count dax0.0)" = 0 ] || why "System RAM left in iomem: $(iomem_of dax0.0)" || return 1
		expect_eq MemTotal "$(memtotal_kb)" "$BASE_KB" && list_is $DAXCTL mode devdax
	}
	check "daxctl $V: reconfigure-device --mode=devdax --force: blocks offlined one by one and removed, MemTotal back" to_devdax

	no_online() {
		set_policy offline
		run $DAXCTL reconfigure-device --mode=system-ram --no-online dax0.0 || return 1
		expect_eq driver "$(dax_driver dax0.0)" kmem &&
			blocks_are dax0.0 offline && state_is dax0.0 offline && drift_is dax0.0 0 &&
			list_is $DAXCTL online_memblocks 0 && list_is $DAXCTL total_memblocks 16
	}
	check "daxctl $V: reconfigure-device --mode=system-ram --no-online: blocks offline, state offline" no_online

	online_memory() {
		run $DAXCTL online-memory dax0.0 || return 1
		blocks_are dax0.0 online Movable && until_ok 5 state_is dax0.0 online_movable &&
			drift_is dax0.0 0 && list_is $DAXCTL online_memblocks 16
	}
	check "daxctl $V: online-memory: state follows to online_movable" online_memory

	offline_memory() {
		run $DAXCTL offline-memory dax0.0 || return 1
		blocks_are dax0.0 offline && until_ok 5 state_is dax0.0 offline &&
			drift_is dax0.0 0 && list_is $DAXCTL online_memblocks 0
	}
	check "daxctl $V: offline-memory: state follows to offline" offline_memory

	state_on_daxctl_device() {
		write_expect "$DEVS/state" online_movable EBUSY &&
			write_expect "$DEVS/state" unplugged OK &&
			blocks_are dax0.0 absent && list_is $DAXCTL mode system-ram &&
			write_expect "$DEVS/state" online_kernel OK &&
			blocks_are dax0.0 online Normal && state_is dax0.0 online_kernel &&
			list_is $DAXCTL online_memblocks 16 &&
			write_expect "$DEVS/state" unplugged OK && blocks_are dax0.0 absent
	}
	check "daxctl $V: our state on the daxctl-managed device: unplugged, online_kernel, unplugged" state_on_daxctl_device

	devdax_from_unplugged() {
		run $DAXCTL reconfigure-device --mode=devdax dax0.0 || return 1
		expect_eq driver "$(dax_driver dax0.0)" device_dax &&
			expect_eq MemTotal "$(memtotal_kb)" "$BASE_KB"
	}
	check "daxctl $V: reconfigure-device --mode=devdax from unplugged" devdax_from_unplugged

	exclusive_refuses_daxctl() {
		set_policy offline
		run $DAXCTL reconfigure-device --mode=system-ram --no-online dax0.0 || return 1
		echo Y >$PARAM
		at_rc=0
		$DAXCTL online-memory dax0.0 >/dev/null 2>&1 || at_rc=$?
		echo N >$PARAM
		[ "$at_rc" != 0 ] || why "online-memory succeeded with exclusive=Y" || return 1
		blocks_are dax0.0 offline && state_is dax0.0 offline || return 1
		dmesg | grep -q "dax0.0: refused online of memory[0-9]* by daxctl" ||
			why "no log line naming daxctl"
	}
	check "daxctl $V: with exclusive=Y its per-block online is refused, logged, nothing changes" exclusive_refuses_daxctl
	dax_release dax0.0
done
set_policy offline

# ---- replace mode and the in-kernel kmem exclude each other ----

not_beside_kmem() {
	dax_release dax0.0
	rmmod dax_kmem_atomic || why "rmmod dax_kmem_atomic failed" || return 1
	modprobe --ignore-install kmem || why "cannot load the in-kernel kmem" || return 1
	at_rc=0
	modprobe dax_kmem_atomic 2>/dev/null || at_rc=$?
	dax_release dax0.0
	rmmod kmem || why "rmmod kmem failed" || return 1
	[ "$at_rc" != 0 ] || why "replace mode loaded beside the in-kernel kmem" || return 1
	[ ! -d $MOD ] || why "module left loaded" || return 1
	dmesg | grep -q "dax_kmem_atomic: replace_kmem=1: a dax driver named kmem is already registered" ||
		why "no clear log line"
}
check "replace_kmem=1 refuses to load while the in-kernel kmem is loaded, and says why" not_beside_kmem

kmem_not_beside_us() {
	modprobe kmem && [ -d $MOD ] || why "modprobe kmem did not load us" || return 1
	at_rc=0
	modprobe --ignore-install kmem 2>/dev/null || at_rc=$?
	[ "$at_rc" != 0 ] && [ ! -d /sys/module/kmem ] || why "the in-kernel kmem loaded beside us"
}
check "the in-kernel kmem cannot load while replace mode holds the name" kmem_not_beside_us
set_policy "$DKA_BOOT_POLICY"

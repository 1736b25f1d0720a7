#!/bin/sh
# Not in "all" (tests/guest/suites.conf): a boot of its own, after cli: real udev runs the shipped rule
#
# The command's boot-time path: a policy file in /etc/dax-kmem-atomic.d, the
# packaged udev rule (tool/95-dax-kmem-atomic.rules, in the initramfs's
# /lib/udev/rules.d) and Debian 12's systemd-udevd, started as at boot (no
# systemd here, so the rule takes its RUN path), then the coldplug that a
# boot makes (udevadm trigger --action=add): the rule's command must load
# the module itself (libkmod) and put dax0.0 in the policy's state, saying
# so in the kernel log (--kmsg).  Change uevents (ours, after each state
# change) and memory blocks must not run it.  Sourced by /init with lib.sh.

T=dax-kmem-atomic
PD=/etc/dax-kmem-atomic.d
MOD=/sys/module/dax_kmem_atomic

# klines: the rule's apply lines for dax0.0 in the kernel log (--kmsg;
# the attach step has a line of its own, without the section)
klines() { dmesg | grep -c 'dax-kmem-atomic: dax.*\[boot-test\]' || true; }

udev_start() {
	mkdir -p /run/udev
	systemd-udevd --daemon --resolve-names=never || { why "systemd-udevd --daemon failed"; return 1; }
	udevadm settle --timeout=30 || why "udevadm settle after start failed"
}

boot_apply() {
	mkdir -p $PD
	printf '# boot-time policy test\n[boot-test]\nnode = 1\nmin-size = 1G\nstate = online_movable\n' >$PD/50-boot.conf
	dax_release dax0.0
	rmmod dax_kmem_atomic 2>/dev/null
	[ ! -d $MOD ] || { why "cannot unload dax_kmem_atomic before the boot test"; return 1; }
	udev_start || return 1
	at_k0=$(klines)
	udevadm trigger --action=add --subsystem-match=dax || { why "udevadm trigger failed"; return 1; }
	udevadm settle --timeout=120 || { why "udevadm settle timed out"; return 1; }
	[ -d $MOD ] || { why "the rule's command did not load $DRV"; return 1; }
	expect_eq driver "$(dax_driver dax0.0)" "$DRV" && state_is dax0.0 online_movable &&
		blocks_are dax0.0 online Movable || return 1
	dmesg | grep -q "dax-kmem-atomic: dax0.0: \[boot-test\] ($PD/50-boot.conf:2): online_movable (was " ||
		why "no log line of the rule's apply: $(dmesg | grep 'dax-kmem-atomic' | tail -n 3 | tr '\n' '|')" || return 1
	dmesg | grep -q "dax-kmem-atomic: dax0.0: bound to .*dax_kmem_atomic.* (was unbound)" ||
		why "no log line of the attach step" || return 1
	info "cli-boot: $(dmesg | grep 'dax-kmem-atomic: dax0.0' | tail -n 2 | tr '\n' '|')"
	expect_eq "log lines of the rule's apply" $(($(klines) - at_k0)) 1
}
check "cli-boot: udev (systemd-udevd, the shipped rule's RUN) applies the policy on device add: module loaded by it, dax0.0 online_movable, logged" boot_apply

no_change_events() {
	at_k0=$(dmesg | grep -c 'dax-kmem-atomic: ')
	$T set dax0.0 unplugged >/dev/null || { why "set unplugged failed"; return 1; }
	udevadm settle --timeout=60
	state_is dax0.0 unplugged || return 1
	expect_eq "log lines after a change uevent" $(($(dmesg | grep -c 'dax-kmem-atomic: ') - at_k0)) 0
}
check "cli-boot: the rule does not run on change uevents (ours after each state change) nor for memory blocks" no_change_events

again_idempotent() {
	$T set dax0.0 online_movable >/dev/null || { why "set online_movable failed"; return 1; }
	at_k0=$(klines)
	udevadm trigger --action=add --subsystem-match=dax && udevadm settle --timeout=120
	state_is dax0.0 online_movable || return 1
	expect_eq "log lines" $(($(klines) - at_k0)) 1 || return 1
	dmesg | tail -n 20 | grep -q "dax-kmem-atomic: dax0.0: \[boot-test\] .*: already online_movable" ||
		why "no 'already online_movable' line"
}
check "cli-boot: a second add event finds dax0.0 conforming: already online_movable, nothing changed" again_idempotent

udevadm control --exit 2>/dev/null
rm -rf $PD
$T detach dax0.0 >/dev/null 2>&1
dax_single dax0.0

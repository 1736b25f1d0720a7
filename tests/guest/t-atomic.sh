#!/bin/sh
# Beyond Linux 7.3 (README.md, "Where it differs from the in-kernel kmem on
# purpose"): ownership of the blocks, atomic online, rollback of a failed
# online, drift, the uevent.  Our module only:
# the in-kernel kmem has none of this (the unplug rollbacks 7.3 also has are
# in t-rollback.sh).  Sourced by /init with lib.sh.

PARAM=/sys/module/dax_kmem_atomic/parameters/exclusive

# ---- online is all or nothing ----

# online_vetoed [signal|term]: dax0.0 unplugged, the helper vetoes the
# onlining of its 9th block: online_movable fails with EIO and goes back to
# unplugged (no block, no iomem, MemTotal as before); online works once the
# veto is gone. With "signal" the veto comes 3 s late and the writer has a
# SIGUSR1 pending by then: the rollback's offlines must not give up on it
# (the kernel's offline stops on a pending signal), or the device would be
# left online behind an error. With "term" the writer gets SIGTERM with no
# handler, which the kernel turns into SIGKILL when it is sent (timeout(1),
# systemctl stop, udev killing a worker): it cannot be held off, and the
# rollback must still end with nothing online. With "freeze" the system
# freezes tasks for a suspend meanwhile (the freezer's fake signal is
# pending in the writer until it returns to user space).
online_vetoed() {
	dax_single dax0.0
	fresh_bind dax0.0 offline || { why "bind failed"; return 1; }
	write_expect "$DAXBUS/devices/dax0.0/state" unplugged OK || return 1
	at_mem=$(memtotal_kb)
	at_b=$(blocks_of dax0.0 | sed -n 9p)
	if [ "${1:-}" = signal ]; then
		modprobe $HELPER mode=veto_online pfn="$(first_pfn "$at_b")" delay_ms=3000 ||
			{ why "helper load failed"; return 1; }
		sysfs-write -i "$DAXBUS/devices/dax0.0/state" online_movable >/tmp/veto-intr.out &
		at_pid=$!
		sleep 1.5
		kill -USR1 $at_pid
		wait $at_pid
		case "$(cat /tmp/veto-intr.out)" in
		EIO | EINTR) at_rc=0 ;;
		*) why "signalled online returned $(cat /tmp/veto-intr.out), want EIO or EINTR"; at_rc=1 ;;
		esac
	elif [ "${1:-}" = freeze ]; then
		modprobe $HELPER mode=veto_online pfn="$(first_pfn "$at_b")" delay_ms=3000 ||
			{ why "helper load failed"; return 1; }
		sysfs-write "$DAXBUS/devices/dax0.0/state" online_movable >/tmp/veto-frz.out &
		at_pid=$!
		sleep 1
		# freeze every task and thaw them again (pm_test: no real sleep)
		echo freezer >/sys/power/pm_test
		echo freeze >/sys/power/state 2>/tmp/veto-frz.err ||
			info "freeze: $(cat /tmp/veto-frz.err)"
		echo none >/sys/power/pm_test
		wait $at_pid
		expect_eq "online during a freeze" "$(cat /tmp/veto-frz.out)" EIO
		at_rc=$?
	elif [ "${1:-}" = term ]; then
		modprobe $HELPER mode=veto_online pfn="$(first_pfn "$at_b")" delay_ms=3000 ||
			{ why "helper load failed"; return 1; }
		sysfs-write "$DAXBUS/devices/dax0.0/state" online_movable >/dev/null &
		at_pid=$!
		sleep 1.5
		kill -TERM $at_pid
		# returns once the write has ended in the kernel (the task exits then)
		wait $at_pid
		at_rc=0
	else
		modprobe $HELPER mode=veto_online pfn="$(first_pfn "$at_b")" || { why "helper load failed"; return 1; }
		write_expect "$DAXBUS/devices/dax0.0/state" online_movable EIO
		at_rc=$?
	fi
	rmmod $HELPER
	[ $at_rc = 0 ] || return 1
	state_is dax0.0 unplugged && blocks_are dax0.0 absent || return 1
	[ -z "$(iomem_of dax0.0)" ] || { why "iomem still has: $(iomem_of dax0.0)"; return 1; }
	[ "$(memtotal_kb)" = "$at_mem" ] || { why "MemTotal $(memtotal_kb), was $at_mem"; return 1; }
	write_expect "$DAXBUS/devices/dax0.0/state" online_movable OK &&
		blocks_are dax0.0 online Movable
}
check "online fails at a middle block (vetoed): error returned, back to unplugged, nothing left" online_vetoed
check "online fails at a middle block with a signal pending: rolled back all the same, back to unplugged" online_vetoed signal
check "online fails at a middle block, the writer killed by SIGTERM meanwhile: rolled back all the same, back to unplugged" online_vetoed term
check "online fails at a middle block while the system freezes tasks (suspend): rolled back all the same, back to unplugged" online_vetoed freeze

probe_vetoed() {
	dax_single dax0.0
	at_b=$(blocks_of dax0.0 | sed -n 3p)
	modprobe $HELPER mode=veto_online pfn="$(first_pfn "$at_b")" || { why "helper load failed"; return 1; }
	fresh_bind dax0.0 online_movable
	at_rc=$?
	rmmod $HELPER
	[ $at_rc = 0 ] || { why "bind failed"; return 1; }
	state_is dax0.0 offline && blocks_are dax0.0 offline || return 1
	dmesg | grep -q "dax0.0: could not online every block as online_movable: leaving the memory offline" ||
		why "no log line for the failed probe-time online"
}
check "probe with policy online_movable and a vetoed block: every block offline, state offline" probe_vetoed

# The same probe, the binding task killed by SIGTERM (a SIGKILL once sent)
# while the veto sleeps: the rollback still takes every block offline, and
# "state" says offline because they are.
probe_vetoed_term() {
	dax_single dax0.0
	dax_release dax0.0
	at_b=$(blocks_of dax0.0 | sed -n 3p)
	modprobe $HELPER mode=veto_online pfn="$(first_pfn "$at_b")" delay_ms=3000 ||
		{ why "helper load failed"; return 1; }
	at_old=$(policy)
	set_policy online_movable
	sysfs-write "$DAXBUS/drivers/$DRV/new_id" dax0.0 >/dev/null &
	at_pid=$!
	sleep 1.5
	kill -TERM $at_pid
	wait $at_pid
	set_policy "$at_old"
	rmmod $HELPER
	[ "$(dax_driver dax0.0)" = "$DRV" ] || { why "not bound"; return 1; }
	state_is dax0.0 offline && blocks_are dax0.0 offline && drift_is dax0.0 0
}
check "probe with a vetoed block, the binding task killed by SIGTERM: every block offline, state offline" probe_vetoed_term

# A probe whose online is vetoed (9th block) after the helper pinned a
# movable page in a block it had already onlined (13th): the rollback's
# offline of that block would retry page migration for as long as the pin
# lasts, holding the device's lock inside the bind. The bind must return:
# the rollback gives that block up after 10 s without progress and
# offlines the others; state offline, drift 1 (that block), logged. Once
# the pin is gone, unplugged takes everything away.
probe_vetoed_pinned() {
	dax_single dax0.0
	dax_release dax0.0
	at_b=$(blocks_of dax0.0 | sed -n 9p)
	at_p=$(blocks_of dax0.0 | sed -n 13p)
	modprobe $HELPER mode=veto_online pfn="$(first_pfn "$at_b")" nid="$(dnode dax0.0)" \
		pfn2="$(first_pfn "$at_p")" || { why "helper load failed"; return 1; }
	at_old=$(policy)
	set_policy online_movable
	sysfs-write "$DAXBUS/drivers/$DRV/new_id" dax0.0 >/tmp/pin-bind.out &
	at_pid=$!
	wait_exit $at_pid 60
	at_i=$((WAITED / 2))
	set_policy "$at_old"
	if kill -0 $at_pid 2>/dev/null; then
		kill -9 $at_pid
		wait $at_pid
		rmmod $HELPER
		why "the bind still waits after 60 s (killed)"
		return 1
	fi
	wait $at_pid
	info "probe with a pinned page in an onlined block returned after about $at_i s"
	at_on=$(block_states dax0.0 | grep ':online$' | tr '\n' ' ')
	at_rc=0
	[ "$(dax_driver dax0.0)" = "$DRV" ] || { why "not bound"; at_rc=1; }
	[ $at_rc = 1 ] || [ "$at_on" = "$at_p:online " ] || { why "online blocks: $at_on, want $at_p"; at_rc=1; }
	[ $at_rc = 1 ] || { state_is dax0.0 offline && drift_is dax0.0 1; } || at_rc=1
	[ $at_rc = 1 ] || dmesg | grep -q "dax0.0: rollback: memory$at_p could not be offlined again: -4 (given up" ||
		{ why "no log line giving memory$at_p up"; at_rc=1; }
	rmmod $HELPER
	[ $at_rc = 0 ] || return 1
	write_expect "$DAXBUS/devices/dax0.0/state" unplugged OK && blocks_are dax0.0 absent
}
check "probe with a vetoed block and a page pinned in an onlined one: bind returns, that block given up, state offline, drift 1" probe_vetoed_pinned

# ---- ownership of the blocks ----

exclusive_refuses() {
	dax_single dax0.0
	online_as dax0.0 online_movable || return 1
	at_b=$(blocks_of dax0.0 | sed -n 2p)
	write_expect "$MEMSYS/memory$at_b/state" offline EBUSY &&
		write_expect "$MEMSYS/memory$at_b/online" 0 EBUSY &&
		state_is dax0.0 online_movable && blocks_are dax0.0 online Movable || return 1
	dmesg | grep -q "dax0.0: refused offline of memory$at_b" || why "no log line for the refusal"
}
check "exclusive=Y: per-block offline (state and online files) refused with EBUSY and logged" exclusive_refuses

shared_drift() {
	dax_single dax0.0
	online_as dax0.0 online_movable || return 1
	echo N >$PARAM
	at_b=$(blocks_of dax0.0 | sed -n 4p)
	write_expect "$MEMSYS/memory$at_b/state" offline OK
	at_rc=$?
	sleep 0.5
	echo Y >$PARAM
	[ $at_rc = 0 ] || return 1
	state_is dax0.0 online_movable && drift_is dax0.0 1 || return 1
	dmesg | grep -q "dax0.0: memory blocks changed behind 'state'" || { why "no drift log line"; return 1; }
	write_expect "$DAXBUS/devices/dax0.0/state" unplugged OK &&
		blocks_are dax0.0 absent && drift_is dax0.0 0
}
check "exclusive=N: a foreign offline is allowed, shown in drift and the log; unplugged still works" shared_drift

# racer MODE: toggle one block's state from a second process during 8
# transitions; each transition must be atomic and state true afterwards.
racer() {
	dax_single dax0.0
	online_as dax0.0 online_movable || return 1
	echo "$1" >$PARAM
	at_b=$(blocks_of dax0.0 | sed -n 7p)
	(
		while :; do
			echo offline >"$MEMSYS/memory$at_b/state"
			echo online_movable >"$MEMSYS/memory$at_b/state"
		done 2>/dev/null
	) &
	at_pid=$!
	at_bad=""
	for _ in 1 2 3 4 5 6 7 8; do
		for at_s in unplugged online_movable; do
			at_r=$(sysfs-write "$DAXBUS/devices/dax0.0/state" $at_s)
			[ "$at_r" = OK ] || at_bad="$at_bad $at_s:$at_r"
		done
	done
	kill $at_pid
	wait $at_pid 2>/dev/null
	echo Y >$PARAM
	[ -z "$at_bad" ] || { why "transitions failed:$at_bad"; return 1; }
	state_is dax0.0 online_movable || return 1
	if [ "$1" = Y ]; then
		blocks_are dax0.0 online Movable && drift_is dax0.0 0
	else
		# the racer may have left its block offline: drift must say so
		at_off=$(block_states dax0.0 | grep -c ':offline$')
		drift_is dax0.0 "$at_off"
	fi
}
check "racer on memoryN/state, exclusive=Y: 16 transitions succeed, blocks match state" racer Y
check "racer on memoryN/state, exclusive=N: 16 transitions succeed, drift tells the truth" racer N

uevent_sent() {
	dax_single dax0.0
	fresh_bind dax0.0 offline || { why "bind failed"; return 1; }
	rm -f /tmp/uevents
	uevent sh -c 'echo "$ACTION $DEVPATH $DAX_KMEM_STATE" >>/tmp/uevents' &
	at_pid=$!
	sleep 0.3
	set_state dax0.0 unplugged && set_state dax0.0 online_movable
	# busybox uevent forks a shell per event (48 here): under TCG on a busy
	# host that takes seconds, so wait for the events instead of a fixed time
	at_i=0
	while [ $at_i -lt 150 ]; do
		grep -q "^change .*/dax0.0 unplugged$" /tmp/uevents 2>/dev/null &&
			grep -q "^change .*/dax0.0 online_movable$" /tmp/uevents && break
		sleep 0.1
		at_i=$((at_i + 1))
	done
	kill $at_pid
	grep -q "^change .*/dax0.0 unplugged$" /tmp/uevents &&
		grep -q "^change .*/dax0.0 online_movable$" /tmp/uevents ||
		why "uevents seen: $(tr '\n' ';' </tmp/uevents 2>/dev/null)"
}
check "KOBJ_CHANGE uevent with DAX_KMEM_STATE after every state change" uevent_sent

# ---- rmmod cannot strand memory ----

# While a device has memory online, unloading the module (which unbinds it,
# and unbind never offlines) would leave that memory in use until reboot:
# the module is held, rmmod says it is in use and changes nothing. Once the
# device is unplugged it unloads. Also with a block onlined behind our back
# (exclusive=N) while "state" says offline.
rmmod_refused() {
	dax_single dax0.0
	online_as dax0.0 online_movable || return 1
	if rmmod dax_kmem_atomic 2>/tmp/rmmod.err; then
		modprobe dax_kmem_atomic
		why "rmmod succeeded with dax0.0 online (blocks now: $(block_summary dax0.0))"
		return 1
	fi
	grep -q '^dax_kmem_atomic ' /proc/modules || { why "module gone"; return 1; }
	state_is dax0.0 online_movable && blocks_are dax0.0 online Movable || return 1
	write_expect "$DAXBUS/devices/dax0.0/state" unplugged OK || return 1
	fresh_bind dax0.0 offline || { why "bind failed"; return 1; }
	echo N >$PARAM
	at_b=$(blocks_of dax0.0 | sed -n 2p)
	write_expect "$MEMSYS/memory$at_b/state" online_movable OK
	at_rc=$?
	echo Y >$PARAM
	[ $at_rc = 0 ] || return 1
	if rmmod dax_kmem_atomic 2>>/tmp/rmmod.err; then
		modprobe dax_kmem_atomic
		why "rmmod succeeded with memory$at_b online behind an offline state"
		return 1
	fi
	write_expect "$DAXBUS/devices/dax0.0/state" unplugged OK || return 1
	rmmod dax_kmem_atomic || { why "rmmod after unplug failed"; return 1; }
	blocks_are dax0.0 absent || return 1
	modprobe dax_kmem_atomic || { why "modprobe failed"; return 1; }
	info "rmmod refusals: $(tr '\n' '|' </tmp/rmmod.err)"
}
check "rmmod refused while a device has memory online (state or a foreign block), works once unplugged" rmmod_refused

too_small() {
	dax_split dax0.0 $((1024 << 20)) $((64 << 20)) || return 1
	at_n=$SPLIT_NEW
	if dax_bind "$at_n"; then
		why "a 64 MiB device was bound"
		return 1
	fi
	dmesg | grep -q "$at_n: rejecting DAX region without any memory after alignment" ||
		why "no log line for the refusal"
}
check "a device smaller than one memory block is refused with a clear message" too_small

dax_single dax0.0

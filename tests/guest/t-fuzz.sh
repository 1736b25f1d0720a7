#!/bin/sh
# Hostile input for the state attribute (tests/harness/progs/state-fuzz.c): 10,000 writes
# of random bytes and lengths in random states; only valid words may change
# anything, everything else is EINVAL and leaves state and blocks untouched.
# Valid on 7.3's in-kernel kmem too (the oracle).

fuzz_from() {
	dax_single dax0.0
	fresh_bind dax0.0 offline || { why "bind failed"; return 1; }
	at_mem=$(memtotal_kb)
	at_out=$(state-fuzz "$DAXBUS/devices/dax0.0/state" 10000 "$1")
	at_rc=$?
	echo "@@DKA-INFO seed $1: $at_out" | head -n 12
	[ $at_rc = 0 ] || { why "$(echo "$at_out" | tail -n 1)"; return 1; }
	# the device ends where the model says; its blocks agree
	at_final=$(echo "$at_out" | sed -n 's/.* final=//p')
	case "$at_final" in
	unplugged) expect_eq "blocks" "$(block_summary dax0.0)" absent ;;
	offline) expect_eq "blocks" "$(block_summary dax0.0)" offline ;;
	online_movable) expect_eq "blocks" "$(block_summary dax0.0)" online &&
		expect_eq "zones" "$(block_zones dax0.0)" Movable ;;
	*) why "unexpected final state $at_final" ;;
	esac || return 1
	set_state dax0.0 unplugged
	[ "$(memtotal_kb)" -le "$at_mem" ] || why "MemTotal grew after unplug"
}
check "fuzz: 10000 hostile writes (seed 1), every result as the model says" fuzz_from 1
check "fuzz: 10000 hostile writes (seed 2), every result as the model says" fuzz_from 2
dax_single dax0.0

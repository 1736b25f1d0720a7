#!/bin/sh
# Not in "all" (tests/guest/suites.conf): a boot of its own: it reloads the module, fills memory,
# and a leak it might cause must not spill into other suites
#
# Stress and races, our module only.  tests/harness/progs/dka-stress.c runs the
# load for dka.stress_seconds=S per step (default 6): writers hammering
# dax0.0's state (two ranges) with random targets, a writer on dax0.1 (a
# third range between them), racers on memoryN/state files of dax0.0,
# daxctl list and daxctl online-memory in loops; with exclusive=Y and =N;
# then unbind/bind and rmmod/modprobe cycles while they run (with unbinds
# racing an in-flight unplug), an unbind waiting on an unplug stuck in page
# migration, and memory pressure (a process filling node 1 while unplugged
# is written: its pages migrate, or, with nowhere to go, the write is
# interrupted and everything stays online).  After every step: no
# oops/WARN/BUG/lockdep/KASAN/hung task in the kernel log, state is the
# truth of the blocks (exclusive=Y) or drift counts the blocks that differ
# (exclusive=N), /proc/iomem holds exactly the resources of the state, and
# MemTotal returns to its baseline once unplugged.  At the end dax0.0,
# unplugged, is bound to device_dax and used.  Figures: @@DKA-INFO stress
# lines.  Sourced by /init with lib.sh.

ST_SECS=6
for w in $(cat /proc/cmdline); do
	case "$w" in dka.stress_seconds=*) ST_SECS=${w#dka.stress_seconds=} ;; esac
done
ST_PARAM=/sys/module/dax_kmem_atomic/parameters/exclusive
ST_VIOL=0
ST_INJ=0
ST_MARK=0
ST_ALL=/tmp/stress.all
: >$ST_ALL
info "stress: $ST_SECS s per step"

# st_viol WHY: one invariant violation (also the check's reason)
st_viol() {
	ST_VIOL=$((ST_VIOL + 1))
	echo "@@DKA-INFO stress violation: $*"
	why "$*"
}

# st_mark: start a step; st_log_clean: nothing bad in the kernel log since
st_mark() {
	ST_MARK=$((ST_MARK + 1))
	echo "dka-stress: step $ST_MARK" >/dev/kmsg
}
st_log_clean() {
	at_l=$(dmesg | sed -n "/dka-stress: step $ST_MARK\$/,\$p" |
		grep -E 'WARNING:|BUG:|Call Trace|Oops|general protection|kernel BUG|lockdep|possible circular|possible recursive|KASAN|UBSAN|blocked for more than|soft lockup|rcu.*stall' |
		head -n 3)
	[ -z "$at_l" ] || st_viol "kernel log: $at_l"
}

# blk_kind N: absent, offline, kernel or movable
blk_kind() {
	at_k=$(cat "$MEMSYS/memory$1/state" 2>/dev/null) || { echo absent; return; }
	case "$at_k" in
	offline) echo offline ;;
	online) if [ "$(cat "$MEMSYS/memory$1/valid_zones")" = Movable ]; then echo movable; else echo kernel; fi ;;
	*) echo "$at_k" ;;
	esac
}

# st_mismatch DEV STATE: blocks of DEV not in STATE
st_mismatch() {
	at_n=0
	for at_b in $(blocks_of "$1"); do
		at_k=$(blk_kind "$at_b")
		case "$2:$at_k" in
		unplugged:absent | offline:offline | online_kernel:kernel | online_movable:movable) ;;
		online:kernel | online:movable) ;;
		*) at_n=$((at_n + 1)) ;;
		esac
	done
	echo $at_n
}

# st_iomem_want DEV STATE: the /proc/iomem lines the state implies
st_iomem_want() {
	[ "$2" = unplugged ] && return 0
	dax_ranges "$1" | while read -r at_s at_e; do
		at_a=$(((at_s + BLOCK_SIZE - 1) / BLOCK_SIZE * BLOCK_SIZE))
		at_z=$(((at_e + 1) / BLOCK_SIZE * BLOCK_SIZE - 1))
		[ "$at_z" -gt "$at_a" ] || continue
		printf '%08x-%08x : %s\n' "$at_a" "$at_z" "$1"
		printf '%08x-%08x : System RAM (kmem)\n' "$at_a" "$at_z"
	done | sort
}

# st_truth DEV MODE: state, blocks, drift and iomem agree (MODE Y or N)
st_truth() {
	at_st=$(dax_state "$1")
	[ "$at_st" = "<none>" ] && { st_viol "$1 is not bound to $DRV"; return 1; }
	# the drift work runs after a foreign change: let it settle
	at_i=0
	while [ "$2" = N ] && [ $at_i -lt 30 ]; do
		at_st=$(dax_state "$1")
		[ "$(cat "$DAXBUS/devices/$1/drift")" = "$(st_mismatch "$1" "$at_st")" ] && break
		sleep 0.1
		at_i=$((at_i + 1))
	done
	at_st=$(dax_state "$1")
	at_mm=$(st_mismatch "$1" "$at_st")
	at_dr=$(cat "$DAXBUS/devices/$1/drift")
	at_ks=$(for at_b in $(blocks_of "$1"); do blk_kind "$at_b"; done | sort -u | tr '\n' ' ')
	if [ "$2" = Y ] && [ "$at_mm" != 0 ]; then
		st_viol "$1: state $at_st but blocks $at_ks($at_mm differ)"
		return 1
	fi
	if [ "$at_dr" != "$at_mm" ]; then
		st_viol "$1: state $at_st, blocks $at_ks: drift reads $at_dr, $at_mm differ"
		return 1
	fi
	# exclusive=N: when all blocks agree, state follows them
	case "$at_ks" in
	"offline ") at_f=offline ;;
	"movable ") at_f="online_movable online" ;;
	"kernel ") at_f="online_kernel online" ;;
	"kernel movable ") at_f=online ;;
	"absent ") at_f=unplugged ;;
	*) at_f="" ;;
	esac
	if [ -n "$at_f" ] && ! echo " $at_f " | grep -q " $at_st "; then
		st_viol "$1: every block is $at_ks but state reads $at_st"
		return 1
	fi
	at_got=$(iomem_of "$1" | sed 's/^ *//' | sort)
	at_want=$(st_iomem_want "$1" "$at_st")
	if [ "$at_got" != "$at_want" ]; then
		st_viol "$1 ($at_st): /proc/iomem has [$(echo "$at_got" | tr '\n' ';')], want [$(echo "$at_want" | tr '\n' ';')]"
		return 1
	fi
	return 0
}

# st_unplug_all: unplug every device; iomem empty and MemTotal at baseline
st_unplug_all() {
	for at_d in $ST_DEVS; do
		at_i=0
		while [ "$(dax_state "$at_d")" != unplugged ] && [ $at_i -lt 20 ]; do
			set_state "$at_d" unplugged || sleep 0.3
			at_i=$((at_i + 1))
		done
		[ "$(dax_state "$at_d")" = unplugged ] ||
			{ st_viol "$at_d cannot be unplugged: $(dax_state "$at_d"), blocks $(block_summary "$at_d")"; return 1; }
		st_truth "$at_d" Y || return 1
	done
	[ "$(memtotal_kb)" = "$ST_BASE" ] ||
		st_viol "MemTotal $(memtotal_kb) kB after unplug, baseline $ST_BASE kB"
}

# st_invariants MODE: after a step
st_invariants() {
	at_rc=0
	st_log_clean || at_rc=1
	for at_d in $ST_DEVS; do
		st_truth "$at_d" "$1" || at_rc=1
	done
	st_unplug_all || at_rc=1
	st_log_clean || at_rc=1
	return $at_rc
}

# st_run ARGS...: dka-stress run with the standard load; 1 on unexpected
st_run() {
	dka-stress run -t "$ST_SECS" -s "$ST_MARK" "$@" >/tmp/stress.out 2>&1
	at_rc=$?
	cat /tmp/stress.out
	cat /tmp/stress.out >>$ST_ALL
	[ $at_rc = 0 ] || why "dka-stress: $(tail -n 1 /tmp/stress.out)"
}

st_load() {
	at_bl=$(blocks_of dax0.0)
	at_r=""
	for at_b in $(echo "$at_bl" | sed -n '1p;5p;8p;9p;12p'); do
		at_r="$at_r -r $MEMSYS/memory$at_b/state"
	done
	# shellcheck disable=SC2086
	st_run -w 3 -d dax0.0 -d dax0.1 $at_r \
		-x "daxctl list -M -D -R" -x "daxctl online-memory dax0.0" "$@"
}

# ---- setup: dax0.0 in two ranges (8 + 4 blocks) around dax0.1 (4 blocks) ----

st_setup() {
	two_ranges || return 1
	fresh_bind dax0.0 offline && fresh_bind dax0.1 offline || { why "bind failed"; return 1; }
	set_state dax0.0 unplugged && set_state dax0.1 unplugged || { why "unplug failed"; return 1; }
	ST_DEVS="dax0.0 dax0.1"
	ST_BASE=$(memtotal_kb)
	info "stress: dax0.0 ranges $(dax_ranges dax0.0 | tr '\n' ';') dax0.1 $(dax_ranges dax0.1); MemTotal baseline $ST_BASE kB"
	st_mark
}
check "stress setup: dax0.0 (2 ranges) and dax0.1 bound, unplugged" st_setup

# exclusive=N: the writers pause up to 300 ms after a write, so that the
# racers' per-block changes land between transitions (drift, state following)
st_think() { [ "$1" = N ] && echo "-p 300"; }

st_excl() {
	echo "$1" >$ST_PARAM
	st_mark
	at_rc=0
	# shellcheck disable=SC2046
	st_load $(st_think "$1") || at_rc=1
	st_invariants "$1" || at_rc=1
	echo Y >$ST_PARAM
	return $at_rc
}
check "stress exclusive=Y: writers, racers, daxctl for ${ST_SECS}s; invariants hold" st_excl Y
check "stress exclusive=N: writers, racers, daxctl for ${ST_SECS}s; invariants hold" st_excl N

st_cycles() {
	echo "$2" >$ST_PARAM
	st_mark
	at_rc=0
	# shellcheck disable=SC2046
	st_load -c "$1" -k "$3" $(st_think "$2") || at_rc=1
	st_invariants "$2" || at_rc=1
	echo Y >$ST_PARAM
	return $at_rc
}
check "stress: unbind/bind cycles (and unbinds racing an in-flight unplug) while writers run, exclusive=Y" st_cycles bind Y 4
check "stress: unbind/bind cycles while writers and per-block racers run, exclusive=N" st_cycles bind N 3
check "stress: rmmod/modprobe cycles while writers run" st_cycles module Y 3

# ---- an unbind that waits for an unplug stuck in page migration ----

st_unbind_inflight() {
	st_mark
	online_as dax0.0 online_movable || return 1
	at_b=$(blocks_of dax0.0 | sed -n 3p)
	modprobe $HELPER mode=pin_movable nid="$(dnode dax0.0)" pfn="$(first_pfn "$at_b")" ||
		{ why "helper could not pin a movable page in memory$at_b"; return 1; }
	ST_INJ=$((ST_INJ + 1))
	sysfs-write "$DAXBUS/devices/dax0.0/state" unplugged >/tmp/inflight.out &
	at_w=$!
	sleep 1
	echo dax0.0 >"$DAXBUS/drivers/$DRV/unbind" &
	at_u=$!
	sleep 1
	at_stuck=0
	kill -0 $at_w 2>/dev/null && kill -0 $at_u 2>/dev/null && at_stuck=1
	rmmod $HELPER
	wait $at_w
	wait $at_u
	[ $at_stuck = 1 ] || { st_viol "unplug or unbind not in flight together ($(cat /tmp/inflight.out))"; return 1; }
	expect_eq "in-flight unplug" "$(cat /tmp/inflight.out)" OK || { st_viol "$DKA_WHY"; return 1; }
	[ -z "$(dax_driver dax0.0)" ] || { st_viol "dax0.0 still bound to $(dax_driver dax0.0)"; return 1; }
	[ -z "$(iomem_of dax0.0)" ] || { st_viol "iomem after unbind: $(iomem_of dax0.0 | tr '\n' ';')"; return 1; }
	[ "$(memtotal_kb)" = "$ST_BASE" ] || { st_viol "MemTotal $(memtotal_kb), baseline $ST_BASE"; return 1; }
	dax_bind dax0.0 || { st_viol "dax0.0 cannot be bound again"; return 1; }
	st_invariants Y
}
check "stress: unbind racing an unplug stuck in migration waits for it, then ends clean; rebind works" st_unbind_inflight

# ---- memory pressure ----

# st_fill NODE LEAVE_MB [PIN_MB]: start a filler, wait until it is done;
# pid in at_fp
st_fill() {
	at_fp=""
	rm -f "/tmp/fill$1"
	# shellcheck disable=SC2086
	dka-stress fill "$1" "$2" "/tmp/fill$1" ${3:-} >"/tmp/fill$1.out" 2>&1 &
	at_fp=$!
	at_i=0
	while [ ! -s "/tmp/fill$1" ] && [ $at_i -lt 1200 ]; do
		sleep 0.1
		at_i=$((at_i + 1))
	done
	[ -s "/tmp/fill$1" ] || { why "filler of node $1 did not finish"; return 1; }
	info "stress: filler took $(cat "/tmp/fill$1") MiB of node $1"
}

# st_fill_end PID NODE: stop a filler; its pages must hold what it wrote
st_fill_end() {
	kill -TERM "$1"
	wait "$1"
	at_fr=$?
	info "stress: $(cat "/tmp/fill$2.out")"
	[ $at_fr = 0 ] || st_viol "filler of node $2: $(cat "/tmp/fill$2.out")"
}

movable_free_mb() {
	awk '/^Node 1, zone +Movable/ {m = 1; next} /^Node/ {m = 0}
		m && $1 == "nr_free_pages" {print int($2 / 256); exit}' /proc/zoneinfo
}

# st_fill_device DEV [PIN_MB]: DEV online_movable, alone in ZONE_MOVABLE;
# fill its node so that DEV's blocks fill first (anonymous memory prefers
# ZONE_MOVABLE), with 200 MiB more; at_fp the filler, at_mf the MiB of the
# movable zone left free
st_fill_device() {
	online_as "$1" online_movable || return 1
	at_dmb=$(($(nblocks_of "$1") * BLOCK_SIZE >> 20))
	at_n1=$(awk '/MemFree/ {print int($4 / 1024)}' /sys/devices/system/node/node1/meminfo)
	st_fill 1 $((at_n1 - at_dmb - 200)) "${2:-}" || return 1
	at_mf=$(movable_free_mb)
	info "stress: node 1 had $at_n1 MiB free; $1 ($at_dmb MiB) now has $at_mf MiB free"
	[ "${at_mf:-9999}" -lt $((at_dmb / 4)) ] || why "the filler left $at_mf MiB of $1 free"
}

st_pressure_migrate() {
	st_mark
	st_fill_device dax0.1 || { [ -n "${at_fp:-}" ] && st_fill_end "$at_fp" 1; return 1; }
	at_p1=$at_fp
	ST_INJ=$((ST_INJ + 1))
	at_r=$(sysfs-write -t "$DAXBUS/devices/dax0.1/state" unplugged)
	info "stress: unplug under memory pressure: $at_r"
	st_fill_end $at_p1 1 || return 1
	case "$at_r" in OK*) ;; *) st_viol "unplug with room to migrate: $at_r"; return 1 ;; esac
	st_invariants Y
}
check "stress: unplugged while a process fills the device's node: its pages migrate, data intact, MemTotal back" st_pressure_migrate

# With nowhere to go (every node full) the migration takes the last free
# page and, without swap, the OOM killer ends the filler (seen on 6.1):
# "cannot migrate" is made here the way it happens to applications, by
# pages someone holds a reference to (vmsplice()d into a pipe nobody reads).
st_pressure_pinned() {
	st_mark
	st_fill_device dax0.1 16 || { [ -n "${at_fp:-}" ] && st_fill_end "$at_fp" 1; return 1; }
	at_p1=$at_fp
	ST_INJ=$((ST_INJ + 1))
	sysfs-write -i -t "$DAXBUS/devices/dax0.1/state" unplugged >/tmp/pinned.out &
	at_w=$!
	wait_exit $at_w 6 || kill -USR1 $at_w
	wait $at_w
	at_r=$(cat /tmp/pinned.out)
	info "stress: unplug with pinned pages in the device: $at_r (signalled after ~$((WAITED / 2)) s)"
	at_st=$(dax_state dax0.1)
	at_bs=$(block_summary dax0.1)
	at_z=$(block_zones dax0.1)
	at_dr=$(cat "$DAXBUS/devices/dax0.1/drift")
	st_fill_end $at_p1 1 || return 1
	case "$at_r" in
	EINTR* | EBUSY*)
		[ "$at_st/$at_bs/$at_z/$at_dr" = "online_movable/online/Movable/0" ] ||
			{ st_viol "after the failed unplug: state $at_st, blocks $at_bs, zones $at_z, drift $at_dr"; return 1; }
		;;
	OK*) why "unplugged although pinned pages were in the device"; return 1 ;;
	*) st_viol "unplug with pinned pages: $at_r"; return 1 ;;
	esac
	st_invariants Y
}
check "stress: unplugged while a process fills the node with pages that cannot migrate: EINTR, everything stays online, data intact" st_pressure_pinned

# ---- the end: an unplugged device can be used as device-dax ----

st_devdax() {
	st_mark
	dax_single dax0.0
	dax_bind dax0.0 device_dax || { st_viol "dax0.0 cannot be bound to device_dax"; return 1; }
	at_i=0
	while [ ! -c /dev/dax0.0 ] && [ $at_i -lt 50 ]; do sleep 0.1; at_i=$((at_i + 1)); done
	at_r=$(dka-stress mmap /dev/dax0.0 "$(cat "$DAXBUS/devices/dax0.0/size")")
	dax_unbind dax0.0
	[ "$at_r" = "MMAP OK" ] || { st_viol "device_dax: $at_r"; return 1; }
	st_log_clean
}
check "stress: dax0.0, unplugged after all that, binds to device_dax and its 2 GiB map and read back" st_devdax

# ---- figures ----

# The figures, also in the name of the last check (so the host prints them).
ST_FIG=$(awk -v inj="$ST_INJ" '
	function add(g, f, i, kv) {
		for (i = 1; i <= NF; i++) {
			if ($i !~ /^(ops|OK|E[A-Z0-9]+)=/) continue
			split($i, kv, "=")
			n[g, kv[1]] += kv[2]
			if (kv[1] != "ops" && !((g, kv[1]) in seen)) { seen[g, kv[1]] = 1; keys[g] = keys[g] " " kv[1] }
		}
	}
	function fig(g, k, s, i, m) {
		s = n[g, "ops"] + 0
		m = split(keys[g], k, " ")
		for (i = 1; i <= m; i++) s = s (i == 1 ? " (" : " ") k[i] "=" n[g, k[i]]
		return s (m ? ")" : "")
	}
	/^@@DKA-INFO stress writers\([a-z ]*\):/ { add("w") }
	/^@@DKA-INFO stress racers/ { add("r") }
	/^@@DKA-INFO stress commands:/ { for (i = 1; i <= NF; i++) if ($i ~ /^ops=/) { split($i, kv, "="); cmds += kv[2] } }
	/^STRESS / {
		for (i = 2; i <= NF; i++) {
			split($i, kv, "=")
			if (kv[1] == "cycles") cyc += kv[2]
			if (kv[1] == "races") races += kv[2]
			if (kv[1] == "unexpected") unexp += kv[2]
		}
	}
	END {
		printf "state writes=%s, per-block writes=%s, daxctl runs=%d, unbind/rmmod cycles=%d (unbinds racing an unplug=%d), failures injected=%d, unexpected errors=%d",
			fig("w"), fig("r"), cmds, cyc, races, inj + races, unexp
	}' $ST_ALL)
info "stress figures: $ST_FIG, invariant violations=$ST_VIOL"
st_zero() { [ "$ST_VIOL" = 0 ] || why "$ST_VIOL invariant violations"; }
check "stress figures: $ST_FIG; invariant violations=$ST_VIOL (must be 0)" st_zero

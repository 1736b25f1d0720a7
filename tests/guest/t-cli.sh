#!/bin/sh
# The dax-kmem-atomic command (tool/), built on the host and packed
# with its libraries: list (human and --json, every field against sysfs),
# attach (from device_dax, unbound, with --state, loading the module through
# libkmod), set (each state, a bad word, a refused write: exit code,
# message, nothing changed), detach (back to device_dax, the memory mapped
# and read back), the refusals (the in-kernel kmem with online blocks,
# /dev/daxX.Y in use, set on device_dax), a two-range device, apply with
# policy files matching by name, node, range and size (and nothing),
# idempotence, --dry-run, a broken policy file.  With 7.3's in-kernel kmem,
# set works on its state too.  Also in replace mode (--driver replace: our
# driver is "kmem", the module loaded with modprobe.d's options).  Sourced
# by /init with lib.sh; dax0.0 is unbound and alone in its region at the
# start.

T=dax-kmem-atomic
POL=/tmp/cli-policy
MOD=/sys/module/dax_kmem_atomic
BASE_KB=$(memtotal_kb)
# our driver's name on the dax bus, and how the tool names it
OURS=$DRV
LABEL=dax_kmem_atomic
[ -n "${DKA_REPLACE:-}" ] && LABEL="kmem (dax_kmem_atomic)"

# t WANT_RC ARGS...: run the tool; at_out = stdout+stderr, at_rc = status
t() {
	at_want=$1
	shift
	at_rc=0
	at_out=$($T "$@" 2>&1) || at_rc=$?
	[ "$at_rc" = "$at_want" ] ||
		why "$T $*: exit $at_rc, want $at_want: $(echo "$at_out" | tr '\n' '|')"
}

# says TEXT: the last output holds TEXT
says() {
	case "$at_out" in
	*"$1"*) return 0 ;;
	esac
	why "output '$(echo "$at_out" | tr '\n' '|')' does not say '$1'"
}

driver_is() { expect_eq "driver of $1" "$(dax_driver "$1")" "$2"; }

# policy NAME TEXT: the one policy file of $POL
policy() {
	rm -rf $POL
	mkdir -p $POL
	printf '%s\n' "$2" >"$POL/$1"
}

# ---- list --json, field by field against sysfs ----------------------------

# jfield LINE KEY: the raw JSON value of KEY in the one-line object LINE
jfield() {
	echo "$1" | sed -n "s/.*\"$2\": \(\[[^]]*\]\|\"[^\"]*\"\|[^,}]*\).*/\1/p"
}

# jstr VALUE: "null" for an empty value, else the JSON string
jstr() { if [ -n "$1" ]; then echo "\"$1\""; else echo null; fi; }

# jnum FILE: the number in FILE, null when absent or -1
jnum() {
	local _v
	_v=$(cat "$1" 2>/dev/null)
	case "$_v" in "" | -1) echo null ;; *) echo "$_v" ;; esac
}

# json_dev_ok DEV: the device's line of list --json agrees with sysfs
json_dev_ok() {
	local _d _l _r _want _s _e _b _p _o _z _drv _mod
	_d=$DAXBUS/devices/$1
	_l=$($T list --json | grep "{\"device\": \"$1\"") || { why "no line for $1 in list --json"; return 1; }
	_drv=$(dax_driver "$1")
	_mod=""
	[ -n "$_drv" ] && [ -e "$DAXBUS/drivers/$_drv/module" ] &&
		_mod=$(basename "$(readlink "$DAXBUS/drivers/$_drv/module")")
	expect_eq "$1 driver" "$(jfield "$_l" driver)" "$(jstr "$_drv")" || return 1
	expect_eq "$1 driver_module" "$(jfield "$_l" driver_module)" "$(jstr "$_mod")" || return 1
	_want=false
	[ "$_mod" = dax_kmem_atomic ] && _want=true
	expect_eq "$1 ours" "$(jfield "$_l" ours)" $_want || return 1
	if [ -e "$_d/state" ]; then _want="\"$(cat "$_d/state")\""; else _want=null; fi
	expect_eq "$1 state" "$(jfield "$_l" state)" "$_want" || return 1
	if [ -e "$_d/drift" ]; then _want=$(cat "$_d/drift"); else _want=null; fi
	expect_eq "$1 drift" "$(jfield "$_l" drift)" "$_want" || return 1
	expect_eq "$1 size" "$(jfield "$_l" size)" "$(cat "$_d/size")" || return 1
	expect_eq "$1 target_node" "$(jfield "$_l" target_node)" "$(jnum "$_d/target_node")" || return 1
	expect_eq "$1 numa_node" "$(jfield "$_l" numa_node)" "$(jnum "$_d/numa_node")" || return 1
	_r=${1#dax}
	expect_eq "$1 region" "$(jfield "$_l" region)" "${_r%%.*}" || return 1
	_want=$(dax_ranges "$1" | while read -r _s _e; do printf '{"start": %s, "end": %s}, ' "$_s" "$_e"; done)
	expect_eq "$1 ranges" "$(jfield "$_l" ranges)" "[${_want%, }]" || return 1
	_b=0 _p=0 _o=0
	for _r in $(blocks_of "$1"); do
		_b=$((_b + 1))
		[ -e "$MEMSYS/memory$_r/state" ] || continue
		_p=$((_p + 1))
		[ "$(cat "$MEMSYS/memory$_r/state")" = online ] && _o=$((_o + 1))
	done
	expect_eq "$1 memblocks_total" "$(jfield "$_l" memblocks_total)" $_b || return 1
	expect_eq "$1 memblocks_present" "$(jfield "$_l" memblocks_present)" $_p || return 1
	expect_eq "$1 memblocks_online" "$(jfield "$_l" memblocks_online)" $_o || return 1
	_z=$(block_zones "$1" | sed 's/\([^,]*\)/"\1"/g; s/,/, /g')
	expect_eq "$1 zones" "$(jfield "$_l" zones)" "[$_z]"
}

# json_top_ok: the fields outside the devices
json_top_ok() {
	local _j _m
	_j=$($T list --json)
	expect_eq memory_block_size "$(echo "$_j" | sed -n 's/.*"memory_block_size": \([0-9]*\).*/\1/p')" \
		"$BLOCK_SIZE" || return 1
	_m=$(echo "$_j" | grep '"module":')
	if [ -d $MOD ]; then
		expect_eq "module loaded" "$(jfield "$_m" loaded)" true &&
			expect_eq "module version" "$(jfield "$_m" version)" "\"$(cat $MOD/version)\"" &&
			expect_eq "module driver" "$(jfield "$_m" driver)" "\"$OURS\"" &&
			expect_eq "module replace_kmem" "$(jfield "$_m" replace_kmem)" \
				"$([ "$(cat $MOD/parameters/replace_kmem)" = Y ] && echo true || echo false)" &&
			expect_eq "module exclusive" "$(jfield "$_m" exclusive)" \
				"$([ "$(cat $MOD/parameters/exclusive)" = Y ] && echo true || echo false)"
	else
		expect_eq "module loaded" "$(jfield "$_m" loaded)" false &&
			expect_eq "module version" "$(jfield "$_m" version)" null
	fi
}

# json_all_ok: every device of the bus, and the top
json_all_ok() {
	local _d _n
	_n=$($T list --json | grep -c '{"device": ')
	expect_eq "devices in list --json" "$_n" "$(ls $DAXBUS/devices | wc -l)" || return 1
	for _d in "$DAXBUS"/devices/*; do
		json_dev_ok "${_d##*/}" || return 1
	done
	json_top_ok
}

# ---- the checks -----------------------------------------------------------

help_version() {
	t 0 --help && says "Exit status:" && says "attach DEV" || return 1
	t 0 --version && says "dax-kmem-atomic $(cat $MOD/version)" || return 1
	t 1 frobnicate && says "unknown command 'frobnicate'" || return 1
	t 1 set dax0.0 && says "set takes a device and a state"
}
check "cli: --help, --version (the module's), usage errors exit 1" help_version

list_unbound() {
	t 0 list && says "module dax_kmem_atomic $(cat $MOD/version) loaded" || return 1
	at_l=$(echo "$at_out" | grep '^dax0.0 ')
	set -- $at_l
	expect_eq "list: driver" "$2" - && expect_eq "list: state" "$3" - &&
		expect_eq "list: size" "$4 $5" "2 GiB" && expect_eq "list: node" "$6" 1 &&
		expect_eq "list: blocks" "$7" "0/$(nblocks_of dax0.0)" || return 1
	json_all_ok
}
check "cli: list (human) and list --json of the unbound device, every field as sysfs says" list_unbound

attach_from_device_dax() {
	dax_bind dax0.0 device_dax || { why "cannot bind dax0.0 to device_dax"; return 1; }
	t 0 attach dax0.0 && says "dax0.0: bound to $LABEL (was device_dax)" || return 1
	driver_is dax0.0 $OURS && json_all_ok
}
check "cli: attach from device_dax: bound to us, list --json agrees" attach_from_device_dax

set_each_state() {
	t 0 set dax0.0 unplugged && state_is dax0.0 unplugged && blocks_are dax0.0 absent || return 1
	t 0 set dax0.0 online_movable && state_is dax0.0 online_movable &&
		blocks_are dax0.0 online Movable && says "dax0.0: online_movable (was unplugged)" || return 1
	json_dev_ok dax0.0 || return 1
	t 0 set dax0.0 online_movable && says "(unchanged)" || return 1
	t 0 set dax0.0 unplugged && blocks_are dax0.0 absent || return 1
	t 0 set dax0.0 online_kernel && state_is dax0.0 online_kernel && blocks_are dax0.0 online Normal || return 1
	json_dev_ok dax0.0 || return 1
	t 0 set dax0.0 unplugged && t 0 set dax0.0 online && state_is dax0.0 online &&
		blocks_are dax0.0 online || return 1
	t 0 set dax0.0 unplugged && state_is dax0.0 unplugged &&
		expect_eq MemTotal "$(memtotal_kb)" "$BASE_KB"
}
check "cli: set unplugged, online_movable, online_kernel, online and back: state, blocks, zones" set_each_state

set_refused() {
	t 0 set dax0.0 online_movable || return 1
	t 1 set dax0.0 bogus && says "dax0.0: set bogus: unknown state 'bogus'" &&
		state_is dax0.0 online_movable || return 1
	t 1 set dax0.0 offline && says "'offline' is reported by the kernel" &&
		state_is dax0.0 online_movable || return 1
	t 4 set dax0.0 online_kernel && says "dax0.0: set online_kernel: write online_kernel to" &&
		says "Device or resource busy (state is online_movable" &&
		state_is dax0.0 online_movable && blocks_are dax0.0 online Movable || return 1
	t 2 set dax9.9 unplugged && says "dax9.9: set unplugged: no such dax device"
}
check "cli: set a bad word (exit 1), offline (exit 1), a refused write (exit 4, EBUSY named), no device (exit 2): nothing changed" set_refused

detach_back() {
	t 0 detach dax0.0 && says "dax0.0: bound to device_dax (was $OURS)" || return 1
	driver_is dax0.0 device_dax && blocks_are dax0.0 absent &&
		expect_eq MemTotal "$(memtotal_kb)" "$BASE_KB" || return 1
	at_i=0
	while [ ! -c /dev/dax0.0 ] && [ $at_i -lt 50 ]; do sleep 0.1; at_i=$((at_i + 1)); done
	at_r=$(dka-stress mmap /dev/dax0.0 "$(cat "$DAXBUS/devices/dax0.0/size")")
	expect_eq "mmap of /dev/dax0.0" "$at_r" "MMAP OK" || return 1
	t 0 detach dax0.0 && says "already bound to device_dax" || return 1
	t 3 set dax0.0 unplugged && says "bound to device_dax, not to dax_kmem_atomic" && json_dev_ok dax0.0
}
check "cli: detach from online_movable: unplugged, back to device_dax, 2 GiB mapped and read back; set on device_dax refused (exit 3)" detach_back

in_use_refused() {
	driver_is dax0.0 device_dax || return 1
	exec 3</dev/dax0.0
	t 3 attach dax0.0
	at_rc2=$at_rc
	exec 3<&-
	[ "$at_rc2" = 3 ] || return 1
	says "/dev/dax0.0 is in use by pid" && driver_is dax0.0 device_dax || return 1
	t 0 attach --state online_movable dax0.0 && driver_is dax0.0 $OURS &&
		state_is dax0.0 online_movable && blocks_are dax0.0 online Movable &&
		says "dax0.0: online_movable (was $(echo "$at_out" | sed -n 's/.*(was device_dax): state \([a-z_]*\),.*/\1/p'))" || return 1
	echo "$at_out" | sed 's/^/@@DKA-INFO cli: attach: /'
	$T list | sed 's/^/@@DKA-INFO cli: list: /'
}
check "cli: attach refuses a device_dax device that is open (exit 3); attach --state online_movable once closed" in_use_refused

module_by_libkmod() {
	t 0 detach dax0.0 || return 1
	dax_release dax0.0
	rmmod dax_kmem_atomic || { why "rmmod dax_kmem_atomic failed"; return 1; }
	t 0 list --json && json_top_ok || return 1
	t 0 attach dax0.0 && [ -d $MOD ] && driver_is dax0.0 $OURS || why "attach did not load the module" || return 1
	[ -z "${DKA_REPLACE:-}" ] && return 0
	# modprobe.d's options line applied: replace_kmem=1 exclusive=0
	expect_eq replace_kmem "$(cat $MOD/parameters/replace_kmem)" Y &&
		expect_eq exclusive "$(cat $MOD/parameters/exclusive)" N && json_top_ok
}
check "cli: attach loads dax_kmem_atomic through libkmod when it is not loaded (list --json says not loaded before; replace mode: with modprobe.d's options)" module_by_libkmod

kmem_online_refused() {
	local _b
	dax_release dax0.0
	set_policy offline
	modprobe kmem || { why "modprobe kmem failed"; return 1; }
	echo dax0.0 >$DAXBUS/drivers/kmem/new_id 2>/dev/null
	[ "$(dax_driver dax0.0)" = kmem ] || echo dax0.0 >$DAXBUS/drivers/kmem/bind 2>/dev/null
	set_policy "$DKA_BOOT_POLICY"
	driver_is dax0.0 kmem || return 1
	for _b in $(blocks_of dax0.0); do
		echo online_movable >$MEMSYS/memory$_b/state || { why "memory$_b did not go online"; return 1; }
	done
	t 3 attach dax0.0 && says "bound to kmem (in-kernel) with 16 of 16 memory blocks online: unbinding it would leak" &&
		driver_is dax0.0 kmem && blocks_are dax0.0 online Movable || return 1
	t 3 detach dax0.0 && says "not touching it" && driver_is dax0.0 kmem || return 1
	json_dev_ok dax0.0 || return 1
	policy 50-kmem.conf "[take-it]
device = dax0.0
state = online_movable"
	t 0 apply -n --policy-dir $POL && says "would refuse: bound to kmem (in-kernel) with 16 of 16 blocks online" || return 1
	t 3 apply --policy-dir $POL && says "unbinding it would leak" && says "dax0.0: [take-it] ($POL/50-kmem.conf:1): not applied" &&
		driver_is dax0.0 kmem && blocks_are dax0.0 online Movable || return 1
	if [ -e $DAXBUS/devices/dax0.0/state ]; then
		# 7.3's kmem: the tool's set works on its state
		t 3 attach dax0.0 && says "unplug it (dax-kmem-atomic set DEV unplugged)" || return 1
		t 0 set dax0.0 unplugged && says "dax0.0: unplugged (was " &&
			driver_is dax0.0 kmem && blocks_are dax0.0 absent || return 1
		info "cli: the in-kernel kmem has a state attribute: set unplugged through it"
	else
		for _b in $(blocks_of dax0.0); do echo offline >$MEMSYS/memory$_b/state; done
	fi
	t 0 attach dax0.0 --state online_kernel && driver_is dax0.0 $OURS &&
		state_is dax0.0 online_kernel && says "(was kmem)"
	at_rc2=$?
	t 0 detach dax0.0
	echo dax0.0 >$DAXBUS/drivers/kmem/remove_id 2>/dev/null
	dax_release dax0.0
	modprobe -r kmem 2>/dev/null || info "cli: kmem stays loaded"
	return $at_rc2
}
if [ -z "${DKA_REPLACE:-}" ]; then
	check "cli: attach and apply refuse a device online under the in-kernel kmem (exit 3, blocks named, nothing changed); with its blocks offline (7.3: set unplugged through kmem's state) it attaches" kmem_online_refused
fi

two_range_device() {
	dax_release dax0.0
	two_ranges || return 1
	t 0 attach dax0.0 --state online_movable && state_is dax0.0 online_movable &&
		blocks_are dax0.0 online Movable || return 1
	expect_eq "blocks of the two-range dax0.0" "$(nblocks_of dax0.0)" 12 || return 1
	json_all_ok || return 1
	t 0 set dax0.0 unplugged && blocks_are dax0.0 absent &&
		expect_eq "System RAM in dax0.0's ranges" "$(iomem_ram_count dax0.0)" 0 || return 1
	t 0 set dax0.0 online_kernel && blocks_are dax0.0 online Normal &&
		says "12 of 12 blocks online, zone Normal" && json_dev_ok dax0.0 || return 1
	at_s=$(dax_ranges dax0.0 | head -n 1 | cut -d' ' -f1)
	at_e=$(dax_ranges dax0.0 | tail -n 1 | cut -d' ' -f2)
	policy 50-two.conf "[two-ranges]
range = $(printf '%#x-%#x' "$at_s" "$at_e")
state = online_movable"
	t 0 apply --policy-dir $POL dax0.0 && state_is dax0.0 online_movable &&
		blocks_are dax0.0 online Movable && says "online_movable (was online_kernel)" || return 1
	t 0 list && at_l=$(echo "$at_out" | grep '^dax0.0 ') &&
		expect_eq "list: ranges" "$(echo "$at_l" | awk '{print $NF}' | tr ',' '\n' | wc -l)" 2 || return 1
	# (not MemTotal: in replace mode on 6.12+ dax0.1 binds to us by type
	# and onlines per the kernel's policy, as it would with kmem)
	t 0 detach dax0.0 && driver_is dax0.0 device_dax && blocks_are dax0.0 absent &&
		expect_eq "System RAM in dax0.0's ranges" "$(iomem_ram_count dax0.0)" 0
}
check "cli: a two-range device: attach --state online_movable (12 blocks), list --json of both devices, set unplugged and online_kernel, apply by a range window around both, detach" two_range_device

bind_fails_handback() {
	local _n
	dax_split dax0.0 $((1024 << 20)) $((64 << 20)) || return 1
	_n=$SPLIT_NEW
	dax_bind "$_n" device_dax || { why "$_n (64 MiB) not bound to device_dax"; return 1; }
	t 4 attach "$_n" && says "$_n: attach: bind to $OURS: new_id:" &&
		says "$_n: attach: $_n handed back to device_dax" && driver_is "$_n" device_dax || return 1
	dmesg | grep -q "$_n: rejecting DAX region without any memory after alignment" ||
		why "no log line of our probe's refusal"
}
check "cli: attach of a device our probe refuses (64 MiB, less than a block): exit 4, the bind error named, handed back to device_dax" bind_fails_handback

# ---- apply ----------------------------------------------------------------


apply_name() {
	dax_single dax0.0
	policy 50-name.conf "[by-name]
device = dax0.0
state = online_movable"
	t 0 apply --policy-dir $POL && state_is dax0.0 online_movable && driver_is dax0.0 $OURS &&
		says "dax0.0: [by-name] ($POL/50-name.conf:1): online_movable" || return 1
	t 0 apply --policy-dir $POL && says "dax0.0: [by-name] ($POL/50-name.conf:1): already online_movable" &&
		state_is dax0.0 online_movable
}
check "cli: apply, matched by name: attached and online_movable; a second apply changes nothing" apply_name

apply_node() {
	policy 50-node.conf "[by-node]
node = 1
state = online_kernel"
	t 0 apply --policy-dir $POL dax0.0 && state_is dax0.0 online_kernel &&
		blocks_are dax0.0 online Normal && says "online_kernel (was online_movable)"
}
check "cli: apply, matched by node, from online_movable: through unplugged to online_kernel" apply_node

apply_range() {
	at_s=$(dax_ranges dax0.0 | head -n 1 | cut -d' ' -f1)
	at_e=$(dax_ranges dax0.0 | tail -n 1 | cut -d' ' -f2)
	policy 50-range.conf "[by-range]
range = $(printf '%#x-%#x' "$at_s" "$at_e")
state = unplugged"
	t 0 apply --policy-dir $POL && state_is dax0.0 unplugged || return 1
	policy 50-range.conf "[too-small]
range = $(printf '%#x-%#x' "$at_s" $((at_e - 1)))
state = online"
	t 0 apply -v --policy-dir $POL && state_is dax0.0 unplugged && says "dax0.0: no policy section matches"
}
check "cli: apply, matched by range (and a window one byte short: no match)" apply_range

apply_size() {
	policy 50-size.conf "[exact]
size = 1G
state = online_movable

[by-size]
min-size = 2G
max-size = 2G
state = online

[also]
size = 2G
state = online_kernel"
	t 0 apply -v --policy-dir $POL && state_is dax0.0 online &&
		says "[also] ($POL/50-size.conf:10) matches too: ignored"
}
check "cli: apply, matched by size (min/max), the first matching section wins" apply_size

apply_nothing() {
	policy 50-none.conf "[nothing]
device = dax9.*
state = unplugged

[no-node]
node = 7
state = unplugged"
	t 0 apply -v --policy-dir $POL && state_is dax0.0 online && says "no policy section matches"
}
check "cli: apply with sections that match no device: left alone" apply_nothing

apply_broken() {
	rm -rf $POL
	mkdir -p $POL
	printf '[ok]\ndevice = dax0.0\nstate = unplugged\n' >$POL/10-ok.conf
	printf '[bad]\ndevice = dax0.0\nstat = unplugged\n' >$POL/20-bad.conf
	t 5 apply --policy-dir $POL --kmsg && says "$POL/20-bad.conf:3: unknown key 'stat'" &&
		says "nothing applied" && state_is dax0.0 online || return 1
	# the udev rule's --kmsg: the error itself reaches the kernel log, not only its count
	dmesg | grep -q "dax-kmem-atomic: $POL/20-bad.conf:3: unknown key 'stat'" ||
		why "the policy error is not in the kernel log"
}
check "cli: apply with a broken policy file: exit 5, file:line (also in the kernel log with --kmsg), nothing changed (not even the valid file's)" apply_broken

apply_dry_run() {
	policy 50-dry.conf "[dry]
device = dax0.0
state = online_movable"
	t 0 apply --dry-run --policy-dir $POL && says "would set unplugged, then online_movable" &&
		state_is dax0.0 online || return 1
	t 0 detach dax0.0 || return 1
	t 0 apply -n --policy-dir $POL && says "would attach (now device_dax), then set online_movable" &&
		driver_is dax0.0 device_dax
}
check "cli: apply --dry-run says what it would do and changes nothing" apply_dry_run

apply_no_policy() {
	dax_release dax0.0
	rmmod dax_kmem_atomic || { why "rmmod dax_kmem_atomic failed"; return 1; }
	rm -rf $POL
	mkdir -p $POL
	t 0 apply --policy-dir $POL && [ -z "$at_out" ] || { why "apply with no policy said '$at_out'"; return 1; }
	t 0 apply --policy-dir /nonexistent || return 1
	[ ! -d $MOD ] || why "apply with no policy loaded the module"
	modprobe dax_kmem_atomic
}
check "cli: apply with no policy file does nothing, silently, and does not load the module" apply_no_policy

rm -rf $POL
dax_single dax0.0

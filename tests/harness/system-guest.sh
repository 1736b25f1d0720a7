#!/bin/bash
# system-guest.sh: the guest half of tests/system-test.sh. Runs as root in the
# Debian system that tests/harness/image.sh built, booted by systemd: the
# image's dka-guest-run.service mounts the host's share (9p) on /run/dka and
# runs this script there as run.sh. /run/dka holds
#   env        PHASE (boot, install, policy), VERSION (dkms.conf's), KVER (the
#              image's kernel), POWER (poweroff or reboot: what to do at the end)
#   ktap.sh    tests/harness/ktap.sh
#   debs/      our two .debs (install phase)
#   out/       written here: PHASE.ktap (the results, ending in "@@DKA-END
#              rc=N"), PHASE-*.log (what the guest said: apt, dkms, journal)
# Every boot first checks the machine (systemd, the kernel, two NUMA nodes,
# dax0.0). Then, by PHASE:
#   boot     nothing more
#   install  apt install of our .debs (DKMS builds the module for the running
#            kernel): dpkg, dkms status, modinfo, the module loads; then
#            MemTotal is saved and /etc/dax-kmem-atomic.d/50-test.conf written
#            (dax0.0 -> online_movable) for the next boot
#   policy   (the boot after install) the udev rule and
#            dax-kmem-atomic-apply@dax0.0.service brought dax0.0 to
#            online_movable with nobody logged in: the unit's result and
#            journal, sysfs, list --json, MemTotal + 2 GiB
# Then POWER. Nothing here changes the device itself.
# shellcheck shell=bash
set -uo pipefail
SHARE=/run/dka
OUT=$SHARE/out
STATE_DIR=/var/lib/dka-system-test
# shellcheck source=/dev/null
. "$SHARE/env"
# shellcheck source=ktap.sh
. "$SHARE/ktap.sh"
mkdir -p "$OUT" "$STATE_DIR"
PKG=dax-kmem-atomic
MOD=dax_kmem_atomic
DEV=dax0.0
UNIT=dax-kmem-atomic-apply@$DEV.service
POLICY=/etc/dax-kmem-atomic.d/50-test.conf

# everything to the console (journal) and to the result file on the host
exec > >(tee "$OUT/$PHASE.ktap") 2>&1

expect() { [ "$2" = "$3" ] || ktap_why "$1: got '$2', want '$3'"; }
memtotal_kb() { awk '/^MemTotal:/ {print $2}' /proc/meminfo; }
# save NAME CMD...: CMD's output and status into $OUT/PHASE-NAME.log
save() {
	local n=$1
	shift
	"$@" >"$OUT/$PHASE-$n.log" 2>&1
}

# ---- every boot ---------------------------------------------------------

c_pid1_systemd() {
	local exe
	exe=$(readlink /proc/1/exe)
	case "$exe" in */systemd) ;; *) ktap_why "PID 1 is $exe" ;; esac
}
# Units of Debian's that fail on this machine whatever we do:
#   ndctl-monitor.service  Debian 12's ndctl enables it; with no NVDIMM it
#                          says "no dimms to monitor" and exits 250
KNOWN_FAILED="ndctl-monitor.service"
c_boot_finished() {
	local s u bad=""
	s=$(timeout 900 systemctl is-system-running --wait 2>&1)
	save failed-units systemctl --failed --no-pager
	for u in $(systemctl --failed --plain --no-legend | awk '{print $1}'); do
		case " $KNOWN_FAILED " in
		*" $u "*) echo "# failed unit of Debian's, known here: $u" ;;
		*) bad="$bad $u" ;;
		esac
	done
	[ -z "$bad" ] || ktap_why "failed units:$bad" || return 1
	case "$s" in running | degraded) ;; *) ktap_why "systemctl is-system-running: $s" ;; esac
}
c_kernel() { expect "uname -r" "$(uname -r)" "$KVER"; }
c_numa() {
	local n
	n=$(find /sys/devices/system/node -maxdepth 1 -name 'node[0-9]*' | wc -l)
	expect "NUMA nodes" "$n" 2
}
c_dax() {
	local d=/sys/bus/dax/devices/$DEV
	[ -e "$d" ] || ktap_why "no $d ($(find /sys/bus/dax/devices/ -mindepth 1 -printf '%f ' 2>&1))" || return 1
	expect "$DEV size" "$(cat "$d/size")" $((2 << 30)) || return 1
	expect "$DEV target_node" "$(cat "$d/target_node")" 1 || return 1
	echo "# $DEV: 2 GiB on node 1, driver $(basename "$(readlink "$d/driver" 2>/dev/null)" 2>/dev/null || echo none)"
}

ktap_header
echo "# phase $PHASE: $(uname -r), $(systemd --version | head -n 1)"
ktap_check pid1-is-systemd c_pid1_systemd
ktap_check boot-finished-no-unexpected-failed-unit c_boot_finished
echo "# $(systemd-analyze time 2>/dev/null | head -n 1)"
journalctl -b -o cat --no-pager -t '(udev-worker)' 2>/dev/null | grep -a 'failed with exit code' | sed 's/^/# udev: /' || true
ktap_check kernel-is-the-image-kernel c_kernel
ktap_check two-numa-nodes c_numa
ktap_check "$DEV-2GiB-on-node1" c_dax

# ---- install ----------------------------------------------------------------

c_apt_install() {
	local t0 rc=0
	t0=$(date +%s)
	(cd "$SHARE/debs" && DEBIAN_FRONTEND=noninteractive apt install -y \
		./"$PKG"-dkms_"$VERSION"_all.deb ./"$PKG"_"$VERSION"_amd64.deb) >"$OUT/install-apt.log" 2>&1 || rc=$?
	echo "# apt install (with the DKMS build) took $(($(date +%s) - t0)) s"
	[ $rc = 0 ] || ktap_why "apt install exit $rc: $(tail -n 3 "$OUT/install-apt.log" | tr '\n' ' ')"
}
c_dpkg() {
	local p s
	for p in "$PKG-dkms" "$PKG"; do
		# shellcheck disable=SC2016
		s=$(dpkg-query -W -f '${Status} ${Version}' "$p" 2>&1)
		expect "dpkg status of $p" "$s" "install ok installed $VERSION" || return 1
	done
}
c_dkms_status() {
	local s l
	s=$(dkms status -m "$PKG" -v "$VERSION" -k "$(uname -r)" 2>&1)
	while IFS= read -r l; do echo "# dkms status: $l"; done <<<"$s"
	echo "$s" | grep -qxF "$PKG/$VERSION, $(uname -r), x86_64: installed" ||
		echo "$s" | grep -qxF "$PKG, $VERSION, $(uname -r), x86_64: installed" ||
		ktap_why "dkms status says: $s"
}
c_modinfo() {
	local f v
	f=$(modinfo -n "$MOD" 2>&1)
	v=$(modinfo -F version "$MOD" 2>&1)
	echo "# modinfo: $f version $v vermagic $(modinfo -F vermagic "$MOD" 2>&1)"
	case "$f" in */lib/modules/"$(uname -r)"/updates/dkms/"$MOD".ko*) ;; *) ktap_why "modinfo -n: $f, not under updates/dkms" || return 1 ;; esac
	expect "modinfo version" "$v" "$VERSION"
}
c_layout() {
	local l
	l=$(grep -rh '^ *LAYOUT ' "/var/lib/dkms/$PKG/$VERSION" 2>/dev/null | head -n 1 | sed 's/^ *//')
	echo "# make.log: $l"
	case "$l" in *verified*) ;; *) ktap_why "no verified LAYOUT line in dkms's make.log: '$l'" ;; esac
}
c_modprobe() {
	modprobe "$MOD" 2>"$OUT/install-modprobe.log" || ktap_why "modprobe: $(cat "$OUT/install-modprobe.log")" || return 1
	expect "/sys/module/$MOD/version" "$(cat /sys/module/$MOD/version 2>&1)" "$VERSION" || return 1
	modprobe -r "$MOD" 2>>"$OUT/install-modprobe.log" || ktap_why "modprobe -r: $(cat "$OUT/install-modprobe.log")"
}
c_tool() {
	local v
	v=$(dax-kmem-atomic --version 2>&1)
	echo "# $v"
	case "$v" in *"$VERSION"*) ;; *) ktap_why "dax-kmem-atomic --version: $v" || return 1 ;; esac
	dax-kmem-atomic list >"$OUT/install-list.log" 2>&1 || ktap_why "dax-kmem-atomic list failed: $(cat "$OUT/install-list.log")" || return 1
	grep -q "^$DEV " "$OUT/install-list.log" || ktap_why "list shows no $DEV: $(cat "$OUT/install-list.log")"
}
c_policy_written() {
	memtotal_kb >"$STATE_DIR/memtotal-before"
	mkdir -p "$(dirname "$POLICY")"
	printf '[system-test]\ndevice = %s\nstate = online_movable\n' "$DEV" >"$POLICY"
	dax-kmem-atomic apply --dry-run >"$OUT/install-dry-run.log" 2>&1 ||
		ktap_why "apply --dry-run: $(cat "$OUT/install-dry-run.log")" || return 1
	sed 's/^/# apply --dry-run: /' "$OUT/install-dry-run.log"
}

if [ "$PHASE" = install ]; then
	ktap_check apt-install-our-debs c_apt_install
	ktap_check dpkg-both-installed c_dpkg
	ktap_check dkms-status-installed-for-running-kernel c_dkms_status
	ktap_check modinfo-version-is-dkms.conf c_modinfo
	ktap_check layout-verified-in-dkms-make.log c_layout
	ktap_check modprobe-loads-our-version c_modprobe
	ktap_check command-runs-and-lists-"$DEV" c_tool
	ktap_check policy-written-for-next-boot c_policy_written
	if [ "$KTAP_FAIL" -gt 0 ]; then
		cp -r "/var/lib/dkms/$PKG" "$OUT/install-dkms-tree" 2>/dev/null || true
		find /var/lib/dkms/"$PKG" -name make.log -exec cp {} "$OUT/install-make.log" \; 2>/dev/null || true
	fi
fi

# ---- policy ---------------------------------------------------------------

# A oneshot unit that has finished is unloaded (garbage-collected) at once:
# systemctl show then knows nothing of it and prints defaults. The journal
# keeps what happened: the end of its start job (JOB_RESULT, from PID 1) and
# the command's output (_SYSTEMD_UNIT).
c_unit_ran() {
	local r
	r=$(journalctl -b -o json --no-pager "UNIT=$UNIT" _PID=1 |
		jq -r 'select(.JOB_TYPE == "start" and .JOB_RESULT != null) | .JOB_RESULT' | tr '\n' ' ')
	echo "# $UNIT: start job result in the journal: ${r:-none}"
	expect "start job result" "$r" "done "
}
c_unit_journal() {
	journalctl -b -o short-monotonic --no-pager "UNIT=$UNIT" + "_SYSTEMD_UNIT=$UNIT" \
		>"$OUT/policy-unit-journal.log" 2>&1
	sed 's/^/# journal: /' "$OUT/policy-unit-journal.log"
	journalctl -b -o cat --no-pager "_SYSTEMD_UNIT=$UNIT" | grep -q "^$DEV: \[system-test\] .*: online_movable" ||
		ktap_why "no line of the command in the unit's journal says '$DEV: [system-test] ...: online_movable'"
}
c_state() { expect "$DEV/state" "$(cat /sys/bus/dax/devices/$DEV/state 2>&1)" online_movable; }
c_list_json() {
	local j st z on tot
	j=$(dax-kmem-atomic list --json 2>&1) || ktap_why "list --json failed: $j" || return 1
	echo "$j" >"$OUT/policy-list.json"
	st=$(echo "$j" | jq -r ".devices[] | select(.device == \"$DEV\") | .state")
	z=$(echo "$j" | jq -c ".devices[] | select(.device == \"$DEV\") | .zones")
	on=$(echo "$j" | jq -r ".devices[] | select(.device == \"$DEV\") | .memblocks_online")
	tot=$(echo "$j" | jq -r ".devices[] | select(.device == \"$DEV\") | .memblocks_total")
	echo "# list --json: state $st, $on of $tot blocks online, zones $z, module $(echo "$j" | jq -c .module)"
	expect "state" "$st" online_movable || return 1
	expect "zones" "$z" '["Movable"]' || return 1
	expect "blocks online" "$on" "$tot"
}
c_memtotal() {
	local b a
	b=$(cat "$STATE_DIR/memtotal-before" 2>/dev/null) || ktap_why "no MemTotal saved by the install boot" || return 1
	a=$(memtotal_kb)
	echo "# MemTotal $b kB in the install boot, $a kB now"
	expect "MemTotal growth (kB)" $((a - b)) $((2 * 1024 * 1024))
}
c_nobody() {
	local w
	w=$(who)
	[ -z "$w" ] || ktap_why "logged in: $w"
}

# After a failure: what systemd is asked to start when dax0.0 is added. The
# device unit's Wants after boot cannot tell (a finished oneshot unit is
# unloaded and leaves it), so the add event is replayed (after every check:
# it may run the apply unit) and Wants read at once; then how the rules set
# SYSTEMD_WANTS (udevadm test runs no program).
udev_explain() {
	local u
	u=$(systemd-escape -p --suffix=device "$(readlink -f "/sys/bus/dax/devices/$DEV")")
	udevadm trigger --action=add --settle "/sys/bus/dax/devices/$DEV" 2>&1 | sed 's/^/# udevadm trigger: /'
	echo "# after the add event replayed: $u Wants=$(systemctl show -P Wants "$u" 2>&1)"
	udevadm test --action=add "/sys/bus/dax/devices/$DEV" >"$OUT/$PHASE-udevadm-test.log" 2>&1 || true
	grep -a -E 'SYSTEMD_WANTS|dax.*\.rules' "$OUT/$PHASE-udevadm-test.log" | grep -av '^Reading rules' | head -n 20 | sed 's/^/# udevadm test: /'
}

if [ "$PHASE" = policy ]; then
	ktap_check apply-unit-start-job-done c_unit_ran
	ktap_check apply-unit-journal-has-the-command-saying-online_movable c_unit_journal
	ktap_check "$DEV-state-online_movable" c_state
	ktap_check list-json-agrees c_list_json
	ktap_check memtotal-grew-2GiB c_memtotal
	ktap_check nobody-logged-in c_nobody
	[ "$KTAP_FAIL" = 0 ] || udev_explain
fi

if [ "$KTAP_FAIL" -gt 0 ]; then
	journalctl -b --no-pager -o short-monotonic >"$OUT/$PHASE-journal.log" 2>&1 || true
	dmesg >"$OUT/$PHASE-dmesg.log" 2>&1 || true
fi
rc=0
ktap_totals || rc=1
echo "@@DKA-END rc=$rc"
sync
# let tee write out the last lines
exec >&- 2>&-
sleep 1
systemctl "${POWER:-poweroff}" --no-block

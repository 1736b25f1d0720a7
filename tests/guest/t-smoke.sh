#!/bin/sh
# Not in "all" (tests/guest/suites.conf): tests/dkms-test.sh boots it with the module DKMS installed
# and what that module must be on the kernel command line
# Smoke test of an installed module: the module /init loaded with `modprobe`
# is the expected one, dax0.0 binds by new_id, goes unplugged ->
# online_movable -> unplugged with MemTotal following, and unbinds.
#
# Kernel command line (each optional; a check without its value is skipped,
# with an "ok N NAME # SKIP why" line):
#   dka.expect_version=V       /sys/module/dax_kmem_atomic/version
#   dka.expect_srcversion=S    /sys/module/dax_kmem_atomic/srcversion
#   dka.expect_sha256=H        sha256 of the .ko file modprobe resolves

SM_DEV=dax0.0
SM_MOD=dax_kmem_atomic
SM_VERSION="" SM_SRCVERSION="" SM_SHA256=""
for w in $(cat /proc/cmdline); do
	case "$w" in
	dka.expect_version=*) SM_VERSION=${w#*=} ;;
	dka.expect_srcversion=*) SM_SRCVERSION=${w#*=} ;;
	dka.expect_sha256=*) SM_SHA256=${w#*=} ;;
	esac
done

# sm_attr FILE WANT: a /sys/module attribute of ours has the expected value
sm_attr() {
	[ -r "/sys/module/$SM_MOD/$1" ] || { why "no /sys/module/$SM_MOD/$1 (module not loaded?)"; return 1; }
	expect_eq "$1" "$(cat "/sys/module/$SM_MOD/$1")" "$2"
}

# sm_file_hash: the file modules.dep names for our module (what modprobe
# loaded) has the expected sha256
sm_file_hash() {
	local _dir _rel _got
	_dir=/lib/modules/$(uname -r)
	_rel=$(sed -n "s|^\\([^:]*/$SM_MOD\\.ko[^:]*\\):.*|\\1|p" "$_dir/modules.dep" | head -n 1)
	[ -n "$_rel" ] || { why "$SM_MOD not in modules.dep"; return 1; }
	case "$_rel" in /*) ;; *) _rel=$_dir/$_rel ;; esac
	_got=$(sha256sum "$_rel" | cut -d' ' -f1)
	info "smoke: modprobe resolves $SM_MOD to $_rel (sha256 $_got)"
	expect_eq "sha256 of $_rel" "$_got" "$SM_SHA256"
}

sm_bind() {
	dax_release $SM_DEV || { why "could not release $SM_DEV from $(dax_driver $SM_DEV)"; return 1; }
	write_expect "$DAXBUS/drivers/$DRV/new_id" $SM_DEV OK || return 1
	expect_eq "driver of $SM_DEV" "$(dax_driver $SM_DEV)" "$DRV" || return 1
	info "smoke: bound, state $(dax_state $SM_DEV), blocks $(block_summary $SM_DEV)"
}

sm_unplugged() {
	write_expect "$DAXBUS/devices/$SM_DEV/state" unplugged OK || return 1
	expect_eq state "$(dax_state $SM_DEV)" unplugged || return 1
	expect_eq blocks "$(block_summary $SM_DEV)" absent
}

sm_online_movable() {
	local _before _after
	_before=$(memtotal_kb)
	write_expect "$DAXBUS/devices/$SM_DEV/state" online_movable OK || return 1
	_after=$(memtotal_kb)
	expect_eq state "$(dax_state $SM_DEV)" online_movable || return 1
	expect_eq blocks "$(block_summary $SM_DEV)" online || return 1
	expect_eq zones "$(block_zones $SM_DEV)" Movable || return 1
	[ $((_after - _before)) -eq $((2 * 1024 * 1024)) ] ||
		why "MemTotal grew by $((_after - _before)) kB, want 2 GiB"
}

sm_unplug_again() {
	local _before
	_before=$(memtotal_kb)
	sm_unplugged || return 1
	[ $((_before - $(memtotal_kb))) -eq $((2 * 1024 * 1024)) ] ||
		why "MemTotal fell by $((_before - $(memtotal_kb))) kB, want 2 GiB" || return 1
	expect_eq "MemTotal back to before online_movable" "$(memtotal_kb)" "$SM_MEM0"
}

sm_unbind() {
	echo $SM_DEV >"$DAXBUS/drivers/$DRV/unbind" || { why "unbind write failed"; return 1; }
	expect_eq "driver after unbind" "$(dax_driver $SM_DEV)" "" || return 1
	expect_eq "blocks after unbind" "$(block_summary $SM_DEV)" absent
}

if [ -n "$SM_VERSION" ]; then
	check "smoke-loaded-module-version" sm_attr version "$SM_VERSION"
else
	skip "smoke-loaded-module-version" "no dka.expect_version= on the command line"
fi
if [ -n "$SM_SRCVERSION" ]; then
	check "smoke-loaded-module-srcversion" sm_attr srcversion "$SM_SRCVERSION"
else
	skip "smoke-loaded-module-srcversion" "no dka.expect_srcversion= on the command line"
fi
if [ -n "$SM_SHA256" ]; then
	check "smoke-modprobe-file-is-expected" sm_file_hash
else
	skip "smoke-modprobe-file-is-expected" "no dka.expect_sha256= on the command line"
fi
check "smoke-bind-by-new_id" sm_bind
check "smoke-unplugged" sm_unplugged
SM_MEM0=$(memtotal_kb)
check "smoke-online_movable-memtotal+2GiB" sm_online_movable
check "smoke-unplugged-memtotal-back" sm_unplug_again
check "smoke-unbind" sm_unbind

#!/bin/sh
# Not in "all" (tests/guest/suites.conf): needs memhp_default_state= on the command line: run.sh boots it after t-abi.sh
# Probe under the online policy set on the kernel command line
# (memhp_default_state=...); run.sh boots it with memhp_default_state=offline.
ABI_LIB_ONLY=1
. "$DKA_DIR/t-abi.sh"
ABI_LIB_ONLY=

cmdline_policy() {
	local _w _want
	_want=""
	for _w in $(cat /proc/cmdline); do
		case "$_w" in memhp_default_state=*) _want=${_w#memhp_default_state=} ;; esac
	done
	[ -n "$_want" ] || why "no memhp_default_state= on the command line" || return 1
	expect_eq "auto_online_blocks at boot" "$DKA_BOOT_POLICY" "$_want"
}

abi_reset
check "boot-memhp_default_state-sets-auto_online_blocks" cmdline_policy
check "probe-with-boot-default-policy-$DKA_BOOT_POLICY" probe_with_policy "$DKA_BOOT_POLICY"
abi_reset

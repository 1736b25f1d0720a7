#!/bin/sh
# Not in "all" (tests/guest/suites.conf): needs a module built with a wrong layout: tests/host/layout-test.sh boots it
# The probe-time sanity checks: a module built with another kernel's view of
# the private dax structures (DKA_LAYOUT=<family> DKA_IGNORE_BTF_MISMATCH=1,
# which the build warns loudly about) must refuse the device, saying so,
# rather than hotplug garbage, and leave everything as it was. The layout
# family the module was built with is in DKA_SANITY_LAYOUT (dka.layout= on
# the command line). Our module only. Sourced by /init with lib.sh.

SANITY_LAYOUT=
for w in $(cat /proc/cmdline); do
	case "$w" in dka.layout=*) SANITY_LAYOUT=${w#dka.layout=} ;; esac
done

# wrong_layout_refused: binding dax0.0 fails with the sanity check's line
# naming our layout; no block, no iomem, MemTotal as before; the module
# unloads and loads again
wrong_layout_refused() {
	local _mem
	[ -n "$SANITY_LAYOUT" ] || why "no dka.layout= on the command line" || return 1
	dax_release dax0.0
	_mem=$(memtotal_kb)
	if dax_bind dax0.0; then
		why "dax0.0 was bound with layout $SANITY_LAYOUT"
		return 1
	fi
	[ -z "$(dax_driver dax0.0)" ] || why "dax0.0 is bound to $(dax_driver dax0.0)" || return 1
	if ! dmesg | grep -q "refusing device: .*; this module's view of the dax structures (layout $SANITY_LAYOUT) does not match the running kernel"; then
		dmesg | grep -E 'dax|refus' | tail -n 5 | while read -r _l; do info "dmesg: $_l"; done
		why "no refusal line naming layout $SANITY_LAYOUT"
		return 1
	fi
	info "dmesg: $(dmesg | grep 'refusing device' | tail -n 1)"
	dmesg | grep -qE "dax0.0: probe with driver $DRV failed with error -22|probe of dax0.0 failed with error -22" ||
		why "no line of the driver core naming dax0.0" || return 1
	blocks_are dax0.0 absent || return 1
	[ -z "$(iomem_of dax0.0)" ] || why "iomem has: $(iomem_of dax0.0 | tr '\n' ';')" || return 1
	expect_eq MemTotal "$(memtotal_kb)" "$_mem" || return 1
	rmmod "$DRV" || why "rmmod $DRV failed" || return 1
	modprobe "$DRV" || why "modprobe $DRV failed"
}
check "a module built with another kernel's layout refuses the device, logged, nothing added" wrong_layout_refused

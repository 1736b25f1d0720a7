#!/bin/sh
# Not in "all" (tests/guest/suites.conf): needs a boot of its own: run.sh boots it after t-abi.sh
# Unbind while online: no oops, a clear kernel log line, the memory stays
# (blocks still online) and a rebind fails. This leaks dax0.0's memory until
# reboot by design, so nothing may run after it in the same boot.
ABI_LIB_ONLY=1
. "$DKA_DIR/t-abi.sh"
ABI_LIB_ONLY=

abi_reset
check "unbind-while-online-keeps-memory-and-logs" unbind_online_leaks
check "rebind-after-unbind-while-online-fails" rebind_after_leak_fails

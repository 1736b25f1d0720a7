#!/bin/sh
# The walk-through `make demo` shows: a 2 GiB device bound to our driver,
# unplugged -> online_movable -> unplugged, with the time each write took.

# demo_step CMD...: run it, print it and how long it took
demo_step() {
	at_t0=$(date +%s%N 2>/dev/null)
	"$@"
	at_rc=$?
	at_t1=$(date +%s%N 2>/dev/null)
	echo "@@DEMO \$ $*    -> rc=$at_rc, $(((at_t1 - at_t0) / 1000000)) ms"
	return $at_rc
}

demo_show() {
	echo "@@DEMO   state=$(dax_state dax0.0)  blocks: $(block_summary dax0.0)  zones: $(block_zones dax0.0)  MemTotal: $(memtotal_kb) kB"
}

echo "@@DEMO kernel $(uname -r); dax0.0: $(($(cat $DAXBUS/devices/dax0.0/size) >> 20)) MiB on node $(cat $DAXBUS/devices/dax0.0/target_node), $(nblocks_of dax0.0) memory blocks"
dax_unbind dax0.0
demo_step sh -c "echo dax0.0 > $DAXBUS/drivers/$DRV/new_id"
demo_show
for at_s in unplugged online_movable unplugged online_kernel unplugged; do
	demo_step sh -c "echo $at_s > $DAXBUS/devices/dax0.0/state" || fail "demo: $at_s" "write failed"
	demo_show
done
demo_unplugged() {
	expect_eq "state" "$(dax_state dax0.0)" unplugged && expect_eq "blocks" "$(block_summary dax0.0)" absent
}
check "demo: the device went online_movable, online_kernel and back to unplugged" demo_unplugged

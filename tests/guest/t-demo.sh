#!/bin/sh
# The walk-through `make demo` shows: a 2 GiB device bound to our driver,
# unplugged -> online_movable -> unplugged -> online_kernel -> unplugged,
# with the time each write took (sysfs-write -t times the write(2) itself).

demo_show() {
	echo "@@DEMO     state=$(dax_state dax0.0)  blocks: $(block_summary dax0.0)  zones: $(block_zones dax0.0)  MemTotal: $(memtotal_kb) kB"
}

# demo_write FILE WORD: write WORD to FILE, print the result and its time
demo_write() {
	echo "@@DEMO \$ echo $2 > $1    -> $(sysfs-write -t "$1" "$2")"
	demo_show
}

echo "@@DEMO kernel $(uname -r); dax0.0: $(($(cat $DAXBUS/devices/dax0.0/size) >> 20)) MiB on node $(cat $DAXBUS/devices/dax0.0/target_node), $(nblocks_of dax0.0) memory blocks of $((BLOCK_SIZE >> 20)) MiB"
echo "@@DEMO auto_online_blocks=$(policy)"
dax_unbind dax0.0
demo_write "$DAXBUS/drivers/$DRV/new_id" dax0.0
for at_s in unplugged online_movable unplugged online_kernel unplugged; do
	demo_write "$DAXBUS/devices/dax0.0/state" $at_s
done

demo_unplugged() {
	expect_eq "state" "$(dax_state dax0.0)" unplugged &&
		expect_eq "blocks" "$(block_summary dax0.0)" absent
}
check "demo: the device went online_movable, online_kernel and back to unplugged" demo_unplugged

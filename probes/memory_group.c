// SPDX-License-Identifier: GPL-2.0
/* probe: HAVE_MEMORY_GROUP - static memory groups and MHP_NID_IS_MGID */
/*
 * Tracks: memory_group_register_static()/memory_group_unregister(), MHP_NID_IS_MGID.
 * Upstream: 028fc57a1c36 ("drivers/base/memory: introduce "memory groups" to
 *           logically group memory blocks")
 * First in: v5.15.  Last without: v5.14.
 */
#include <linux/memory_hotplug.h>
#include <linux/memory.h>

int dka_probe(void);
int dka_probe(void)
{
	mhp_t flags = MHP_NID_IS_MGID;
	int mgid = memory_group_register_static(0, 1);

	(void)flags;
	return memory_group_unregister(mgid);
}

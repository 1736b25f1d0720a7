// SPDX-License-Identifier: GPL-2.0
/* probe: HAVE_MEMORY_GROUP - static memory groups and MHP_NID_IS_MGID (5.15+) */
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

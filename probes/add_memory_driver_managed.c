// SPDX-License-Identifier: GPL-2.0
/* probe: HAVE_ADD_MEMORY_DRIVER_MANAGED_FLAGS - 5.10+: (nid, start, size, name, mhp_t) */
#include <linux/memory_hotplug.h>

int dka_probe(void);
int dka_probe(void)
{
	return add_memory_driver_managed(0, 0, 0, "System RAM (x)", MHP_NONE);
}

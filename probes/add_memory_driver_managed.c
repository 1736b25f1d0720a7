// SPDX-License-Identifier: GPL-2.0
/* probe: HAVE_ADD_MEMORY_DRIVER_MANAGED_FLAGS - add_memory_driver_managed() takes mhp_t flags */
/*
 * Tracks: add_memory_driver_managed(nid, start, size, name, mhp_t flags), MHP_NONE.
 * Upstream: b6117199787c ("mm/memory_hotplug: prepare passing flags to
 *           add_memory() and friends")
 * First in: v5.10 (every supported kernel).  Last without: v5.9.
 */
#include <linux/memory_hotplug.h>

int dka_probe(void);
int dka_probe(void)
{
	return add_memory_driver_managed(0, 0, 0, "System RAM (x)", MHP_NONE);
}

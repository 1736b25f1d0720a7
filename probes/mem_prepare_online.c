// SPDX-License-Identifier: GPL-2.0
/* probe: HAVE_MEM_PREPARE_ONLINE - memory notifier sends MEM_PREPARE_ONLINE */
/*
 * Tracks: the MEM_PREPARE_ONLINE/MEM_FINISH_OFFLINE memory notifier actions.
 * Upstream: c5f1e2d18909 ("mm/memory_hotplug: introduce MEM_PREPARE_ONLINE/
 *           MEM_FINISH_OFFLINE notifiers") - First in: v6.9.
 * Removed:  300709fbefd1 ("mm/memory_hotplug: Remove MEM_PREPARE_ONLINE/
 *           MEM_FINISH_OFFLINE notifiers") - Gone in: v6.19.  Last with: v6.18.
 */
#include <linux/memory.h>

int dka_probe(void);
int dka_probe(void)
{
	return MEM_PREPARE_ONLINE;
}

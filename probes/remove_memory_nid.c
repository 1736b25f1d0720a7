// SPDX-License-Identifier: GPL-2.0
/* probe: HAVE_REMOVE_MEMORY_NID - remove_memory() and offline_and_remove_memory() take a nid */
/*
 * Tracks: the nid argument of remove_memory(), offline_and_remove_memory().
 * Upstream: e1c158e49566 ("mm/memory_hotplug: remove nid parameter from
 *           remove_memory() and friends")
 * Gone in: v5.15.  Last with: v5.14.
 */
#include <linux/memory_hotplug.h>

int dka_probe(void);
int dka_probe(void)
{
	return remove_memory(0, 0, 0);
}

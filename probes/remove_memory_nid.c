// SPDX-License-Identifier: GPL-2.0
/* probe: HAVE_REMOVE_MEMORY_NID - remove_memory() takes a node id (5.10) */
/* (the same 5.15 change dropped it from offline_and_remove_memory() too) */
#include <linux/memory_hotplug.h>

int dka_probe(void);
int dka_probe(void)
{
	return remove_memory(0, 0, 0);
}

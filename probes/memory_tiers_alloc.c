// SPDX-License-Identifier: GPL-2.0
/* probe: HAVE_MEMORY_TIERS_ALLOC - alloc_memory_type()/destroy_memory_type() */
/*
 * Tracks: alloc_memory_type(), init/clear_node_memory_type(), destroy_memory_type().
 * Upstream: 7b88bda3761b ("mm/demotion/dax/kmem: set node's abstract distance
 *           to MEMTIER_DEFAULT_DAX_ADISTANCE") - First in: v6.1.
 * Removed:  a72a30af550c renamed destroy_memory_type() to put_memory_type()
 *           - Gone in: v6.10.  Last with: v6.9.
 */
#include <linux/memory-tiers.h>

void dka_probe(void);
void dka_probe(void)
{
	struct memory_dev_type *t = alloc_memory_type(MEMTIER_ADISTANCE_DRAM * 5);

	init_node_memory_type(0, t);
	clear_node_memory_type(0, t);
	destroy_memory_type(t);
}

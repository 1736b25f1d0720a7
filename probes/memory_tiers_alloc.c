// SPDX-License-Identifier: GPL-2.0
/* probe: HAVE_MEMORY_TIERS_ALLOC - alloc_memory_type()/destroy_memory_type() (6.1) */
#include <linux/memory-tiers.h>

void dka_probe(void);
void dka_probe(void)
{
	struct memory_dev_type *t = alloc_memory_type(MEMTIER_ADISTANCE_DRAM * 5);

	init_node_memory_type(0, t);
	clear_node_memory_type(0, t);
	destroy_memory_type(t);
}

// SPDX-License-Identifier: GPL-2.0
/* probe: HAVE_MT_FIND_ALLOC_MEMORY_TYPE - mt_find_alloc_memory_type() and friends */
/*
 * Tracks: mt_find_alloc_memory_type(), mt_put_memory_types() (mt_calc_adistance():
 *         07a8bdd4120c, v6.7).
 * Upstream: a72a30af550c ("memory tier: dax/kmem: introduce an abstract layer
 *           for finding, allocating, and putting memory types")
 * First in: v6.10.  Last without: v6.9.
 */
#include <linux/memory-tiers.h>
#include <linux/list.h>

void dka_probe(void);
void dka_probe(void)
{
	LIST_HEAD(types);
	int adist = MEMTIER_ADISTANCE_DRAM * 5;
	struct memory_dev_type *t;

	mt_calc_adistance(0, &adist);
	t = mt_find_alloc_memory_type(adist, &types);
	(void)t;
	mt_put_memory_types(&types);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Memory hotplug, memory groups and memory tiers, as each kernel has them.
 *
 * Memory tiers: like the in-kernel kmem of the same kernel, the node of
 * a device gets a "slow memory" type.  We allocate our own type instead
 * of sharing kmem's, so that clearing it on unbind only ever undoes our
 * own accounting, never kmem's for the same node.
 */
#include <linux/memory_hotplug.h>
#include <linux/memory.h>
#include <linux/mm.h>
#include <linux/err.h>
#include "compat/mm.h"

#if defined(HAVE_MEMORY_TIERS_ALLOC)
#include <linux/memory-tiers.h>

/* 5 times the DRAM distance: the value kmem uses for dax memory. */
#define DKA_ADISTANCE (MEMTIER_ADISTANCE_DRAM * 5)

static struct memory_dev_type *dka_mem_type;

int dka_mm_init(void)
{
	dka_mem_type = alloc_memory_type(DKA_ADISTANCE);
	return PTR_ERR_OR_ZERO(dka_mem_type);
}

void dka_mm_exit(void)
{
	destroy_memory_type(dka_mem_type);
}

int dka_node_tier_init(int nid)
{
	init_node_memory_type(nid, dka_mem_type);
	return 0;
}

/*
 * Deliberately a no-op here: 6.1's clear_node_memory_type() drops a
 * reference on the type it is given even when the node holds none to it
 * (a node whose type was kmem's, cleared by kmem before us), which would
 * free our type under us.  The node keeps the slow-memory type we gave
 * it, with its own reference, until reboot: the right tier for the memory
 * that was there, and harmless to kmem, which uses the same distance.
 */
void dka_node_tier_clear(int nid)
{
}
#else /* no memory tiers (5.10) */
int dka_mm_init(void)
{
	return 0;
}

void dka_mm_exit(void)
{
}

int dka_node_tier_init(int nid)
{
	return 0;
}

void dka_node_tier_clear(int nid)
{
}
#endif

#ifdef HAVE_MEMORY_GROUP
/* A static group sized to the device, as kmem registers (5.15+). */
int dka_mgroup_register(int nid, u64 total_bytes)
{
	return memory_group_register_static(nid, PFN_UP(total_bytes));
}

void dka_mgroup_unregister(int mgid)
{
	memory_group_unregister(mgid);
}

int dka_add_memory(int nid, int mgid, u64 start, u64 size, const char *name)
{
	return add_memory_driver_managed(mgid, start, size, name,
					 MHP_NID_IS_MGID);
}
#else
int dka_mgroup_register(int nid, u64 total_bytes)
{
	return DKA_NO_MGROUP;
}

void dka_mgroup_unregister(int mgid)
{
}

int dka_add_memory(int nid, int mgid, u64 start, u64 size, const char *name)
{
	return add_memory_driver_managed(nid, start, size, name, MHP_NONE);
}
#endif

int dka_remove_memory(int nid, u64 start, u64 size)
{
#ifdef HAVE_REMOVE_MEMORY_NID
	return remove_memory(nid, start, size);
#else
	return remove_memory(start, size);
#endif
}

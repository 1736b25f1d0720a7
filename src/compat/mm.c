// SPDX-License-Identifier: GPL-2.0
/*
 * Memory hotplug, memory groups and memory tiers, as each kernel has them.
 *
 * Memory tiers: like the in-kernel kmem of the same kernel, the node of
 * a device gets a "slow memory" type of the same abstract distance, so the
 * same memory tier.  The type is our own, never kmem's, and we never clear
 * a node's type: the kernels' clear_node_memory_type() cannot be shared
 * safely with kmem (see dka_node_tier_clear()).
 */
#include <linux/memory_hotplug.h>
#include <linux/memory.h>
#include <linux/mm.h>
#include <linux/err.h>
#include "compat/mm.h"

#if defined(HAVE_MT_FIND_ALLOC_MEMORY_TYPE)
#include <linux/memory-tiers.h>
#include <linux/mutex.h>

/*
 * Like kmem here, one type per abstract distance, which the kernel may
 * compute per node from HMAT or CXL performance data; the default is 5
 * times the DRAM distance.  Our types live on our own list.
 */
static DEFINE_MUTEX(dka_types_lock);	/* protects dka_types */
static LIST_HEAD(dka_types);

int dka_mm_init(void)
{
	return 0;
}

void dka_mm_exit(void)
{
	mutex_lock(&dka_types_lock);
	mt_put_memory_types(&dka_types);
	mutex_unlock(&dka_types_lock);
}

int dka_node_tier_init(int nid)
{
	int adist = MEMTIER_ADISTANCE_DRAM * 5;
	struct memory_dev_type *mtype;

	mt_calc_adistance(nid, &adist);
	mutex_lock(&dka_types_lock);
	mtype = mt_find_alloc_memory_type(adist, &dka_types);
	mutex_unlock(&dka_types_lock);
	if (IS_ERR(mtype))
		return PTR_ERR(mtype);
	init_node_memory_type(nid, mtype);
	return 0;
}

/*
 * Deliberately a no-op, as on 6.1.  Here clear_node_memory_type() counts
 * a clear with NULL (what kmem passes) against whatever type the node has,
 * ours included, and when the count is already 0 it drops a reference on
 * the node's type even if there is none, a NULL pointer.  Once kmem has
 * cleared the node, a clear of ours would oops.  The node keeps our type,
 * with its own reference (it outlives the module), until reboot.
 */
void dka_node_tier_clear(int nid)
{
}
#elif defined(HAVE_MEMORY_TIERS_ALLOC)
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

int dka_add_memory(int nid, int mgid, u64 start, u64 size, const char *name,
		   bool memmap_on_memory)
{
	mhp_t flags = MHP_NID_IS_MGID;

	/* Ignored by the kernel where unsupported, as for kmem. */
	if (memmap_on_memory)
		flags |= MHP_MEMMAP_ON_MEMORY;
	return add_memory_driver_managed(mgid, start, size, name, flags);
}
#else
int dka_mgroup_register(int nid, u64 total_bytes)
{
	return DKA_NO_MGROUP;
}

void dka_mgroup_unregister(int mgid)
{
}

int dka_add_memory(int nid, int mgid, u64 start, u64 size, const char *name,
		   bool memmap_on_memory)
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

/**
 * dka_offline_and_remove_ranges() - the kernel's all-or-nothing unplug
 * @ranges: memory-block aligned ranges, every one added
 * @nr: how many
 *
 * 7.3 exports offline_and_remove_memory_ranges(): every block of every
 * range goes offline under one device_hotplug_lock, or the kernel onlines
 * again the ones it offlined; then the ranges are removed.
 *
 * Return: 0, a negative errno with every block as it was, or -EOPNOTSUPP
 * where the kernel does not have it (the caller does the same per block).
 */
int dka_offline_and_remove_ranges(const struct range *ranges, unsigned int nr)
{
#ifdef HAVE_SYM_offline_and_remove_memory_ranges
	return offline_and_remove_memory_ranges(ranges, nr);
#else
	return -EOPNOTSUPP;
#endif
}

/**
 * dka_offline_and_remove_range() - the kernel's all-or-nothing unplug of one range
 * @nid: the node the range was added to (5.10's call takes it)
 * @r: a memory-block aligned range, added
 *
 * offline_and_remove_memory(), exported on every kernel we support: every
 * block goes offline under one device_hotplug_lock hold, or the kernel
 * onlines again, in its old zone, each block it offlined; then the range
 * is removed.  Only the benchmark's alternative uses it (see transition.c).
 *
 * Return: 0, or a negative errno with every block as it was.
 */
int dka_offline_and_remove_range(int nid, const struct range *r)
{
#ifdef HAVE_REMOVE_MEMORY_NID
	return offline_and_remove_memory(nid, r->start, range_len(r));
#else
	return offline_and_remove_memory(r->start, range_len(r));
#endif
}

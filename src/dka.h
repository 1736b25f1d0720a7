/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dax_kmem_atomic: the device states and the per-device data that every
 * file of the module shares (main.c lists the files).
 */
#ifndef DKA_H
#define DKA_H

#include <linux/device.h>
#include <linux/limits.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/range.h>
#include <linux/workqueue.h>

/*
 * Device states: the values of Linux 7.3's kmem (DAX_KMEM_UNPLUGGED and
 * the MMOP_* online types), spelled out so that the code does not depend
 * on which kernel names them.
 */
enum {
	DKA_UNPLUGGED = -1,	/* no memory added, nothing reserved */
	DKA_OFFLINE = 0,	/* added, every block offline (reported only) */
	DKA_ONLINE = 1,		/* online, zone chosen by the kernel */
	DKA_ONLINE_KERNEL = 2,	/* online in the kernel zone */
	DKA_ONLINE_MOVABLE = 3,	/* online in ZONE_MOVABLE */
};

/* One memory block of the device while its range is added. */
struct dka_block {
	struct device *dev;	/* the memoryN device, referenced */
	int restore;		/* state to restore on rollback (DKA_OFFLINE: none) */
};

/* One memory-block-aligned range of the dax device (a hotplug unit). */
struct dka_range {
	struct range range;	/* aligned; empty (start > end) when skipped */
	struct resource *res;	/* our reservation, NULL while unplugged */
	bool added;		/* add_memory_driver_managed() done */
	unsigned int first;	/* index of its first block in dka_dev.blocks */
	unsigned int nr;	/* number of memory blocks */
};

/* dka_dev.last_offlined before any block went offline. */
#define DKA_NO_BLOCK ULONG_MAX

struct dka_dev {
	struct device *dev;		/* the dax device */
	int nid;			/* its target node */
	int mgid;			/* memory group, or DKA_NO_MGROUP */
	const char *res_name;		/* name of our reservations */

	/*
	 * Serialises state transitions, the drift work and unbind; protects
	 * @state (written under it with WRITE_ONCE(), read without it by
	 * "state"), @ranges[].res/.added, @blocks[], @page and @kranges.
	 */
	struct mutex lock;
	int state;

	/*
	 * Scratch memory allocated at probe, so that nothing that undoes or
	 * reads a device's memory can fail for want of an allocation: a page
	 * for the blocks' sysfs show methods, one struct range per range for
	 * the kernel's all-or-nothing unplug.
	 */
	char *page;
	struct range *kranges;

	/* Ownership guard, protected by dka_guard_lock (guard.c). */
	struct list_head guard_node;
	struct task_struct *owner;	/* task in a transition, or NULL */
	bool hold_offline;		/* refuse even the owner's onlines */
	unsigned long last_offlined;	/* last block the owner took offline */
	unsigned int nr_online;		/* blocks online (a module reference) */
	struct delayed_work drift_work;	/* reports foreign changes (drift.c) */

	struct dka_block *blocks;	/* every block of every range */
	unsigned int nr_blocks;
	unsigned int nr_ranges;
	struct dka_range ranges[];
};

static inline bool dka_range_empty(const struct dka_range *r)
{
	return r->range.start > r->range.end;
}

struct dev_dax;

/* main.c */
extern bool dka_exclusive;

/* kmem.c */
int dka_probe(struct dev_dax *dev_dax);
void dka_remove(struct dev_dax *dev_dax);
extern const struct attribute_group *dka_dev_groups[];

#endif /* DKA_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * A device's memory, range by range: reserved under the device's name,
 * added to the kernel as "System RAM (kmem)" with every block offline (the
 * all-or-nothing online is transition.c's), and removed.  While a range
 * is added we hold a reference on each of its memory blocks (d->blocks[]),
 * for block.c and the census.
 *
 * Memory the kernel keeps (unbind while online, a removal it refuses) is
 * abandoned: it stays in use until reboot, so the names its resources
 * point at are never freed.
 *
 * Every function taking a struct dka_dev is called with d->lock held.
 */
#include <linux/ioport.h>
#include <linux/memory.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include "compat/dax-bus.h"
#include "compat/mm.h"
#include "block.h"
#include "guard.h"
#include "range.h"

/* The name of the kernel's resources below ours, as kmem's. */
static const char *dka_kmem_name;

/* Set when memory was abandoned: its resources name our strings. */
static bool dka_any_abandoned;

static void dka_range_blocks_put(struct dka_dev *d, struct dka_range *r)
{
	unsigned int i;

	for (i = r->first; i < r->first + r->nr; i++) {
		put_device(d->blocks[i].dev);
		d->blocks[i].dev = NULL;
	}
}

static int dka_range_blocks_get(struct dka_dev *d, struct dka_range *r)
{
	unsigned long id = r->range.start / memory_block_size_bytes();
	struct device *hint = NULL;
	unsigned int i;

	for (i = 0; i < r->nr; i++) {
		struct device *blk = dka_block_get(d->dev, id + i, hint);

		if (IS_ERR_OR_NULL(blk)) {
			dev_err(d->dev, "memory%lu of %#llx-%#llx not found after adding it\n",
				id + i, r->range.start, r->range.end);
			while (i--) {
				put_device(d->blocks[r->first + i].dev);
				d->blocks[r->first + i].dev = NULL;
			}
			return blk ? PTR_ERR(blk) : -ENODEV;
		}
		d->blocks[r->first + i].dev = blk;
		hint = blk;
	}
	return 0;
}

/**
 * dka_ranges_abandon() - leave what is still added to the kernel
 * @d: the device, going away (unbind, failed probe)
 *
 * Memory left added (online at unbind, or a removal the kernel refused)
 * stays in use until reboot: our references to its blocks are dropped,
 * and the names its resources point at (d->res_name, the kmem name) are
 * never freed.  Logged once per device.
 */
void dka_ranges_abandon(struct dka_dev *d)
{
	unsigned int i;

	lockdep_assert_held(&d->lock);
	dka_any_abandoned = true;
	dev_err(d->dev, "memory left added stays in use until reboot; this device cannot be bound again before that\n");
	for (i = 0; i < d->nr_ranges; i++)
		dka_range_blocks_put(d, &d->ranges[i]);
}

/*
 * Remove one added range, then drop our claim.  The kernel refuses (-EBUSY)
 * a range with a block online, so nothing is read beforehand.
 */
static int dka_range_remove(struct dka_dev *d, unsigned int idx)
{
	struct dka_range *r = &d->ranges[idx];
	int rc;

	if (r->added) {
		rc = dka_remove_memory(d->nid, r->range.start, range_len(&r->range));
		if (rc) {
			dev_err(d->dev, "mapping%u: %#llx-%#llx cannot be removed%s: %d\n",
				idx, r->range.start, r->range.end,
				rc == -EBUSY ? " (a block is online)" : "", rc);
			return rc;
		}
		r->added = false;
		dka_range_blocks_put(d, r);
	}
	if (r->res) {
		remove_resource(r->res);
		kfree(r->res);
		r->res = NULL;
	}
	return 0;
}

/**
 * dka_ranges_remove() - remove every added range and release reservations
 * @d: the device
 *
 * Ranges with a block still online stay added (and reserved): the caller
 * offlines first, or, on unbind, leaves them until reboot.
 *
 * Return: 0 when everything was removed, else the first error.
 */
int dka_ranges_remove(struct dka_dev *d)
{
	unsigned int i;
	int rc = 0;

	lockdep_assert_held(&d->lock);
	for (i = 0; i < d->nr_ranges; i++) {
		int err = dka_range_remove(d, i);

		if (err && !rc)
			rc = err;
	}
	return rc;
}

/**
 * dka_ranges_removed() - the kernel removed every added range itself
 * @d: the device
 *
 * After the kernel's offline_and_remove_memory*(): drop our block
 * references and release our reservations.
 */
void dka_ranges_removed(struct dka_dev *d)
{
	unsigned int i;

	lockdep_assert_held(&d->lock);
	for (i = 0; i < d->nr_ranges; i++) {
		struct dka_range *r = &d->ranges[i];

		if (r->added) {
			r->added = false;
			dka_range_blocks_put(d, r);
		}
	}
	dka_ranges_remove(d);
}

/* Whether anything of @d is still added or reserved. */
bool dka_ranges_left(struct dka_dev *d)
{
	unsigned int i;

	lockdep_assert_held(&d->lock);

	for (i = 0; i < d->nr_ranges; i++)
		if (d->ranges[i].added || d->ranges[i].res)
			return true;
	return false;
}

/**
 * dka_ranges_add() - reserve and add every range, leaving the blocks offline
 * @d: the device, its ranges not added
 *
 * The add path onlines new blocks per the kernel's default policy; the
 * guard refuses that (hold_offline) because we online ourselves, all or
 * nothing, in the zone asked for.  All ranges are added or none.
 *
 * Return: 0, or a negative errno after removing what was added; should the
 * kernel refuse that, what stayed is offline and dka_ranges_left() says so.
 */
int dka_ranges_add(struct dka_dev *d)
{
	bool memmap_on_memory = dka_dev_dax_memmap_on_memory(dka_to_dev_dax(d->dev));
	unsigned int i;
	int rc = 0;

	lockdep_assert_held(&d->lock);
	dka_guard_hold_offline(d, true);
	for (i = 0; i < d->nr_ranges; i++) {
		struct dka_range *r = &d->ranges[i];
		struct resource *res;

		if (dka_range_empty(r))
			continue;
		res = request_mem_region(r->range.start, range_len(&r->range),
					 d->res_name);
		if (!res) {
			dev_err(d->dev, "mapping%u: %#llx-%#llx could not reserve region: in use (still added from an earlier binding?)\n",
				i, r->range.start, r->range.end);
			rc = -EBUSY;
			break;
		}
		/*
		 * Look like System RAM, and leave IORESOURCE_BUSY clear so that
		 * the add can put its "System RAM (kmem)" child below it.
		 */
		res->flags = IORESOURCE_SYSTEM_RAM;
		r->res = res;

		rc = dka_add_memory(d->nid, d->mgid, r->range.start,
				    range_len(&r->range), dka_kmem_name,
				    memmap_on_memory);
		if (rc) {
			dev_err(d->dev, "mapping%u: %#llx-%#llx memory add failed: %d\n",
				i, r->range.start, r->range.end, rc);
			break;
		}
		r->added = true;
		rc = dka_range_blocks_get(d, r);
		if (rc)
			break;
	}
	dka_guard_hold_offline(d, false);
	if (rc && dka_ranges_remove(d))
		dev_err(d->dev, "could not undo a failed add: memory stays added, offline\n");
	return rc;
}

int dka_ranges_init(void)
{
	/* A heap copy: a module's rodata goes away with the module. */
	dka_kmem_name = kstrdup_const("System RAM (kmem)", GFP_KERNEL);
	return dka_kmem_name ? 0 : -ENOMEM;
}

void dka_ranges_exit(void)
{
	if (!dka_any_abandoned)
		kfree_const(dka_kmem_name);
}

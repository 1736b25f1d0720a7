// SPDX-License-Identifier: GPL-2.0
/*
 * dax_kmem_atomic core: probe, remove and the "state" attribute, with the
 * semantics of Linux 7.3's drivers/dax/kmem.c, plus:
 *
 *  - transitions own the device's memory blocks (guard.c): no other
 *    controller can online or offline one of them meanwhile, nor, with
 *    exclusive=Y, at any time;
 *  - onlining is all or nothing, like unplugging: on failure the device
 *    goes back to where it was, whatever signal the writer gets;
 *  - after a failed transition the blocks are read again, so "state" and
 *    "drift" say what the memory is, even when a rollback failed;
 *  - a KOBJ_CHANGE uevent after every state change, sent in order;
 *  - the module cannot be unloaded while a device has memory online.
 *
 * Data flow of a write to /sys/bus/dax/devices/daxX.Y/state:
 *
 *   state_store() -> dka_set_state()   [d->lock; guard.c: owner = current]
 *     "unplugged": dka_unplug() -> transition.c dka_ranges_unplug():
 *                  7.3's offline_and_remove_memory_ranges(), or offline
 *                  block by block (block.c; restore on failure), then
 *                  range.c removes the ranges
 *     online type: dka_plug() -> range.c dka_ranges_add()
 *                  -> transition.c dka_blocks_online() (a kernel thread;
 *                  offline again on failure)
 *     on failure:  drift.c dka_state_after(): the state the blocks are in
 *   -> state.c dka_state_announce(): the uevent, still under d->lock
 *
 * The files below this one never call back into it.
 */
#include <linux/kernel.h>
#include <linux/memory.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/numa.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include "compat/dax-bus.h"
#include "compat/mm.h"
#include "block.h"
#include "dka.h"
#include "drift.h"
#include "guard.h"
#include "range.h"
#include "state.h"
#include "transition.h"

/* Sanity bound for a device's range count (the dax core has no limit). */
#define DKA_MAX_RANGES 4096

/* Offline and remove everything, or change nothing.  d->lock held. */
static int dka_unplug(struct dka_dev *d)
{
	int rc;

	lockdep_assert_held(&d->lock);
	rc = dka_ranges_unplug(d);
	WRITE_ONCE(d->state, rc ? dka_state_after(d, d->state) : DKA_UNPLUGGED);
	return rc;
}

/* Add and online everything in zone @type, or go back to unplugged. */
static int dka_plug(struct dka_dev *d, int type)
{
	struct dka_census c;
	int rc;

	lockdep_assert_held(&d->lock);
	rc = dka_ranges_add(d);
	if (!rc)
		rc = dka_blocks_online(d, type);
	if (!rc) {
		WRITE_ONCE(d->state, type);
		return 0;
	}
	/* Remove only when every block went offline again: all or nothing. */
	if (dka_ranges_left(d)) {
		dka_blocks_census(d, &c, DKA_READ_WAIT);
		if (c.offline == c.added)
			dka_ranges_remove(d);
	}
	WRITE_ONCE(d->state, dka_state_after(d, DKA_UNPLUGGED));
	if (d->state != DKA_UNPLUGGED)
		dev_err(d->dev, "could not roll back to unplugged: %u blocks differ from %s ('drift'), write unplugged to retry\n",
			dka_blocks_drift(d), dka_state_name(d->state));
	return rc;
}

/**
 * dka_set_state() - move the device to @want, atomically
 * @d: the device
 * @want: DKA_UNPLUGGED or an online type
 *
 * Must not be called with d->lock held: it takes it.  Waiting for another
 * transition of the device can be interrupted (7.3 waits uninterruptibly):
 * -EINTR then, nothing done.  The uevent is sent under d->lock, so that
 * listeners see the states in the order they were taken.
 *
 * Return: 0 (also when already there), -EBUSY for an online type from
 * anything but unplugged, or the error of the failed transition, with
 * the device as it was.
 */
static int dka_set_state(struct dka_dev *d, int want)
{
	int rc, old;

	rc = mutex_lock_interruptible(&d->lock);
	if (rc)
		return rc;
	old = d->state;
	if (want == old) {
		mutex_unlock(&d->lock);
		return 0;
	}
	if (want != DKA_UNPLUGGED && old != DKA_UNPLUGGED) {
		mutex_unlock(&d->lock);
		dev_info_ratelimited(d->dev, "refused %s: device is %s; write unplugged first\n",
				     dka_state_name(want), dka_state_name(old));
		return -EBUSY;
	}

	dka_guard_begin(d);
	if (want == DKA_UNPLUGGED)
		rc = dka_unplug(d);
	else
		rc = dka_plug(d, want);
	dka_guard_end(d);
	if (rc)
		dev_err(d->dev, "%s -> %s failed: %d, device stays %s\n",
			dka_state_name(old), dka_state_name(want), rc,
			dka_state_name(d->state));
	if (d->state != old)
		dka_state_announce(d, d->state, -1);
	mutex_unlock(&d->lock);
	return rc;
}

static ssize_t state_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	struct dka_dev *d = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%s\n", dka_state_name(READ_ONCE(d->state)));
}

static ssize_t state_store(struct device *dev, struct device_attribute *attr,
			   const char *buf, size_t len)
{
	struct dka_dev *d = dev_get_drvdata(dev);
	int want, rc;

	want = dka_state_parse(buf);
	if (want == -EINVAL) {
		dev_info_ratelimited(dev, "refused state write of %zu bytes: not one of unplugged, online, online_kernel, online_movable\n",
				     len);
		return -EINVAL;
	}
	rc = dka_set_state(d, want);
	return rc ? rc : len;
}
static DEVICE_ATTR_RW(state);

/* Blocks whose state differs from "state" (only possible with exclusive=N). */
static ssize_t drift_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	struct dka_dev *d = dev_get_drvdata(dev);
	unsigned int n;
	int rc;

	rc = mutex_lock_interruptible(&d->lock);
	if (rc)
		return rc;
	n = dka_blocks_drift(d);
	mutex_unlock(&d->lock);
	return sysfs_emit(buf, "%u\n", n);
}
static DEVICE_ATTR_RO(drift);

static struct attribute *dka_attrs[] = {
	&dev_attr_state.attr,
	&dev_attr_drift.attr,
	NULL,
};

static const struct attribute_group dka_attr_group = {
	.attrs = dka_attrs,
};

const struct attribute_group *dka_dev_groups[] = {
	&dka_attr_group,
	NULL,
};

/*
 * The private dax structures are our own view of them (compat/layout-*.h).
 * Refuse a device that does not look like one rather than hotplug garbage.
 * Each test reads only what the ones before it vouched for: the device's
 * own struct device (at its offset in our view, so the driver core's
 * pointer to us proves that offset), then the region pointer, checked
 * against what the dax core stores in the parent's drvdata before it is
 * dereferenced.
 */
static int dka_dev_dax_sane(struct dev_dax *dev_dax)
{
	struct dax_region *region;
	struct device *parent;
	const char *why = NULL;
	int i;

	if (!dka_driver_owns(dev_dax)) {
		/*
		 * &dev_dax->dev is not the device: nothing may be read through
		 * it, not even its name (the driver core names the device in
		 * its own "probe ... failed" line).
		 */
		pr_err("dax_kmem_atomic: refusing device: its struct device is not where this layout puts it; this module's view of the dax structures (layout %s) does not match the running kernel, please report\n",
		       DKA_LAYOUT_NAME);
		return -EINVAL;
	}
	region = dev_dax->region;
	parent = dev_dax->dev.parent;
	if (!region || !parent || region != dev_get_drvdata(parent))
		why = "its dax region is not its parent's";
	else if (region->dev != parent || region->res.start > region->res.end)
		why = "implausible dax region";
	else if (dev_dax->nr_range < 1 || dev_dax->nr_range > DKA_MAX_RANGES)
		why = "implausible range count";
	else if (dev_dax->target_node < NUMA_NO_NODE ||
		 dev_dax->target_node >= MAX_NUMNODES)
		why = "implausible target node";
	for (i = 0; !why && i < dev_dax->nr_range; i++) {
		const struct range *r = &dev_dax->ranges[i].range;

		if (r->start > r->end || r->start < region->res.start ||
		    r->end > region->res.end)
			why = "a range lies outside its dax region";
	}
	if (!why)
		return 0;
	dev_err(&dev_dax->dev, "refusing device: %s; this module's view of the dax structures (layout %s) does not match the running kernel, please report\n",
		why, DKA_LAYOUT_NAME);
	return -EINVAL;
}

/*
 * Memory-block align range @i of the device; empty if nothing is left.
 * (Compared as an exclusive end: a range inside [0, block size) would
 * otherwise end at -1, every block.)
 */
static void dka_align_range(struct dev_dax *dev_dax, int i, struct range *r)
{
	const struct range *raw = &dev_dax->ranges[i].range;
	u64 bsz = memory_block_size_bytes();
	u64 start = ALIGN(raw->start, bsz);
	u64 end = ALIGN_DOWN(raw->end + 1, bsz);

	if (end <= start)
		*r = (struct range){ .start = 1, .end = 0 };
	else
		*r = (struct range){ .start = start, .end = end - 1 };
}

static void dka_dev_free(struct dka_dev *d)
{
	free_page((unsigned long)d->page);
	kfree(d->kranges);
	kvfree(d->blocks);
	kfree(d);
}

/*
 * Free @d, out of the guard with its drift work cancelled (unbind, failed
 * probe).  Memory that stayed added (online at unbind, or a removal the
 * kernel refused) is in use until reboot: its resources name d->res_name
 * and dka_kmem_name, its node keeps its memory group and tier, so those
 * are never freed.
 */
static void dka_dev_release(struct dka_dev *d)
{
	bool left;

	/* Nobody else can reach @d any more; the lock is for the contracts. */
	mutex_lock(&d->lock);
	left = dka_ranges_left(d);
	if (left)
		dka_ranges_abandon(d);
	mutex_unlock(&d->lock);
	if (!left) {
		dka_node_tier_clear(d->nid);
		dka_mgroup_unregister(d->mgid);
		kfree(d->res_name);
	}
	dka_dev_free(d);
}

/*
 * The kernel's policy for hotplugged memory (auto_online_blocks), read
 * through one of the device's blocks: DKA_OFFLINE, an online type, or a
 * negative errno.
 */
static int dka_default_online_type(struct dka_dev *d)
{
	unsigned int i;

	lockdep_assert_held(&d->lock);
	for (i = 0; i < d->nr_blocks; i++)
		if (d->blocks[i].dev)
			return dka_block_policy(d->blocks[i].dev, d->page);
	return -ENODEV;
}

/* Allocate the device data with aligned ranges; NULL data: see errno. */
static struct dka_dev *dka_dev_alloc(struct dev_dax *dev_dax, u64 *total)
{
	u64 bsz = memory_block_size_bytes();
	unsigned int i, nr_blocks = 0;
	struct dka_dev *d;

	d = kzalloc(struct_size(d, ranges, dev_dax->nr_range), GFP_KERNEL);
	if (!d)
		return NULL;
	d->nr_ranges = dev_dax->nr_range;
	*total = 0;
	for (i = 0; i < d->nr_ranges; i++) {
		struct dka_range *r = &d->ranges[i];
		const struct range *raw = &dev_dax->ranges[i].range;

		dka_align_range(dev_dax, i, &r->range);
		r->first = nr_blocks;
		if (dka_range_empty(r)) {
			dev_info(&dev_dax->dev, "mapping%u: %#llx-%#llx too small after alignment, skipped\n",
				 i, raw->start, raw->end);
			continue;
		}
		if (range_len(&r->range) != range_len(raw))
			dev_warn(&dev_dax->dev, "mapping%u: %#llx-%#llx truncated to memory block boundaries %#llx-%#llx\n",
				 i, raw->start, raw->end, r->range.start,
				 r->range.end);
		r->nr = range_len(&r->range) / bsz;
		nr_blocks += r->nr;
		*total += range_len(&r->range);
	}
	d->nr_blocks = nr_blocks;
	/* 16 bytes a block: 2 MiB for 16 TiB of 128 MiB blocks. */
	d->blocks = kvcalloc(max(nr_blocks, 1U), sizeof(*d->blocks), GFP_KERNEL);
	d->kranges = kcalloc(d->nr_ranges, sizeof(*d->kranges), GFP_KERNEL);
	d->page = (char *)__get_free_page(GFP_KERNEL);
	if (!d->blocks || !d->kranges || !d->page) {
		dka_dev_free(d);
		return NULL;
	}
	return d;
}

/**
 * dka_probe() - bind a dax device: add its memory, online it per policy
 * @dev_dax: the device
 *
 * As the in-kernel kmem: every usable range is reserved and added as
 * "System RAM (kmem)" in one memory group, the node gets a memory tier,
 * and the blocks are onlined per the kernel's default policy, which then
 * is the state ("offline" when the policy is offline).  Unlike kmem, all
 * ranges are added or none (nothing is online yet when one fails), and
 * onlining is all or nothing: if it fails, the blocks go offline again
 * (dka_blocks_online(): not stopped by signals, not waiting on page
 * migration without bound) and the state says what they are.
 *
 * Return: 0, or a negative errno with nothing changed (or, should the
 * kernel refuse to remove what a failed add added, that memory left
 * offline until reboot, logged).
 */
int dka_probe(struct dev_dax *dev_dax)
{
	struct device *dev = &dev_dax->dev;
	struct dka_dev *d;
	u64 total;
	int rc, type;

	rc = dka_dev_dax_sane(dev_dax);
	if (rc)
		return rc;
	if (dev_dax->target_node < 0) {
		dev_warn(dev, "rejecting DAX region with invalid node: %d\n",
			 dev_dax->target_node);
		return -EINVAL;
	}

	d = dka_dev_alloc(dev_dax, &total);
	if (!d)
		return -ENOMEM;
	if (!total) {
		dev_warn(dev, "rejecting DAX region without any memory after alignment\n");
		rc = -EINVAL;
		goto err_free;
	}
	d->dev = dev;
	d->nid = dev_dax->target_node;
	d->state = DKA_UNPLUGGED;
	mutex_init(&d->lock);
	INIT_LIST_HEAD(&d->guard_node);
	dka_drift_init(d);

	rc = -ENOMEM;
	d->res_name = kstrdup(dev_name(dev), GFP_KERNEL);
	if (!d->res_name)
		goto err_free;

	rc = dka_mgroup_register(d->nid, total);
	if (rc < 0 && rc != DKA_NO_MGROUP) {
		dev_err(dev, "cannot register a memory group on node %d: %d\n",
			d->nid, rc);
		goto err_res_name;
	}
	d->mgid = rc;

	rc = dka_node_tier_init(d->nid);
	if (rc)
		goto err_mgroup;

	dka_guard_add(d);
	mutex_lock(&d->lock);
	dka_guard_begin(d);
	rc = dka_ranges_add(d);
	if (rc) {
		dka_guard_end(d);
		mutex_unlock(&d->lock);
		goto err_guard;
	}
	WRITE_ONCE(d->state, DKA_OFFLINE);
	type = dka_default_online_type(d);
	if (type < 0) {
		dev_warn(dev, "cannot read the kernel's online policy (%d): leaving the memory offline\n",
			 type);
	} else if (type != DKA_OFFLINE && dka_blocks_online(d, type)) {
		WRITE_ONCE(d->state, dka_state_after(d, DKA_OFFLINE));
		if (d->state == DKA_OFFLINE && !dka_blocks_drift(d))
			dev_warn(dev, "could not online every block as %s: leaving the memory offline\n",
				 dka_state_name(type));
		else
			dev_err(dev, "could not online every block as %s, nor offline them all again: state %s, %u blocks differ ('drift'); write unplugged to retry\n",
				dka_state_name(type), dka_state_name(d->state),
				dka_blocks_drift(d));
	} else {
		WRITE_ONCE(d->state, type);
	}
	dka_guard_end(d);
	mutex_unlock(&d->lock);

	dev_set_drvdata(dev, d);
	return 0;

err_guard:
	dka_guard_del(d);
	dka_drift_stop(d);
	/* The memory group and tier stay with memory left added. */
	dka_dev_release(d);
	return rc;
err_mgroup:
	dka_mgroup_unregister(d->mgid);
err_res_name:
	kfree(d->res_name);
err_free:
	dka_dev_free(d);
	return rc;
}

/**
 * dka_remove() - unbind: remove what is offline, never offline anything
 * @dev_dax: the device
 *
 * Unbind cannot be refused and must not block in page migration, so
 * memory that is still online stays added until reboot, with an error
 * line per range.  The strings its resources point at are never freed.
 * (rmmod cannot get here with memory online: the guard holds the module.)
 */
void dka_remove(struct dev_dax *dev_dax)
{
	struct dka_dev *d = dev_get_drvdata(&dev_dax->dev);

	mutex_lock(&d->lock);
	dka_guard_begin(d);
	dka_ranges_remove(d);
	dka_guard_end(d);
	mutex_unlock(&d->lock);
	dka_guard_del(d);
	dka_drift_stop(d);
	dka_dev_release(d);
	dev_set_drvdata(&dev_dax->dev, NULL);
}

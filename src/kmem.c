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
 *   state_store() -> dka_set_state()  [d->lock, guard owner = current]
 *     "unplugged": dka_unplug(): dka_ranges_unplug(): 7.3's
 *                  offline_and_remove_memory_ranges(), or elsewhere
 *                  offline block by block (restore on failure) -> remove
 *     online type: dka_plug():   dka_ranges_add()     -> dka_blocks_online()
 *     on failure:  dka_state_after(): the state the blocks are in
 *
 * where hotplug.c does the per-block work through each memory block's
 * own sysfs methods.
 */
#include <linux/kobject.h>
#include <linux/memory.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/numa.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include "compat/dax-bus.h"
#include "compat/mm.h"
#include "dka.h"
#include "guard.h"
#include "hotplug.h"

/* Sanity bound for a device's range count (the dax core has no limit). */
#define DKA_MAX_RANGES 4096

/* Set when memory stayed added on unbind: its resources name our strings. */
static bool dka_any_hotremove_failed;

const char *dka_kmem_name;

static const char *const dka_state_names[] = {
	[DKA_OFFLINE] = "offline",
	[DKA_ONLINE] = "online",
	[DKA_ONLINE_KERNEL] = "online_kernel",
	[DKA_ONLINE_MOVABLE] = "online_movable",
};

const char *dka_state_name(int state)
{
	if (state == DKA_UNPLUGGED)
		return "unplugged";
	if (state >= 0 && state < ARRAY_SIZE(dka_state_names))
		return dka_state_names[state];
	return "unknown";
}

/* A written word: a state, or -EINVAL ("offline" is reported, not written). */
static int dka_parse_state(const char *buf)
{
	int state;

	if (sysfs_streq(buf, "unplugged"))
		return DKA_UNPLUGGED;
	for (state = DKA_ONLINE; state <= DKA_ONLINE_MOVABLE; state++)
		if (sysfs_streq(buf, dka_state_names[state]))
			return state;
	return -EINVAL;
}

static void dka_notify_state(struct dka_dev *d, int state)
{
	char env[48];
	char *envp[2] = { env };

	snprintf(env, sizeof(env), "DAX_KMEM_STATE=%s", dka_state_name(state));
	kobject_uevent_env(&d->dev->kobj, KOBJ_CHANGE, envp);
}

/*
 * The state that @truth (dka_census_truth()) makes true: "online" stays
 * while every block is online in whatever zone; otherwise the blocks' own.
 */
static int dka_state_for(int old, int truth)
{
	if (truth < 0 || truth == old)
		return old;
	if (old == DKA_ONLINE && truth != DKA_OFFLINE)
		return old;
	return truth;
}

/**
 * dka_state_after() - the state of a device after a failed transition
 * @d: the device, d->lock held
 * @old: its state before the transition
 *
 * Read from the blocks, not assumed from what the rollback meant to do:
 * unplugged when nothing is added; else the state every block agrees on,
 * or, when they disagree (a rollback the kernel refused), the old state
 * ("offline" if that was unplugged), with "drift" counting the others.
 *
 * Return: the state to report.
 */
static int dka_state_after(struct dka_dev *d, int old)
{
	struct dka_census c;

	lockdep_assert_held(&d->lock);
	if (!dka_ranges_left(d))
		return DKA_UNPLUGGED;
	dka_blocks_census(d, &c, DKA_READ_WAIT);
	return dka_state_for(old == DKA_UNPLUGGED ? DKA_OFFLINE : old,
			     dka_census_truth(&c));
}

/* Offline and remove everything, or change nothing.  d->lock held. */
static int dka_unplug(struct dka_dev *d)
{
	int rc;

	rc = dka_ranges_unplug(d);
	WRITE_ONCE(d->state, rc ? dka_state_after(d, d->state) : DKA_UNPLUGGED);
	return rc;
}

/* Add and online everything in zone @type, or go back to unplugged. */
static int dka_plug(struct dka_dev *d, int type)
{
	struct dka_census c;
	int rc;

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
 * Waiting for another transition of the device can be interrupted (7.3
 * waits uninterruptibly): -EINTR then, nothing done.  The uevent is sent
 * under d->lock, so that listeners see the states in the order they were
 * taken.
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
		dka_notify_state(d, d->state);
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

	want = dka_parse_state(buf);
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
 * Someone changed blocks behind "state" (exclusive=N), e.g. daxctl onlining
 * a device block by block: when all blocks agree again, "state" follows
 * them; while they disagree, "drift" counts those that differ.  Both are
 * logged and announced (under d->lock, in order with the transitions').
 * A transition can hold d->lock, and a change in flight a block's lock, for
 * long (page migration): the work never sleeps on either (a hung kworker),
 * it looks again a little later.
 */
static void dka_drift_work(struct work_struct *work)
{
	struct dka_dev *d = container_of(to_delayed_work(work), struct dka_dev,
					 drift_work);
	char env_state[48], env_drift[32];
	char *envp[3] = { env_drift };
	struct dka_census c;
	unsigned int n;
	int old, now;

	if (!mutex_trylock(&d->lock)) {
		schedule_delayed_work(&d->drift_work, HZ / 10);
		return;
	}
	/* A block whose change is in flight may stay locked for long, too. */
	if (dka_blocks_census(d, &c, DKA_READ_TRY)) {
		mutex_unlock(&d->lock);
		schedule_delayed_work(&d->drift_work, HZ / 10);
		return;
	}
	old = d->state;
	if (old != DKA_UNPLUGGED)
		WRITE_ONCE(d->state, dka_state_for(old, dka_census_truth(&c)));
	now = d->state;
	n = dka_census_drift(&c, now);

	snprintf(env_drift, sizeof(env_drift), "DAX_KMEM_DRIFT=%u", n);
	if (now != old) {
		dev_info(d->dev, "state %s -> %s: its memory blocks were changed one by one (exclusive=N)\n",
			 dka_state_name(old), dka_state_name(now));
		snprintf(env_state, sizeof(env_state), "DAX_KMEM_STATE=%s",
			 dka_state_name(now));
		envp[1] = env_state;
	}
	if (n)
		dev_warn(d->dev, "memory blocks changed behind 'state' (exclusive=N): %u of %u differ from %s\n",
			 n, d->nr_blocks, dka_state_name(now));
	else if (now == old)
		dev_info(d->dev, "memory blocks changed behind 'state' (exclusive=N): all %u are %s again\n",
			 d->nr_blocks, dka_state_name(now));
	kobject_uevent_env(&d->dev->kobj, KOBJ_CHANGE, envp);
	mutex_unlock(&d->lock);
}

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
	if (dka_ranges_left(d)) {
		dka_any_hotremove_failed = true;
		dev_err(d->dev, "memory left added stays in use until reboot; this device cannot be bound again before that\n");
		dka_blocks_put_all(d);
	} else {
		dka_node_tier_clear(d->nid);
		dka_mgroup_unregister(d->mgid);
		kfree(d->res_name);
	}
	dka_dev_free(d);
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
	INIT_DELAYED_WORK(&d->drift_work, dka_drift_work);

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
	cancel_delayed_work_sync(&d->drift_work);
	if (dka_ranges_left(d)) {
		/* The memory group and tier stay with the memory (dka_dev_release()). */
		dka_dev_release(d);
		return rc;
	}
	dka_node_tier_clear(d->nid);
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
	cancel_delayed_work_sync(&d->drift_work);
	dka_dev_release(d);
	dev_set_drvdata(&dev_dax->dev, NULL);
}

int dka_core_init(void)
{
	/* A heap copy: a module's rodata goes away with the module. */
	dka_kmem_name = kstrdup_const("System RAM (kmem)", GFP_KERNEL);
	return dka_kmem_name ? 0 : -ENOMEM;
}

void dka_core_exit(void)
{
	if (!dka_any_hotremove_failed)
		kfree_const(dka_kmem_name);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Memory-block mechanics, with exported symbols only.
 *
 * The kernel exports no way to online or offline one memory block
 * (device_online(), lock_device_hotplug() and walk_memory_blocks() are
 * private).  What it does expose is each block's "state" attribute: its
 * store method changes the block under the kernel's own locks
 * (device_hotplug_lock, the block's device lock, mem_hotplug_lock), as a
 * write to /sys/devices/system/memory/memoryN/state does.  We find the
 * block's struct device on the memory bus and call that method.
 *
 * That method takes device_hotplug_lock with a trylock and answers
 * contention by flagging a syscall restart (TIF_SIGPENDING and
 * -ERESTARTNOINTR).  We do not return to user space in between, so we
 * clear the spurious flag and retry; a real signal stays pending and ends
 * an interruptible step with -EINTR.
 *
 * Signals: only the forward offline of an unplug is interruptible (as in
 * the kernel's own offline, which gives up on any pending signal).  Onlines,
 * forward or restoring, never check for signals and retry contention
 * whatever is pending, so a SIGKILL (which is what SIGTERM becomes when its
 * default action is to kill) cannot leave an unplug's rollback half done.
 * An online, and the offlines that undo it when it fails, run in a kernel
 * thread that the writer's signals never reach (dka_blocks_online()).
 *
 * A block's state and zone are read the same way, through its "state" and
 * "valid_zones" show methods, so nothing here depends on the layout of
 * struct memory_block.
 *
 * All functions taking a struct dka_dev are called with d->lock held, from
 * a transition that owns the device's blocks (guard.c) or, for reading the
 * blocks only, from the drift work and the "drift" attribute.
 */
#include <linux/bits.h>
#include <linux/completion.h>
#include <linux/ioport.h>
#include <linux/kthread.h>
#include <linux/memory.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "compat/dax-bus.h"
#include "compat/device.h"
#include "compat/mm.h"
#include "guard.h"
#include "hotplug.h"

/* What a block's "state" and "valid_zones" say about it. */
enum {
	DKA_BLK_OFFLINE,
	DKA_BLK_KERNEL,		/* online, in a kernel zone */
	DKA_BLK_MOVABLE,	/* online, in ZONE_MOVABLE */
};

/*
 * Found once, on the first block we meet: the memory bus and the
 * attributes every memory block shares.  Set under dka_bus_lock, never
 * changed afterwards.
 */
static DEFINE_MUTEX(dka_bus_lock);
static const struct bus_type *dka_memory_bus;
static struct device_attribute *dka_attr_state;
static struct device_attribute *dka_attr_zones;

static struct device_attribute *dka_find_attr(struct device *dev,
					      const char *name)
{
	const struct attribute_group *const *groups[] = {
		dev->groups, dev->bus ? dev->bus->dev_groups : NULL,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(groups); i++) {
		const struct attribute_group *const *g;

		for (g = groups[i]; g && *g; g++) {
			struct attribute **a;

			for (a = (*g)->attrs; a && *a; a++)
				if (!strcmp((*a)->name, name))
					return container_of(*a, struct device_attribute,
							    attr);
		}
	}
	return NULL;
}

/* The first memory block device: learn the bus and the attributes. */
static struct device *dka_block_bootstrap(struct dka_dev *d, const char *name)
{
	struct kobject *kobj;
	struct device *blk;

	/* Every registered device is on devices_kset, ours too. */
	kobj = kset_find_obj(d->dev->kobj.kset, name);
	if (!kobj)
		return NULL;
	blk = kobj_to_dev(kobj);
	if (!blk->bus || strcmp(blk->bus->name, "memory")) {
		put_device(blk);
		return NULL;
	}
	dka_attr_state = dka_find_attr(blk, "state");
	dka_attr_zones = dka_find_attr(blk, "valid_zones");
	if (!dka_attr_state || !dka_attr_state->store || !dka_attr_state->show ||
	    !dka_attr_zones || !dka_attr_zones->show) {
		dev_err(d->dev, "%s has no usable state/valid_zones attributes\n",
			name);
		put_device(blk);
		return ERR_PTR(-EOPNOTSUPP);
	}
	dka_memory_bus = blk->bus;
	return blk;
}

/* Look up memory block @id; @hint (a block registered before it) speeds this up. */
static struct device *dka_block_get(struct dka_dev *d, unsigned long id,
				    struct device *hint)
{
	struct device *blk;
	char name[32];

	snprintf(name, sizeof(name), "memory%lu", id);
	mutex_lock(&dka_bus_lock);
	if (!dka_memory_bus) {
		blk = dka_block_bootstrap(d, name);
		mutex_unlock(&dka_bus_lock);
		return blk;
	}
	mutex_unlock(&dka_bus_lock);

	blk = dka_bus_find_device_by_name(dka_memory_bus, hint, name);
	if (!blk && hint)
		blk = dka_bus_find_device_by_name(dka_memory_bus, NULL, name);
	return blk;
}

/* Clear the restart flag lock_device_hotplug_sysfs() raised, keep real signals. */
static void dka_clear_restart(void)
{
	/* A task's own sighand only changes under it in exec. */
	struct sighand_struct *sighand = rcu_dereference_protected(current->sighand, 1);

	spin_lock_irq(&sighand->siglock);
	recalc_sigpending();
	spin_unlock_irq(&sighand->siglock);
}

/**
 * dka_block_write() - online or offline one memory block
 * @blk: the memory block device
 * @type: DKA_OFFLINE or an online type
 * @intr: give up with -EINTR on a pending signal when the hotplug lock is
 *	contended; otherwise retry whatever is pending (onlines: the kernel
 *	does not check signals while onlining)
 *
 * Return: 0, or the error of the block's state store (-EBUSY, -EINVAL for
 * a zone the block cannot go to, -EINTR when offlining was interrupted...).
 */
static int dka_block_write(struct device *blk, int type, bool intr)
{
	const char *word = dka_state_name(type);
	ssize_t ret;

	for (;;) {
		ret = dka_attr_state->store(blk, dka_attr_state, word,
					    strlen(word));
		if (ret >= 0)
			return 0;
		if (ret != -ERESTARTNOINTR)
			return ret;
		/* The store slept 5 ms before asking for the restart. */
		dka_clear_restart();
		if (intr && signal_pending(current))
			return -EINTR;
	}
}

/**
 * dka_block_status() - what a block is now
 * @blk: the memory block device
 * @page: PAGE_SIZE scratch
 * @how: how to wait for a change in flight (enum dka_read)
 *
 * Taken under the block's device lock: an online or offline in flight
 * holds it until the block's state is final, and the memory notifier (so
 * the drift work it schedules) runs before that.
 *
 * Return: DKA_BLK_*, -EBUSY while it is going offline, -EINTR when
 * interrupted while waiting for a change in flight, -EAGAIN when one is in
 * flight and @how is DKA_READ_TRY.
 */
static int dka_block_status(struct device *blk, char *page, enum dka_read how)
{
	int rc;

	switch (how) {
	case DKA_READ_INTR:
		rc = device_lock_interruptible(blk);
		if (rc)
			return rc;
		break;
	case DKA_READ_TRY:
		if (!device_trylock(blk))
			return -EAGAIN;
		break;
	default:
		device_lock(blk);
	}
	rc = -EIO;
	if (dka_attr_state->show(blk, dka_attr_state, page) <= 0)
		goto out;
	rc = DKA_BLK_OFFLINE;
	if (sysfs_streq(page, "offline"))
		goto out;
	rc = -EBUSY;		/* going-offline */
	if (!sysfs_streq(page, "online"))
		goto out;
	rc = -EIO;
	if (dka_attr_zones->show(blk, dka_attr_zones, page) <= 0)
		goto out;
	rc = sysfs_streq(page, "Movable") ? DKA_BLK_MOVABLE : DKA_BLK_KERNEL;
out:
	device_unlock(blk);
	return rc;
}

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
		struct device *blk = dka_block_get(d, id + i, hint);

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

/* Drop our references to every block (the device is going away). */
void dka_blocks_put_all(struct dka_dev *d)
{
	unsigned int i;

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

/* Whether anything of @d is still added or reserved. */
bool dka_ranges_left(struct dka_dev *d)
{
	unsigned int i;

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

/*
 * Put blocks [0, @n) back the way dka_blocks_offline() found them: every
 * block it offlined is onlined again in its recorded zone, last first.
 */
static void dka_blocks_restore(struct dka_dev *d, unsigned int n)
{
	while (n--) {
		struct dka_block *b = &d->blocks[n];
		int rc;

		if (b->restore == DKA_OFFLINE)
			continue;
		rc = dka_block_write(b->dev, b->restore, false);
		if (rc)
			dev_err(d->dev, "rollback: %s could not be onlined again (%s): %d\n",
				dev_name(b->dev), dka_state_name(b->restore), rc);
		b->restore = DKA_OFFLINE;
	}
}

/**
 * dka_blocks_offline() - offline every block of the device, or none
 * @d: the device
 *
 * Each block's zone is recorded before it goes offline.  If one fails (or
 * the writer is signalled), every block offlined so far is onlined again
 * in its recorded zone, whatever signal is pending, and the error is
 * returned.
 *
 * Return: 0 with every block offline, or a negative errno with every block
 * as it was (unless the kernel refused to online one again: logged).
 */
static int dka_blocks_offline(struct dka_dev *d)
{
	char *page = d->page;
	unsigned int i;
	int rc = 0;

	for (i = 0; i < d->nr_blocks; i++) {
		struct dka_block *b = &d->blocks[i];
		int st;

		b->restore = DKA_OFFLINE;
		if (!b->dev)
			continue;
		st = dka_block_status(b->dev, page, DKA_READ_WAIT);
		if (st == DKA_BLK_OFFLINE)
			continue;
		if (st < 0) {
			rc = st;
			dev_err(d->dev, "%s %s, cannot unplug\n", dev_name(b->dev),
				st == -EBUSY ? "is going offline" :
				st == -EINTR ? "was being changed (interrupted)" :
					       "state cannot be read");
			break;
		}
		rc = dka_block_write(b->dev, DKA_OFFLINE, true);
		if (rc) {
			dev_err(d->dev, "unplug: offlining %s failed: %d%s; rolling back\n",
				dev_name(b->dev), rc,
				rc == -EINTR ? " (interrupted)" : "");
			break;
		}
		b->restore = st == DKA_BLK_MOVABLE ? DKA_ONLINE_MOVABLE :
						      DKA_ONLINE_KERNEL;
	}
	if (rc)
		dka_blocks_restore(d, i);
	return rc;
}

/*
 * After a failed offline_and_remove_memory_ranges(), which walks the blocks
 * in our order and re-onlines those it took offline: the block it stopped
 * at is the first online one after the last it took offline.
 */
static struct device *dka_block_that_failed(struct dka_dev *d)
{
	unsigned long last = dka_guard_last_offlined(d);
	unsigned long per_block = memory_block_size_bytes();
	struct device *found = NULL;
	unsigned int i, start = 0;

	for (i = 0; last != DKA_NO_BLOCK && i < d->nr_ranges; i++) {
		const struct dka_range *r = &d->ranges[i];
		unsigned long first = r->range.start / per_block;

		if (r->added && last >= first && last < first + r->nr)
			start = r->first + (last - first) + 1;
	}
	for (i = start; i < d->nr_blocks && !found; i++)
		if (d->blocks[i].dev &&
		    dka_block_status(d->blocks[i].dev, d->page, DKA_READ_WAIT) != DKA_BLK_OFFLINE)
			found = d->blocks[i].dev;
	return found;
}

#ifdef DKA_BENCH_ALTERNATIVES
/*
 * Benchmark builds only (make bench): before 7.3, unplug a single-range
 * device through the kernel's offline_and_remove_memory() instead of
 * block by block, so that both can be measured side by side in one boot.
 * That call holds device_hotplug_lock from the first block's offline to
 * the removal; the block-by-block path lets other writers in between
 * blocks.  The README's "Performance" gives the figures and the choice.
 */
static bool dka_bench_whole_range;
module_param_named(bench_whole_range, dka_bench_whole_range, bool, 0644);
MODULE_PARM_DESC(bench_whole_range,
		 "benchmark builds only: unplug one-range devices with offline_and_remove_memory()");

static int dka_kernel_unplug(struct dka_dev *d, unsigned int n)
{
	int rc = dka_offline_and_remove_ranges(d->kranges, n);

	if (rc == -EOPNOTSUPP && n == 1 && READ_ONCE(dka_bench_whole_range))
		rc = dka_offline_and_remove_range(d->nid, &d->kranges[0]);
	return rc;
}
#else
static int dka_kernel_unplug(struct dka_dev *d, unsigned int n)
{
	return dka_offline_and_remove_ranges(d->kranges, n);
}
#endif

/* 7.3: the kernel's own all-or-nothing unplug; -EOPNOTSUPP elsewhere. */
static int dka_ranges_unplug_kernel(struct dka_dev *d)
{
	unsigned int i, n = 0;
	struct device *blk;
	int rc;

	for (i = 0; i < d->nr_ranges; i++)
		if (d->ranges[i].added)
			d->kranges[n++] = d->ranges[i].range;
	rc = n ? dka_kernel_unplug(d, n) : 0;
	if (rc == -EOPNOTSUPP)
		return rc;
	if (rc) {
		blk = dka_block_that_failed(d);
		if (blk)
			dev_err(d->dev, "unplug: offlining %s failed: %d%s; rolled back\n",
				dev_name(blk), rc, rc == -EINTR ? " (interrupted)" : "");
		else
			dev_err(d->dev, "unplug: offlining failed: %d%s; rolled back\n",
				rc, rc == -EINTR ? " (interrupted)" : "");
		return rc;
	}
	/* Removed: drop our block references and reservations. */
	for (i = 0; i < d->nr_ranges; i++) {
		struct dka_range *r = &d->ranges[i];

		if (r->added) {
			r->added = false;
			dka_range_blocks_put(d, r);
		}
	}
	return dka_ranges_remove(d);
}

/**
 * dka_ranges_unplug() - offline every block and remove every range
 * @d: the device, added
 *
 * Uses the kernel's offline_and_remove_memory_ranges() where exported
 * (7.3), else offlines block by block with rollback, then removes.
 *
 * Return: 0 with nothing added or reserved any more, or a negative errno
 * with every block as it was (the caller reads the blocks again: a kernel
 * that refuses to remove offline memory leaves it offline).
 */
int dka_ranges_unplug(struct dka_dev *d)
{
	int rc;

	lockdep_assert_held(&d->lock);
	rc = dka_ranges_unplug_kernel(d);
	if (rc != -EOPNOTSUPP)
		return rc;
	rc = dka_blocks_offline(d);
	if (rc)
		return rc;
	return dka_ranges_remove(d);
}

/*
 * The @i-th block to online of @n: the first, then the last, then down to
 * the second.  Onlining a block makes the kernel check again whether its
 * zone has holes (set_zone_contiguous(): a walk over the zone's pageblocks
 * from its start, up to the first hole).  In address order there is no
 * hole up to the block just onlined, so each block walks every block
 * before it: n blocks cost O(n^2) (seen: 70% of onlining 32 GiB).  With
 * the second block left for last, the walk stops there every time.  The
 * zone ends up the same.
 */
static unsigned int dka_online_order(unsigned int i, unsigned int n)
{
	return i ? n - i : 0;
}

/* How long an undo waits for a block that will not go offline. */
#define DKA_UNDO_STALL (10 * HZ)

/* An all-or-nothing online, run by a kernel thread (dka_blocks_online()). */
struct dka_onliner {
	struct dka_dev *d;
	int type;		/* the online type */
	bool undoing;		/* onlining failed, offlining them again */
	atomic_t progress;	/* blocks done, for the stall watchdog */
	int rc;
	struct completion done;
};

/* Offline again blocks [0, @n) in online order; errors are logged. */
static void dka_blocks_undo(struct dka_onliner *o, unsigned int n)
{
	struct dka_dev *d = o->d;

	while (n--) {
		struct dka_block *b = &d->blocks[dka_online_order(n, d->nr_blocks)];
		int err;

		if (!b->dev)
			continue;
		err = dka_block_write(b->dev, DKA_OFFLINE, true);
		atomic_inc(&o->progress);
		if (!err)
			continue;
		dev_err(d->dev, "rollback: %s could not be offlined again: %d%s\n",
			dev_name(b->dev), err,
			err == -EINTR ? " (given up: no progress in 10 s or more)" : "");
		/* The watchdog gave up on this block only: go on with the rest. */
		if (signal_pending(current))
			flush_signals(current);
	}
}

static int dka_online_thread(void *arg)
{
	struct dka_onliner *o = arg;
	struct dka_dev *d = o->d;
	unsigned int i;
	int rc = 0;

	/* The only signal it ever gets: the watchdog's "give up". */
	allow_signal(SIGINT);
	for (i = 0; i < d->nr_blocks; i++) {
		struct dka_block *b = &d->blocks[dka_online_order(i, d->nr_blocks)];

		if (!b->dev)
			continue;
		rc = dka_block_write(b->dev, o->type, false);
		atomic_inc(&o->progress);
		if (rc) {
			dev_err(d->dev, "%s of %s failed: %d; rolling back\n",
				dka_state_name(o->type), dev_name(b->dev), rc);
			break;
		}
	}
	if (rc) {
		WRITE_ONCE(o->undoing, true);
		dka_blocks_undo(o, i);
	}
	o->rc = rc;
	complete(&o->done);
	/*
	 * The module may be unloaded as soon as the writer returns: wait for
	 * its kthread_stop(), which returns once this thread has left our code.
	 */
	for (;;) {
		set_current_state(TASK_UNINTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

/**
 * dka_blocks_online() - online every block of the device, or none
 * @d: the device, every block offline, in a transition of the caller
 * @type: DKA_ONLINE, DKA_ONLINE_KERNEL or DKA_ONLINE_MOVABLE
 *
 * The blocks are onlined, and on a failure offlined again, by a kernel
 * thread, which owns the device's blocks meanwhile while the caller waits:
 * the kernel's offline gives up at once while a signal is pending, and a
 * writer killed by SIGKILL (what SIGTERM becomes when nothing handles it)
 * has one pending for good.  No signal of the writer reaches the thread,
 * and the freezer leaves it alone, so neither the online (7.3's add and
 * online is not interruptible either) nor its rollback is cut short.
 * Offlining a block can wait on page migration for as long as a page is
 * pinned: when the rollback made no progress for DKA_UNDO_STALL, the
 * thread is told to give that block up (SIGINT ends the kernel's offline
 * with -EINTR) and goes on with the others, so neither a state write nor a
 * probe waits on migration without bound.
 *
 * Return: 0 with every block online; or a negative errno after offlining
 * again the blocks it onlined, which the caller checks by reading the
 * blocks (a failure of that is logged); or, with nothing onlined, the
 * error of starting the thread (-EINTR when the caller is being killed).
 */
int dka_blocks_online(struct dka_dev *d, int type)
{
	struct dka_onliner o = { .d = d, .type = type };
	struct task_struct *t;
	int seen = 0;

	lockdep_assert_held(&d->lock);
	init_completion(&o.done);
	atomic_set(&o.progress, 0);
	t = kthread_create(dka_online_thread, &o, "dka-online/%s",
			   dev_name(d->dev));
	if (IS_ERR(t)) {
		dev_err(d->dev, "%s: cannot start its kernel thread: %ld\n",
			dka_state_name(type), PTR_ERR(t));
		return PTR_ERR(t);
	}
	get_task_struct(t);
	dka_guard_hand_over(d, t);
	wake_up_process(t);
	while (!wait_for_completion_timeout(&o.done, DKA_UNDO_STALL)) {
		int now = atomic_read(&o.progress);

		if (now == seen && READ_ONCE(o.undoing))
			send_sig(SIGINT, t, 1);
		seen = now;
	}
	kthread_stop(t);
	dka_guard_hand_over(d, current);
	put_task_struct(t);
	return o.rc;
}

/**
 * dka_blocks_census() - read every added block of the device once
 * @d: the device
 * @c: filled with the number of added blocks and how many are in each state
 * @how: how to wait for a block whose change is in flight (enum dka_read)
 *
 * A block that cannot be read (going offline, a change in flight that we
 * were interrupted waiting for) counts as added but in no state.
 *
 * Return: 0, or -EAGAIN when @how is DKA_READ_TRY and a block was busy
 * (@c is then incomplete).
 */
int dka_blocks_census(struct dka_dev *d, struct dka_census *c,
		      enum dka_read how)
{
	unsigned int i;

	lockdep_assert_held(&d->lock);
	memset(c, 0, sizeof(*c));
	for (i = 0; i < d->nr_blocks; i++) {
		if (!d->blocks[i].dev)
			continue;
		c->added++;
		switch (dka_block_status(d->blocks[i].dev, d->page, how)) {
		case DKA_BLK_OFFLINE:
			c->offline++;
			break;
		case DKA_BLK_KERNEL:
			c->kernel++;
			break;
		case DKA_BLK_MOVABLE:
			c->movable++;
			break;
		case -EAGAIN:
			return -EAGAIN;
		}
	}
	return 0;
}

/**
 * dka_census_drift() - how many blocks differ from a device state
 * @c: a census (dka_blocks_census())
 * @state: the state the device reports
 *
 * Return: the number of added blocks that are not in @state (0 while
 * unplugged: nothing is added).
 */
unsigned int dka_census_drift(const struct dka_census *c, int state)
{
	switch (state) {
	case DKA_OFFLINE:
		return c->added - c->offline;
	case DKA_ONLINE_KERNEL:
		return c->added - c->kernel;
	case DKA_ONLINE_MOVABLE:
		return c->added - c->movable;
	default:
		return c->added - c->kernel - c->movable;
	}
}

/**
 * dka_census_truth() - the state the device's blocks agree on, if any
 * @c: a census (dka_blocks_census())
 *
 * Return: DKA_OFFLINE when every added block is offline; DKA_ONLINE_MOVABLE
 * or DKA_ONLINE_KERNEL when every one is online in that kind of zone;
 * DKA_ONLINE when every one is online, in both kinds; -EAGAIN when some
 * are offline and some online (or one is going offline), or none is added.
 */
int dka_census_truth(const struct dka_census *c)
{
	if (!c->added)
		return -EAGAIN;
	if (c->offline == c->added)
		return DKA_OFFLINE;
	if (c->movable == c->added)
		return DKA_ONLINE_MOVABLE;
	if (c->kernel == c->added)
		return DKA_ONLINE_KERNEL;
	if (c->kernel + c->movable == c->added)
		return DKA_ONLINE;
	return -EAGAIN;
}

/**
 * dka_blocks_drift() - count the blocks whose state differs from d->state
 * @d: the device
 *
 * For readers of the "drift" attribute: interruptible.
 *
 * Return: the number of added blocks that are not in the state the device
 * reports (0 while unplugged).
 */
unsigned int dka_blocks_drift(struct dka_dev *d)
{
	struct dka_census c;

	dka_blocks_census(d, &c, DKA_READ_INTR);
	return dka_census_drift(&c, d->state);
}

/**
 * dka_default_online_type() - the kernel's policy for hotplugged memory
 * @d: the device, with at least one block added
 *
 * Read from /sys/devices/system/memory/auto_online_blocks (the parent of
 * every memory block), the same value the add path would use.
 *
 * Return: DKA_OFFLINE or an online type, or a negative errno.
 */
int dka_default_online_type(struct dka_dev *d)
{
	struct device_attribute *attr;
	struct device *root = NULL;
	char *page = d->page;
	unsigned int i;
	int type, rc = -ENODEV;

	/*
	 * Memory blocks have no dev->parent; their kobject sits below the
	 * memory subsystem's root device (/sys/devices/system/memory).
	 */
	for (i = 0; i < d->nr_blocks && !root; i++) {
		struct kobject *parent;

		if (!d->blocks[i].dev)
			continue;
		parent = d->blocks[i].dev->kobj.parent;
		if (parent && parent->kset == d->dev->kobj.kset)
			root = kobj_to_dev(parent);
	}
	if (!root)
		return -ENODEV;
	attr = dka_find_attr(root, "auto_online_blocks");
	if (!attr || !attr->show)
		return -EOPNOTSUPP;
	if (attr->show(root, attr, page) > 0) {
		rc = -EINVAL;
		for (type = DKA_OFFLINE; type <= DKA_ONLINE_MOVABLE; type++)
			if (sysfs_streq(page, dka_state_name(type)))
				rc = type;
	}
	return rc;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The all-or-nothing steps of a transition, each with its rollback (one
 * helper each):
 *
 *  - dka_blocks_online(): online every block in one zone type; on failure
 *    dka_blocks_undo() offlines again those it onlined.  Both run in a
 *    kernel thread, out of reach of the writer's signals.
 *  - dka_ranges_unplug(): the kernel's offline_and_remove_memory_ranges()
 *    where exported (7.3), else dka_blocks_offline() block by block, whose
 *    rollback dka_blocks_restore() onlines again, each in its recorded
 *    zone, those it offlined; then the ranges are removed (range.c).
 *
 * Signals: only the forward offline of an unplug is interruptible (as in
 * the kernel's own offline, which gives up on any pending signal).  Onlines,
 * forward or restoring, never check for signals and retry contention
 * whatever is pending, so a SIGKILL (which is what SIGTERM becomes when its
 * default action is to kill) cannot leave an unplug's rollback half done.
 *
 * Called by the owner of a transition (guard.c) with d->lock held; the
 * online thread works for it while it waits, under that same hold.
 */
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/memory.h>
#include <linux/moduleparam.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include "compat/mm.h"
#include "block.h"
#include "guard.h"
#include "range.h"
#include "state.h"
#include "transition.h"

/*
 * Put blocks [0, @n) back the way dka_blocks_offline() found them: every
 * block it offlined is onlined again in its recorded zone, last first.
 */
static void dka_blocks_restore(struct dka_dev *d, unsigned int n)
{
	lockdep_assert_held(&d->lock);
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

	lockdep_assert_held(&d->lock);
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
	dka_ranges_removed(d);
	return 0;
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

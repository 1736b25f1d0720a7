// SPDX-License-Identifier: GPL-2.0
/*
 * The truth of a device's memory blocks, read from the blocks themselves
 * (block.c), never assumed from what a transition meant to do:
 *
 *  - the census: how many added blocks are offline, online in a kernel
 *    zone, online in ZONE_MOVABLE;
 *  - the state they make true after a failed transition (in unplug, plug
 *    and probe alike) and how many differ from "state" ("drift");
 *  - the drift work: with exclusive=N, a block changed one by one behind
 *    "state" (the guard schedules it) is logged and announced, and "state"
 *    follows the blocks once they agree again.
 *
 * Every function taking a struct dka_dev is called with d->lock held,
 * except the drift work's, which takes it.
 */
#include <linux/workqueue.h>
#include <linux/string.h>
#include "drift.h"
#include "range.h"
#include "state.h"

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

	lockdep_assert_held(&d->lock);
	dka_blocks_census(d, &c, DKA_READ_INTR);
	return dka_census_drift(&c, d->state);
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
int dka_state_after(struct dka_dev *d, int old)
{
	struct dka_census c;

	lockdep_assert_held(&d->lock);
	if (!dka_ranges_left(d))
		return DKA_UNPLUGGED;
	dka_blocks_census(d, &c, DKA_READ_WAIT);
	return dka_state_for(old == DKA_UNPLUGGED ? DKA_OFFLINE : old,
			     dka_census_truth(&c));
}

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

	if (now != old)
		dev_info(d->dev, "state %s -> %s: its memory blocks were changed one by one (exclusive=N)\n",
			 dka_state_name(old), dka_state_name(now));
	if (n)
		dev_warn(d->dev, "memory blocks changed behind 'state' (exclusive=N): %u of %u differ from %s\n",
			 n, d->nr_blocks, dka_state_name(now));
	else if (now == old)
		dev_info(d->dev, "memory blocks changed behind 'state' (exclusive=N): all %u are %s again\n",
			 d->nr_blocks, dka_state_name(now));
	dka_state_announce(d, now != old ? now : INT_MIN, n);
	mutex_unlock(&d->lock);
}

/* Start the device's drift work (probe, before the guard can schedule it). */
void dka_drift_init(struct dka_dev *d)
{
	INIT_DELAYED_WORK(&d->drift_work, dka_drift_work);
}

/*
 * A block of @d changed behind "state": look at the blocks soon.  Called
 * by the memory notifier, which must not block.
 */
void dka_drift_report(struct dka_dev *d)
{
	schedule_delayed_work(&d->drift_work, 0);
}

/* Stop the drift work for good: @d is out of the guard, going away. */
void dka_drift_stop(struct dka_dev *d)
{
	cancel_delayed_work_sync(&d->drift_work);
}

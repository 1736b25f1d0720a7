// SPDX-License-Identifier: GPL-2.0
/*
 * The ownership guard: a memory notifier that keeps other controllers off
 * the memory blocks of our devices.
 *
 * Every per-block online or offline in the kernel, whoever asks for it
 * (memoryN/state, memoryN/online, udev rules, chmem, daxctl, the add
 * path's auto-online), passes the memory notifier chain with
 * MEM_GOING_ONLINE or MEM_GOING_OFFLINE before it happens, in the task
 * that asked.  For a block of one of our devices we answer:
 *
 *  - the task running the device's transition (d->owner): allowed, except
 *    onlines while d->hold_offline is set (the add path's auto-online,
 *    which we replace by our own all-or-nothing online);
 *  - anyone else during a transition: refused with -EBUSY, so nothing can
 *    interleave with it;
 *  - anyone else outside transitions: refused with -EBUSY when the module
 *    parameter "exclusive" is set (the default), so "state" never drifts;
 *    otherwise allowed, and the change is reported as drift (log line,
 *    KOBJ_CHANGE uevent, the device's "drift" attribute).
 *
 * The notifier also counts each device's online blocks, whoever onlined
 * them, and holds a reference on this module while any is online: unloading
 * unbinds every device, unbind never offlines, so rmmod would otherwise
 * leave that memory in use until reboot.  rmmod now says "in use" instead.
 *
 * The notifier runs with device_hotplug_lock and mem_hotplug_lock held,
 * possibly while a transition of the same device sleeps on one of them,
 * so it must never block: the registry is a list under a spinlock.  A
 * device may be unbound and freed as soon as that lock is dropped: nothing
 * of it is read afterwards but its struct device, referenced under the lock.
 */
#include <linux/lockdep.h>
#include <linux/memory.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include "compat/notifier.h"
#include "drift.h"
#include "guard.h"

/*
 * Protects dka_guards and every dka_dev's owner, hold_offline,
 * last_offlined and nr_online.
 */
static DEFINE_SPINLOCK(dka_guard_lock);
static LIST_HEAD(dka_guards);

/* The device whose ranges overlap [start, end] pfns; dka_guard_lock held. */
static struct dka_dev *dka_guard_find(unsigned long start, unsigned long end)
{
	struct dka_dev *d;
	unsigned int i;

	list_for_each_entry(d, &dka_guards, guard_node) {
		for (i = 0; i < d->nr_ranges; i++) {
			const struct dka_range *r = &d->ranges[i];

			if (dka_range_empty(r))
				continue;
			if (start <= PHYS_PFN(r->range.end) &&
			    end >= PHYS_PFN(r->range.start))
				return d;
		}
	}
	return NULL;
}

/*
 * One more (@delta 1) or one less (-1) block of @d online; the first
 * online block takes a module reference, the last one offline drops it.
 * dka_guard_lock held.
 */
static void dka_guard_count(struct dka_dev *d, int delta)
{
	lockdep_assert_held(&dka_guard_lock);
	if (delta > 0 && !d->nr_online++)
		__module_get(THIS_MODULE);
	else if (delta < 0 && d->nr_online && !--d->nr_online)
		module_put(THIS_MODULE);
}

static unsigned long dka_pfn_block_id(unsigned long pfn)
{
	return PFN_PHYS(pfn) / memory_block_size_bytes();
}

static int dka_memory_notify(struct notifier_block *nb, unsigned long action,
			     void *arg)
{
	const struct memory_notify *mn = arg;
	unsigned long start = mn->start_pfn;
	unsigned long end = start + mn->nr_pages - 1;
	bool going_online, going_offline, done;
	const char *why = NULL;
	struct device *dev;
	struct dka_dev *d;

	going_online = dka_notify_going_online(action);
	going_offline = action == MEM_GOING_OFFLINE;
	done = action == MEM_ONLINE || action == MEM_OFFLINE;
	if (!going_online && !going_offline && !done)
		return NOTIFY_OK;

	spin_lock(&dka_guard_lock);
	d = dka_guard_find(start, end);
	if (!d) {
		spin_unlock(&dka_guard_lock);
		return NOTIFY_OK;
	}
	if (action == MEM_ONLINE)
		dka_guard_count(d, 1);
	else if (action == MEM_OFFLINE)
		dka_guard_count(d, -1);
	if (d->owner == current) {
		if (action == MEM_OFFLINE)
			d->last_offlined = dka_pfn_block_id(start);
		if (going_online && d->hold_offline) {
			/* The add path's auto-online: we online ourselves. */
			spin_unlock(&dka_guard_lock);
			return notifier_from_errno(-EBUSY);
		}
		spin_unlock(&dka_guard_lock);
		return NOTIFY_OK;
	}
	if (d->owner)
		why = "a state transition of the device is in progress";
	else if (READ_ONCE(dka_exclusive))
		why = "the device owns its blocks (exclusive=Y): write its 'state' instead";
	if (!why && done)
		dka_drift_report(d);
	if (!why || done) {
		spin_unlock(&dka_guard_lock);
		return NOTIFY_OK;
	}
	/* @d may be freed once the lock is dropped: keep only its device. */
	dev = get_device(d->dev);
	spin_unlock(&dka_guard_lock);

	dev_warn_ratelimited(dev, "refused %s of memory%lu by %s[%d]: %s\n",
			     going_online ? "online" : "offline",
			     dka_pfn_block_id(start), current->comm,
			     task_pid_nr(current), why);
	put_device(dev);
	return notifier_from_errno(-EBUSY);
}

static struct notifier_block dka_memory_nb = {
	.notifier_call = dka_memory_notify,
};

/* Start guarding the ranges of @d; they must not change until dka_guard_del(). */
void dka_guard_add(struct dka_dev *d)
{
	spin_lock(&dka_guard_lock);
	list_add_tail(&d->guard_node, &dka_guards);
	spin_unlock(&dka_guard_lock);
}

/*
 * Stop guarding @d (unbind, or a failed probe).  Blocks it leaves online
 * stay in use until reboot; they no longer hold the module.
 */
void dka_guard_del(struct dka_dev *d)
{
	spin_lock(&dka_guard_lock);
	list_del_init(&d->guard_node);
	if (d->nr_online) {
		d->nr_online = 0;
		module_put(THIS_MODULE);
	}
	spin_unlock(&dka_guard_lock);
}

/* The calling task starts a transition of @d: only it may change blocks. */
void dka_guard_begin(struct dka_dev *d)
{
	lockdep_assert_held(&d->lock);
	spin_lock(&dka_guard_lock);
	d->owner = current;
	d->hold_offline = false;
	d->last_offlined = DKA_NO_BLOCK;
	spin_unlock(&dka_guard_lock);
}

/*
 * Hand the transition of @d to @task (a rollback thread started by the
 * owner, which waits for it) and back.  The owner holds d->lock.
 */
void dka_guard_hand_over(struct dka_dev *d, struct task_struct *task)
{
	lockdep_assert_held(&d->lock);
	spin_lock(&dka_guard_lock);
	d->owner = task;
	spin_unlock(&dka_guard_lock);
}

/*
 * The last block the transition of @d took offline, or DKA_NO_BLOCK: the
 * kernel's offline_and_remove_memory_ranges() does not say where it failed.
 */
unsigned long dka_guard_last_offlined(struct dka_dev *d)
{
	unsigned long id;

	lockdep_assert_held(&d->lock);
	spin_lock(&dka_guard_lock);
	id = d->last_offlined;
	spin_unlock(&dka_guard_lock);
	return id;
}

/* While @hold, blocks of @d stay offline even for the owner (add path). */
void dka_guard_hold_offline(struct dka_dev *d, bool hold)
{
	lockdep_assert_held(&d->lock);
	spin_lock(&dka_guard_lock);
	d->hold_offline = hold;
	spin_unlock(&dka_guard_lock);
}

void dka_guard_end(struct dka_dev *d)
{
	lockdep_assert_held(&d->lock);
	spin_lock(&dka_guard_lock);
	d->owner = NULL;
	d->hold_offline = false;
	spin_unlock(&dka_guard_lock);
}

int dka_guard_init(void)
{
	return register_memory_notifier(&dka_memory_nb);
}

void dka_guard_exit(void)
{
	unregister_memory_notifier(&dka_memory_nb);
}

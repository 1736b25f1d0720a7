// SPDX-License-Identifier: GPL-2.0
/*
 * One memory block, driven through its own sysfs methods: exported
 * symbols only.
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
 * A block's state and zone are read the same way, through its "state" and
 * "valid_zones" show methods, so nothing here depends on the layout of
 * struct memory_block.
 */
#include <linux/err.h>
#include <linux/kobject.h>
#include <linux/mutex.h>
#include <linux/sched/signal.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include "compat/device.h"
#include "block.h"
#include "dka.h"

/*
 * The words of the memory block interface (memoryN/state and
 * auto_online_blocks), by online type: the kernel's, not our device
 * states' (state.c), though spelled the same today.
 */
static const char *const dka_block_words[] = {
	[DKA_OFFLINE] = "offline",
	[DKA_ONLINE] = "online",
	[DKA_ONLINE_KERNEL] = "online_kernel",
	[DKA_ONLINE_MOVABLE] = "online_movable",
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
static struct device *dka_block_bootstrap(struct device *dax_dev,
					  const char *name)
{
	struct kobject *kobj;
	struct device *blk;

	/* Every registered device is on devices_kset, ours too. */
	kobj = kset_find_obj(dax_dev->kobj.kset, name);
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
		dev_err(dax_dev, "%s has no usable state/valid_zones attributes\n",
			name);
		put_device(blk);
		return ERR_PTR(-EOPNOTSUPP);
	}
	dka_memory_bus = blk->bus;
	return blk;
}

/**
 * dka_block_get() - find memory block @id
 * @dax_dev: the dax device it belongs to (for the first lookup and logs)
 * @id: the block's number (memory@id)
 * @hint: a block registered before it, or NULL: speeds up the search
 *
 * Return: the block's device, referenced; NULL if there is no such block,
 * or an ERR_PTR when memory blocks lack the attributes we drive them by.
 */
struct device *dka_block_get(struct device *dax_dev, unsigned long id,
			     struct device *hint)
{
	struct device *blk;
	char name[32];

	snprintf(name, sizeof(name), "memory%lu", id);
	mutex_lock(&dka_bus_lock);
	if (!dka_memory_bus) {
		blk = dka_block_bootstrap(dax_dev, name);
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
int dka_block_write(struct device *blk, int type, bool intr)
{
	const char *word = dka_block_words[type];
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
int dka_block_status(struct device *blk, char *page, enum dka_read how)
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

/**
 * dka_block_policy() - the kernel's policy for hotplugged memory
 * @blk: any memory block
 * @page: PAGE_SIZE scratch
 *
 * Read from /sys/devices/system/memory/auto_online_blocks (the parent of
 * every memory block), the same value the add path would use.
 *
 * Return: DKA_OFFLINE or an online type, or a negative errno.
 */
int dka_block_policy(struct device *blk, char *page)
{
	struct kobject *parent = blk->kobj.parent;
	struct device_attribute *attr;
	struct device *root;
	int type, rc;

	/*
	 * Memory blocks have no dev->parent; their kobject sits below the
	 * memory subsystem's root device (/sys/devices/system/memory).
	 */
	if (!parent || parent->kset != blk->kobj.kset)
		return -ENODEV;
	root = kobj_to_dev(parent);
	attr = dka_find_attr(root, "auto_online_blocks");
	if (!attr || !attr->show)
		return -EOPNOTSUPP;
	if (attr->show(root, attr, page) <= 0)
		return -ENODEV;
	rc = -EINVAL;
	for (type = DKA_OFFLINE; type <= DKA_ONLINE_MOVABLE; type++)
		if (sysfs_streq(page, dka_block_words[type]))
			rc = type;
	return rc;
}

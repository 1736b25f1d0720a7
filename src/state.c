// SPDX-License-Identifier: GPL-2.0
/*
 * A device's "state", the user-visible ABI of Linux 7.3's kmem: its words,
 * the state a reading of the blocks makes true, and the KOBJ_CHANGE
 * uevent (DAX_KMEM_STATE=, DAX_KMEM_DRIFT=) that announces a change.  The
 * words written to a memory block are the block interface's own
 * (block.c), even where they are spelled the same.
 */
#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/sysfs.h>
#include "state.h"

static const char *const dka_state_names[] = {
	[DKA_OFFLINE] = "offline",
	[DKA_ONLINE] = "online",
	[DKA_ONLINE_KERNEL] = "online_kernel",
	[DKA_ONLINE_MOVABLE] = "online_movable",
};

/* The word "state" shows for @state. */
const char *dka_state_name(int state)
{
	if (state == DKA_UNPLUGGED)
		return "unplugged";
	if (state >= 0 && state < ARRAY_SIZE(dka_state_names))
		return dka_state_names[state];
	return "unknown";
}

/* A written word: a state, or -EINVAL ("offline" is reported, not written). */
int dka_state_parse(const char *buf)
{
	int state;

	if (sysfs_streq(buf, "unplugged"))
		return DKA_UNPLUGGED;
	for (state = DKA_ONLINE; state <= DKA_ONLINE_MOVABLE; state++)
		if (sysfs_streq(buf, dka_state_names[state]))
			return state;
	return -EINVAL;
}

/**
 * dka_state_for() - the state a reading of the blocks makes true
 * @old: the state reported so far
 * @truth: what the blocks agree on (dka_census_truth()), or a negative
 *	errno when they disagree
 *
 * "online" stays while every block is online in whatever zone; otherwise
 * the blocks' own state, or @old while they disagree.
 *
 * Return: the state to report.
 */
int dka_state_for(int old, int truth)
{
	if (truth < 0 || truth == old)
		return old;
	if (old == DKA_ONLINE && truth != DKA_OFFLINE)
		return old;
	return truth;
}

/**
 * dka_state_announce() - a KOBJ_CHANGE uevent for the device
 * @d: the device, d->lock held (so that listeners see changes in order)
 * @state: DAX_KMEM_STATE= to send, or INT_MIN for none
 * @drift: DAX_KMEM_DRIFT= to send, or -1 for none
 *
 * The uevent is lost, as the kernel's own are, if it cannot be allocated:
 * "state" and "drift" stay right, only the notification is missing.
 */
void dka_state_announce(struct dka_dev *d, int state, int drift)
{
	char env_state[48], env_drift[32];
	char *envp[3] = { NULL };
	unsigned int n = 0;

	lockdep_assert_held(&d->lock);
	if (drift >= 0) {
		snprintf(env_drift, sizeof(env_drift), "DAX_KMEM_DRIFT=%d", drift);
		envp[n++] = env_drift;
	}
	if (state != INT_MIN) {
		snprintf(env_state, sizeof(env_state), "DAX_KMEM_STATE=%s",
			 dka_state_name(state));
		envp[n++] = env_state;
	}
	kobject_uevent_env(&d->dev->kobj, KOBJ_CHANGE, envp);
}

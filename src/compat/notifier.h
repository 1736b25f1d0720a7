/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memory notifier actions that differ between kernels.  6.9 to 7.1 send
 * MEM_PREPARE_ONLINE before MEM_GOING_ONLINE; refusing the first one
 * stops the online as early as possible.
 */
#ifndef DKA_COMPAT_NOTIFIER_H
#define DKA_COMPAT_NOTIFIER_H

#include <linux/memory.h>
#include "dka_config.h"

static inline bool dka_notify_going_online(unsigned long action)
{
#ifdef HAVE_MEM_PREPARE_ONLINE
	if (action == MEM_PREPARE_ONLINE)
		return true;
#endif
	return action == MEM_GOING_ONLINE;
}

#endif /* DKA_COMPAT_NOTIFIER_H */

// SPDX-License-Identifier: GPL-2.0
/* probe: HAVE_MEMORY_NOTIFY_STATUS_NID - memory_notify.status_change_nid (gone in 7.2) */
#include <linux/memory.h>

int dka_probe(struct memory_notify *mn);
int dka_probe(struct memory_notify *mn)
{
	return mn->status_change_nid;
}

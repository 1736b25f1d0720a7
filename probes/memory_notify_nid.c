// SPDX-License-Identifier: GPL-2.0
/* probe: HAVE_MEMORY_NOTIFY_STATUS_NID - struct memory_notify has status_change_nid (up to 7.1; 7.2 moved node changes to a node notifier) */
#include <linux/memory.h>

int dka_probe(struct memory_notify *mn);
int dka_probe(struct memory_notify *mn)
{
	return mn->status_change_nid;
}

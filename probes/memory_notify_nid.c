// SPDX-License-Identifier: GPL-2.0
/* probe: HAVE_MEMORY_NOTIFY_STATUS_NID - struct memory_notify has status_change_nid */
/*
 * Tracks: struct memory_notify::status_change_nid, dropped for the node notifier.
 * Removed:  commit not identified ("mm,memory_hotplug: drop status_change_nid
 *           parameter from memory_notify", mm tree, June 2025)
 *           - Gone in: v6.17 (not checked against the tag; Debian 6.12 has it, 7.2 not).
 */
#include <linux/memory.h>

int dka_probe(struct memory_notify *mn);
int dka_probe(struct memory_notify *mn)
{
	return mn->status_change_nid;
}

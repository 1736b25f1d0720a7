// SPDX-License-Identifier: GPL-2.0
/* probe: DKA_PROBES_RAN - the compiler works against these headers */
/*
 * Tracks: no kernel change; it must always build (scripts/probe.sh stops
 * when it does not).  Never deleted.
 */
#include <linux/kernel.h>

int dka_probe_always(void);
int dka_probe_always(void)
{
	return 0;
}

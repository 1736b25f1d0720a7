// SPDX-License-Identifier: GPL-2.0
/* probe: HAVE_MEM_PREPARE_ONLINE - memory notifier sends MEM_PREPARE_ONLINE (6.9 to 7.1) */
#include <linux/memory.h>

int dka_probe(void);
int dka_probe(void)
{
	return MEM_PREPARE_ONLINE;
}

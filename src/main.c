// SPDX-License-Identifier: GPL-2.0
/*
 * dax_kmem_atomic: the dax kmem driver with Linux 7.3's atomic per-device
 * "state" attribute, for every kernel from 5.10 on.
 *
 * Files, in the order a write to "state" meets them (each uses only the
 * ones after it):
 *
 *   main.c        module parameters, load and unload
 *   kmem.c        probe, remove, the "state" and "drift" attributes, the
 *                 transitions under the device's lock
 *   state.c       the state words, the state the blocks make true, uevents
 *   guard.c       the memory notifier: only a transition's owner may change
 *                 the device's blocks; counts online blocks (rmmod)
 *   transition.c  the all-or-nothing online and unplug, with their rollbacks
 *   range.c       reserving, adding and removing the device's ranges
 *   drift.c       reading the blocks' truth: census, drift, the drift work
 *   block.c       one memory block, through its own sysfs methods
 *   compat/       what differs between kernels, chosen by probes/ at build
 *                 time (memory hotplug calls, the dax bus, struct layouts)
 */
#include <linux/module.h>
#include "compat/dax-bus.h"
#include "dka_layout.h"
#include "compat/mm.h"
#include "dka.h"
#include "guard.h"
#include "range.h"

/* Read by the guard on every refused or allowed per-block change. */
bool dka_exclusive = true;
module_param_named(exclusive, dka_exclusive, bool, 0644);
MODULE_PARM_DESC(exclusive,
		 "Refuse per-block online/offline of our devices' memory outside transitions too (default: Y)");

static bool dka_replace_kmem;
module_param_named(replace_kmem, dka_replace_kmem, bool, 0444);
MODULE_PARM_DESC(replace_kmem,
		 "Register as the dax driver \"kmem\" (6.12+: with kmem's driver type), for daxctl; needs the in-kernel kmem unloaded (default: N)");

static const struct dka_driver_ops dka_ops = {
	.probe = dka_probe,
	.remove = dka_remove,
	.dev_groups = dka_dev_groups,
};

static int __init dka_init(void)
{
	int rc;

	rc = dka_ranges_init();
	if (rc)
		return rc;
	rc = dka_mm_init();
	if (rc)
		goto err_ranges;
	rc = dka_guard_init();
	if (rc)
		goto err_mm;
	rc = dka_driver_register(&dka_ops, dka_replace_kmem);
	if (rc == -EBUSY && dka_replace_kmem) {
		pr_err("dax_kmem_atomic: replace_kmem=1: a dax driver named kmem is already registered (the in-kernel kmem is loaded); unload it first (modprobe -r kmem, with its memory offline) or load without replace_kmem\n");
		goto err_guard;
	} else if (rc) {
		pr_err("dax_kmem_atomic: cannot register on the dax bus: %d\n", rc);
		goto err_guard;
	}
	if (dka_replace_kmem && READ_ONCE(dka_exclusive))
		pr_info("dax_kmem_atomic: registered as the dax driver kmem (replace_kmem=1); exclusive=Y refuses daxctl's per-block online/offline, set exclusive=0 for daxctl\n");
	else if (dka_replace_kmem)
		pr_info("dax_kmem_atomic: registered as the dax driver kmem (replace_kmem=1)\n");
#ifdef DKA_LAYOUT_VERIFIED
	pr_info("dax_kmem_atomic: dax structure %s\n", DKA_LAYOUT_CHECK);
#else
	pr_warn("dax_kmem_atomic: dax structure %s\n", DKA_LAYOUT_CHECK);
#endif
	return 0;

err_guard:
	dka_guard_exit();
err_mm:
	dka_mm_exit();
err_ranges:
	dka_ranges_exit();
	return rc;
}

static void __exit dka_exit(void)
{
	dka_driver_unregister();
	dka_guard_exit();
	dka_mm_exit();
	dka_ranges_exit();
}

module_init(dka_init);
module_exit(dka_exit);
MODULE_LICENSE("GPL");
MODULE_VERSION(DKA_VERSION);
MODULE_DESCRIPTION("dax kmem driver with an atomic whole-device memory state");

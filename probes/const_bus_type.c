// SPDX-License-Identifier: GPL-2.0
/* probe: HAVE_CONST_BUS_TYPE - struct device::bus points to a const bus_type */
/*
 * Tracks: struct device::bus becomes "const struct bus_type *".
 * Upstream: d492cc2573a0 ("driver core: device.h: make struct bus_type a
 *           const *")
 * First in: v6.4.  Last without: v6.3.
 */
#include <linux/build_bug.h>
#include <linux/device.h>

#define DKA_BUS_T typeof(((struct device *)0)->bus)

static_assert(__builtin_types_compatible_p(DKA_BUS_T, const struct bus_type *),
	      "bus_type is not const");

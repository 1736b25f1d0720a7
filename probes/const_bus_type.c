// SPDX-License-Identifier: GPL-2.0
/* probe: HAVE_CONST_BUS_TYPE - struct device::bus points to a const bus_type (6.4+) */
#include <linux/build_bug.h>
#include <linux/device.h>

#define DKA_BUS_T typeof(((struct device *)0)->bus)

static_assert(__builtin_types_compatible_p(DKA_BUS_T, const struct bus_type *),
	      "bus_type is not const");

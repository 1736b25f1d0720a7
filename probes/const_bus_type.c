// SPDX-License-Identifier: GPL-2.0
/* probe: HAVE_CONST_BUS_TYPE - struct device::bus points to a const bus_type (6.4+) */
#include <linux/device.h>

_Static_assert(__builtin_types_compatible_p(typeof(((struct device *)0)->bus),
					    const struct bus_type *),
	       "bus_type is not const");

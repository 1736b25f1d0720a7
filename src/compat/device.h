/* SPDX-License-Identifier: GPL-2.0 */
/* Driver-core API differences between kernels. */
#ifndef DKA_COMPAT_DEVICE_H
#define DKA_COMPAT_DEVICE_H

#include <linux/device.h>
#include "dka_config.h"

/* bus_find_device() takes a const bus_type from 6.4 on. */
static inline struct device *
dka_bus_find_device_by_name(const struct bus_type *bus, struct device *start,
			    const char *name)
{
#ifdef HAVE_CONST_BUS_TYPE
	return bus_find_device_by_name(bus, start, name);
#else
	return bus_find_device_by_name((struct bus_type *)bus, start, name);
#endif
}

#endif /* DKA_COMPAT_DEVICE_H */

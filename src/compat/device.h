/* SPDX-License-Identifier: GPL-2.0 */
/* Driver-core API differences between kernels. */
#ifndef DKA_COMPAT_DEVICE_H
#define DKA_COMPAT_DEVICE_H

#include <linux/device.h>
#include "dka_config.h"

/* struct device::bus and bus_find_device() take a const bus_type from 6.4. */
#ifdef HAVE_CONST_BUS_TYPE
typedef const struct bus_type dka_bus_type_t;
#else
typedef struct bus_type dka_bus_type_t;
#endif

#endif /* DKA_COMPAT_DEVICE_H */

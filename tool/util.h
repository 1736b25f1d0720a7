/* SPDX-License-Identifier: GPL-2.0 */
/*
 * util.h: what every file of the dax-kmem-atomic command uses: bprintf(),
 * ARRAY_SIZE() and struct mem_range (the device model and the policy
 * both speak of physical ranges).
 */
#ifndef DKACTL_UTIL_H
#define DKACTL_UTIL_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A physical address range, both ends inclusive (as in /proc/iomem). */
struct mem_range {
	uint64_t start;
	uint64_t end;
};

/*
 * bprintf() - snprintf() into a fixed buffer, where truncation is accepted:
 * sysfs names and paths are short, and a cut message beats none.  It is a
 * wrapper because gcc -O2 -Wall (-Werror here) rejects a plain snprintf()
 * whose output may not fit and whose result is unused; through va_list
 * gcc cannot see the arguments.  Return: as snprintf().
 */
__attribute__((format(printf, 3, 4)))
static inline int bprintf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n;
}

#endif

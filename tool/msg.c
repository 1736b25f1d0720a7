// SPDX-License-Identifier: GPL-2.0
/*
 * msg.c: the command's messages.  The udev rule runs "apply --kmsg" where
 * no one reads stdout or stderr (udev discards them), so with --kmsg every
 * message also goes to the kernel log, at a level that matches its kind:
 * that is where an administrator looks after boot.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "util.h"

/* the kernel log's levels (<N> prefix of a /dev/kmsg record) */
enum { KMSG_ERR = 3, KMSG_NOTICE = 5, KMSG_INFO = 6 };

static bool show_verbose;
static bool copy_to_kmsg;

void msg_setup(bool verbose, bool kmsg)
{
	show_verbose = verbose;
	copy_to_kmsg = kmsg;
}

static void vmsg(FILE *f, int level, bool prefix, const char *fmt, va_list ap)
{
	char buf[1024], line[1100];
	int fd, n;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	fprintf(f, "%s%s\n", prefix ? "dax-kmem-atomic: " : "", buf);
	/* in order with the other stream, and before a slow step that follows */
	fflush(f);
	if (!copy_to_kmsg)
		return;
	fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	/* one write(2) is one record of the kernel log */
	n = bprintf(line, sizeof(line), "<%d>dax-kmem-atomic: %s\n", level, buf);
	if (n > 0 && write(fd, line, strlen(line)) < 0)
		fprintf(stderr, "dax-kmem-atomic: write /dev/kmsg: %s\n", strerror(errno));
	close(fd);
}

void msg_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(stdout, KMSG_NOTICE, false, fmt, ap);
	va_end(ap);
}

void msg_verbose(const char *fmt, ...)
{
	va_list ap;

	if (!show_verbose)
		return;
	va_start(ap, fmt);
	vmsg(stdout, KMSG_INFO, false, fmt, ap);
	va_end(ap);
}

void msg_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(stderr, KMSG_ERR, true, fmt, ap);
	va_end(ap);
}

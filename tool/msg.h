/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msg.h: the command's messages (msg.c).  Information goes to stdout,
 * errors to stderr as "dax-kmem-atomic: ...", and with --kmsg each is
 * copied to the kernel log.
 */
#ifndef DKACTL_MSG_H
#define DKACTL_MSG_H

#include <stdbool.h>

/* once, after the options: -v shows msg_verbose(), --kmsg copies to /dev/kmsg */
void msg_setup(bool verbose, bool kmsg);

void msg_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_verbose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

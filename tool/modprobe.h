/* SPDX-License-Identifier: GPL-2.0 */
/* modprobe.h: loading a kernel module as modprobe(8) does (modprobe.c). */
#ifndef DKACTL_MODPROBE_H
#define DKACTL_MODPROBE_H

/*
 * modprobe_load() - load module NAME (and what it depends on) through
 * libkmod; WHO prefixes the messages.  Loaded or built in already is
 * success.  Return: 0, or -errno (message printed).
 */
int modprobe_load(const char *who, const char *name);

#endif

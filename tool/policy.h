/* SPDX-License-Identifier: GPL-2.0 */
/*
 * policy.h: the policy files of dax-kmem-atomic (/etc/dax-kmem-atomic.d/
 * *.conf): their parsed form, the parser and the matching of a device
 * against them.  Nothing here touches sysfs, so the unit tests
 * (test-policy.c) run on any host.
 */
#ifndef DKACTL_POLICY_H
#define DKACTL_POLICY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "util.h"

/* What matching looks at: filled from sysfs by the caller. */
struct policy_dev {
	const char *name;		/* "dax0.0" */
	int node;			/* target_node; -1 when unknown */
	uint64_t size;			/* bytes */
	const struct mem_range *ranges;
	int nr_ranges;
};

struct node_span {
	int lo, hi;			/* "1" is 1-1, "2-3" is 2-3 */
};

struct policy_section {
	char *name;			/* between the brackets */
	char *file;			/* where it was defined */
	int line;
	char **globs;			/* device = GLOB... (fnmatch) */
	int nr_globs;
	struct node_span *nodes;	/* node = N[-M][,...] */
	int nr_nodes;
	struct mem_range *windows;	/* range = A-B[,...] or A+SIZE */
	int nr_windows;
	bool has_size, has_min, has_max;
	uint64_t size, min_size, max_size;
	char *state;			/* state = ... (validated) */
	int nr_keys;			/* match keys given */
};

struct policy {
	struct policy_section *sec;
	int nr;
};

/* The states "state" takes (offline is only reported). */
bool policy_state_writable(const char *s);

/* The states a policy may ask for: the writable states, and "ignore". */
bool policy_state_valid(const char *s);

/*
 * policy_parse_size() - "2G", "512M", "4096", "0x1000", "1T", "3GiB"
 * Suffixes K, M, G, T, P (powers of 1024), optionally followed by "iB".
 * Return: 0, or -EINVAL (not a size), -ERANGE (does not fit 64 bits).
 */
int policy_parse_size(const char *s, uint64_t *out);

/*
 * policy_parse_buf() - parse one file's text, NAME being its path for
 * messages.  Sections are appended to P.  Every error is printed to ERR as
 * "NAME:LINE: reason".  Return: the number of errors.
 */
int policy_parse_buf(struct policy *p, const char *name, const char *buf,
		     FILE *err);

/*
 * policy_load_dir() - parse every DIR/\*.conf in lexical (strcmp) order.
 * A missing directory is an empty policy.  Return: the number of errors
 * (files that cannot be read count as one each).
 */
int policy_load_dir(struct policy *p, const char *dir, FILE *err);

/* policy_section_matches() - does every match key of S accept device D? */
bool policy_section_matches(const struct policy_section *s,
		     const struct policy_dev *d);

/*
 * policy_match() - the first section that matches D (first match wins),
 * or NULL.  When MORE is not NULL it receives the number of later
 * sections that match too (they are ignored).
 */
const struct policy_section *policy_match(const struct policy *p,
					  const struct policy_dev *d,
					  int *more);

void policy_free(struct policy *p);

#endif

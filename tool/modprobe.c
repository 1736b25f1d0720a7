// SPDX-License-Identifier: GPL-2.0
/*
 * modprobe.c: loading a module through libkmod, as modprobe does: the
 * modprobe.d configuration applies (install rules, options, softdeps), a
 * blacklist line only stops loading by alias (we look up by name, so
 * "blacklist kmem" in replace mode's file does not matter), and a module
 * already loaded or built in is success.
 */
#include <errno.h>
#include <libkmod.h>
#include <string.h>

#include "modprobe.h"
#include "msg.h"

/* modprobe_load() - see modprobe.h */
int modprobe_load(const char *who, const char *name)
{
	struct kmod_list *list = NULL, *l;
	struct kmod_module *mod;
	struct kmod_ctx *ctx;
	int rc, n = 0;

	ctx = kmod_new(NULL, NULL);
	if (!ctx) {
		msg_err("%s: load %s: libkmod: cannot create a context (modules directory of this kernel missing?)", who, name);
		return -ENOENT;
	}
	rc = kmod_load_resources(ctx);
	if (rc < 0)
		msg_verbose("%s: load %s: libkmod: no index files (%s): slower lookup", who, name, strerror(-rc));
	rc = kmod_module_new_from_lookup(ctx, name, &list);
	if (rc < 0) {
		msg_err("%s: load %s: libkmod lookup: %s", who, name, strerror(-rc));
		goto out;
	}
	kmod_list_foreach(l, list) {
		mod = kmod_module_get_module(l);
		n++;
		rc = kmod_module_probe_insert_module(mod, KMOD_PROBE_APPLY_BLACKLIST_ALIAS_ONLY,
						     NULL, NULL, NULL, NULL);
		kmod_module_unref(mod);
		if (rc < 0)
			break;
		/* > 0: blacklisted, which ALIAS_ONLY never says of a name */
		if (rc > 0)
			rc = 0;
	}
	if (!n) {
		rc = -ENOENT;
		msg_err("%s: load %s: no such module for this kernel (is it installed: dkms status)", who, name);
	} else if (rc < 0) {
		msg_err("%s: load %s: %s", who, name, strerror(-rc));
	}
	kmod_module_unref_list(list);
out:
	kmod_unref(ctx);
	return rc;
}

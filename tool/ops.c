// SPDX-License-Identifier: GPL-2.0
/*
 * ops.c: the commands that change something: attach (move a device to
 * our driver, safely), set (one write of "state"), detach (unplug, unbind,
 * back to device_dax) and apply (make the devices the policy files match
 * conform to them).
 *
 * Safety rules (dax-kmem-atomic.8, "SAFETY"):
 *  - a device whose memory is online under another driver (the in-kernel
 *    kmem) is never unbound: the memory would stay online, unremovable,
 *    until reboot.  With every block offline, the driver's remove takes the
 *    memory away; with 7.3's kmem (it has "state") we write unplugged first,
 *    so nothing is added when it is unbound.  After the unbind, a block still
 *    present stops the attach.
 *  - a device whose /dev/daxR.N a process has open or mapped (device_dax,
 *    fsdev_dax) is not unbound unless --force: its mapping would go away.
 *  - a failed bind hands the device back to the driver it came from.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <stdlib.h>

#include "cmd.h"
#include "modprobe.h"
#include "msg.h"
#include "policy.h"
#include "procfs.h"
#include "sysfs.h"

static int bad_state_word(const char *who, const char *s)
{
	if (!strcmp(s, "offline"))
		msg_err("%s: 'offline' is reported by the kernel, it cannot be written: write unplugged (nothing done)", who);
	else
		msg_err("%s: unknown state '%s': one of unplugged, online, online_kernel, online_movable (nothing done)",
			who, s);
	return EXIT_USAGE;
}

static int read_dev(const char *who, const char *name, struct daxdev_info *d)
{
	int rc = sysfs_daxdev_read(name, d);

	if (rc == -ENOENT) {
		if (!sysfs_dax_bus_present())
			msg_err("%s: no dax bus (%s does not exist): no dax devices on this system", who, DAX_BUS);
		else
			msg_err("%s: no such dax device (%s/%s); see dax-kmem-atomic list", who, DAX_DEVICES, name);
		sysfs_daxdev_free(d);
		return EXIT_NODEV;
	}
	if (rc) {
		msg_err("%s: read %s/%s: %s", who, DAX_DEVICES, name, strerror(-rc));
		sysfs_daxdev_free(d);
		return EXIT_KERNEL;
	}
	return 0;
}

/* reread() - D again from sysfs (after a change); 0 or an exit code */
static int reread(const char *who, struct daxdev_info *d)
{
	/* a copy: sysfs_daxdev_read() clears D, name included, first */
	char name[64];

	bprintf(name, sizeof(name), "%s", d->name);
	sysfs_daxdev_free(d);
	return read_dev(who, name, d);
}

/* ensure_driver() - our driver registered on the dax bus, loading the module */
static int ensure_driver(const char *who, struct our_driver *drv)
{
	sysfs_our_driver_read(drv);
	if (drv->registered)
		return 0;
	if (!drv->loaded) {
		msg_verbose("%s: loading %s", who, DKA_MODULE);
		if (modprobe_load(who, DKA_MODULE))
			return EXIT_KERNEL;
		sysfs_our_driver_read(drv);
	}
	if (!drv->registered) {
		msg_err("%s: %s is loaded but %s/%s is not its driver", who, DKA_MODULE,
			DAX_DRIVERS, drv->name);
		return EXIT_KERNEL;
	}
	return 0;
}

static bool bound_to(const char *name, const char *drv)
{
	struct daxdev_info d;
	bool ok;

	if (sysfs_daxdev_read(name, &d)) {
		sysfs_daxdev_free(&d);
		return false;
	}
	ok = !strcmp(d.driver, drv);
	sysfs_daxdev_free(&d);
	return ok;
}

/*
 * bind_to() - bind device NAME (unbound) to driver DRV: its new_id (which
 * makes the dax bus try it), then bind if new_id did not do it.
 * Return: 0 or -errno (message printed).
 */
static int bind_to(const char *who, const char *drv, const char *name)
{
	int rc_id, rc_bind;

	/* neither write's status is trusted alone: the driver link is the answer */
	rc_id = sysfs_driver_write(drv, "new_id", name);
	if (bound_to(name, drv))
		return 0;
	rc_bind = sysfs_driver_write(drv, "bind", name);
	if (bound_to(name, drv))
		return 0;
	if (!rc_bind)
		rc_bind = -ENODEV;
	msg_err("%s: bind to %s: new_id: %s; bind: %s (the kernel log says why: dmesg)",
		who, drv, rc_id ? strerror(-rc_id) : "written, not bound", strerror(-rc_bind));
	return rc_bind;
}

static bool online_state(const char *s)
{
	return !strncmp(s, "online", 6);
}

/* write_state() - one write of STATE; 0 or EXIT_KERNEL (message printed) */
static int write_state(const char *who, struct daxdev_info *d, const char *state)
{
	char path[160], after[32] = "?";
	int rc;

	bprintf(path, sizeof(path), DAX_DEVICES "/%s/state", d->name);
	rc = sysfs_write(path, state);
	if (!rc)
		return reread(who, d);
	if (sysfs_read(path, after, sizeof(after)))
		bprintf(after, sizeof(after), "?");
	msg_err("%s: write %s to %s: %s (state is %s%s)", who, state, path, strerror(-rc), after,
		rc == -EBUSY && online_state(state) && strcmp(after, "unplugged") ?
		"; an online state is written from unplugged only" :
		rc == -EBUSY ? "; some memory could not be offlined, all of it is back as it was" :
		rc == -EINTR ? "; interrupted by a signal, all of it is back as it was" : "");
	reread(who, d);
	return EXIT_KERNEL;
}

/*
 * reach_state() - from whatever state D is in to STATE, through unplugged
 * when both are online states or D is offline.  *CHANGED tells whether a
 * write was made.
 */
static int reach_state(const char *who, struct daxdev_info *d, const char *state, bool *changed)
{
	char label[DRIVER_LABEL_MAX];
	int rc;

	if (!d->has_state) {
		msg_err("%s: %s has no state attribute (driver %s)", who, d->name, sysfs_driver_label(d, label, sizeof(label)));
		return EXIT_REFUSED;
	}
	if (!strcmp(d->state, state))
		return 0;
	/* the kernel takes an online state from unplugged only (else EBUSY) */
	if (strcmp(d->state, "unplugged") && strcmp(state, "unplugged")) {
		rc = write_state(who, d, "unplugged");
		if (rc)
			return rc;
		*changed = true;
	}
	rc = write_state(who, d, state);
	if (!rc)
		*changed = true;
	return rc;
}

static void blocks_text(const struct daxdev_info *d, char *buf, size_t len)
{
	int n, z;

	n = bprintf(buf, len, "%ld of %ld blocks online", d->blocks_online, d->blocks_total);
	for (z = 0; z < d->nr_zones && n > 0 && (size_t)n < len; z++)
		n += bprintf(buf + n, len - n, "%s%s", z ? "," : ", zone ", d->zones[z]);
}

/*
 * release() - free D from the driver it is bound to (not ours), when that
 * is safe.  Return: 0 or an exit code (message printed).
 */
static int release(const char *who, struct daxdev_info *d, bool force)
{
	char label[DRIVER_LABEL_MAX];
	char comm[32] = "";
	pid_t pid = 0;
	int rc;

	if (!d->driver[0])
		return 0;
	/* device_dax (or fsdev_dax) users of the character device */
	if (procfs_daxdev_user(d, &pid, comm, sizeof(comm))) {
		if (!force) {
			msg_err("%s: /dev/%s is in use by pid %d (%s): unbinding %s would pull its mapping away; stop it first, or use --force",
				who, d->name, (int)pid, comm, d->driver);
			return EXIT_REFUSED;
		}
		msg_info("%s: /dev/%s is in use by pid %d (%s): unbinding anyway (--force)",
			 who, d->name, (int)pid, comm);
	}
	if (strcmp(d->driver, "device_dax")) {
		if (d->blocks_online) {
			msg_err("%s: bound to %s with %ld of %ld memory blocks online: unbinding it would leak that memory (it would stay online, unremovable, until reboot); %s first",
				who, sysfs_driver_label(d, label, sizeof(label)), d->blocks_online, d->blocks_total,
				d->has_state ? "unplug it (dax-kmem-atomic set DEV unplugged)" :
				"offline its blocks (memoryN/state, daxctl offline-memory)");
			return EXIT_REFUSED;
		}
		if (d->has_state && strcmp(d->state, "unplugged")) {
			/* 7.3's kmem: remove the memory before the unbind */
			rc = write_state(who, d, "unplugged");
			if (rc)
				return rc;
		}
		rc = reread(who, d);
		if (rc)
			return rc;
		if (d->blocks_online) {
			msg_err("%s: a block of %s went online meanwhile (%ld of %ld): not unbinding it",
				who, d->name, d->blocks_online, d->blocks_total);
			return EXIT_REFUSED;
		}
	}
	rc = sysfs_driver_write(d->driver, "unbind", d->name);
	if (rc) {
		msg_err("%s: unbind from %s: %s", who, d->driver, strerror(-rc));
		return EXIT_KERNEL;
	}
	msg_verbose("%s: unbound from %s", who, d->driver);
	rc = reread(who, d);
	if (rc)
		return rc;
	if (d->blocks_present) {
		msg_err("%s: unbound, but %ld memory blocks of %s are still there: the kernel could not remove them (see dmesg); not binding it",
			who, d->blocks_present, d->name);
		return EXIT_KERNEL;
	}
	return 0;
}

/*
 * attach() - D to our driver, then (STATE) to that state.  *CHANGED tells
 * whether anything was written; WAS receives the state the write(s) of
 * STATE started from.  Return: an exit code.
 */
static int attach(const char *who, struct daxdev_info *d, const char *state, bool force,
		  bool *changed, char *was, size_t was_len)
{
	char label[DRIVER_LABEL_MAX];
	struct our_driver drv;
	char from[64], text[128];
	int rc;

	/* D is read again below: keep where it came from, to hand it back */
	bprintf(from, sizeof(from), "%s", d->driver);
	if (!d->size) {
		msg_err("%s: %s has no memory (size 0): nothing to attach", who, d->name);
		return EXIT_REFUSED;
	}
	if (!d->ours) {
		rc = ensure_driver(who, &drv);
		if (rc)
			return rc;
		rc = release(who, d, force);
		if (rc)
			return rc;
		*changed = true;
		if (bind_to(who, drv.name, d->name)) {
			if (from[0] && !bind_to(who, from, d->name))
				msg_err("%s: %s handed back to %s", who, d->name, from);
			else if (from[0])
				msg_err("%s: could not hand %s back to %s: it is unbound now", who, d->name, from);
			return EXIT_KERNEL;
		}
		rc = reread(who, d);
		if (rc)
			return rc;
		blocks_text(d, text, sizeof(text));
		msg_info("%s: bound to %s (was %s): state %s, %s", d->name, sysfs_driver_label(d, label, sizeof(label)),
			 from[0] ? from : "unbound", d->has_state ? d->state : "?", text);
	}
	if (!state)
		return 0;
	if (was)
		bprintf(was, was_len, "%s", d->state);	/* after the bind */
	return reach_state(who, d, state, changed);
}

static void report_state(const struct daxdev_info *d, const char *was)
{
	char text[128];

	blocks_text(d, text, sizeof(text));
	if (was && strcmp(was, d->state))
		msg_info("%s: %s (was %s), %s", d->name, d->state, was, text);
	else
		msg_info("%s: %s (unchanged), %s", d->name, d->state, text);
}

int cmd_attach(const struct cmd_ctx *ctx, char **args, int nargs)
{
	const char *name = args[0], *state = ctx->state;	/* nargs == 1 */
	char label[DRIVER_LABEL_MAX];
	struct daxdev_info d;
	char who[96], was[32];
	bool changed = false;
	int rc;

	(void)nargs;
	bprintf(who, sizeof(who), "%s: attach", name);
	if (state && !policy_state_writable(state))
		return bad_state_word(who, state);
	rc = read_dev(who, name, &d);
	if (rc)
		return rc;
	if (d.ours)
		msg_info("%s: already bound to %s", name, sysfs_driver_label(&d, label, sizeof(label)));
	was[0] = '\0';
	rc = attach(who, &d, state, ctx->force, &changed, was, sizeof(was));
	if (!rc && state)
		report_state(&d, was[0] ? was : NULL);
	sysfs_daxdev_free(&d);
	return rc;
}

int cmd_set(const struct cmd_ctx *ctx, char **args, int nargs)
{
	const char *name = args[0], *state = args[1];	/* nargs == 2 */
	char label[DRIVER_LABEL_MAX];
	struct daxdev_info d;
	char who[96], was[32];
	int rc;

	(void)ctx;
	(void)nargs;
	bprintf(who, sizeof(who), "%s: set %s", name, state);
	if (!policy_state_writable(state))
		return bad_state_word(who, state);
	rc = read_dev(who, name, &d);
	if (rc)
		return rc;
	if (!d.has_state) {
		msg_err("%s: %s has no state attribute: it is bound to %s, not to %s (dax-kmem-atomic attach %s first)",
			who, name, sysfs_driver_label(&d, label, sizeof(label)), DKA_MODULE, name);
		sysfs_daxdev_free(&d);
		return EXIT_REFUSED;
	}
	bprintf(was, sizeof(was), "%s", d.state);
	if (strcmp(d.state, state))
		rc = write_state(who, &d, state);
	if (!rc)
		report_state(&d, was);
	sysfs_daxdev_free(&d);
	return rc;
}

int cmd_detach(const struct cmd_ctx *ctx, char **args, int nargs)
{
	const char *name = args[0];	/* nargs == 1 */
	char label[DRIVER_LABEL_MAX];
	struct daxdev_info d;
	char who[96], from[64];
	int rc;

	(void)ctx;
	(void)nargs;
	bprintf(who, sizeof(who), "%s: detach", name);
	rc = read_dev(who, name, &d);
	if (rc)
		return rc;
	if (!strcmp(d.driver, "device_dax")) {
		msg_info("%s: already bound to device_dax", name);
		goto out;
	}
	if (d.driver[0] && !d.ours) {
		msg_err("%s: bound to %s, not to %s: not touching it", who, sysfs_driver_label(&d, label, sizeof(label)), DKA_MODULE);
		rc = EXIT_REFUSED;
		goto out;
	}
	bprintf(from, sizeof(from), "%s", d.driver);
	if (d.ours) {
		if (d.has_state && strcmp(d.state, "unplugged")) {
			rc = write_state(who, &d, "unplugged");
			if (rc) {
				msg_err("%s: %s stays bound to %s, nothing changed", who, name, d.driver);
				goto out;
			}
		}
		if (d.blocks_present) {
			msg_err("%s: %ld memory blocks of %s are still there: not unbinding (that would leak them)",
				who, d.blocks_present, name);
			rc = EXIT_KERNEL;
			goto out;
		}
		/*
		 * off our id list, so that a re-probe does not bring it back;
		 * not an error when it is not there (bound by bind, not new_id)
		 */
		sysfs_driver_write(d.driver, "remove_id", name);
		rc = sysfs_driver_write(d.driver, "unbind", name);
		if (rc) {
			msg_err("%s: unbind from %s: %s", who, d.driver, strerror(-rc));
			rc = EXIT_KERNEL;
			goto out;
		}
	}
	if (!sysfs_driver_present("device_dax") && modprobe_load(who, "device_dax")) {
		msg_err("%s: %s is unbound now", who, name);
		rc = EXIT_KERNEL;
		goto out;
	}
	if (bind_to(who, "device_dax", name)) {
		msg_err("%s: %s is unbound now", who, name);
		rc = EXIT_KERNEL;
		goto out;
	}
	msg_info("%s: bound to device_dax (was %s), /dev/%s", name, from[0] ? from : "unbound", name);
out:
	sysfs_daxdev_free(&d);
	return rc;
}

/* ---- apply ----------------------------------------------------------- */

static void devinfo_of(const struct daxdev_info *d, struct policy_dev *info)
{
	info->name = d->name;
	info->node = d->target_node;
	info->size = d->size;
	info->ranges = d->ranges;
	info->nr_ranges = d->nr_ranges;
}

static void dry_run(const struct daxdev_info *d, const struct policy_section *s, const char *tag)
{
	char label[DRIVER_LABEL_MAX];
	if (d->ours && d->has_state && !strcmp(d->state, s->state)) {
		msg_info("%s: would do nothing: already %s", tag, s->state);
		return;
	}
	if (!d->ours) {
		if (!strcmp(d->driver, "device_dax") || !d->driver[0])
			msg_info("%s: would attach (now %s), then set %s", tag,
				 d->driver[0] ? d->driver : "unbound", s->state);
		else if (d->blocks_online)
			msg_info("%s: would refuse: bound to %s with %ld of %ld blocks online", tag,
				 sysfs_driver_label(d, label, sizeof(label)), d->blocks_online, d->blocks_total);
		else
			msg_info("%s: would attach (now %s, no block online), then set %s", tag,
				 sysfs_driver_label(d, label, sizeof(label)), s->state);
		return;
	}
	if (strcmp(d->state, "unplugged") && strcmp(s->state, "unplugged"))
		msg_info("%s: would set unplugged, then %s (now %s)", tag, s->state, d->state);
	else
		msg_info("%s: would set %s (now %s)", tag, s->state, d->state);
}

static int apply_one(const struct cmd_ctx *ctx, const struct policy *p, const char *name,
		     bool named)
{
	const struct policy_section *s;
	struct policy_dev info;
	struct daxdev_info d;
	char who[192], tag[256], was[64];
	bool changed = false;
	int more, i, rc;

	bprintf(who, sizeof(who), "%s: apply", name);
	rc = read_dev(who, name, &d);
	if (rc)
		return rc;
	/* a region's seed has no memory; listing every one unasked is noise */
	if (!d.size) {
		if (named)
			msg_verbose("%s: size 0 (a region's seed): left alone", name);
		goto out;
	}
	devinfo_of(&d, &info);
	s = policy_match(p, &info, &more);
	if (!s) {
		msg_verbose("%s: no policy section matches: left alone", name);
		goto out;
	}
	bprintf(tag, sizeof(tag), "%s: [%s] (%s:%d)", name, s->name, s->file, s->line);
	bprintf(who, sizeof(who), "%s: apply [%s]", name, s->name);
	if (more && ctx->verbose) {
		for (i = (int)(s - p->sec) + 1; i < p->nr; i++)
			if (policy_section_matches(&p->sec[i], &info))
				msg_verbose("%s: [%s] (%s:%d) matches too: ignored (the first match wins)",
					    name, p->sec[i].name, p->sec[i].file, p->sec[i].line);
	}
	if (!strcmp(s->state, "ignore")) {
		msg_info("%s: ignore: left alone", tag);
		goto out;
	}
	if (ctx->dry_run) {
		dry_run(&d, s, tag);
		goto out;
	}
	bprintf(was, sizeof(was), "%s%s%s", d.ours ? d.state : (d.driver[0] ? d.driver : "unbound"),
		 d.ours ? "" : ", ", d.ours ? "" : "not attached");
	rc = attach(who, &d, s->state, ctx->force, &changed, NULL, 0);
	if (rc)
		msg_err("%s: not applied", tag);
	else if (changed)
		msg_info("%s: %s (was %s)", tag, d.state, was);
	else
		msg_info("%s: already %s", tag, d.state);
out:
	sysfs_daxdev_free(&d);
	return rc;
}

/*
 * load_policy() - policy_load_dir() with its error lines sent through
 * msg_err(), so that the udev rule's --kmsg copies them to the kernel log
 * like every other refusal (the parser itself stays free of output policy).
 */
static int load_policy(struct policy *p, const char *dir)
{
	char *text = NULL, *line, *next;
	size_t len = 0;
	FILE *err;
	int errors;

	err = open_memstream(&text, &len);
	if (!err)
		return policy_load_dir(p, dir, stderr);
	errors = policy_load_dir(p, dir, err);
	if (fclose(err) == 0 && text) {
		for (line = text; *line; line = next) {
			next = strchrnul(line, '\n');
			if (*next)
				*next++ = '\0';
			msg_err("%s", line);
		}
	}
	free(text);
	return errors;
}

int cmd_apply(const struct cmd_ctx *ctx, char **names, int n)
{
	const char *dir = ctx->policy_dir ? ctx->policy_dir : DKA_POLICY_DIR;
	struct policy p = { 0 };
	char **all = NULL;
	int errors, i, rc, worst = 0, nall = 0;

	/*
	 * Every file is checked before any device is looked at: a policy
	 * half applied because of a typo in its last file would be worse
	 * than none.  And with no policy at all, nothing else is done: the
	 * udev rule runs this for every dax device that appears, policy or not.
	 */
	errors = load_policy(&p, dir);
	if (errors) {
		msg_err("apply: %d error%s in the policy files of %s: nothing applied", errors,
			errors == 1 ? "" : "s", dir);
		worst = EXIT_POLICY;
		goto out;
	}
	if (!p.nr) {
		msg_verbose("apply: no policy section in %s/*.conf: nothing to do", dir);
		goto out;
	}
	if (!n) {
		if (!sysfs_dax_bus_present()) {
			msg_verbose("apply: no dax bus: nothing to do");
			goto out;
		}
		nall = sysfs_daxdev_names(&all);
		if (nall < 0) {
			msg_err("apply: read %s: %s", DAX_DEVICES, strerror(-nall));
			nall = 0;
			worst = EXIT_KERNEL;
			goto out;
		}
		names = all;
		n = nall;
	}
	/* one device's failure does not stop the others; the worst status is returned */
	for (i = 0; i < n; i++) {
		rc = apply_one(ctx, &p, names[i], !all);
		if (rc > worst)
			worst = rc;
	}
out:
	sysfs_names_free(all, nall);
	policy_free(&p);
	return worst;
}

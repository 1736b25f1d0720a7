// SPDX-License-Identifier: GPL-2.0
/*
 * test-policy.c: unit tests of the policy parser and matching (policy.c),
 * run on the host by "make tool-test".  Prints KTAP, as the kernel's
 * selftests do: "KTAP version 1", one result line per check ("ok N NAME" or
 * "not ok N NAME # why", the lines of a reason after its first as "# ..."
 * lines before it), "# Totals: ...", then "N passed, N failed"; exit 1 when
 * one failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy.h"

static int passed, failed, number;

__attribute__((format(printf, 3, 4)))
static void check(bool ok, const char *name, const char *why, ...)
{
	char *text = NULL, *nl, *line;
	va_list ap;
	int n;

	number++;
	if (ok) {
		passed++;
		printf("ok %d %s\n", number, name);
		return;
	}
	failed++;
	va_start(ap, why);
	n = vasprintf(&text, why, ap);
	va_end(ap);
	if (n < 0) {
		printf("not ok %d %s # (no memory for the reason)\n", number, name);
		return;
	}
	/* the reason's first line on the result line, the others before it */
	nl = strchr(text, '\n');
	if (nl) {
		*nl = '\0';
		for (line = nl + 1; *line; line = nl + 1) {
			nl = strchr(line, '\n');
			if (nl)
				*nl = '\0';
			printf("# %s\n", line);
			if (!nl)
				break;
		}
	}
	printf("not ok %d %s # %s\n", number, name, text);
	free(text);
}

/* parse TEXT as file NAME into P; the errors' text in *ERRS (malloc'ed) */
static int parse(struct policy *p, const char *name, const char *text, char **errs)
{
	size_t len = 0;
	FILE *f = open_memstream(errs, &len);
	int n;

	n = policy_parse_buf(p, name, text, f);
	fclose(f);
	return n;
}

/* load DIR into P like parse() */
static int load(struct policy *p, const char *dir, char **errs)
{
	size_t len = 0;
	FILE *f = open_memstream(errs, &len);
	int n;

	n = policy_load_dir(p, dir, f);
	fclose(f);
	return n;
}

/* free what parse() or load() made, for the next one */
static void reset(struct policy *p, char **errs)
{
	policy_free(p);
	free(*errs);
	*errs = NULL;
}

/* expect_error NAME TEXT WANT: one error at least, and WANT in the text */
static void expect_error(const char *name, const char *text, const char *want)
{
	struct policy p = { 0 };
	char *errs = NULL;
	int n = parse(&p, "t.conf", text, &errs);

	check(n > 0 && strstr(errs, want), name, "%d errors, messages '%s', want '%s'", n,
	      errs, want);
	reset(&p, &errs);
}

static const struct mem_range r_one[] = { { 0x100000000ULL, 0x17fffffffULL } };
static const struct mem_range r_two[] = {
	{ 0x100000000ULL, 0x13fffffffULL }, { 0x160000000ULL, 0x17fffffffULL },
};

static void test_sizes(void)
{
	static const struct {
		const char *s;
		int rc;
		uint64_t v;
	} t[] = {
		{ "4096", 0, 4096 }, { "0x1000", 0, 4096 }, { "2G", 0, 2ULL << 30 },
		{ "512M", 0, 512ULL << 20 }, { "1T", 0, 1ULL << 40 }, { "3GiB", 0, 3ULL << 30 },
		{ "16k", 0, 16384 }, { " 2G ", 0, 2ULL << 30 }, { "1P", 0, 1ULL << 50 },
		{ "", -EINVAL, 0 }, { "G", -EINVAL, 0 }, { "2X", -EINVAL, 0 },
		{ "2GB", -EINVAL, 0 }, { "-1", -EINVAL, 0 }, { "2 G", -EINVAL, 0 },
		{ "99999999999999999999", -ERANGE, 0 }, { "20000P", -ERANGE, 0 },
	};
	char name[64];
	uint64_t v;
	size_t i;
	int rc;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		v = 0;
		rc = policy_parse_size(t[i].s, &v);
		snprintf(name, sizeof(name), "policy_parse_size(\"%s\")", t[i].s);
		check(rc == t[i].rc && (rc || v == t[i].v), name, "rc %d value %llu, want rc %d value %llu",
		      rc, (unsigned long long)v, t[i].rc, (unsigned long long)t[i].v);
	}
}

static void test_parse_ok(void)
{
	static const char text[] =
		"# a comment\n"
		"\n"
		"; another\n"
		"[cxl]   # trailing comment\n"
		"  node = 1, 3-4\n"
		"  min-size = 1G\n"
		"  state = online_movable\n"
		"[by-name]\n"
		"device = dax0.* dax1.0\n"
		"state=online_kernel\n"
		"[window]\n"
		"range = 0x100000000-0x17fffffff, 0x200000000+2G\n"
		"state = unplugged\n"
		"[exact]\n"
		"size = 2G\n"
		"max-size = 4G\n"
		"state = ignore\n";
	struct policy p = { 0 };
	char *errs = NULL;
	int n = parse(&p, "50-x.conf", text, &errs);
	const struct policy_section *s;

	check(n == 0, "a valid file parses without errors", "%d errors: %s", n, errs);
	check(p.nr == 4, "four sections", "%d", p.nr);
	if (p.nr == 4) {
		s = &p.sec[0];
		check(!strcmp(s->name, "cxl") && s->line == 4 && !strcmp(s->file, "50-x.conf"),
		      "section name, file and line", "%s %s:%d", s->name, s->file, s->line);
		check(s->nr_nodes == 2 && s->nodes[0].lo == 1 && s->nodes[0].hi == 1 &&
		      s->nodes[1].lo == 3 && s->nodes[1].hi == 4, "node list and span", "%d nodes",
		      s->nr_nodes);
		check(s->has_min && s->min_size == 1ULL << 30 && !strcmp(s->state, "online_movable"),
		      "min-size and state", "min %llu state %s", (unsigned long long)s->min_size, s->state);
		s = &p.sec[1];
		check(s->nr_globs == 2 && !strcmp(s->globs[0], "dax0.*") && !strcmp(s->globs[1], "dax1.0"),
		      "device globs split at blanks", "%d globs", s->nr_globs);
		s = &p.sec[2];
		check(s->nr_windows == 2 && s->windows[0].start == 0x100000000ULL &&
		      s->windows[0].end == 0x17fffffffULL && s->windows[1].start == 0x200000000ULL &&
		      s->windows[1].end == 0x27fffffffULL, "range windows: START-END and START+SIZE",
		      "%d windows", s->nr_windows);
		s = &p.sec[3];
		check(s->has_size && s->size == 2ULL << 30 && s->has_max && !strcmp(s->state, "ignore"),
		      "size, max-size, state ignore", "size %llu", (unsigned long long)s->size);
	}
	reset(&p, &errs);
}

static void test_parse_errors(void)
{
	/* { name, text of t.conf, what the errors must say } */
	static const struct {
		const char *name, *text, *want;
	} t[] = {
		{ "key outside a section",
		  "state = online\n", "t.conf:1: 'state' outside a section" },
		{ "unknown key, with its line",
		  "[a]\ndevice = dax0.0\nzone = movable\nstate = online\n", "t.conf:3: unknown key 'zone'" },
		{ "bad state word",
		  "[a]\ndevice = x\nstate = movable\n", "t.conf:3: state 'movable'" },
		{ "offline is not writable",
		  "[a]\ndevice = x\nstate = offline\n", "offline is reported by the kernel" },
		{ "no state", "[a]\ndevice = x\n", "t.conf:1: section [a] has no state" },
		{ "no match key",
		  "[a]\nstate = online\n", "t.conf:1: section [a] has no match key" },
		{ "duplicate key",
		  "[a]\nnode = 1\nnode = 2\nstate = online\n", "t.conf:3: 'node' given twice" },
		{ "duplicate section",
		  "[a]\nnode = 1\nstate = online\n[a]\nnode = 2\nstate = online\n",
		  "t.conf:4: section [a] already defined at t.conf:1" },
		{ "bad size",
		  "[a]\nsize = lots\nstate = online\n", "t.conf:2: size: 'lots' is not a size" },
		{ "bad node", "[a]\nnode = one\nstate = online\n", "t.conf:2: node: 'one'" },
		{ "node span backwards",
		  "[a]\nnode = 4-2\nstate = online\n", "span 4-2 ends before" },
		{ "bad range",
		  "[a]\nrange = 0x1000\nstate = online\n", "t.conf:2: range: '0x1000'" },
		{ "range backwards",
		  "[a]\nrange = 0x2000-0x1000\nstate = online\n", "ends before it starts" },
		{ "range of size 0",
		  "[a]\nrange = 0x1000+0\nstate = online\n", "range: '0x1000+0'" },
		{ "min above max",
		  "[a]\nmin-size = 4G\nmax-size = 2G\nstate = online\n", "min-size is above max-size" },
		{ "no =", "[a]\ndevice dax0.0\n", "t.conf:2: expected key = value" },
		{ "bad header", "[a\n", "t.conf:1: a section header is [name]" },
		{ "empty value",
		  "[a]\ndevice =\nstate = online\n", "t.conf:2: 'device' has no value" },
		{ "bad section name", "[a b]\ndevice = x\nstate = online\n", "section name 'a b'" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(t); i++)
		expect_error(t[i].name, t[i].text, t[i].want);
	{
		/* a bad line does not hide a later one */
		struct policy p = { 0 };
		char *errs = NULL;
		int n = parse(&p, "t.conf", "[a]\nnode = x\nsize = y\nstate = online\n", &errs);

		check(n == 2 && strstr(errs, "t.conf:2:") && strstr(errs, "t.conf:3:"),
		      "every error is reported, each with its line", "%d: %s", n, errs);
		reset(&p, &errs);
	}
}

static struct policy parsed(const char *text)
{
	struct policy p = { 0 };
	char *errs = NULL;

	char *line, *nl;

	if (parse(&p, "m.conf", text, &errs)) {
		printf("# unexpected parse errors:\n");
		for (line = errs; line && *line; line = nl + 1) {
			nl = strchr(line, '\n');
			printf("#   %.*s\n", nl ? (int)(nl - line) : (int)strlen(line), line);
			if (!nl)
				break;
		}
	}
	free(errs);
	return p;
}

static void expect_match(const char *name, const char *text, const struct policy_dev *d,
			 const char *want)
{
	struct policy p = parsed(text);
	const struct policy_section *s = policy_match(&p, d, NULL);
	const char *got = s ? s->name : "(none)";

	check(!strcmp(got, want), name, "matched %s, want %s", got, want);
	policy_free(&p);
}

static void test_match(void)
{
	static const struct policy_dev one = { "dax0.0", 1, 2ULL << 30, r_one, 1 };
	static const struct policy_dev two = { "dax0.1", 1, 1536ULL << 20, r_two, 2 };
	static const struct policy_dev far = { "dax1.0", 2, 512ULL << 20, NULL, 0 };
	/* { name, the policy, the device, the section it must match or "(none)" } */
	static const struct {
		const char *name, *text;
		const struct policy_dev *dev;
		const char *want;
	} t[] = {
		{ "device glob matches", "[a]\ndevice = dax0.*\nstate = online\n", &one, "a" },
		{ "device glob does not match",
		  "[a]\ndevice = dax1.*\nstate = online\n", &one, "(none)" },
		{ "one of several globs",
		  "[a]\ndevice = dax9.9 dax0.0\nstate = online\n", &one, "a" },
		{ "node in a list", "[a]\nnode = 0,1\nstate = online\n", &one, "a" },
		{ "node in a span", "[a]\nnode = 0-3\nstate = online\n", &far, "a" },
		{ "node not listed", "[a]\nnode = 0,2\nstate = online\n", &one, "(none)" },
		{ "range: the device inside the window",
		  "[a]\nrange = 0x100000000-0x17fffffff\nstate = online\n", &one, "a" },
		{ "range: both ranges of a two-range device inside",
		  "[a]\nrange = 0x0+8G\nstate = online\n", &two, "a" },
		{ "range: one range outside the window does not match",
		  "[a]\nrange = 0x100000000-0x13fffffff\nstate = online\n", &two, "(none)" },
		{ "range: each range in a window of its own",
		  "[a]\nrange = 0x100000000+1G, 0x160000000+512M\nstate = online\n", &two, "a" },
		{ "range: a window smaller than the device does not match",
		  "[a]\nrange = 0x100000000+1G\nstate = online\n", &one, "(none)" },
		{ "range: a device without ranges does not match",
		  "[a]\nrange = 0x0+1T\nstate = online\n", &far, "(none)" },
		{ "size exact", "[a]\nsize = 2G\nstate = online\n", &one, "a" },
		{ "size exact, other size", "[a]\nsize = 1G\nstate = online\n", &one, "(none)" },
		{ "min-size", "[a]\nmin-size = 1G\nstate = online\n", &one, "a" },
		{ "min-size too big", "[a]\nmin-size = 3G\nstate = online\n", &one, "(none)" },
		{ "max-size", "[a]\nmax-size = 512M\nstate = online\n", &far, "a" },
		{ "max-size too small", "[a]\nmax-size = 1G\nstate = online\n", &one, "(none)" },
		{ "all keys must match",
		  "[a]\ndevice = dax0.0\nnode = 2\nstate = online\n[b]\ndevice = dax0.0\nnode = 1\nstate = online\n", &one, "b" },
		{ "first match wins",
		  "[a]\ndevice = dax0.*\nstate = online\n[b]\ndevice = dax0.0\nstate = unplugged\n", &one, "a" },
	};
	const struct policy_section *s;
	struct policy p;
	int more = -1;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(t); i++)
		expect_match(t[i].name, t[i].text, t[i].dev, t[i].want);

	p = parsed("[a]\nnode = 1\nstate = ignore\n[b]\ndevice = *\nstate = online\n[c]\nsize = 2G\nstate = online\n");
	s = policy_match(&p, &one, &more);
	check(s == &p.sec[0] && more == 2,
	      "policy_match counts the later matches it ignores", "more = %d", more);
	s = policy_match(&p, &far, &more);
	check(s == &p.sec[1] && more == 0,
	      "a wildcard section catches what the first did not", "more = %d", more);
	policy_free(&p);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
}

static void test_dir(void)
{
	char dir[] = "/tmp/dka-policy-test.XXXXXX", cmd[600], *errs = NULL;
	struct policy p = { 0 };
	int n;

	if (!mkdtemp(dir)) {
		check(false, "policy directory", "mkdtemp: %s", strerror(errno));
		return;
	}
	n = policy_load_dir(&p, "/nonexistent/dka-policy", NULL);
	check(n == 0 && p.nr == 0, "a missing directory is an empty policy", "%d errors, %d sections", n, p.nr);
	write_file(dir, "20-b.conf", "[b]\ndevice = *\nstate = online\n");
	write_file(dir, "10-a.conf", "[a]\ndevice = dax0.0\nstate = online_movable\n");
	write_file(dir, "30-c.conf.disabled", "garbage\n");
	write_file(dir, "README", "garbage\n");
	write_file(dir, ".hidden.conf", "garbage\n");
	n = load(&p, dir, &errs);
	check(n == 0 && p.nr == 2, "only *.conf files are read", "%d errors (%s), %d sections", n, errs, p.nr);
	check(p.nr == 2 && !strcmp(p.sec[0].name, "a") && !strcmp(p.sec[1].name, "b"),
	      "files are read in lexical order", "first is %s", p.nr ? p.sec[0].name : "-");
	reset(&p, &errs);

	/* each file added to the same directory: the earlier ones are still read */
	write_file(dir, "40-bad.conf", "[d]\ndevice = x\nstate = online\nbogus = 1\n");
	n = load(&p, dir, &errs);
	check(n == 1 && strstr(errs, "/40-bad.conf:4: unknown key 'bogus'"),
	      "an error names the file and line", "%d errors: %s", n, errs);
	reset(&p, &errs);

	write_file(dir, "50-dup.conf", "[a]\nnode = 1\nstate = online\n");
	n = load(&p, dir, &errs);
	check(n == 2 && strstr(errs, "50-dup.conf:1: section [a] already defined at") &&
	      strstr(errs, "10-a.conf:1"), "a section name is unique across files", "%d: %s", n, errs);
	reset(&p, &errs);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		printf("# could not remove %s\n", dir);
}

int main(void)
{
	/* no plan: the number of checks is known only at the end */
	printf("KTAP version 1\n");
	test_sizes();
	test_parse_ok();
	test_parse_errors();
	test_match();
	test_dir();
	printf("# Totals: pass:%d fail:%d skip:0\n", passed, failed);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

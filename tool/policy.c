// SPDX-License-Identifier: GPL-2.0
/*
 * policy.c: the parser of the policy files and the matching of a device
 * against their sections.  The format (also in dax-kmem-atomic.8):
 *
 *	# a comment (whole line, or after whitespace)
 *	[name]
 *	device = dax0.* dax1.0	one or more fnmatch(3) patterns
 *	node = 1,3-4		target NUMA node(s)
 *	range = 0x100000000-0x17fffffff, 0x200000000+16G
 *				every range of the device lies in one of these
 *	size = 2G		exact size; min-size =, max-size = bounds
 *	state = online_movable	unplugged, online, online_kernel,
 *				online_movable, or ignore
 *
 * A section needs a state and at least one match key; all the keys given
 * must match.  First matching section wins.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

static const char *const writable_states[] = {
	"unplugged", "online", "online_kernel", "online_movable",
};

bool policy_state_writable(const char *s)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(writable_states); i++)
		if (!strcmp(s, writable_states[i]))
			return true;
	return false;
}

bool policy_state_valid(const char *s)
{
	return policy_state_writable(s) || !strcmp(s, "ignore");
}

int policy_parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	/* strtoull() would take "-1" as 2^64 - 1: a size starts with a digit */
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno == ERANGE)
		return -ERANGE;
	if (end == s)
		return -EINVAL;
	switch (*end) {
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	case 't':
	case 'T':
		shift = 40;
		break;
	case 'p':
	case 'P':
		shift = 50;
		break;
	default:
		break;
	}
	if (shift) {
		end++;
		/* "GiB" only: "GB" could be read as 10^9, and is refused */
		if (!strcmp(end, "iB"))
			end += 2;
	}
	while (isspace((unsigned char)*end))
		end++;
	if (*end)
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = (uint64_t)v << shift;
	return 0;
}

/* ---- the parser ------------------------------------------------------ */

struct parser {
	struct policy *p;
	const char *file;
	int line;
	FILE *err;
	int errors;
	struct policy_section *cur;	/* NULL before the first section */
	unsigned int seen;		/* keys seen in the current section */
	/*
	 * after a bad header, until the next: its keys are not reported as
	 * "outside a section", one error for the header is enough
	 */
	bool skip;
};

enum {
	K_DEVICE = 1 << 0, K_NODE = 1 << 1, K_RANGE = 1 << 2, K_SIZE = 1 << 3,
	K_MIN = 1 << 4, K_MAX = 1 << 5, K_STATE = 1 << 6,
};

static const struct {
	const char *name;
	unsigned int bit;
} policy_keys[] = {
	{ "device", K_DEVICE }, { "node", K_NODE }, { "range", K_RANGE },
	{ "size", K_SIZE }, { "min-size", K_MIN }, { "max-size", K_MAX },
	{ "state", K_STATE },
};

__attribute__((format(printf, 2, 3)))
static void perr(struct parser *ps, const char *fmt, ...)
{
	va_list ap;

	ps->errors++;
	if (!ps->err)
		return;
	fprintf(ps->err, "%s:%d: ", ps->file, ps->line);
	va_start(ap, fmt);
	vfprintf(ps->err, fmt, ap);
	va_end(ap);
	fputc('\n', ps->err);
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Split VAL at commas and whitespace; call FN for each word. */
static int for_each_word(struct parser *ps, char *val,
			 int (*fn)(struct parser *, char *))
{
	char *save = NULL, *w;
	int n = 0, rc;

	for (w = strtok_r(val, ", \t", &save); w; w = strtok_r(NULL, ", \t", &save)) {
		rc = fn(ps, w);
		if (rc)
			return rc;
		n++;
	}
	if (!n) {
		perr(ps, "empty value");
		return -1;
	}
	return 0;
}

static int add_glob(struct parser *ps, char *w)
{
	struct policy_section *s = ps->cur;
	char **g = realloc(s->globs, (s->nr_globs + 1) * sizeof(*g));

	if (!g)
		return -ENOMEM;
	s->globs = g;
	g[s->nr_globs] = strdup(w);
	if (!g[s->nr_globs])
		return -ENOMEM;
	s->nr_globs++;
	return 0;
}

static int parse_node(const char *w, int *out)
{
	long v;
	char *end;

	if (!isdigit((unsigned char)*w))
		return -EINVAL;
	errno = 0;
	v = strtol(w, &end, 10);
	if (errno || *end || v > 65535)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

static int add_node(struct parser *ps, char *w)
{
	struct policy_section *s = ps->cur;
	struct node_span span, *n;
	char *dash = strchr(w, '-');

	if (dash)
		*dash = '\0';
	if (parse_node(w, &span.lo) || (dash && parse_node(dash + 1, &span.hi))) {
		if (dash)
			*dash = '-';
		perr(ps, "node: '%s' is not a node number or N-M span", w);
		return -1;
	}
	if (!dash)
		span.hi = span.lo;
	if (span.hi < span.lo) {
		perr(ps, "node: span %d-%d ends before it starts", span.lo, span.hi);
		return -1;
	}
	n = realloc(s->nodes, (s->nr_nodes + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	s->nodes = n;
	n[s->nr_nodes++] = span;
	return 0;
}

/* START-END (END inclusive) or START+SIZE; addresses in C notation. */
static int add_window(struct parser *ps, char *w)
{
	struct policy_section *s = ps->cur;
	struct mem_range r, *n;
	unsigned long long a, b;
	uint64_t len;
	char *end;
	char op;

	if (!isdigit((unsigned char)*w))
		goto bad;
	errno = 0;
	a = strtoull(w, &end, 0);
	if (errno || (*end != '-' && *end != '+'))
		goto bad;
	op = *end++;
	if (op == '-') {
		if (!isdigit((unsigned char)*end))
			goto bad;
		b = strtoull(end, &end, 0);
		if (errno || *end)
			goto bad;
	} else {
		/* A+SIZE must end at or below 2^64 - 1 */
		if (policy_parse_size(end, &len) || !len || len - 1 > UINT64_MAX - a)
			goto bad;
		b = a + len - 1;
	}
	if (b < a) {
		perr(ps, "range: '%s' ends before it starts", w);
		return -1;
	}
	r.start = a;
	r.end = b;
	n = realloc(s->windows, (s->nr_windows + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	s->windows = n;
	n[s->nr_windows++] = r;
	return 0;
bad:
	perr(ps, "range: '%s' is not START-END or START+SIZE (e.g. 0x100000000-0x17fffffff, 0x100000000+2G)", w);
	return -1;
}

/* The end of a section (or of the file): does it say enough? */
static void section_done(struct parser *ps)
{
	struct policy_section *s = ps->cur;
	int save = ps->line;

	if (!s)
		return;
	ps->line = s->line;
	if (!s->state)
		perr(ps, "section [%s] has no state = line", s->name);
	if (!s->nr_keys)
		perr(ps, "section [%s] has no match key (device, node, range, size, min-size, max-size): it would match every device; write device = * to mean that",
		     s->name);
	if (s->has_min && s->has_max && s->min_size > s->max_size)
		perr(ps, "section [%s]: min-size is above max-size", s->name);
	ps->line = save;
	ps->cur = NULL;
}

static int new_section(struct parser *ps, char *line)
{
	struct policy *p = ps->p;
	struct policy_section *n;
	char *name, *close;
	int i;

	section_done(ps);
	ps->skip = true;		/* until this header proves good */
	close = strchr(line, ']');
	if (!close || close[1] != '\0') {
		perr(ps, "a section header is [name], alone on its line");
		return 0;
	}
	*close = '\0';
	name = trim(line + 1);
	if (!*name) {
		perr(ps, "empty section name");
		return 0;
	}
	for (i = 0; name[i]; i++) {
		if (!isalnum((unsigned char)name[i]) && !strchr("-_.:@", name[i])) {
			perr(ps, "section name '%s': use letters, digits and - _ . : @", name);
			return 0;
		}
	}
	for (i = 0; i < p->nr; i++) {
		if (!strcmp(p->sec[i].name, name)) {
			perr(ps, "section [%s] already defined at %s:%d", name,
			     p->sec[i].file, p->sec[i].line);
			return 0;
		}
	}
	n = realloc(p->sec, (p->nr + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	p->sec = n;
	ps->cur = &n[p->nr];
	memset(ps->cur, 0, sizeof(*ps->cur));
	ps->cur->name = strdup(name);
	ps->cur->file = strdup(ps->file);
	ps->cur->line = ps->line;
	p->nr++;
	ps->seen = 0;
	ps->skip = false;
	if (!ps->cur->name || !ps->cur->file)
		return -ENOMEM;
	return 0;
}

static int key_value(struct parser *ps, char *line)
{
	struct policy_section *s = ps->cur;
	char *eq = strchr(line, '='), *key, *val;
	unsigned int bit = 0;
	uint64_t *dst = NULL;
	bool *has = NULL;
	size_t i;
	int rc;

	if (!eq) {
		perr(ps, "expected key = value or [section]");
		return 0;
	}
	*eq = '\0';
	key = trim(line);
	val = trim(eq + 1);
	for (i = 0; i < ARRAY_SIZE(policy_keys); i++)
		if (!strcmp(key, policy_keys[i].name))
			bit = policy_keys[i].bit;
	if (!bit) {
		perr(ps, "unknown key '%s' (known: device, node, range, size, min-size, max-size, state)", key);
		return 0;
	}
	if (!s && ps->skip)
		return 0;	/* the bad header had its error */
	if (!s) {
		perr(ps, "'%s' outside a section: start one with [name]", key);
		return 0;
	}
	if (ps->seen & bit) {
		perr(ps, "'%s' given twice in section [%s]", key, s->name);
		return 0;
	}
	ps->seen |= bit;
	if (!*val) {
		perr(ps, "'%s' has no value", key);
		return 0;
	}
	switch (bit) {
	case K_STATE:
		if (!policy_state_valid(val)) {
			perr(ps, "state '%s' is not one of unplugged, online, online_kernel, online_movable, ignore%s",
			     val, !strcmp(val, "offline") ? " (offline is reported by the kernel, not written: use unplugged)" : "");
			return 0;
		}
		s->state = strdup(val);
		return s->state ? 0 : -ENOMEM;
	case K_DEVICE:

		rc = for_each_word(ps, val, add_glob);
		break;
	case K_NODE:

		rc = for_each_word(ps, val, add_node);
		break;
	case K_RANGE:

		rc = for_each_word(ps, val, add_window);
		break;
	case K_SIZE:

		dst = &s->size;
		has = &s->has_size;
		break;
	case K_MIN:

		dst = &s->min_size;
		has = &s->has_min;
		break;
	default:
		dst = &s->max_size;
		has = &s->has_max;
		break;
	}
	if (dst) {
		rc = policy_parse_size(val, dst);
		if (rc) {
			perr(ps, "%s: '%s' is not a size (bytes, or with K, M, G, T, P: 512M, 2G)", key, val);
			s->nr_keys++;
			return 0;
		}
		*has = true;
	}
	if (rc == -ENOMEM)
		return rc;
	/* counted even when invalid: no second error for the same line */
	s->nr_keys++;
	return 0;
}

int policy_parse_buf(struct policy *p, const char *name, const char *buf,
		     FILE *err)
{
	struct parser ps = { .p = p, .file = name, .err = err };
	char *copy = strdup(buf), *line, *l, *hash;
	int rc = 0;
	const char *c;

	if (!copy) {
		perr(&ps, "out of memory");
		return ps.errors;
	}
	/* strtok_r would merge empty lines: count lines by hand */
	line = copy;
	for (c = buf; ; c++) {
		if (*c != '\n' && *c != '\0')
			continue;
		copy[c - buf] = '\0';
		ps.line++;
		l = line;
		/*
		 * a comment: from a '#' or ';' at the start or after a blank, so
		 * that "[cxl]  # note" is a header while a '#' inside a word stays
		 */
		for (hash = l; *hash; hash++) {
			if ((*hash == '#' || *hash == ';') &&
			    (hash == l || isspace((unsigned char)hash[-1]))) {
				*hash = '\0';
				break;
			}
		}
		l = trim(l);
		if (*l == '[')
			rc = new_section(&ps, l);
		else if (*l)
			rc = key_value(&ps, l);
		if (rc) {
			perr(&ps, "out of memory");
			break;
		}
		if (*c == '\0')
			break;
		line = copy + (c - buf) + 1;
	}
	if (!rc)
		section_done(&ps);
	free(copy);
	return ps.errors;
}

/* NAME.conf, not hidden: editors' and package managers' leftovers are not read */
static int conf_filter(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return e->d_name[0] != '.' && n > 5 && !strcmp(e->d_name + n - 5, ".conf");
}

/* strcmp, not alphasort(): the order (first match wins) must not depend on the locale */
static int cmp_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/*
 * read_file() - the whole file as a C string (malloc'ed), or NULL with *ERR
 * set.  Over 16 MiB is refused (EFBIG): a policy file is a few lines, a
 * bigger one is a mistake (a wrong path, a device).  A NUL byte is refused
 * (EINVAL): the parser would silently stop at it.
 */
static char *read_file(const char *path, int *err)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f) {
		*err = errno;
		return NULL;
	}
	for (;;) {
		if (cap - len < 4096) {
			char *nb;

			if (cap > (1u << 24)) {
				*err = EFBIG;
				goto fail;
			}
			nb = realloc(buf, cap + 8192);
			if (!nb) {
				*err = ENOMEM;
				goto fail;
			}
			buf = nb;
			cap += 8192;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		*err = EIO;
		goto fail;
	}
	fclose(f);
	buf[len] = '\0';
	if (strlen(buf) != len) {
		free(buf);
		*err = EINVAL;
		return NULL;
	}
	return buf;
fail:
	fclose(f);
	free(buf);
	return NULL;
}

int policy_load_dir(struct policy *p, const char *dir, FILE *err)
{
	struct dirent **ents = NULL;
	int n, i, errors = 0, e;
	char *path, *buf;

	n = scandir(dir, &ents, conf_filter, cmp_name);
	if (n < 0) {
		if (errno == ENOENT)
			return 0;
		if (err)
			fprintf(err, "%s: cannot read the policy directory: %s\n", dir, strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (asprintf(&path, "%s/%s", dir, ents[i]->d_name) < 0) {
			errors++;
			continue;
		}
		e = 0;
		buf = read_file(path, &e);
		if (!buf) {
			if (err)
				fprintf(err, "%s: cannot read: %s\n", path,
					e == EINVAL ? "it holds a NUL byte" : strerror(e));
			errors++;
		} else {
			errors += policy_parse_buf(p, path, buf, err);
			free(buf);
		}
		free(path);
	}
	for (i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	return errors;
}

/* ---- matching -------------------------------------------------------- */

/*
 * R lies wholly inside one window of S.  A range across two adjacent
 * windows does not match: write them as one window.
 */
static bool in_windows(const struct policy_section *s, const struct mem_range *r)
{
	int i;

	for (i = 0; i < s->nr_windows; i++)
		if (r->start >= s->windows[i].start && r->end <= s->windows[i].end)
			return true;
	return false;
}

bool policy_section_matches(const struct policy_section *s, const struct policy_dev *d)
{
	int i;
	bool ok;

	if (s->nr_globs) {
		ok = false;
		for (i = 0; i < s->nr_globs && !ok; i++)
			ok = !fnmatch(s->globs[i], d->name, 0);
		if (!ok)
			return false;
	}
	if (s->nr_nodes) {
		ok = false;
		for (i = 0; i < s->nr_nodes && !ok; i++)
			ok = d->node >= s->nodes[i].lo && d->node <= s->nodes[i].hi;
		if (!ok)
			return false;
	}
	if (s->nr_windows) {
		if (!d->nr_ranges)
			return false;
		for (i = 0; i < d->nr_ranges; i++)
			if (!in_windows(s, &d->ranges[i]))
				return false;
	}
	if (s->has_size && d->size != s->size)
		return false;
	if (s->has_min && d->size < s->min_size)
		return false;
	if (s->has_max && d->size > s->max_size)
		return false;
	return true;
}

const struct policy_section *policy_match(const struct policy *p,
					  const struct policy_dev *d, int *more)
{
	const struct policy_section *first = NULL;
	int i;

	if (more)
		*more = 0;
	for (i = 0; i < p->nr; i++) {
		if (!policy_section_matches(&p->sec[i], d))
			continue;
		if (!first)
			first = &p->sec[i];
		else if (more)
			(*more)++;
		else
			break;
	}
	return first;
}

void policy_free(struct policy *p)
{
	int i, j;

	for (i = 0; i < p->nr; i++) {
		struct policy_section *s = &p->sec[i];

		for (j = 0; j < s->nr_globs; j++)
			free(s->globs[j]);
		free(s->globs);
		free(s->nodes);
		free(s->windows);
		free(s->name);
		free(s->file);
		free(s->state);
	}
	free(p->sec);
	p->sec = NULL;
	p->nr = 0;
}

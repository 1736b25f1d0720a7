/*
 * state-fuzz PATH COUNT SEED [WORD,...]
 *
 * Hostile input for a dax device's "state" attribute: COUNT writes of
 * random bytes and lengths (empty, NUL bytes, up to 4 KiB and beyond,
 * whitespace, prefixes, case variants and extensions of the valid words,
 * and now and then a valid word).  Each result is checked against a model
 * of the attribute (README.md "The states", sysfs_streq() parsing), and so is
 * the state read back after every write.  Valid words other than the
 * listed ones (default: unplugged,online_movable) are not sent, so that the
 * transitions the fuzzer makes cannot fail for reasons of their own (a
 * kernel allocation in an online_kernel block).
 *
 * Prints one "FUZZ ..." summary line with the counts by outcome and the
 * number of mismatches; exits 0 only when there were none.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools.h"

#define PAGE 4096

static const char *const words[] = {
	"unplugged", "online", "online_kernel", "online_movable", "offline",
};
#define NWORDS (sizeof(words) / sizeof(words[0]))

static const char *allowed = "unplugged,online_movable";

/* The word the kernel sees in buf[0..len), or NULL (sysfs_streq rules). */
static const char *parsed_word(const char *buf, size_t len)
{
	size_t n = len > PAGE ? PAGE : len, i;

	n = strnlen(buf, n);		/* the store stops at the first NUL */
	for (i = 0; i < NWORDS; i++) {
		size_t w = strlen(words[i]);

		if ((n == w || (n == w + 1 && buf[w] == '\n')) &&
		    !memcmp(buf, words[i], w))
			return words[i];
	}
	return NULL;
}

/* @word is in the comma-separated list @allowed */
static int is_allowed(const char *word)
{
	size_t wl = strlen(word);
	const char *p = allowed;

	while (*p) {
		size_t n = strcspn(p, ",");

		if (n == wl && !memcmp(p, word, n))
			return 1;
		p += n + (p[n] == ',');
	}
	return 0;
}

/* Fill buf with one hostile input; returns its length. */
static size_t make_input(char *buf, size_t cap)
{
	const char *w = words[rnd(NWORDS)];
	size_t len = 0, i, wl = strlen(w);

	switch (rnd(10)) {
	case 0:			/* random bytes, random length up to 5000 */
		len = rnd(5001);
		for (i = 0; i < len; i++)
			buf[i] = (char)rnd(256);
		break;
	case 1:			/* empty or only whitespace */
		len = rnd(8);
		for (i = 0; i < len; i++)
			buf[i] = " \t\n\r\v"[rnd(5)];
		break;
	case 2:			/* a proper prefix of a word */
		len = rnd(wl);
		memcpy(buf, w, len);
		break;
	case 3:			/* a case variant */
		memcpy(buf, w, wl);
		len = wl;
		buf[rnd(wl)] ^= 0x20;
		break;
	case 4:			/* word + something */
		memcpy(buf, w, wl);
		len = wl;
		buf[len++] = "x \t\n_0"[rnd(6)];
		if (rnd(2))
			buf[len++] = '\n';
		break;
	case 5:			/* leading whitespace */
		buf[len++] = " \t\n"[rnd(3)];
		memcpy(buf + len, w, wl);
		len += wl;
		break;
	case 6:			/* NUL bytes, alone or inside a word */
		memcpy(buf, w, wl);
		len = wl;
		buf[rnd(wl)] = 0;
		break;
	case 7:			/* 4 KiB and more of one byte */
		len = PAGE - 1 + rnd(3);
		memset(buf, "a\n \0"[rnd(4)], len);
		break;
	case 8:			/* "offline", which is never writable */
		len = strlen("offline") + rnd(2);
		memcpy(buf, "offline\n", len);
		break;
	default:		/* now and then a valid word */
		if (rnd(20)) {
			len = rnd(5001);
			for (i = 0; i < len; i++)
				buf[i] = (char)(32 + rnd(95));
		} else {
			memcpy(buf, w, wl);
			len = wl;
			if (rnd(2))
				buf[len++] = '\n';
		}
		break;
	}
	(void)cap;
	return len;
}

int main(int argc, char **argv)
{
	static char buf[8192];
	char state[64], after[64];
	unsigned long count, i, ok = 0, einval = 0, ebusy = 0, other = 0, bad = 0;
	const char *path;

	if (argc == 5)
		allowed = argv[4];
	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: state-fuzz PATH COUNT SEED [WORD,...]\n");
		return 2;
	}
	path = argv[1];
	count = strtoul(argv[2], NULL, 0);
	rng = strtoull(argv[3], NULL, 0);
	if (sysfs_read(path, state, sizeof(state))) {
		perror(path);
		return 2;
	}
	for (i = 0; i < count; i++) {
		const char *word, *want_state = state;
		int want_err, fd, err = 0;
		ssize_t n;
		size_t len;

		do {
			len = make_input(buf, sizeof(buf));
			word = parsed_word(buf, len);
		} while (word && strcmp(word, "offline") && !is_allowed(word));

		if (len == 0)
			want_err = 0;		/* never reaches the store */
		else if (!word || !strcmp(word, "offline"))
			want_err = EINVAL;
		else if (!strcmp(word, state) || !strcmp(word, "unplugged"))
			want_err = 0, want_state = word;
		else if (!strcmp(state, "unplugged"))
			want_err = 0, want_state = word;
		else
			want_err = EBUSY;

		fd = open(path, O_WRONLY);
		if (fd < 0) {
			perror(path);
			return 2;
		}
		n = write(fd, buf, len);
		if (n < 0)
			err = errno;
		close(fd);
		if (err == 0)
			ok++;
		else if (err == EINVAL)
			einval++;
		else if (err == EBUSY)
			ebusy++;
		else
			other++;

		if (sysfs_read(path, after, sizeof(after)))
			return 2;
		if (err != want_err || strcmp(after, want_state)) {
			if (bad++ < 10)
				printf("FUZZ-MISMATCH #%lu len=%zu word=%s: errno %d (want %d), state %s -> %s (want %s)\n",
				       i, len, word ? word : "-", err, want_err,
				       state, after, want_state);
		}
		snprintf(state, sizeof(state), "%s", after);
	}
	printf("FUZZ writes=%lu ok=%lu einval=%lu ebusy=%lu other=%lu mismatches=%lu final=%s\n",
	       count, ok, einval, ebusy, other, bad, state);
	return bad ? 1 : 0;
}

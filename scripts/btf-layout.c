// SPDX-License-Identifier: GPL-2.0
/*
 * btf-layout: print, as C macro calls, what a kernel's BTF says about some structs
 * and enums, so that the build can check our view of the private dax
 * structures against the kernel it is built for (scripts/layout-check.sh).
 *
 *   btf-layout FILE [-s STRUCT]... [-e ENUM]...
 *
 * FILE is raw BTF (/sys/kernel/btf/vmlinux) or an ELF file with a .BTF
 * section (a vmlinux).  For each struct it prints
 *
 *   DKA_BTF_SIZE(name, bytes);
 *   DKA_BTF_OFFSET(name, member, offset);            (one pair per member)
 *   DKA_BTF_MSIZE(name, member, bytes);
 *   DKA_BTF_FN_RETURNS(name, member, void|value);    (function pointers)
 *
 * and for each enum, per value, DKA_BTF_ENUMERATOR(name, enumerator, value)
 * and "#define DKA_BTF_ENUM_<enumerator> value".  A struct or enum the
 * BTF does not have is printed as DKA_BTF_ABSENT(name).  Members that
 * cannot be compared by offsetof() (bitfields, anonymous members) are
 * printed as DKA_BTF_UNSUPPORTED.
 *
 * Exit status: 0, 1 on a usage or format error (message on stderr).
 *
 * Host tool: plain C, no libraries, written from the BTF format
 * description (Documentation/bpf/btf.rst); little-endian BTF only.
 */
#include <errno.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The kernel's fixed-size types, from the uapi headers (linux-libc-dev). */
typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __s32 s32;
typedef __u64 u64;

#define BTF_MAGIC 0xeb9f

enum {
	K_INT = 1, K_PTR, K_ARRAY, K_STRUCT, K_UNION, K_ENUM, K_FWD,
	K_TYPEDEF, K_VOLATILE, K_CONST, K_RESTRICT, K_FUNC, K_FUNC_PROTO,
	K_VAR, K_DATASEC, K_FLOAT, K_DECL_TAG, K_TYPE_TAG, K_ENUM64,
};

struct btf_header {
	u16 magic;
	u8 version;
	u8 flags;
	u32 hdr_len;
	u32 type_off;
	u32 type_len;
	u32 str_off;
	u32 str_len;
};

struct btf_type {
	u32 name_off;
	u32 info;		/* vlen: bits 0-15, kind: 24-28, kind_flag: 31 */
	u32 size_or_type;
};

struct btf_member {
	u32 name_off;
	u32 type;
	u32 offset;	/* bits; with kind_flag: bitfield size << 24 */
};

struct btf_enum {
	u32 name_off;
	s32 val;
};

struct btf_enum64 {
	u32 name_off;
	u32 val_lo32;
	u32 val_hi32;
};

struct btf_array {
	u32 type;
	u32 index_type;
	u32 nelems;
};

static const char *prog = "btf-layout";
static const char *strs;
static u32 strs_len;
static const struct btf_type **types;	/* by type id; [0] is void */
static u32 nr_types;

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(1);
}

static unsigned int kind_of(const struct btf_type *t)
{
	return (t->info >> 24) & 0x1f;
}

static unsigned int vlen_of(const struct btf_type *t)
{
	return t->info & 0xffff;
}

static int kflag_of(const struct btf_type *t)
{
	return t->info >> 31;
}

static const char *str_at(u32 off)
{
	return off < strs_len ? strs + off : "";
}

/* Bytes of kind-specific data that follow a type record. */
static size_t extra_size(const struct btf_type *t)
{
	unsigned int vlen = vlen_of(t);

	switch (kind_of(t)) {
	case K_INT:
	case K_VAR:
	case K_DECL_TAG:
		return 4;
	case K_ARRAY:
		return sizeof(struct btf_array);
	case K_STRUCT:
	case K_UNION:
		return vlen * sizeof(struct btf_member);
	case K_ENUM:
		return vlen * sizeof(struct btf_enum);
	case K_FUNC_PROTO:
		return vlen * 8;
	case K_DATASEC:
		return vlen * 12;
	case K_ENUM64:
		return vlen * sizeof(struct btf_enum64);
	case K_PTR: case K_FWD: case K_TYPEDEF: case K_VOLATILE:
	case K_CONST: case K_RESTRICT: case K_FUNC: case K_FLOAT:
	case K_TYPE_TAG:
		return 0;
	}
	die("unknown BTF kind in %s (newer BTF than this tool knows)", "type section");
	return 0;
}

static void index_types(const char *buf, size_t len)
{
	size_t off = 0, cap = 1 << 16;

	types = calloc(cap, sizeof(*types));
	if (!types)
		die("%s", strerror(ENOMEM));
	nr_types = 1;
	while (off + sizeof(struct btf_type) <= len) {
		const struct btf_type *t = (const void *)(buf + off);

		if (nr_types == cap) {
			cap *= 2;
			types = realloc(types, cap * sizeof(*types));
			if (!types)
				die("%s", strerror(ENOMEM));
		}
		types[nr_types++] = t;
		off += sizeof(*t) + extra_size(t);
	}
	if (off != len)
		die("%s: truncated type section", "BTF");
}

/* Type @id without typedefs and qualifiers. */
static const struct btf_type *strip(u32 id)
{
	int depth;

	for (depth = 0; id && id < nr_types && depth < 32; depth++) {
		const struct btf_type *t = types[id];

		switch (kind_of(t)) {
		case K_TYPEDEF: case K_VOLATILE: case K_CONST: case K_RESTRICT:
		case K_TYPE_TAG:
			id = t->size_or_type;
			continue;
		}
		return t;
	}
	return NULL;
}

/* Size in bytes of type @id, through typedefs and qualifiers. */
static u64 type_size(u32 id, int depth)
{
	const struct btf_type *t = strip(id);

	if (!t || depth > 32)
		return 0;
	switch (kind_of(t)) {
	case K_INT: case K_STRUCT: case K_UNION: case K_ENUM:
	case K_ENUM64: case K_FLOAT: case K_DATASEC:
		return t->size_or_type;
	case K_PTR:
		return sizeof(void *);	/* host == target: x86_64, arm64 */
	case K_ARRAY: {
		const struct btf_array *a = (const void *)(t + 1);

		return a->nelems * type_size(a->type, depth + 1);
	}
	}
	return 0;
}

/* For a pointer-to-function member: does the function return void? */
static void print_fn_return(const char *name, const char *mname, u32 id)
{
	const struct btf_type *t = strip(id);

	if (!t || kind_of(t) != K_PTR)
		return;
	t = strip(t->size_or_type);
	if (!t || kind_of(t) != K_FUNC_PROTO)
		return;
	printf("DKA_BTF_FN_RETURNS(%s, %s, %s);\n", name, mname,
	       t->size_or_type ? "value" : "void");
}

/* The complete (not forward-declared) struct or enum named @name. */
static const struct btf_type *find_type(const char *name, int want_enum)
{
	u32 id;

	for (id = 1; id < nr_types; id++) {
		const struct btf_type *t = types[id];
		unsigned int k = kind_of(t);

		if (want_enum ? (k != K_ENUM && k != K_ENUM64) : k != K_STRUCT)
			continue;
		if (!strcmp(str_at(t->name_off), name) && vlen_of(t))
			return t;
	}
	return NULL;
}

static void print_struct(const char *name)
{
	const struct btf_type *t = find_type(name, 0);
	const struct btf_member *m;
	unsigned int i;

	if (!t) {
		printf("DKA_BTF_ABSENT(%s);\n", name);
		return;
	}
	printf("DKA_BTF_SIZE(%s, %u);\n", name, t->size_or_type);
	m = (const void *)(t + 1);
	for (i = 0; i < vlen_of(t); i++, m++) {
		u32 bits = kflag_of(t) ? m->offset & 0xffffff : m->offset;
		u32 bitsize = kflag_of(t) ? m->offset >> 24 : 0;
		const char *mname = str_at(m->name_off);

		if (!*mname || bitsize || bits % 8)
			printf("DKA_BTF_UNSUPPORTED(%s, %s);\n", name,
			       *mname ? mname : "anonymous");
		else
			printf("DKA_BTF_OFFSET(%s, %s, %u);\n"
			       "DKA_BTF_MSIZE(%s, %s, %llu);\n",
			       name, mname, bits / 8, name, mname,
			       (unsigned long long)type_size(m->type, 0));
		if (*mname)
			print_fn_return(name, mname, m->type);
	}
}

static void print_enum(const char *name)
{
	const struct btf_type *t = find_type(name, 1);
	unsigned int i;

	if (!t) {
		printf("DKA_BTF_ABSENT(%s);\n", name);
		return;
	}
	for (i = 0; i < vlen_of(t); i++) {
		long long val;
		u32 noff;

		if (kind_of(t) == K_ENUM) {
			const struct btf_enum *e = (const void *)(t + 1);

			noff = e[i].name_off;
			val = e[i].val;
		} else {
			const struct btf_enum64 *e = (const void *)(t + 1);

			noff = e[i].name_off;
			val = (long long)(((u64)e[i].val_hi32 << 32) |
					  e[i].val_lo32);
		}
		printf("DKA_BTF_ENUMERATOR(%s, %s, %lld);\n"
		       "#define DKA_BTF_ENUM_%s %lld\n", name, str_at(noff),
		       val, str_at(noff), val);
	}
}

/* Find the .BTF section of a little-endian ELF64 file. */
static const char *elf_btf(const char *buf, size_t len, size_t *btf_len)
{
	u64 shoff, off, sz;
	u16 shentsize, shnum, shstrndx, i;
	const char *sh, *shstr;

	if (len < 64 || buf[4] != 2 || buf[5] != 1)
		die("%s: not a little-endian 64-bit ELF file", "input");
	memcpy(&shoff, buf + 0x28, 8);
	memcpy(&shentsize, buf + 0x3a, 2);
	memcpy(&shnum, buf + 0x3c, 2);
	memcpy(&shstrndx, buf + 0x3e, 2);
	if (shentsize < 64 || shstrndx >= shnum ||
	    shoff > len || (u64)shnum * shentsize > len - shoff)
		die("%s: bad ELF section table", "input");
	sh = buf + shoff + (size_t)shstrndx * shentsize;
	memcpy(&off, sh + 0x18, 8);
	if (off >= len)
		die("%s: bad ELF section names", "input");
	shstr = buf + off;
	for (i = 0; i < shnum; i++) {
		u32 name;

		sh = buf + shoff + (size_t)i * shentsize;
		memcpy(&name, sh, 4);
		if (off + name >= len || strcmp(shstr + name, ".BTF"))
			continue;
		memcpy(&off, sh + 0x18, 8);
		memcpy(&sz, sh + 0x20, 8);
		if (off > len || sz > len - off)
			die("%s: .BTF section outside the file", "input");
		*btf_len = sz;
		return buf + off;
	}
	return NULL;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 1 << 20, n = 0, r;
	char *buf = malloc(cap);

	if (!f)
		die("cannot open %s", path);
	if (!buf)
		die("%s", strerror(ENOMEM));
	/* Read in chunks: sysfs files report no useful size. */
	while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf)
				die("%s", strerror(ENOMEM));
		}
	}
	if (ferror(f))
		die("cannot read %s", path);
	fclose(f);
	*len = n;
	return buf;
}

int main(int argc, char **argv)
{
	struct btf_header h;
	const char *btf;
	size_t len, btf_len;
	char *buf;
	int i;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fprintf(stderr, "usage: %s FILE [-s STRUCT]... [-e ENUM]...\n", prog);
		return 1;
	}
	buf = read_file(argv[1], &len);
	btf = buf;
	btf_len = len;
	if (len >= 4 && !memcmp(buf, "\177ELF", 4)) {
		btf = elf_btf(buf, len, &btf_len);
		if (!btf)
			die("%s has no .BTF section", argv[1]);
	}
	if (btf_len < sizeof(h))
		die("%s: too short for BTF", argv[1]);
	memcpy(&h, btf, sizeof(h));
	if (h.magic != BTF_MAGIC || h.version != 1)
		die("%s: no BTF (bad magic or version)", argv[1]);
	if (h.hdr_len > btf_len ||
	    (u64)h.type_off + h.type_len > btf_len - h.hdr_len ||
	    (u64)h.str_off + h.str_len > btf_len - h.hdr_len)
		die("%s: BTF sections outside the data", argv[1]);
	strs = btf + h.hdr_len + h.str_off;
	strs_len = h.str_len;
	index_types(btf + h.hdr_len + h.type_off, h.type_len);

	for (i = 2; i < argc; i++) {
		if (i + 1 >= argc)
			die("%s needs a name", argv[i]);
		if (!strcmp(argv[i], "-s"))
			print_struct(argv[++i]);
		else if (!strcmp(argv[i], "-e"))
			print_enum(argv[++i]);
		else
			die("unknown option %s", argv[i]);
	}
	free(types);
	free(buf);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Compiled (never linked) by scripts/layout-check.sh: every fact the
 * kernel's BTF states about the private dax structures (dka_btf.h, made
 * by btf-layout) must hold for our view of them (compat/dax-bus.h), or
 * this fails to compile, naming the member that differs.
 */
#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <linux/kernel.h>
#include <linux/stddef.h>
#include "dka_layout_try.h"
#include "compat/dax-bus.h"

#define DKA_BTF_SIZE(s, n)						\
	static_assert(sizeof(struct s) == (n),				\
		      "LAYOUT: struct " #s " is " #n " bytes in the kernel")
#define DKA_BTF_OFFSET(s, m, off)					\
	static_assert(offsetof(struct s, m) == (off),			\
		      "LAYOUT: struct " #s ": member " #m " is at offset " #off " in the kernel")
#define DKA_BTF_MSIZE(s, m, n)						\
	static_assert(sizeof_field(struct s, m) == (n),			\
		      "LAYOUT: struct " #s ": member " #m " is " #n " bytes in the kernel")

/* The type a call through function pointer member m of struct s returns. */
#define DKA_RETURN_TYPE(s, m) typeof(((typeof_member(struct s, m))NULL)(NULL))
#define DKA_RETURNS_void(t) __builtin_types_compatible_p(t, void)
#define DKA_RETURNS_value(t) (!__builtin_types_compatible_p(t, void))
#define DKA_BTF_FN_RETURNS(s, m, r)					\
	static_assert(DKA_RETURNS_##r(DKA_RETURN_TYPE(s, m)),		\
		      "LAYOUT: struct " #s ": function " #m " returns " #r " in the kernel")
#define DKA_BTF_UNSUPPORTED(s, m)					\
	static_assert(0, "LAYOUT: struct " #s ": member " #m " is a bitfield or anonymous")
#define DKA_BTF_ENUMERATOR(e, name, v)					\
	static_assert((v) != DKA_DAXDRV_ID_ONLY,				\
		      "LAYOUT: enum " #e ": " #name " is our id-only driver type")
#define DKA_BTF_ABSENT(s) static_assert(1, #s " is not in the BTF")

#include "dka_btf.h"

/* Replace mode (replace_kmem=1) declares kmem's driver type: it must be the kernel's. */
#ifdef DKA_BTF_ENUM_DAXDRV_KMEM_TYPE
static_assert(DKA_BTF_ENUM_DAXDRV_KMEM_TYPE == DKA_DAXDRV_KMEM_TYPE,
	      "LAYOUT: enum dax_driver_type: DAXDRV_KMEM_TYPE has another value in the kernel");
#endif

/* The layout family that was checked, for the script to report. */
static const char dka_layout_checked[] __used = "DKA_LAYOUT_IS " DKA_LAYOUT_FILE;

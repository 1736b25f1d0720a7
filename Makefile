# SPDX-License-Identifier: GPL-2.0
#
# dax-kmem-atomic: top-level build.
#
#   make                      build for the running kernel
#   make KDIR=<headers dir>   build for another kernel
#   make clean
#   make check                lint + the whole test suite in QEMU (see docs/testing.md)
#   make lint                 checkpatch --strict, W=1 and sparse builds
#   make pkg                  the .deb and .rpm (dax-kmem-atomic-dkms) into dist/
#   make pkg-test             build, lintian, compare, install in a chroot
#   make dkms-test            install through dkms 2.8.4, 3.0.10, 3.2.2 (tests/dkms-test.sh)
#   make system-test          a whole Debian booted by systemd in QEMU installs the
#                             packages with apt and applies a boot-time policy
#                             (tests/system-test.sh; SYSTEM_SUITE=bookworm; not in make check)
#   make stress               stress and races in QEMU on every kernel (tests/stress.sh);
#                             STRESS_SECONDS=<s> per step (default 6), STRESS_KERNELS="6.1 7.3"
#   make bench                timings in QEMU: ours vs 7.3's kmem vs per-block (tests/bench.sh;
#                             BENCH_ARGS="--kernel 7.3 --sizes 2,8 --reps 3" to choose)
#   make debug-kernel         build Debian's 6.1 with lockdep, KASAN, kmemleak, DEBUG_OBJECTS
#                             (cached; long the first time), run every guest suite on it
#                             (tests/debug-kernel.sh; kernel 6.1-debug; not in make check);
#                             DEBUG_BASE=7.3: the same from Debian's 7.3 (kernel 7.3-debug)
#   make tool                 the dax-kmem-atomic command (tool/; needs libkmod-dev, pkg-config)
#   make tool-test            its unit tests (the policy parser and matching)
#   make install-tool DESTDIR=... [SBINDIR= MANDIR= UDEVRULESDIR= UNITDIR= DOCDIR=]
#                             install the command, its man page, udev rule, systemd unit
#                             and example policy (what the packages ship)
#
# The default target builds the module only (DKMS runs it with nothing but
# the kernel's headers around): the tool is never part of "all".
#
#   DKA_LAYOUT=<family>       use src/compat/layout-<family>.h (experts)
#   DKA_BTF=<file>            check the layout against this BTF/vmlinux/vmlinuz
#   DKA_IGNORE_BTF_MISMATCH=1 build despite a layout the BTF contradicts
#
# The build runs in two steps: scripts/probe.sh compiles the feature probes
# in probes/ against KDIR and writes generated/dka_config.h, checks our
# view of the private dax structures against the kernel's BTF
# (scripts/layout-check.sh), then kbuild builds the module from Kbuild.
# DKMS runs exactly this.

KVER	?= $(shell uname -r)
KDIR	?= /lib/modules/$(KVER)/build
PWD	:= $(CURDIR)
CONFIG_H := $(PWD)/generated/dka_config.h
PROBES	:= $(wildcard $(PWD)/probes/*.c)

# Layout options (docs/internals.md, "The layout check"): forwarded to scripts/probe.sh.
export DKA_LAYOUT DKA_BTF DKA_IGNORE_BTF_MISMATCH

# Forwarded to kbuild only when given (5.10 headers name gcc-10, say).
ifneq ($(origin CC),default)
KBUILD_CC := CC=$(CC)
endif

all: modules

modules: $(CONFIG_H)
	$(MAKE) -C $(KDIR) M=$(PWD) $(KBUILD_CC) modules

# Re-probe when the probes, the script or the target kernel change.
$(CONFIG_H): $(PROBES) scripts/probe.sh FORCE
	@$(PWD)/scripts/probe.sh $(KDIR) $(PWD)/generated $(KBUILD_CC)

clean:
	-$(MAKE) -C $(KDIR) M=$(PWD) clean 2>/dev/null
	rm -rf generated .tmp_probes .tmp_layout
	rm -f *.o *.ko *.mod *.mod.c modules.order Module.symvers .*.cmd \
	      src/*.o src/.*.cmd src/compat/*.o src/compat/.*.cmd \
	      tool/*.o tool/dax-kmem-atomic tool/test-policy

check:
	tests/check.sh

demo:
	tests/demo.sh

lint:
	tests/host/lint.sh

# DIST=<dir> puts the packages elsewhere.
DIST	?= $(PWD)/dist

pkg:
	pkg/build.sh $(DIST)

pkg-test:
	tests/host/pkg-test.sh

dkms-test:
	tests/dkms-test.sh

SYSTEM_SUITE ?= bookworm
system-test:
	tests/system-test.sh --suite $(SYSTEM_SUITE)

STRESS_SECONDS ?= 6
STRESS_KERNELS ?=
stress:
	tests/stress.sh --seconds $(STRESS_SECONDS) $(addprefix --kernel ,$(STRESS_KERNELS))

bench:
	tests/bench.sh $(BENCH_ARGS)

# ---- the dax-kmem-atomic command (tool/) ---------------------------------
# CFLAGS, CPPFLAGS and LDFLAGS from the environment (dpkg-buildflags,
# %optflags) come after ours.
TOOL_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' $(PWD)/dkms.conf)
TOOL_CC ?= $(if $(filter default,$(origin CC)),cc,$(CC))
TOOL_CFLAGS = -std=c11 -Wall -Wextra -Werror -O2 $(CFLAGS) \
	$(shell pkg-config --cflags libkmod) -DDKA_VERSION='"$(TOOL_VERSION)"'
TOOL_LIBS = $(shell pkg-config --libs libkmod)
TOOL_OBJS := tool/main.o tool/list.o tool/ops.o tool/json.o tool/msg.o tool/sysfs.o \
	tool/procfs.o tool/modprobe.o tool/policy.o
TOOL_HDRS := tool/cmd.h tool/json.h tool/modprobe.h tool/msg.h tool/policy.h tool/procfs.h \
	tool/sysfs.h tool/util.h

tool: tool/dax-kmem-atomic

tool/dax-kmem-atomic: $(TOOL_OBJS)
	$(TOOL_CC) $(LDFLAGS) -o $@ $(TOOL_OBJS) $(TOOL_LIBS)

tool/%.o: tool/%.c $(TOOL_HDRS)
	@pkg-config --exists libkmod || { echo "make tool: libkmod not found by pkg-config (apt-get install libkmod-dev pkg-config)" >&2; exit 1; }
	$(TOOL_CC) $(CPPFLAGS) $(TOOL_CFLAGS) -c -o $@ $<

tool/test-policy: tool/test-policy.o tool/policy.o
	$(TOOL_CC) $(LDFLAGS) -o $@ $^

tool-test: tool/test-policy
	tool/test-policy

SBINDIR ?= /usr/sbin
MANDIR ?= /usr/share/man
UDEVRULESDIR ?= /usr/lib/udev/rules.d
UNITDIR ?= /usr/lib/systemd/system
DOCDIR ?= /usr/share/doc/dax-kmem-atomic
POLICYDIR ?= /etc/dax-kmem-atomic.d

install-tool: tool/dax-kmem-atomic
	install -D -m 0755 tool/dax-kmem-atomic $(DESTDIR)$(SBINDIR)/dax-kmem-atomic
	install -D -m 0644 tool/dax-kmem-atomic.8 $(DESTDIR)$(MANDIR)/man8/dax-kmem-atomic.8
	install -D -m 0644 tool/95-dax-kmem-atomic.rules $(DESTDIR)$(UDEVRULESDIR)/95-dax-kmem-atomic.rules
	install -D -m 0644 tool/dax-kmem-atomic-apply@.service $(DESTDIR)$(UNITDIR)/dax-kmem-atomic-apply@.service
	install -D -m 0644 tool/example.conf $(DESTDIR)$(DOCDIR)/examples/example.conf
	install -d -m 0755 $(DESTDIR)$(POLICYDIR)

tool-clean:
	rm -f tool/*.o tool/dax-kmem-atomic tool/test-policy

DEBUG_BASE ?= 6.1
debug-kernel:
	tests/debug-kernel.sh --base $(DEBUG_BASE) --check

.PHONY: all modules clean check demo lint pkg pkg-test dkms-test system-test stress bench debug-kernel FORCE \
	tool tool-test install-tool tool-clean

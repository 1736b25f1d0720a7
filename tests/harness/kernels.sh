#!/bin/bash
# The table of named kernels the harness knows. Source it; do not run it.
# shellcheck shell=bash
#
# To add a kernel, add one row to each array below:
#   K_SUITES   apt suites to fetch from ("-security" suites use the security
#              mirror; everything else the main mirror)
#   K_RESOLVE  how to find the kernel release string (KVER):
#                fixed:KVER               a pinned release
#                meta:PKG                 KVER from the candidate's Depends of a
#                                         meta package (linux-image-amd64, ...)
#                glob:PREFIX              newest available package PREFIX*; KVER
#                                         is the name without PREFIX
#                local:SCRIPT [ARG...]    built here by tests/SCRIPT ARG..., which
#                                         prints the path of its kernel.env
#                                         (K_LAYOUT local)
#   K_LAYOUT   classic (linux-image-KVER-unsigned holds everything, <= 6.12)
#              split   (7.x: linux-binary-unsigned, linux-modules, linux-base)
#              local   (a kernel built here: its image, modules, System.map and
#                      build tree, the KDIR, come from K_RESOLVE's script)
#   K_KBUILD   the linux-kbuild package ({KBASE} = KVER without "-amd64")
#   K_CHROOT   Debian release of the build chroot (gcc and glibc the headers need)
# and, where a kernel needs them (optional):
#   K_APPEND   kernel command-line arguments added to each of its boots
#   K_SLOW     multiplier of the boot timeout (a debug kernel under TCG)

# shellcheck disable=SC2034  # the arrays are read by the scripts that source this
{
KERNEL_NAMES=(5.10 6.1 6.12-bpo 6.12 7.2 7.3)
# The kernel whose in-kernel kmem is the truth for the state ABI
ORACLE_KERNEL=7.3
# Kernels on which --all also runs replace mode with daxctl (t-daxctl):
# one before driver types (6.12) and one with them.
REPLACE_KERNELS=(6.1 6.12)
declare -A K_SUITES=() K_RESOLVE=() K_LAYOUT=() K_KBUILD=() K_CHROOT=() K_APPEND=() K_SLOW=()

K_SUITES[5.10]="bullseye bullseye-security"
K_RESOLVE[5.10]="fixed:5.10.0-32-amd64"
K_LAYOUT[5.10]="classic"
K_KBUILD[5.10]="linux-kbuild-5.10"
K_CHROOT[5.10]=bookworm

K_SUITES[6.1]="bookworm bookworm-security"
K_RESOLVE[6.1]="meta:linux-image-amd64"
K_LAYOUT[6.1]="classic"
K_KBUILD[6.1]="linux-kbuild-6.1"
K_CHROOT[6.1]=bookworm

# Debian 12 users' 6.12: bookworm-backports, headers built for gcc-12.
K_SUITES[6.12-bpo]="bookworm-backports"
K_RESOLVE[6.12-bpo]="meta:linux-image-amd64"
K_LAYOUT[6.12-bpo]="classic"
K_KBUILD[6.12-bpo]="linux-kbuild-{KBASE}"
K_CHROOT[6.12-bpo]=bookworm

# Debian 13's own kernel.
K_SUITES[6.12]="trixie trixie-security"
K_RESOLVE[6.12]="meta:linux-image-amd64"
K_LAYOUT[6.12]="classic"
K_KBUILD[6.12]="linux-kbuild-{KBASE}"
K_CHROOT[6.12]=trixie

K_SUITES[7.2]="trixie-backports"
K_RESOLVE[7.2]="glob:linux-binary-unsigned-7.2."
K_LAYOUT[7.2]="split"
K_KBUILD[7.2]="linux-kbuild-{KBASE}"
K_CHROOT[7.2]=trixie

K_SUITES[7.3]="trixie-backports"
K_RESOLVE[7.3]="glob:linux-binary-unsigned-7.3."
K_LAYOUT[7.3]="split"
K_KBUILD[7.3]="linux-kbuild-{KBASE}"
K_CHROOT[7.3]=trixie

# Not in KERNEL_NAMES (not in --all, not in make check): Debian 12's
# linux-source-6.1 built here with lockdep, KASAN, kmemleak, DEBUG_OBJECTS
# and DEBUG_ATOMIC_SLEEP (tests/debug-kernel.sh, make debug-kernel; 18 to 30
# minutes of build on two cores the first time). Its reports are longer than a
# normal kernel's log: a bigger log buffer keeps the first one for the
# end-of-boot dmesg check. no5lvl: QEMU's "-cpu max" has 5-level paging,
# and 6.1's KASAN then reported a wild access at 0.002 s in one of the 7
# boots here without no5lvl (an interrupt while identify_boot_cpu() had cleared the CPU's
# feature bits: pgtable_l5_enabled() read false, so KASAN took the 5-level
# direct map for memory without shadow); not our code, and 4-level paging
# is what our tests need.
K_SUITES[6.1-debug]=""
K_RESOLVE[6.1-debug]="local:debug-kernel.sh"
K_LAYOUT[6.1-debug]="local"
K_KBUILD[6.1-debug]=""
K_CHROOT[6.1-debug]=bookworm
K_APPEND[6.1-debug]="log_buf_len=8M no5lvl"
K_SLOW[6.1-debug]=4

# The same detectors on trixie-backports' linux-source-7.3 (debug-kernel.sh
# --base 7.3; where 7.3 renamed or dropped an option of the fragment:
# harness/debug-kernel-7.3.config). Built in the trixie chroot with gcc-14
# and pahole 1.30 (7.3 needs pahole 1.26; the host has 1.24), so our module
# is built there too. Not in KERNEL_NAMES either. Same log buffer; no5lvl
# kept (not checked whether 7.3's KASAN has 6.1's early-boot problem
# without it: 4-level paging is all the tests need).
K_SUITES[7.3-debug]=""
K_RESOLVE[7.3-debug]="local:debug-kernel.sh --base 7.3"
K_LAYOUT[7.3-debug]="local"
K_KBUILD[7.3-debug]=""
K_CHROOT[7.3-debug]=trixie
K_APPEND[7.3-debug]="log_buf_len=8M no5lvl"
K_SLOW[7.3-debug]=4
}

# Package lists per layout. {KVER} and {KBASE} are substituted.
# A leading "?" marks a package that may not exist for that kernel.
k_boot_pkgs() {
	case "$1" in
	classic) echo "linux-image-{KVER}-unsigned" ;;
	split) echo "linux-binary-unsigned-{KVER} linux-modules-{KVER} linux-base-{KVER}" ;;
	esac
}
k_hdr_pkgs() {
	case "$1" in
	classic) echo "linux-headers-{KVER} linux-headers-{KBASE}-common" ;;
	split) echo "linux-headers-{KVER} ?linux-headers-{KBASE}-common" ;;
	esac
}

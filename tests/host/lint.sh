#!/bin/bash
# make lint: the kernel-quality gates on the module sources:
#  - checkpatch.pl --strict (from Debian's linux-source-6.1 package, fetched
#    into the cache once), clean with no exceptions;
#  - a W=1 build (extra warnings, kernel-doc) with sparse (C=2, Debian's
#    sparse package in the build chroot) for every kernel of
#    tests/harness/kernels.sh (or DKA_LINT_KERNELS), clean for our files.
# Prints KTAP (tests/harness/ktap.sh): the plan, one result line per gate
# ("ok N NAME" / "not ok N NAME # why", findings as "# ..." lines before),
# totals and a closing "N passed, N failed".
set -uo pipefail
. "$(dirname "$0")/../harness/common.sh"
. "$HARNESS_DIR/kernels.sh"
# shellcheck source=../harness/ktap.sh
. "$HARNESS_DIR/ktap.sh"
cd "$REPO_DIR" || exit 1

read -r -a KERNELS <<<"${DKA_LINT_KERNELS:-${KERNEL_NAMES[*]}}"
result() { ktap_result "$1" "$2"; }

# checkpatch, then one build per kernel
ktap_header $((1 + ${#KERNELS[@]}))

SOURCES=(src/*.c src/*.h src/compat/*.c src/compat/*.h probes/*.c scripts/*.c tests/harness/module/dka_test_helper.c)

# checkpatch.pl and its data files, from the linux-source-6.1 package
CP_DIR="$DKA_CACHE/checkpatch"
if [ ! -x "$CP_DIR/scripts/checkpatch.pl" ]; then
	need_cmd perl perl
	need_cmd xz xz-utils
	mkdir -p "$DKA_CACHE/debs" "$CP_DIR"
	deb=$(ls "$DKA_CACHE"/debs/linux-source-6.1_*.deb 2>/dev/null | tail -n1)
	if [ -z "$deb" ]; then
		(cd "$DKA_CACHE/debs" && apt-get download linux-source-6.1 >&2) ||
			die "apt-get download linux-source-6.1 failed (run apt-get update?)"
		deb=$(ls "$DKA_CACHE"/debs/linux-source-6.1_*.deb | tail -n1)
	fi
	dpkg-deb --fsys-tarfile "$deb" | tar -xO --wildcards './usr/src/linux-source-6.1.tar.xz' |
		tar -xJ -C "$CP_DIR" --strip-components=1 --wildcards \
			'linux-source-6.1/scripts/checkpatch.pl' 'linux-source-6.1/scripts/spelling.txt' \
			'linux-source-6.1/scripts/const_structs.checkpatch' ||
		die "could not extract checkpatch.pl from $deb"
fi
out=$("$CP_DIR/scripts/checkpatch.pl" --no-tree --strict --terse --show-types -f "${SOURCES[@]}" 2>&1 |
	grep -v '^total: 0 errors, 0 warnings, 0 checks' | grep -v '^$')
rm -f .checkpatch-camelcase.*
if [ -z "$out" ]; then
	result "checkpatch --strict: ${#SOURCES[@]} files clean" ok
else
	ktap_diag "$out"
	result "checkpatch --strict" "$(echo "$out" | grep -c ': \(ERROR\|WARNING\|CHECK\):') findings"
fi

for k in "${KERNELS[@]}"; do
	log=$(mktemp)
	if DKA_MAKE_EXTRA="W=1 C=2" "$HARNESS_DIR/build.sh" "$k" >"$log" 2>&1; then
		# our own files only: kernel headers have W=1 noise of their own.
		# Up to 6.12 kbuild names them /build/KVER/src/src/x.c, 7.x (which
		# runs make in the module's directory) src/x.c.
		warn=$(grep -E '^(/build/[^ ]*/)?src/[^ ]*: (warning|error)' "$log" | sort -u)
		gate="W=1 + sparse build"
		if ! grep -qE '^  CHECK   (.*/)?src/kmem.c' "$log"; then
			grep -i 'sparse' "$log" | head -n 5 | sed 's/^/# /'
			result "$k: W=1 + sparse build" "sparse did not run"
			rm -f "$log"
			continue
		fi
		if [ -z "$warn" ]; then
			result "$k: $gate clean" ok
		else
			ktap_diag "$warn"
			result "$k: $gate" "$(echo "$warn" | wc -l) warnings"
		fi
	else
		tail -n 20 "$log" | sed 's/^/# /'
		result "$k: W=1 + sparse build" "build failed"
	fi
	rm -f "$log"
done
ktap_totals

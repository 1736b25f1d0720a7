#!/bin/bash
# make lint: the kernel-quality gates on the module sources:
#  - checkpatch.pl --strict (from Debian's linux-source-6.1 package, fetched
#    into the cache once), clean with no exceptions;
#  - a W=1 build (extra warnings, kernel-doc) with sparse (C=2, Debian's
#    sparse package in the build chroot) for every kernel of
#    tests/harness/kernels.sh (or DKA_LINT_KERNELS), clean for our files.
# Prints one result line per gate and a closing "N passed, N failed".
set -uo pipefail
. "$(dirname "$0")/harness/common.sh"
. "$HARNESS_DIR/kernels.sh"
cd "$REPO_DIR" || exit 1

read -r -a KERNELS <<<"${DKA_LINT_KERNELS:-${KERNEL_NAMES[*]}}"
pass=0 fail=0
result() {
	if [ "$2" = ok ]; then
		echo "ok - $1"
		pass=$((pass + 1))
	else
		echo "FAIL - $1: $2"
		fail=$((fail + 1))
	fi
}

SOURCES=(src/*.c src/*.h src/compat/*.c src/compat/*.h probes/*.c scripts/*.c tests/helpers/dka_test_helper.c)

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
	echo "$out"
	result "checkpatch --strict" "$(echo "$out" | grep -c ': \(ERROR\|WARNING\|CHECK\):') findings"
fi

# sparse_args NAME: extra make arguments for sparse on kernel NAME.
# 7.x headers use __typeof_unqual__ under __CHECKER__, which trixie's sparse
# (0.6.4) cannot parse, and their kbuild asks scripts/checker-valid.sh,
# which Debian's headers packages do not ship, whether sparse is new enough.
# For such a kernel: sid's sparse (Debian's 0.6.5~rc1; only its binary,
# which needs nothing but glibc, unpacked to /usr/local/bin in the build
# chroot: the package's other tools pull in gcc-16), and a stand-in for the
# missing script that asks that sparse the same question.
sparse_args() {
	local env=$DKA_CACHE/kernels/$1.env suite kver chroot common mirror
	suite=$(sed -n 's/^CHROOT_SUITE=//p' "$env")
	kver=$(sed -n 's/^KVER=//p' "$env")
	chroot=$DKA_CACHE/chroot/$suite
	common=$(sed -n 's|^include \(/usr/src/[^ ]*\)/Makefile$|\1|p' \
		"$chroot/usr/src/linux-headers-$kver/Makefile" | head -n 1)
	[ -n "$common" ] || common=/usr/src/linux-headers-$kver
	grep -q 'checker-valid.sh' "$chroot$common/Makefile" 2>/dev/null || return 0
	if [ -x "$chroot$common/scripts/checker-valid.sh" ] &&
		! grep -q dax-kmem-atomic "$chroot$common/scripts/checker-valid.sh"; then
		return 0	# the kernel's own
	fi
	if [ ! -x "$chroot/usr/local/bin/sparse-sid" ]; then
		mirror=$(host_mirror)
		log "installing sid's sparse binary into the $suite chroot as /usr/local/bin/sparse-sid"
		cat >"$chroot/tmp/dka-sparse-sid.sh" <<-EOF
		set -e
		d=\$(mktemp -d)
		cd "\$d"
		mkdir -p lists/partial
		echo 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror sid main' >sid.list
		set -- -o Dir::Etc::SourceList="\$d/sid.list" -o Dir::Etc::SourceParts=/dev/null \\
			-o Dir::State::status=/dev/null -o Dir::State::Lists="\$d/lists" \\
			-o APT::Sandbox::User=root -o Acquire::Check-Valid-Until=false
		apt-get "\$@" -qq update
		apt-get "\$@" -qq download sparse
		dpkg-deb -x sparse_*.deb x
		install -m 755 x/usr/bin/sparse /usr/local/bin/sparse-sid
		cd /
		rm -rf "\$d"
		EOF
		chroot "$chroot" sh /tmp/dka-sparse-sid.sh >&2 ||
			{ echo "could not fetch sid's sparse" >&2; return 1; }
	fi
	# The stand-in: 1 when sparse takes __typeof_unqual__ without an error.
	cat >"$chroot$common/scripts/checker-valid.sh" <<-'EOF'
	#!/bin/sh
	# Stand-in added by dax-kmem-atomic's tests/lint.sh: Debian's headers
	# package lacks this script. Prints 1 when the checker ($@) can parse
	# __typeof_unqual__, as this kernel's headers need under __CHECKER__.
	t=$(mktemp --suffix=.c)
	echo 'int dka(const int *p) { __typeof_unqual__(*p) v = *p; return v; }' >"$t"
	if "$@" "$t" 2>&1 | grep -q error; then echo 0; else echo 1; fi
	rm -f "$t"
	EOF
	chmod 755 "$chroot$common/scripts/checker-valid.sh"
	echo "CHECK=/usr/local/bin/sparse-sid"
}

for k in "${KERNELS[@]}"; do
	"$HARNESS_DIR/fetch-kernel.sh" "$k" >/dev/null 2>&1 || true
done
for k in "${KERNELS[@]}"; do
	log=$(mktemp)
	if ! extra=$(sparse_args "$k"); then
		result "$k: W=1 + sparse build" "no sparse that this kernel's kbuild accepts"
		continue
	fi
	if DKA_MAKE_EXTRA="W=1 C=2 $extra" "$HARNESS_DIR/build.sh" "$k" >"$log" 2>&1; then
		# our own files only: kernel headers have W=1 noise of their own.
		# Up to 6.12 kbuild names them /build/KVER/src/src/x.c, 7.x (which
		# runs make in the module's directory) src/x.c.
		warn=$(grep -E '^(/build/[^ ]*/)?src/[^ ]*: (warning|error)' "$log" | sort -u)
		gate="W=1 + sparse build"
		if ! grep -qE '^  CHECK   (.*/)?src/kmem.c' "$log"; then
			grep -i 'sparse' "$log" | head -n 5
			result "$k: W=1 + sparse build" "sparse did not run"
			rm -f "$log"
			continue
		fi
		if [ -z "$warn" ]; then
			result "$k: $gate clean" ok
		else
			echo "$warn"
			result "$k: $gate" "$(echo "$warn" | wc -l) warnings"
		fi
	else
		tail -n 20 "$log"
		result "$k: W=1 + sparse build" "build failed"
	fi
	rm -f "$log"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/bin/bash
# pkg-test.sh: test the packages from this tree: dax-kmem-atomic-dkms (the
# module's source) and dax-kmem-atomic (the command).
#
#   - builds the .deb and the .rpm (pkg/build.sh, in a copy of the tree)
#   - lintian on the .deb, the .changes and a source package: no error, no
#     warning (overrides only in debian/*.lintian-overrides, each with its reason)
#   - the version of each package is dkms.conf's PACKAGE_VERSION, and a tree
#     whose debian/changelog or rpm --define says another does not build
#   - both payloads are the same: the same files under /usr/src/NAME-VERSION
#     (exactly what dkms needs from the tree), the same modprobe.d conffile
#     (inactive), the same README, byte for byte
#   - the tool's packages ship the same files (Debian 12's /lib for the udev
#     rule and the unit is the .rpm's /usr/lib), with the same modes; the
#     same bytes but for the binary (built twice) and the compressed man page;
#     both binaries run (--version, the same --help)
#   - installs the .debs into a copy (an overlay) of the harness's cached
#     bookworm chroot with Debian's 6.1 headers installed as packages:
#     DKMS must build and install the module for that kernel (modinfo: our
#     version, that kernel's vermagic); dax-kmem-atomic --help and list run
#     there (no /sys: list says there is no dax bus, exit 2); purging must
#     remove it all
#   - installs the .rpms with Debian's rpm (--root, --nodeps) into a fresh
#     copy of that root: %post adds the module to dkms; an upgrade to a
#     9.9.9 build leaves dkms with 9.9.9 alone; rpm -e removes it all and
#     keeps an edited modprobe.d file as .rpmsave
#
# Prints KTAP (tests/harness/ktap.sh): one "ok N NAME" or "not ok N NAME #
# why" per check, "# ..." diagnostics, totals and "N passed, N failed";
# exits 1 when a check failed. Needs root for the chroot (the
# other checks run without it). Installs its host packages with apt-get
# when root, else names them.
#   DKA_PKG_KERNEL=NAME   kernel from tests/harness/kernels.sh (default 6.1)
set -euo pipefail
. "$(dirname "$0")/../harness/common.sh"
# shellcheck source=../harness/ktap.sh
. "$HARNESS_DIR/ktap.sh"

KNAME=${DKA_PKG_KERNEL:-6.1}
NAME=dax-kmem-atomic
PKG=$NAME-dkms
VERSION=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$REPO_DIR/dkms.conf")
[ -n "$VERSION" ] || die "no PACKAGE_VERSION=\"...\" line in dkms.conf"
USRSRC=usr/src/$NAME-$VERSION
MODPROBE=etc/modprobe.d/$NAME.conf

ok() { ktap_ok "$1"; }
fail() { ktap_fail "$1" "$2"; }
# check NAME WHY CMD...: ok when CMD succeeds, else FAIL with WHY
check() {
	local name=$1 why=$2
	shift 2
	if "$@"; then ok "$name"; else fail "$name" "$why"; fi
}

need_cmd lintian lintian
need_cmd rpm2cpio rpm
need_cmd cpio cpio
need_cmd sha256sum coreutils

ktap_header
T=$(mktemp -d /tmp/dka-pkg-test.XXXXXX)
MERGED=""
MOUNTS=()
summary() {
	SUMMARY_DONE=1
	ktap_totals || true
}
SUMMARY_DONE=0
cleanup() {
	local rc=$? i
	if [ "$SUMMARY_DONE" = 0 ]; then
		fail "pkg-test.sh" "stopped early (exit status $rc; see the messages above)"
		summary
		rc=1
	fi
	for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
		umount "${MOUNTS[$i]}" 2>/dev/null || umount -l "${MOUNTS[$i]}" 2>/dev/null || true
	done
	rm -rf "$T"
	exit "$rc"
}
trap cleanup EXIT

# ---------------------------------------------------------------- build
DIST=$T/dist
if "$REPO_DIR/pkg/build.sh" "$DIST" >"$T/build.log" 2>&1; then
	ok "build the .deb and the .rpm"
else
	sed 's/^/# /' "$T/build.log" | tail -n 30
	fail "build the .deb and the .rpm" "pkg/build.sh failed (output above)"
	summary
	exit 1
fi
DEB=$(ls "$DIST"/"${PKG}"_*_all.deb)
RPM=$(ls "$DIST"/"${PKG}"-*.noarch.rpm)
TDEB=$(ls "$DIST"/"${NAME}"_*_"$(dpkg --print-architecture)".deb)
TRPM=$(ls "$DIST"/"${NAME}-$VERSION"-*."$(uname -m)".rpm)
CHANGES=$(ls "$DIST"/"${NAME}"_*.changes)

# ---------------------------------------------------------------- lintian
# A source package too (3.0 (native): a tarball of the tree), for the
# checks of debian/control, copyright and the like.
mkdir -p "$T/src/$NAME-$VERSION"
copy_tree "$REPO_DIR" "$T/src/$NAME-$VERSION"
lint_ok=1
if (cd "$T/src" && dpkg-source -b "$NAME-$VERSION") >"$T/dpkg-source.log" 2>&1; then
	lintian --allow-root --pedantic --display-info --show-overrides \
		--fail-on error,warning "$CHANGES" "$T/src/${NAME}_$VERSION.dsc" >"$T/lintian.log" 2>&1 || lint_ok=0
	sed 's/^/# lintian: /' "$T/lintian.log"
	if [ $lint_ok = 1 ]; then
		ok "lintian: no error or warning (.deb, .changes, source)"
	else
		fail "lintian" "errors or warnings (above)"
	fi
	# Every override must say why: a comment right above it.
	bad=$(awk 'FNR == 1 { prev = "" }
		/^[^#[:space:]]/ && prev !~ /^#/ { print FILENAME ": " $0 }
		{ prev = $0 }' "$REPO_DIR"/debian/*lintian-overrides 2>/dev/null) || true
	check "lintian overrides each have a written reason" "$bad" test -z "$bad"
else
	sed 's/^/# /' "$T/dpkg-source.log"
	fail "lintian" "dpkg-source -b failed"
fi

# ---------------------------------------------------------------- versions
deb_ver=$(dpkg-deb -f "$DEB" Version)
rpm_ver=$(rpm -qp --qf '%{VERSION}' "$RPM" 2>/dev/null)
chl_ver=$(cd "$REPO_DIR" && dpkg-parsechangelog -SVersion)
chl_up=${chl_ver#*:}
chl_up=${chl_up%-*}
check "debian/changelog's upstream version is dkms.conf's ($VERSION)" \
	"debian/changelog says $chl_ver" test "$chl_up" = "$VERSION"
check "the .deb's version is dkms.conf's" "the .deb says $deb_ver" \
	test "${deb_ver%-*}" = "$VERSION"
check "the .rpm's version is dkms.conf's" "the .rpm says $rpm_ver" test "$rpm_ver" = "$VERSION"

# A changelog that disagrees with dkms.conf stops the Debian build, and a
# --define that disagrees with the tarball's dkms.conf stops rpmbuild.
mkdir -p "$T/skew"
copy_tree "$REPO_DIR" "$T/skew"
sed -i 's/^PACKAGE_VERSION=".*"$/PACKAGE_VERSION="9.9.9"/' "$T/skew/dkms.conf"
# refused NAME LOG MESSAGE CMD...: CMD must fail, and say MESSAGE in LOG
refused() {
	local name=$1 log=$2 msg=$3
	shift 3
	if "$@" >"$log" 2>&1; then
		fail "$name" "it built"
	elif grep -qF "$msg" "$log"; then
		ok "$name (says why)"
	else
		fail "$name" "failed without saying why: $(tail -n 3 "$log" | tr '\n' ' ')"
	fi
}
deb_build_in() { (cd "$1" && dpkg-buildpackage -us -uc -b); }
refused "the .deb does not build when debian/changelog and dkms.conf differ" "$T/skew.log" \
	'differs from PACKAGE_VERSION="9.9.9" in dkms.conf' deb_build_in "$T/skew"
mkdir -p "$T/rpmskew/SOURCES"
tar -C "$T/rpmskew" -xzf "$DIST/$NAME-$VERSION.tar.gz"
mv "$T/rpmskew/$NAME-$VERSION" "$T/rpmskew/$NAME-9.9.9"
tar -C "$T/rpmskew" -czf "$T/rpmskew/SOURCES/$NAME-9.9.9.tar.gz" "$NAME-9.9.9"
refused "the .rpm does not build when dka_version and dkms.conf differ" "$T/rpmskew.log" \
	"dka_version 9.9.9 differs from PACKAGE_VERSION=\"$VERSION\"" \
	rpmbuild -bb --nodeps --define "_topdir $T/rpmskew" --define "dka_version 9.9.9" \
	"$REPO_DIR/rpm/$NAME.spec"
if rpmbuild -bb --define "_topdir $T/rpmskew" "$REPO_DIR/rpm/$NAME.spec" >"$T/rpmnover.log" 2>&1; then
	fail "the .rpm does not build without dka_version" "it built"
else
	check "the .rpm does not build without dka_version (says why)" \
		"$(tail -n 2 "$T/rpmnover.log" | tr '\n' ' ')" grep -q "dka_version is not defined" "$T/rpmnover.log"
fi

# ---------------------------------------------------------------- payloads
mkdir -p "$T/deb" "$T/rpm"
dpkg-deb -x "$DEB" "$T/deb"
(cd "$T/rpm" && rpm2cpio "$RPM" | cpio -idm --quiet)
# regular files and symlinks, as in dpkg-deb -c and rpm -qlp
dpkg-deb -c "$DEB" | awk '$1 !~ /^d/ { sub(/^\.\//, "", $6); print $6 }' | sort >"$T/deb.list"
rpm -qp --qf '[%{FILEMODES:perms} %{FILENAMES}\n]' "$RPM" 2>/dev/null |
	awk '$1 !~ /^d/ { sub(/^\//, "", $2); print $2 }' | sort >"$T/rpm.list"
grep "^$USRSRC/" "$T/deb.list" >"$T/deb.src" || true
grep "^$USRSRC/" "$T/rpm.list" >"$T/rpm.src" || true
if [ -s "$T/deb.src" ] && diff -u "$T/deb.src" "$T/rpm.src" >"$T/src.diff"; then
	ok "the same $(wc -l <"$T/deb.src") files under /$USRSRC in the .deb and the .rpm"
else
	sed 's/^/# /' "$T/src.diff"
	fail "the same files under /$USRSRC" "they differ (- .deb, + .rpm)"
fi
# What dkms needs, no more: dkms.conf, Makefile, Kbuild, src/, probes/,
# scripts/ as in the tree (git's tracked files when it is a checkout).
mkdir -p "$T/tree"
copy_tree "$REPO_DIR" "$T/tree"
(cd "$T/tree" && find dkms.conf Makefile Kbuild src probes scripts \( -type f -o -type l \) |
	sed "s|^|$USRSRC/|" | sort) >"$T/tree.src"
if diff -u "$T/tree.src" "$T/deb.src" >"$T/tree.diff"; then
	ok "the payload is the tree's dkms.conf, Makefile, Kbuild, src/, probes/, scripts/"
else
	sed 's/^/# /' "$T/tree.diff"
	fail "the payload is what dkms needs from the tree" "it differs (- tree, + .deb)"
fi
# Content, file by file (and the tree's own, so neither build altered one).
hashes() { (cd "$1" && find "$USRSRC" "$MODPROBE" -type f -print0 | sort -z | xargs -0 sha256sum); }
hashes "$T/deb" >"$T/deb.sha"
hashes "$T/rpm" >"$T/rpm.sha"
mkdir -p "$T/treeroot/$USRSRC" "$T/treeroot/$(dirname "$MODPROBE")"
(cd "$T/tree" && cp -R dkms.conf Makefile Kbuild src probes scripts "$T/treeroot/$USRSRC/")
cp "$T/tree/conf/$NAME.conf" "$T/treeroot/$MODPROBE"
hashes "$T/treeroot" >"$T/tree.sha"
if diff -u "$T/deb.sha" "$T/rpm.sha" >"$T/sha.diff" && diff -u "$T/tree.sha" "$T/deb.sha" >>"$T/sha.diff"; then
	ok "file contents (sha256) identical in the .deb, the .rpm and the tree ($(wc -l <"$T/deb.sha") files)"
else
	sed 's/^/# /' "$T/sha.diff"
	fail "file contents identical" "sha256 differ"
fi
# Execute bits the same too (the build scripts must stay executable).
modes() { (cd "$1" && find "$USRSRC" "$MODPROBE" -type f -printf '%m %p\n' | sort -k2); }
check "file modes identical in the .deb and the .rpm" "$(diff <(modes "$T/deb") <(modes "$T/rpm") | tr '\n' ' ')" \
	diff -q <(modes "$T/deb") <(modes "$T/rpm")
check "no tests/, debian/ or rpm/ in the payload" "found some" \
	test -z "$(grep -E "^$USRSRC/(tests|debian|rpm)/" "$T/deb.list" "$T/rpm.list")"
check "dkms.conf in the packages has PACKAGE_VERSION=\"$VERSION\"" "it does not" \
	grep -qx "PACKAGE_VERSION=\"$VERSION\"" "$T/deb/$USRSRC/dkms.conf"
check "/$MODPROBE in both" "missing" test -f "$T/deb/$MODPROBE" -a -f "$T/rpm/$MODPROBE"
check "/$MODPROBE is inactive (every line a comment)" "has active lines" \
	test -z "$(grep -v -E '^[[:space:]]*(#|$)' "$T/deb/$MODPROBE")"
check "/$MODPROBE is a conffile in the .deb" "not in DEBIAN/conffiles" \
	grep -qx "/$MODPROBE" <(dpkg-deb -I "$DEB" conffiles 2>/dev/null)
check "/$MODPROBE is %config(noreplace) in the .rpm" "file flags are not 'cn'" \
	grep -qx "/$MODPROBE cn" <(rpm -qp --qf '[%{FILENAMES} %{FILEFLAGS:fflags}\n]' "$RPM" 2>/dev/null)
deb_readme=$(find "$T/deb/usr/share/doc/$PKG" -name 'README.md*' | head -n 1)
rpm_readme=$(find "$T/rpm/usr/share/doc" -name README.md | head -n 1)
readme_same() { zcat -f "$deb_readme" | cmp -s - "$T/tree/README.md" && cmp -s "$rpm_readme" "$T/tree/README.md"; }
check "README.md in both, identical to the tree's" "missing or different" readme_same
# the README links into docs/: shipped beside it
docs_same() {
	local f
	for f in "$T"/tree/docs/*.md; do
		f=${f##*/}
		zcat -f "$(dirname "$deb_readme")/docs/$f"* 2>/dev/null | cmp -s - "$T/tree/docs/$f" &&
			cmp -s "$(dirname "$rpm_readme")/docs/$f" "$T/tree/docs/$f" || return 1
	done
}
check "docs/*.md beside the README in both, identical to the tree's" "missing or different" docs_same
check "the .deb depends on dkms" "$(dpkg-deb -f "$DEB" Depends)" \
	grep -qE '(^|, )dkms( |,|$)' <(dpkg-deb -f "$DEB" Depends)
rpm -qp --requires "$RPM" 2>/dev/null | sed 's/ .*//' | sort -u >"$T/rpm.requires"
check "the .rpm requires dkms, kernel-devel, make and gcc" "requires: $(tr '\n' ' ' <"$T/rpm.requires")" \
	test "$(grep -cxE 'dkms|kernel-devel|make|gcc' "$T/rpm.requires")" = 4
# scriptlet NAME: the body of one scriptlet of the .rpm, on one line
rpm -qp --scripts "$RPM" >"$T/rpm.scripts" 2>/dev/null
scriptlet() { sed -n "/^$1 scriptlet/,/^[a-z]* scriptlet/p" "$T/rpm.scripts" | sed '1d;/scriptlet/d' | tr '\n\t' '  '; }
post=$(scriptlet postinstall)
check "the .rpm's %post runs dkms add and dkms install with --rpm_safe_upgrade" "%post: $post" \
	grep -q "dkms add -m $NAME -v $VERSION --rpm_safe_upgrade.*dkms install -m $NAME -v $VERSION --rpm_safe_upgrade" <<<"$post"
preun=$(scriptlet preuninstall)
check "the .rpm's %preun runs dkms remove --all --rpm_safe_upgrade only when \$1 = 0" "%preun: $preun" \
	grep -q "if \\[ \"\$1\" -eq 0 \\]; then *dkms remove -m $NAME -v $VERSION --all --rpm_safe_upgrade[^;]*fi *\$" <<<"$preun"


# ---------------------------------------------------------------- the tool
mkdir -p "$T/tdeb" "$T/trpm"
dpkg-deb -x "$TDEB" "$T/tdeb"
(cd "$T/trpm" && rpm2cpio "$TRPM" | cpio -idm --quiet)
# "MODE PATH" of the regular files, the .deb's /lib as /usr/lib, the man
# page without .gz; Debian's own (changelog, copyright, lintian overrides)
# and rpm's build-id links apart
tfiles() {
	(cd "$1" && find . \( -type f -o -type l \) -printf '%m %P\n') |
		sed -E 's# lib/# usr/lib/#; s#\.gz$##' |
		grep -vE ' usr/share/doc/[^/]+/(changelog\.gz|changelog|copyright)$| usr/share/lintian/| usr/lib/\.build-id/' |
		sort -k2
}
tfiles "$T/tdeb" >"$T/tdeb.files"
tfiles "$T/trpm" >"$T/trpm.files"
if diff -u "$T/tdeb.files" "$T/trpm.files" >"$T/tfiles.diff"; then
	ok "the tool's .deb and .rpm ship the same $(wc -l <"$T/tdeb.files") files with the same modes"
else
	sed 's/^/# /' "$T/tfiles.diff"
	fail "the tool's .deb and .rpm ship the same files" "they differ (- .deb, + .rpm)"
fi
want="755 usr/sbin/dax-kmem-atomic
644 usr/share/man/man8/dax-kmem-atomic.8
644 usr/lib/udev/rules.d/95-dax-kmem-atomic.rules
644 usr/lib/systemd/system/dax-kmem-atomic-apply@.service
644 usr/share/doc/dax-kmem-atomic/examples/example.conf"
check "the tool's package has the command, man page, udev rule, unit and example" \
	"$(tr '\n' ' ' <"$T/tdeb.files")" test "$(sort -k2 <<<"$want")" = "$(cat "$T/tdeb.files")"
# tfile ROOT PATH: a file's content (the .deb's /lib, compressed man pages)
tfile() {
	local f
	for f in "$1/$2" "$1/$2.gz" "$1/${2#usr/}"; do
		[ -e "$f" ] && break
	done
	zcat -f "$f"
}
same=1
for pair in "usr/share/man/man8/dax-kmem-atomic.8 tool/dax-kmem-atomic.8" \
	"usr/lib/udev/rules.d/95-dax-kmem-atomic.rules tool/95-dax-kmem-atomic.rules" \
	"usr/lib/systemd/system/dax-kmem-atomic-apply@.service tool/dax-kmem-atomic-apply@.service" \
	"usr/share/doc/dax-kmem-atomic/examples/example.conf tool/example.conf"; do
	read -r f src <<<"$pair"
	if ! cmp -s <(tfile "$T/tdeb" "$f") "$REPO_DIR/$src" || ! cmp -s <(tfile "$T/trpm" "$f") "$REPO_DIR/$src"; then
		echo "# differs: /$f (tree: $src)"
		same=0
	fi
done
check "the man page, udev rule, unit and example are the tree's, byte for byte, in both" "some differ" test $same = 1
check "/etc/dax-kmem-atomic.d/ in both, empty (no policy: the hook does nothing)" "missing or not empty" \
	test -d "$T/tdeb/etc/dax-kmem-atomic.d" -a -d "$T/trpm/etc/dax-kmem-atomic.d" -a \
	-z "$(find "$T/tdeb/etc/dax-kmem-atomic.d" "$T/trpm/etc/dax-kmem-atomic.d" -mindepth 1)"
dver=$("$T/tdeb/usr/sbin/dax-kmem-atomic" --version 2>&1) || true
rver=$("$T/trpm/usr/sbin/dax-kmem-atomic" --version 2>&1) || true
check "both binaries run: --version says $VERSION" ".deb: '$dver', .rpm: '$rver'" \
	test "$dver" = "dax-kmem-atomic $VERSION" -a "$rver" = "dax-kmem-atomic $VERSION"
check "both binaries print the same --help" "they differ" \
	cmp -s <("$T/tdeb/usr/sbin/dax-kmem-atomic" --help) <("$T/trpm/usr/sbin/dax-kmem-atomic" --help)
check "the tool's .deb depends on libkmod2 and recommends $PKG (= $VERSION)" \
	"Depends: $(dpkg-deb -f "$TDEB" Depends); Recommends: $(dpkg-deb -f "$TDEB" Recommends)" \
	test -n "$(dpkg-deb -f "$TDEB" Depends | grep -E '(^|, )libkmod2( |,|$)')" -a \
	"$(dpkg-deb -f "$TDEB" Recommends)" = "$PKG (= $VERSION)"
check "the tool's .rpm requires libkmod.so.2 and recommends $PKG" \
	"$(rpm -qp --requires --recommends "$TRPM" 2>/dev/null | tr '\n' ' ')" \
	test -n "$(rpm -qp --requires "$TRPM" 2>/dev/null | grep '^libkmod.so.2')" -a \
	-n "$(rpm -qp --recommends "$TRPM" 2>/dev/null | grep "^$PKG = $VERSION")"

# ---------------------------------------------------------------- install
if ! is_root; then
	fail "install in a bookworm chroot" "needs root (chroot, mount)"
	summary
	exit 1
fi

install_test() {
	local chroot kdir ko status log
	MERGED=""
	"$HARNESS_DIR/fetch-kernel.sh" "$KNAME" >"$T/fetch.log" 2>&1 ||
		{ sed 's/^/# /' "$T/fetch.log" | tail -n 20; fail "fetch kernel $KNAME" "tests/harness/fetch-kernel.sh failed"; return; }
	# shellcheck disable=SC1090
	. "$DKA_CACHE/kernels/$KNAME.env"
	[ "$CHROOT_SUITE" = bookworm ] ||
		{ fail "install in a bookworm chroot" "kernel $KNAME is built in $CHROOT_SUITE"; return; }
	chroot=$("$HARNESS_DIR/chroot.sh" bookworm 2>"$T/chroot.log") ||
		{ sed 's/^/# /' "$T/chroot.log" | tail -n 20; fail "bookworm chroot" "tests/harness/chroot.sh failed"; return; }

	inchroot() {
		chroot "$MERGED" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C \
			DEBIAN_FRONTEND=noninteractive "$@"
	}
	# mount_root LOWERDIRS UPPER: an overlay at $MERGED (a new directory)
	# with /proc and the kept apt downloads; the lower layers stay as they
	# are, every change lands in UPPER. Mounted under build.sh's lock on the
	# chroot, so not in the middle of its header unpacking.
	mount_root() {
		MERGED=$(mktemp -d "$T/root.XXXXXX")
		mkdir -p "$2" "$2.work"
		(
			flock 9
			mount -t overlay overlay -o "lowerdir=$1,upperdir=$2,workdir=$2.work" "$MERGED"
		) 9>"$chroot.lock" || return 1
		MOUNTS+=("$MERGED")
		mount -t proc proc "$MERGED/proc" && MOUNTS+=("$MERGED/proc")
		mkdir -p "$DKA_CACHE/pkg-test/apt-archives/partial"
		mount --bind "$DKA_CACHE/pkg-test/apt-archives" "$MERGED/var/cache/apt/archives" &&
			MOUNTS+=("$MERGED/var/cache/apt/archives")
	}
	umount_root() {
		local i keep=()
		for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
			case "${MOUNTS[$i]}" in
			"$MERGED" | "$MERGED"/*) umount "${MOUNTS[$i]}" ;;
			*) keep=("${MOUNTS[$i]}" "${keep[@]}") ;;
			esac
		done
		MOUNTS=("${keep[@]}")
	}
	# With the chroot's apt lists, else (none, or too old for the
	# archive) after an apt-get update.
	apt_install() {
		{ inchroot apt-get install -y --no-install-recommends "$@" >>"$T/apt.log" 2>&1; } ||
			{ echo "# apt-get install failed: apt-get update and again"
				inchroot apt-get update >>"$T/apt.log" 2>&1 &&
				inchroot apt-get install -y --no-install-recommends "$@" >>"$T/apt.log" 2>&1; }
	}

	# 1. What a user has first: the kernel's headers (as packages) and
	# dkms. Installed once into a layer of our own over the cached chroot,
	# $DKA_CACHE/pkg-test/layer-bookworm-KVER, made again when the chroot's
	# packages or the headers change (the layer's dpkg status would hide
	# the chroot's).
	local layer=$DKA_CACHE/pkg-test/layer-bookworm-$KVER key t0=$SECONDS d hdrs=()
	key=$({ cat "$chroot/var/lib/dpkg/status"; echo "$HDR_DEBS"; echo layer-v1; } | sha256sum | cut -c1-16)
	mkdir -p "$DKA_CACHE/pkg-test"
	exec 7>"$layer.lock"
	flock 7
	if [ "$(cat "$layer/.key" 2>/dev/null)" != "$key" ]; then
		rm -rf "$layer"
		mount_root "$chroot" "$layer/upper" ||
			{ fail "chroot: kernel $KVER headers and dkms installed" "cannot mount an overlay on $chroot"; return; }
		cp /etc/resolv.conf "$MERGED/etc/resolv.conf" 2>/dev/null || true
		# No fsync per file: a cache, made again when in doubt.
		echo 'force-unsafe-io' >"$MERGED/etc/dpkg/dpkg.cfg.d/dka-pkg-test"
		mkdir -p "$MERGED/tmp/dka-debs"
		# shellcheck disable=SC2086
		cp $HDR_DEBS "$MERGED/tmp/dka-debs/"
		for d in $HDR_DEBS; do hdrs+=("/tmp/dka-debs/$(basename "$d")"); done
		if ! apt_install "${hdrs[@]}" dkms; then
			sed 's/^/# /' "$T/apt.log" | tail -n 20
			fail "chroot: kernel $KVER headers and dkms installed" "apt-get install failed"
			umount_root
			return
		fi
		rm -rf "$MERGED/tmp/dka-debs"
		umount_root
		rm -rf "$layer/upper.work"
		echo "$key" >"$layer/.key"
		ok "chroot: kernel $KVER headers and dkms installed ($((SECONDS - t0)) s, kept in $layer)"
	else
		ok "chroot: kernel $KVER headers and dkms installed (kept in $layer)"
	fi

	# This run's root: our layer over the chroot, its changes in $T.
	mount_root "$layer/upper:$chroot" "$T/upper" ||
		{ fail "install in a bookworm chroot" "cannot mount an overlay on $layer/upper:$chroot"; return; }
	# in use: a run that would make the layer again waits for this one
	flock -s 7
	# Only this kernel: hide the others the harness unpacked (headers that
	# are no packages), so that dkms builds for KVER alone.
	find "$MERGED/lib/modules" -mindepth 1 -maxdepth 1 ! -name "$KVER" -exec rm -rf {} +
	rm -f "$MERGED/boot/"vmlinuz-*
	# The kernel's /boot files, as an installed kernel has them (the BTF
	# layout check reads vmlinuz).
	mkdir -p "$MERGED/boot" "$MERGED/tmp/dka-debs"
	cp "$VMLINUZ" "$MERGED/boot/vmlinuz-$KVER"
	cp "$CONFIG" "$MERGED/boot/config-$KVER"
	cp "$SYSMAP" "$MERGED/boot/System.map-$KVER"
	cp "$DEB" "$TDEB" "$MERGED/tmp/dka-debs/"

	# 2. The package; its postinst has dkms build and install the module.
	log=$T/install.log
	t0=$SECONDS
	if inchroot apt-get install -y --no-install-recommends "/tmp/dka-debs/$(basename "$DEB")" \
		"/tmp/dka-debs/$(basename "$TDEB")" >"$log" 2>&1; then
		ok "chroot: apt-get install $(basename "$DEB") $(basename "$TDEB") (DKMS build included: $((SECONDS - t0)) s)"
	else
		sed 's/^/# /' "$log" | tail -n 30
		find "$MERGED/var/lib/dkms/$NAME/$VERSION" -name make.log -exec tail -n 20 {} + 2>/dev/null | sed 's/^/# make.log: /'
		fail "chroot: apt-get install $(basename "$DEB")" "failed (output above)"
		return
	fi
	sed -n '/Building for/,/DKMS: install completed/p' "$log" | sed 's/^/# postinst: /'
	status=$(inchroot dkms status -m "$NAME" -v "$VERSION" -k "$KVER" 2>&1)
	check "dkms status: $NAME/$VERSION installed for $KVER" "$status" \
		grep -q "installed" <<<"$status"
	kdir=$MERGED/lib/modules/$KVER/updates/dkms
	ko=$(find "$kdir" -name 'dax_kmem_atomic.ko*' 2>/dev/null | head -n 1) || true
	if [ -n "$ko" ]; then
		ok "/lib/modules/$KVER/updates/dkms/$(basename "$ko") exists"
		local mver vmagic
		mver=$(inchroot modinfo -F version "${ko#"$MERGED"}" 2>&1)
		vmagic=$(inchroot modinfo -F vermagic "${ko#"$MERGED"}" 2>&1)
		check "modinfo: version $VERSION" "version is '$mver'" test "$mver" = "$VERSION"
		check "modinfo: vermagic of $KVER" "vermagic is '$vmagic'" test "${vmagic%% *}" = "$KVER"
	else
		fail "/lib/modules/$KVER/updates/dkms/dax_kmem_atomic.ko exists" "not there: $(ls "$kdir" 2>&1)"
	fi
	# dkms keeps the build's log as .../VERSION/KVER/ARCH/log/make.log
	local makelog
	makelog=$(find "$MERGED/var/lib/dkms/$NAME/$VERSION/$KVER" -name make.log 2>/dev/null | head -n 1) || true
	grep -s "LAYOUT" "$makelog" | sed 's/^/# make.log: /'
	check "the DKMS build verified the dax structure layout against $KVER's BTF" \
		"no 'verified' LAYOUT line in ${makelog:-make.log (not found)}" \
		grep -qs "LAYOUT .* verified against the BTF of $KVER" "$makelog"
	local conffiles
	# shellcheck disable=SC2016 # a dpkg-query format
	conffiles=$(inchroot dpkg-query -W -f='${Conffiles}\n' "$PKG" 2>&1)
	check "/$MODPROBE installed, registered as a conffile" "conffiles: $conffiles" \
		test -f "$MERGED/$MODPROBE" -a -n "$(grep "^ /$MODPROBE " <<<"$conffiles")"

	# The command, installed: its help, and list without a dax bus (the
	# chroot has no /sys).
	local out rc
	rc=0
	out=$(inchroot dax-kmem-atomic --help 2>&1) || rc=$?
	check "chroot: dax-kmem-atomic --help (exit 0)" "exit $rc: $(head -n 2 <<<"$out" | tr '\n' ' ')" \
		test "$rc" = 0 -a -n "$(grep '^Exit status:' <<<"$out")"
	rc=0
	out=$(inchroot dax-kmem-atomic list 2>&1) || rc=$?
	echo "# dax-kmem-atomic list: $out"
	check "chroot: dax-kmem-atomic list without /sys says there is no dax bus (exit 2)" "exit $rc: $out" \
		test "$rc" = 2 -a -n "$(grep 'no dax bus' <<<"$out")"
	check "chroot: man -w dax-kmem-atomic finds its man page" "not found" \
		test -e "$MERGED/usr/share/man/man8/dax-kmem-atomic.8.gz"

	# 3. Purge: the module, dkms's tree, the sources, the conffile go.
	if inchroot apt-get purge -y "$PKG" "$NAME" >"$T/purge.log" 2>&1; then
		ok "chroot: apt-get purge $PKG $NAME"
	else
		sed 's/^/# /' "$T/purge.log" | tail -n 20
		fail "chroot: apt-get purge $PKG" "failed"
	fi
	status=$(inchroot dkms status -m "$NAME" 2>&1)
	check "after purge: dkms knows no $NAME" "dkms status: $status" test -z "$status"
	check "after purge: no /var/lib/dkms/$NAME" "still there" test ! -e "$MERGED/var/lib/dkms/$NAME"
	check "after purge: no dax_kmem_atomic.ko for $KVER" "$(ls "$kdir" 2>&1)" \
		test -z "$(find "$MERGED/lib/modules/$KVER" -name 'dax_kmem_atomic.ko*')"
	check "after purge: no /$USRSRC" "still there" test ! -e "$MERGED/$USRSRC"
	check "after purge: no /$MODPROBE" "still there" test ! -e "$MERGED/$MODPROBE"
	check "after purge: no dax-kmem-atomic command, rule, unit or policy directory" "still there" \
		test ! -e "$MERGED/usr/sbin/dax-kmem-atomic" -a ! -e "$MERGED/lib/udev/rules.d/95-dax-kmem-atomic.rules" \
		-a ! -e "$MERGED/lib/systemd/system/dax-kmem-atomic-apply@.service" -a ! -e "$MERGED/etc/dax-kmem-atomic.d"
	# shellcheck disable=SC2016 # a dpkg-query format
	status=$(inchroot dpkg-query -W -f='${db:Status-Status}' "$PKG" 2>/dev/null) || true
	check "after purge: dpkg has no trace of $PKG (not even config-files)" "status: $status" \
		test -z "$status" -o "$status" = not-installed

	rpm_install_test "$layer/upper:$chroot"
}

# rpm_install_test LOWERDIRS: the .rpm packages installed for real, with
# Debian's rpm into a fresh root over the same layers (rpm --root runs the
# scriptlets chrooted there, with that root's dkms): --nodeps, since the
# root's rpm database knows none of its Debian packages. The running kernel
# (uname -r, the host's) has no headers in the root, so %post adds the
# module to dkms and builds nothing, as on a machine without kernel-devel
# for the running kernel; the DKMS build itself is the .deb's above (same
# payload). Then an upgrade to 9.9.9 (%pre removes the old version from
# dkms; the old %preun, $1 = 1, must not remove the new one), an edited
# modprobe.d file, and the erase.
rpm_install_test() {
	local R status out v9rpm log=$T/rpm-install.log
	umount_root
	mount_root "$1" "$T/upper-rpm" ||
		{ fail "rpm: a fresh root" "cannot mount an overlay on $1"; return; }
	R=$MERGED
	rpmr() { rpm --root "$R" "$@"; }
	if rpmr --initdb && rpmr -i --nodeps "$RPM" "$TRPM" >"$log" 2>&1; then
		ok "rpm -i --nodeps $(basename "$RPM") $(basename "$TRPM") (scriptlets run in the root)"
	else
		sed 's/^/# /' "$log" | tail -n 20
		fail "rpm -i $(basename "$RPM") $(basename "$TRPM")" "failed (output above)"
		return
	fi
	out=$(rpmr -q "$PKG" "$NAME" 2>&1)
	check "rpm -q: $PKG and $NAME $VERSION installed" "$(tr '\n' ' ' <<<"$out")" \
		test "$(grep -c -- "-$VERSION-" <<<"$out")" = 2
	status=$(inchroot dkms status -m "$NAME" 2>&1)
	check "rpm %post: dkms add ran ($NAME/$VERSION added; no headers for the running kernel, nothing built)" \
		"dkms status: $status" test "$(grep -c . <<<"$status")" = 1 -a -n "$(grep "$VERSION.*added" <<<"$status")"
	check "rpm: /$USRSRC and /$MODPROBE in place" "missing" test -d "$R/$USRSRC" -a -f "$R/$MODPROBE"
	out=$(inchroot dax-kmem-atomic --version 2>&1) || true
	check "rpm: the installed command runs (--version)" "'$out'" test "$out" = "$NAME $VERSION"

	# An upgrade: the same tree as version 9.9.9, built as make pkg does.
	mkdir -p "$T/rpmup/SOURCES"
	tar -C "$T/rpmup" -xzf "$DIST/$NAME-$VERSION.tar.gz"
	mv "$T/rpmup/$NAME-$VERSION" "$T/rpmup/$NAME-9.9.9"
	sed -i 's/^PACKAGE_VERSION=".*"$/PACKAGE_VERSION="9.9.9"/' "$T/rpmup/$NAME-9.9.9/dkms.conf"
	tar -C "$T/rpmup" -czf "$T/rpmup/SOURCES/$NAME-9.9.9.tar.gz" "$NAME-9.9.9"
	if rpmbuild -bb --nodeps --define "_topdir $T/rpmup" --define "dka_version 9.9.9" \
		"$REPO_DIR/rpm/$NAME.spec" >"$T/rpmup.log" 2>&1; then
		v9rpm=$(ls "$T/rpmup/RPMS/noarch/$PKG-9.9.9-"*.noarch.rpm)
	else
		sed 's/^/# /' "$T/rpmup.log" | tail -n 20
		fail "rpm: build $PKG 9.9.9 for the upgrade" "rpmbuild failed"
		return
	fi
	if rpmr -U --nodeps "$v9rpm" >>"$log" 2>&1; then
		ok "rpm -U $(basename "$v9rpm")"
	else
		sed 's/^/# /' "$log" | tail -n 20
		fail "rpm -U $(basename "$v9rpm")" "failed (output above)"
		return
	fi
	status=$(inchroot dkms status -m "$NAME" 2>&1)
	check "after the upgrade: dkms has $NAME/9.9.9 alone (%pre removed $VERSION, the old %preun left 9.9.9)" \
		"dkms status: $status" test "$(grep -c . <<<"$status")" = 1 -a -n "$(grep '9\.9\.9.*added' <<<"$status")"
	check "after the upgrade: /$USRSRC gone, /usr/src/$NAME-9.9.9 there" "$(ls "$R/usr/src")" \
		test ! -e "$R/$USRSRC" -a -d "$R/usr/src/$NAME-9.9.9"

	# Erase, with the modprobe.d file edited (a user enabling replace
	# mode): rpm keeps the edit as .rpmsave.
	sed -i 's/^#blacklist kmem/blacklist kmem/' "$R/$MODPROBE"
	if rpmr -e "$PKG" "$NAME" >>"$log" 2>&1; then
		ok "rpm -e $PKG $NAME"
	else
		sed 's/^/# /' "$log" | tail -n 20
		fail "rpm -e $PKG $NAME" "failed (output above)"
	fi
	status=$(inchroot dkms status -m "$NAME" 2>&1)
	check "after rpm -e: dkms knows no $NAME, no /var/lib/dkms/$NAME" "dkms status: $status" \
		test -z "$status" -a ! -e "$R/var/lib/dkms/$NAME"
	check "after rpm -e: no /usr/src/$NAME-*, no command" "$(ls -d "$R/usr/src/$NAME"-* "$R/usr/sbin/$NAME" 2>&1)" \
		test -z "$(find "$R/usr/src" -maxdepth 1 -name "$NAME-*")" -a ! -e "$R/usr/sbin/$NAME"
	check "after rpm -e: the edited /$MODPROBE kept as .rpmsave" "$(ls "$R/etc/modprobe.d")" \
		test ! -e "$R/$MODPROBE" -a -n "$(grep -x 'blacklist kmem' "$R/$MODPROBE.rpmsave" 2>/dev/null)"
}
install_test

summary
[ "$KTAP_FAIL" = 0 ]

#!/bin/bash
# pkg/build.sh [OUTDIR] (make pkg): build the packages, dax-kmem-atomic-dkms (the
# module's source) and dax-kmem-atomic (the command), as .debs
# (dpkg-buildpackage -us -uc -b) and .rpms (rpmbuild -bb), from a copy of
# this tree in a temporary directory, so nothing lands in the tree.
# OUTDIR (default: dist/ at the top of the tree) receives
#   dax-kmem-atomic-dkms_VERSION_all.deb   and the .changes/.buildinfo
#   dax-kmem-atomic_VERSION_ARCH.deb
#   dax-kmem-atomic-dkms-VERSION-1.noarch.rpm
#   dax-kmem-atomic-VERSION-1.ARCH.rpm
#   dax-kmem-atomic-VERSION.tar.gz         the source tarball the .rpms are built from
# rpmbuild runs with --nodeps: Debian's rpm database knows none of the
# build dependencies (libkmod-dev, gcc, make) that dpkg installed.
# VERSION is PACKAGE_VERSION in dkms.conf, the one place it lives.
# Installs debhelper, dh-dkms and rpm with apt-get when root.
set -euo pipefail
. "$(dirname "$0")/../tests/harness/common.sh"

OUT=${1:-$REPO_DIR/dist}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

VERSION=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$REPO_DIR/dkms.conf")
[ -n "$VERSION" ] || die "no PACKAGE_VERSION=\"...\" line in dkms.conf"

need_cmd dpkg-buildpackage dpkg-dev
need_cmd fakeroot fakeroot
need_cmd dh debhelper
need_pkg dh-dkms
need_pkg libkmod-dev
need_pkg pkg-config
need_cmd rpmbuild rpm

TMP=$(mktemp -d /tmp/dka-pkg.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
TREE=dax-kmem-atomic-$VERSION
mkdir -p "$TMP/$TREE" "$TMP/rpm/SOURCES"
copy_tree "$REPO_DIR" "$TMP/$TREE"

# The source tarball, before the Debian build touches the copy.
tar -C "$TMP" --sort=name --owner=0 --group=0 --numeric-owner \
	-czf "$TMP/rpm/SOURCES/$TREE.tar.gz" "$TREE"

log "building the .deb (dpkg-buildpackage -us -uc -b)"
(cd "$TMP/$TREE" && dpkg-buildpackage -us -uc -b) >"$TMP/deb.log" 2>&1 ||
	{ tail -n 30 "$TMP/deb.log" >&2; die "dpkg-buildpackage failed"; }

log "building the .rpm (rpmbuild -bb)"
rpmbuild -bb --nodeps --define "_topdir $TMP/rpm" --define "dka_version $VERSION" \
	"$TMP/$TREE/rpm/dax-kmem-atomic.spec" >"$TMP/rpm.log" 2>&1 ||
	{ tail -n 30 "$TMP/rpm.log" >&2; die "rpmbuild failed"; }

rm -f "$OUT"/dax-kmem-atomic*
cp "$TMP"/dax-kmem-atomic-dkms_*.deb "$TMP"/dax-kmem-atomic_*.deb "$TMP"/dax-kmem-atomic_*.changes \
	"$TMP"/dax-kmem-atomic_*.buildinfo "$TMP"/rpm/RPMS/*/*.rpm \
	"$TMP/rpm/SOURCES/$TREE.tar.gz" "$OUT"/
# the tool's debug symbols (.changes lists them)
for f in "$TMP"/dax-kmem-atomic-dbgsym_*.deb; do [ -e "$f" ] && cp "$f" "$OUT"/; done
log "packages of dax-kmem-atomic $VERSION in $OUT:"
(cd "$OUT" && ls -1 dax-kmem-atomic*) | sed "s|^|$OUT/|"

#!/bin/bash
# fetch-daxctl.sh SUITE: download daxctl of Debian suite SUITE with every
# library it needs (the C library included: sid's daxctl 85 wants a newer
# glibc than bookworm's) and unpack them into one tree, never installed.
# The guest runs it through that tree's own loader (initramfs.sh packs it
# with a wrapper). Prints the tree's path; its VERSION file holds daxctl's
# version. Idempotent: a second run uses the cache.
set -euo pipefail
. "$(dirname "$0")/common.sh"

SUITE=${1:?usage: fetch-daxctl.sh SUITE}
need_cmd apt-get apt
need_cmd dpkg-deb dpkg

papt_init "$SUITE"
OUT="$DKA_CACHE/daxctl/$SUITE"
# one fetch at a time (run.sh boots two kernels in replace mode at once)
mkdir -p "$DKA_CACHE/daxctl"
exec 9>"$DKA_CACHE/daxctl/.lock-$SUITE"
flock 9
if [ -e "$OUT/.unpacked" ] && [ "${DKA_REFRESH:-0}" != 1 ]; then
	echo "$OUT"
	exit 0
fi
papt_update

# daxctl and the packages it depends on, transitively (real packages only).
mapfile -t PKGS < <(acache depends --recurse --no-recommends --no-suggests \
	--no-conflicts --no-breaks --no-replaces --no-enhances daxctl 2>/dev/null |
	grep -E '^[a-z0-9]' | grep -v '^<' | sort -u)
[ ${#PKGS[@]} -gt 1 ] || die "cannot resolve the dependencies of daxctl in $SUITE"
# Pieces of the base system the C library does not need here.
mapfile -t PKGS < <(printf '%s\n' "${PKGS[@]}" |
	grep -vxE 'debconf|perl-base|dpkg|tar|base-files|sensible-utils|usrmerge|debianutils|adduser|passwd|login|mount|util-linux|libpam.*|cdebconf|init-system-helpers|systemd.*|udev|ndctl|kmod|mawk|coreutils|bash|dash|gcc-[0-9]+-base')
tmpl=$(mktemp)
trap 'rm -f "$tmpl"' EXIT
download "${PKGS[@]}" >"$tmpl"
mapfile -t DEBS <"$tmpl"

rm -rf "$OUT.tmp"
mkdir -p "$OUT.tmp"
for d in "${DEBS[@]}"; do
	dpkg-deb -x "$d" "$OUT.tmp"
done
[ -x "$OUT.tmp/usr/bin/daxctl" ] || die "no usr/bin/daxctl in the $SUITE packages"
acache policy daxctl | awk '/Candidate:/ {print $2}' >"$OUT.tmp/VERSION"
touch "$OUT.tmp/.unpacked"
rm -rf "$OUT"
mv "$OUT.tmp" "$OUT"
log "daxctl $(cat "$OUT/VERSION") of $SUITE with ${#DEBS[@]} packages in $OUT"
echo "$OUT"

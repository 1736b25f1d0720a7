#!/bin/bash
# initramfs.sh NAME [--driver kmem|dax_kmem_atomic|replace] [--out FILE]
# Pack a busybox-static initramfs (uncompressed newc cpio) for kernel NAME:
# busybox applets, the kernel's dax/kmem modules and their dependencies, a
# depmod'ed /lib/modules/KVER, our .ko files (when built), daxctl with its
# libraries, tests/guest/* and the static sysfs-write helper.
# --driver replace (our module in place of kmem, for daxctl) also packs
# kmod's real modprobe (busybox's knows no install/softdep rules), our
# conf/dax-kmem-atomic.conf as /etc/modprobe.d/ with its lines enabled,
# and sid's daxctl with its own libraries as /bin/daxctl-sid.
# Prints the path of the cpio.
set -euo pipefail
. "$(dirname "$0")/common.sh"

NAME=${1:?usage: initramfs.sh NAME [--driver kmem|dax_kmem_atomic|replace] [--out FILE]}
shift
DRIVER=dax_kmem_atomic
OUT=""
while [ $# -gt 0 ]; do
	case "$1" in
	--driver) DRIVER=$2; shift 2 ;;
	--out) OUT=$2; shift 2 ;;
	*) die "initramfs.sh: unknown argument $1" ;;
	esac
done
case "$DRIVER" in kmem | dax_kmem_atomic | replace) ;; *) die "unknown driver $DRIVER" ;; esac

"$HARNESS_DIR/fetch-kernel.sh" "$NAME" >&2
# shellcheck disable=SC1090
. "$DKA_CACHE/kernels/$NAME.env"

need_pkg busybox-static
need_cmd cpio cpio
need_cmd daxctl daxctl
need_cmd gcc gcc
need_cmd modprobe kmod
need_pkg libc6-dev
need_cmd zstd zstd
BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] || BUSYBOX=$(command -v busybox)
if ldd "$BUSYBOX" >/dev/null 2>&1; then
	die "$BUSYBOX is not static: apt-get install busybox-static"
fi

BUILD_DIR="$DKA_CACHE/build/$KVER${DKA_BUILD_FLAVOR:+-$DKA_BUILD_FLAVOR}"
# The tree is built in a directory of this process (runs for the same kernel
# may overlap) and kept, for a look, as initramfs/KVER-DRIVER[-FLAVOR]
# afterwards (a flavour's tree, e.g. tests/dkms-test.sh's, apart).
KEEP="$DKA_CACHE/initramfs/$KVER-$DRIVER${DKA_BUILD_FLAVOR:+-$DKA_BUILD_FLAVOR}"
WORK="$KEEP.tmp$$"
[ -n "$OUT" ] || OUT="$KEEP.cpio"
rm -rf "$WORK"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK"/{bin,dev,proc,sys,tmp,run,etc,lib/modules/"$KVER",lib64,usr,dka,root}
ln -s bin "$WORK/sbin"
ln -s ../bin "$WORK/usr/bin"
ln -s ../bin "$WORK/usr/sbin"
ln -s ../lib "$WORK/usr/lib"

# busybox and its applet links
cp "$BUSYBOX" "$WORK/bin/busybox"
for a in $("$BUSYBOX" --list); do
	[ "$a" = busybox ] || ln -sf busybox "$WORK/bin/$a"
done

# static guest tools, one per tests/harness/progs/*.c, cached by the content
# of the source and tools.h (trees that share the cache, worktrees of other
# branches, each get their own build; by modification time they rebuilt
# each other's)
mkdir -p "$DKA_CACHE/progs"
for TOOL_SRC in "$HARNESS_DIR"/progs/*.c; do
	TOOL=$(basename "$TOOL_SRC" .c)
	TOOL_BIN="$DKA_CACHE/progs/$TOOL-$(cat "$TOOL_SRC" "$HARNESS_DIR/progs/tools.h" | sha256sum | cut -c1-12)"
	if [ ! -x "$TOOL_BIN" ]; then
		gcc -static -O2 -Wall -Wextra -Werror -o "$TOOL_BIN.tmp$$" "$TOOL_SRC"
		mv "$TOOL_BIN.tmp$$" "$TOOL_BIN"
	fi
	cp "$TOOL_BIN" "$WORK/bin/$TOOL"
done

# copy_bin FILE: a host binary and the libraries ldd lists (+ the loader)
copy_bin() {
	local f=$1 lib
	cp -L "$f" "$WORK/bin/"
	for lib in $(ldd "$f" | grep -oE '/[^ ]+'); do
		mkdir -p "$WORK$(dirname "$lib")"
		cp -L "$lib" "$WORK$lib"
	done
}
copy_bin "$(command -v daxctl)"

# the dax-kmem-atomic command (make tool, on the host: one build at a time
# in the tree), its udev rule, and udev itself to run the rule (t-cli-boot)
need_pkg libkmod-dev
need_pkg pkg-config
need_cmd udevadm udev
(flock 9 && make -s -C "$REPO_DIR" tool >&2) 9>"$DKA_CACHE/tool-build.lock" || die "make tool failed"
copy_bin "$REPO_DIR/tool/dax-kmem-atomic"
copy_bin "$(command -v udevadm)"
copy_bin /lib/systemd/systemd-udevd
mkdir -p "$WORK/lib/udev/rules.d" "$WORK/etc/udev"
cp "$REPO_DIR/tool/95-dax-kmem-atomic.rules" "$WORK/lib/udev/rules.d/"

# the kernel's own modules and their dependencies, decompressed
MODS="dax_hmem device_dax kmem"
for m in $MODS; do
	modprobe -d "$ROOT" -S "$KVER" --show-depends "$m" || die "modprobe cannot resolve $m for $KVER"
done | awk '$1 == "insmod" {print $2}' | sort -u | while read -r ko; do
	rel=${ko#*/lib/modules/"$KVER"/}
	dest="$WORK/lib/modules/$KVER/${rel%.xz}"
	dest=${dest%.zst}
	dest=${dest%.gz}
	mkdir -p "$(dirname "$dest")"
	decompress_ko "$ko" "$dest"
done
for f in modules.order modules.builtin modules.builtin.modinfo; do
	[ -e "$MODDIR/$f" ] && cp "$MODDIR/$f" "$WORK/lib/modules/$KVER/"
done

# our modules, when built for this kernel
if [ -d "$BUILD_DIR" ]; then
	mkdir -p "$WORK/lib/modules/$KVER/extra"
	for ko in "$BUILD_DIR"/*.ko; do
		# the oracle boots the kernel's kmem alone: our module stays out
		[ "$DRIVER" = kmem ] && [ "$(basename "$ko")" = dax_kmem_atomic.ko ] && continue
		[ -e "$ko" ] && cp "$ko" "$WORK/lib/modules/$KVER/extra/"
	done
fi
if [ "$DRIVER" != kmem ] && [ ! -e "$WORK/lib/modules/$KVER/extra/dax_kmem_atomic.ko" ]; then
	die "dax_kmem_atomic.ko not built for $KVER (run tests/harness/build.sh $NAME)"
fi
# replace mode: the shipped modprobe.d file, enabled, read by kmod's own
# modprobe and by daxctl's libkmod; daxctl of sid beside bookworm's.
if [ "$DRIVER" = replace ]; then
	copy_bin "$(command -v kmod)"
	ln -sf kmod "$WORK/bin/modprobe"
	mkdir -p "$WORK/etc/modprobe.d"
	sed -E 's/^#(blacklist|install|softdep|options) /\1 /' "$REPO_DIR/conf/dax-kmem-atomic.conf" \
		>"$WORK/etc/modprobe.d/dax-kmem-atomic.conf"
	grep -q '^install kmem ' "$WORK/etc/modprobe.d/dax-kmem-atomic.conf" ||
		die "conf/dax-kmem-atomic.conf has no install kmem line to enable"
	SID=$("$HARNESS_DIR/fetch-daxctl.sh" sid)
	mkdir -p "$WORK/opt/daxctl-sid"
	tar -C "$SID" --exclude=./usr/share --exclude='./usr/lib/x86_64-linux-gnu/gconv' -cf - . |
		tar -C "$WORK/opt/daxctl-sid" -xf -
	cat >"$WORK/bin/daxctl-sid" <<-'EOS'
	#!/bin/sh
	# sid's daxctl, run by sid's own loader on sid's libraries
	R=/opt/daxctl-sid
	exec $R/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 \
		--library-path $R/usr/lib/x86_64-linux-gnu $R/usr/bin/daxctl "$@"
	EOS
	chmod +x "$WORK/bin/daxctl-sid"
fi
depmod -b "$WORK" -F "$SYSMAP" "$KVER" 2>&1 | grep -v 'No such file' >&2 || true
[ -s "$WORK/lib/modules/$KVER/modules.dep" ] || die "depmod produced no modules.dep"

# guest scripts
cp -r "$TESTS_DIR/guest/." "$WORK/dka/"
rm -rf "$WORK/dka/tools"
mv "$WORK/dka/init" "$WORK/init"
chmod +x "$WORK/init" "$WORK"/dka/*.sh 2>/dev/null || true
echo "$DRIVER" >"$WORK/dka/default-driver"
echo "$KVER" >"$WORK/dka/kver"

(cd "$WORK" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$OUT.tmp$$"
mv "$OUT.tmp$$" "$OUT"
rm -rf "$KEEP"
mv "$WORK" "$KEEP" 2>/dev/null || rm -rf "$WORK"
echo "$OUT"

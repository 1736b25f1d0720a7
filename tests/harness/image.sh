#!/bin/bash
# image.sh SUITE: build (once) and print the path of the image.env of a
# cached Debian SUITE system disk for tests/system-test.sh: a whole Debian
# booted by systemd, made with mmdebstrap from Debian's packages (systemd,
# udev, kmod, dkms, build-essential, the distro kernel and its matching
# headers, ndctl/daxctl), with no network in the guest and nothing of ours
# installed: the test installs our packages with apt.
#
# $DKA_CACHE/system/image/SUITE-HASH/ holds
#   root.img      raw ext4 file system (no partition table), label dka-root;
#                 boots as root=/dev/vda; never written by a test (each run
#                 boots a qcow2 overlay of it)
#   vmlinuz, initrd.img
#                 the image's own kernel and initramfs (Debian's
#                 initramfs-tools), copied out of its /boot for QEMU -kernel
#   image.env     SUITE, KVER, IMG, VMLINUZ, INITRD, BUILD_SECONDS
#   build.log     mmdebstrap's output
# HASH covers this script and the package list: a change to either builds a
# new image (old ones stay: remove them by hand). The .debs are kept in
# $DKA_CACHE/system/archives/SUITE, so a rebuild downloads only what changed.
#
# What the guest runs: dka-guest-run.service (enabled, only with dka.run=1 on
# the kernel command line) mounts the host directory QEMU shares over 9p
# (mount tag "dka") on /run/dka and runs its run.sh with bash; its output
# goes to the journal and the console. root has no password (serial console
# login for debugging; the guest has no network).
set -euo pipefail
. "$(dirname "$0")/common.sh"

SUITE=${1:?usage: image.sh SUITE (bookworm, trixie)}

# What the tests need besides Debian's essential packages and apt:
#   systemd-sysv udev kmod dkms build-essential  the product's runtime and DKMS
#   linux-image-amd64 linux-headers-amd64        the distro kernel and its headers
#   initramfs-tools                              the kernel's initramfs
#   ndctl daxctl                                 what users have beside us
#   xz-utils zstd                                our dkms package's Recommends
#                                                (apt in the guest has no network)
#   jq procps                                    the test script's tools
PACKAGES="systemd-sysv udev kmod dkms build-essential linux-image-amd64 linux-headers-amd64
initramfs-tools ndctl daxctl xz-utils zstd jq procps"
case "$SUITE" in
bookworm | trixie) ;;
*) die "no system image recipe for suite $SUITE (known: bookworm, trixie)" ;;
esac

HASH=$({ echo "$SUITE"; echo "$PACKAGES"; cat "$0"; } | sha256sum | cut -c1-12)
DIR="$DKA_CACHE/system/image/$SUITE-$HASH"
ARCHIVES="$DKA_CACHE/system/archives/$SUITE"

if [ -e "$DIR/.complete" ]; then
	echo "$DIR/image.env"
	exit 0
fi

is_root || die "building the system image needs root (mmdebstrap, mkfs)"
need_cmd mmdebstrap mmdebstrap
need_cmd mkfs.ext4 e2fsprogs
mkdir -p "$DKA_CACHE/system/image" "$ARCHIVES"
exec 9>"$DKA_CACHE/system/image/$SUITE.lock"
flock 9
if [ -e "$DIR/.complete" ]; then
	echo "$DIR/image.env"
	exit 0
fi

T0=$(date +%s)
# (a failed mmdebstrap may leave its mounts behind: never delete through them)
if findmnt -rn -o TARGET | grep -q "^$DIR/"; then
	die "file systems still mounted under $DIR (a failed build?): unmount them first"
fi
rm -rf --one-file-system "$DIR"
mkdir -p "$DIR"
ROOT="$DIR/root"
MIRROR=$(host_mirror)
SEC_MIRROR=$(host_security_mirror)
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
SOURCES=(
	"deb [signed-by=$KEYRING] $MIRROR $SUITE main"
	"deb [signed-by=$KEYRING] $MIRROR $SUITE-updates main"
	"deb [signed-by=$KEYRING] $SEC_MIRROR $SUITE-security main"
)

# The guest's runner: a unit and the script it starts. Only with dka.run=1,
# so the image boots as a plain system otherwise.
RUNNER_UNIT='[Unit]
Description=dax-kmem-atomic system test: run the script the host shares over 9p
ConditionKernelCommandLine=dka.run=1
After=multi-user.target

[Service]
# exec: started once running, so the script can wait for the boot to end
# (systemctl is-system-running --wait) without waiting for itself
Type=exec
ExecStart=/usr/local/sbin/dka-guest-run
# as in a root shell: a pipe reader that quits ends the writer quietly
# (systemd ignores SIGPIPE in services by default: dkms status then says
# "echo: write error: Broken pipe")
IgnoreSIGPIPE=no
StandardOutput=journal+console
StandardError=journal+console

[Install]
WantedBy=multi-user.target'
RUNNER_SCRIPT='#!/bin/sh
# dka-guest-run: mount the host share (9p, tag dka) on /run/dka and run its run.sh
set -e
modprobe -a 9pnet_virtio 9p
mkdir -p /run/dka
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=none dka /run/dka
exec bash /run/dka/run.sh'

printf '%s\n' "$RUNNER_UNIT" >"$DIR/dka-guest-run.service"
printf '%s\n' "$RUNNER_SCRIPT" >"$DIR/dka-guest-run"

log "mmdebstrap $SUITE system image (once; cached in $DIR; log: $DIR/build.log)"
# (the customize hooks run on the host with the chroot as $1)
# shellcheck disable=SC2016
nice -n "${DKA_NICE:-0}" mmdebstrap --mode=root --variant=apt --format=directory \
	--aptopt='APT::Install-Recommends "false"' \
	--include="${PACKAGES//$'\n'/ }" \
	--skip=essential/unlink \
	--setup-hook='mkdir -p "$1"/var/cache/apt/archives/' \
	--setup-hook="sync-in $ARCHIVES /var/cache/apt/archives/" \
	--customize-hook="sync-out /var/cache/apt/archives $ARCHIVES" \
	--customize-hook='echo dka-system >"$1/etc/hostname"' \
	--customize-hook='echo "LABEL=dka-root / ext4 errors=remount-ro 0 1" >"$1/etc/fstab"' \
	--customize-hook='sed -i "s/^root:[^:]*:/root::/" "$1/etc/shadow"' \
	--customize-hook="upload $DIR/dka-guest-run.service /etc/systemd/system/dka-guest-run.service" \
	--customize-hook="upload $DIR/dka-guest-run /usr/local/sbin/dka-guest-run" \
	--customize-hook='chmod 755 "$1/usr/local/sbin/dka-guest-run"' \
	--customize-hook='chroot "$1" systemctl enable dka-guest-run.service' \
	--customize-hook='for t in apt-daily.timer apt-daily-upgrade.timer man-db.timer e2scrub_all.timer fstrim.timer; do chroot "$1" systemctl mask "$t"; done' \
	--customize-hook='rm -f "$1"/var/cache/apt/archives/*.deb' \
	"$SUITE" "$ROOT" "${SOURCES[@]}" >"$DIR/build.log" 2>&1 ||
	{ tail -n 30 "$DIR/build.log" >&2; die "mmdebstrap $SUITE failed (log: $DIR/build.log)"; }

# The kernel the meta package pulled in, and its initramfs.
KVER=$(find "$ROOT/boot" -maxdepth 1 -name 'vmlinuz-*' -printf '%f\n' | sed 's/^vmlinuz-//' | sort -V | tail -n 1)
{ [ -n "$KVER" ] && [ -s "$ROOT/boot/initrd.img-$KVER" ]; } ||
	die "no kernel or initramfs in $ROOT/boot (log: $DIR/build.log)"
[ -e "$ROOT/usr/src/linux-headers-$KVER/Makefile" ] ||
	die "no headers for $KVER in the image (log: $DIR/build.log)"
cp "$ROOT/boot/vmlinuz-$KVER" "$DIR/vmlinuz"
cp "$ROOT/boot/initrd.img-$KVER" "$DIR/initrd.img"

# An ext4 file system made from the tree (no loop mount), with room for the
# DKMS builds; sparse.
log "mkfs.ext4 -d: $DIR/root.img"
nice -n "${DKA_NICE:-0}" mkfs.ext4 -q -F -L dka-root -d "$ROOT" "$DIR/root.img" 8G >>"$DIR/build.log" 2>&1 ||
	{ tail -n 20 "$DIR/build.log" >&2; die "mkfs.ext4 failed (log: $DIR/build.log)"; }
rm -rf --one-file-system "$ROOT"

SECS=$(($(date +%s) - T0))
cat >"$DIR/image.env" <<EOF
SUITE=$SUITE
KVER=$KVER
IMG=$DIR/root.img
VMLINUZ=$DIR/vmlinuz
INITRD=$DIR/initrd.img
BUILD_SECONDS=$SECS
EOF
touch "$DIR/.complete"
log "system image $SUITE ($KVER) built in $SECS s"
echo "$DIR/image.env"

#!/bin/bash
# SPDX-License-Identifier: ISC
#
# build.sh [--force]: build, or reuse, the Debian 12 guest that runs the real
# Jool kernel module for tests/jool/ (the host kernel cannot load modules).
#
# The result is a directory holding vmlinuz, initrd.img, rootfs.img (ext4,
# 2 GiB sparse, about 0.5 GB allocated) and info (kernel and Jool versions).
# It lives outside the work tree, in
#
#     ${V6G_GUEST_CACHE:-/var/tmp/v6gate-guest}/<stamp>/
#
# where <stamp> hashes this script, init and packages: a warm run reuses the
# image in a few milliseconds, a changed recipe builds a new one.  The image
# is built in a temporary directory and renamed into place only when it is
# complete, so a half-built cache (disk full, ^C, a failed DKMS build) is
# never used.  The path of the directory is the only thing printed on
# stdout; progress and timings go to stderr.
#
# --force      rebuild even if the cache is warm (replaces it)
# --check      only say whether the image is cached: print its directory and
#              exit 0, or exit 1; builds and installs nothing
#
# Environment:
#   V6G_GUEST_CACHE        cache directory (default /var/tmp/v6gate-guest)
#   V6G_GUEST_PRUNE=0      keep the images of other recipes (default: a new
#                          build removes them; each is ~0.5 GB)
#   V6G_DEBIAN_MIRROR      Debian mirror (default: the host's apt sources)
#   V6G_DEBIAN_SECURITY    Debian security mirror (idem)
#
# Needs root (debootstrap, chroot) and installs its own host packages
# (qemu-system-x86, debootstrap, e2fsprogs) when they are missing.  No loop
# device and no privileged container features are needed: the image is made
# by mkfs.ext4 -d from a directory tree.

set -euo pipefail

# The whole script is one brace group, so bash parses all of it before it
# runs any of it: editing build.sh during a build (the stamp changes, so the
# next run rebuilds anyway) cannot make the running build execute a mix.
{

here=$(cd "$(dirname "$0")" && pwd)
CACHE=${V6G_GUEST_CACHE:-/var/tmp/v6gate-guest}
SUITE=bookworm
IMG_SIZE=2G
# The modules that must be in the initramfs to reach the root disk; 9p is
# the /job share.  Loaded in this order by the initramfs.
INITRD_MODULES="virtio_pci virtio_blk ext4 9p 9pnet_virtio"

force=0
check=0
case "${1:-}" in
--force) force=1 ;;
--check) check=1 ;;
"") ;;
*)
	echo "usage: $0 [--force | --check]" >&2
	exit 2
	;;
esac

t0=$(date +%s)
tlast=$t0
# Messages go to the original stderr, kept as fd 8: a signal trap runs in
# the redirections of the command it interrupts (an apt log file).
exec 8>&2
log() { printf 'guest-build: %s\n' "$*" >&8; }
# step NAME: log how long the previous step took, then announce NAME
timing=""
step() {
	local now
	now=$(date +%s)
	[ -n "${cur_step:-}" ] && timing="$timing ${cur_step}=$((now - tlast))s"
	tlast=$now
	cur_step=$1
	[ -n "$1" ] && log "$1 ..."
	return 0
}
die() {
	log "ERROR: $*"
	exit 1
}

# The stamp: the recipe files, by name and content.  Anything that changes
# what ends up in the image must be in one of them.
stamp=$(cd "$here" && sha256sum build.sh init packages | sha256sum | cut -c1-16)
dest=$CACHE/$stamp

# A complete image is a directory whose name is the stamp: it only ever
# appears by rename(2) at the end of a successful build.
complete() { [ -f "$1/info" ] && [ -f "$1/rootfs.img" ] && [ -f "$1/vmlinuz" ] && [ -f "$1/initrd.img" ]; }

if [ $check = 1 ]; then
	complete "$dest" || exit 1
	echo "$dest"
	exit 0
fi

# --- host dependencies ------------------------------------------------------
# Checked even on a warm cache: guest-run.sh needs qemu from here too.
need_host_pkgs() {
	local missing=""
	command -v qemu-system-x86_64 >/dev/null || missing="$missing qemu-system-x86"
	command -v debootstrap >/dev/null || missing="$missing debootstrap"
	command -v mkfs.ext4 >/dev/null || missing="$missing e2fsprogs"
	[ -z "$missing" ] && return 0
	[ "$(id -u)" = 0 ] || die "missing host packages:$missing (and not root to install them)"
	log "installing host packages:$missing"
	export DEBIAN_FRONTEND=noninteractive
	# An install may fail on a machine whose package lists were never
	# fetched: update once, then try again.
	apt-get install -y -qq --no-install-recommends $missing >&2 ||
		{ apt-get update -qq >&2 &&
		  apt-get install -y -qq --no-install-recommends $missing >&2; } ||
		die "could not install$missing"
}
need_host_pkgs

if [ $force = 0 ] && complete "$dest"; then
	echo "$dest"
	exit 0
fi

[ "$(id -u)" = 0 ] || die "building the guest needs root (debootstrap, chroot)"
mkdir -p "$CACHE"

# One build at a time per cache: a second caller (make -j) waits for the
# first and then finds the image ready.
exec 9>"$CACHE/.lock"
if ! flock -n 9; then
	log "another build is running; waiting for it"
	flock 9
fi
if [ $force = 0 ] && complete "$dest"; then
	echo "$dest"
	exit 0
fi

# umount_under DIR: unmount everything mounted below DIR, deepest first.
# Must run before any rm -rf of a build tree (its proc, sys).
umount_under() {
	local m
	awk -v d="$1/" 'index($2 "/", d) == 1 { print $2 }' /proc/self/mounts |
		sort -r | while read -r m; do
			umount "$m" 2>/dev/null || umount -l "$m"
		done
}

# rm_tree DIR: remove a build tree without ever crossing into a mount.
rm_tree() {
	umount_under "$1"
	rm -rf --one-file-system "$1"
}

# Leftovers of builds that were killed: we hold the lock, so none of them
# is still running.
for old in "$CACHE"/.build-*; do
	[ -e "$old" ] || continue
	log "removing an unfinished build: $old"
	rm_tree "$old"
done

T=$CACHE/.build-$stamp-$$
R=$T/root
OUT=$T/out
cleanup() {
	local rc=$?
	[ $rc = 0 ] || log "build failed (exit $rc); nothing was cached"
	[ -d "$T" ] && rm_tree "$T"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
mkdir -p "$R" "$OUT"

# --- mirrors ----------------------------------------------------------------
# The same mirror the host's apt uses (deb822 URIs: lines or one-line
# sources.list entries), so the guest works wherever the host's apt works.
host_uris() {
	{
		cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
			sed -n 's/^URIs:[[:space:]]*//p' | tr ' ' '\n'
		cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
			awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/) { print $i; break } }'
	} | grep -E '^https?://' || true
}
uris=$(host_uris)
MIRROR=${V6G_DEBIAN_MIRROR:-$(echo "$uris" | grep -E '/debian/?$' | head -1)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SECURITY=${V6G_DEBIAN_SECURITY:-$(echo "$uris" | grep -E '/debian-security/?$' | head -1)}
SECURITY=${SECURITY:-http://deb.debian.org/debian-security}
log "stamp $stamp, mirror $MIRROR, security $SECURITY"
log "building in $T"

# --- debootstrap ------------------------------------------------------------
step debootstrap
debootstrap --variant=minbase "$SUITE" "$R" "$MIRROR" >"$T/debootstrap.log" 2>&1 || {
	tail -20 "$T/debootstrap.log" >&2
	die "debootstrap failed (full log above)"
}

# --- chroot configuration, before any package is installed -----------------
rm -f "$R/etc/apt/sources.list"
cat >"$R/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
# A mirror may be a frozen snapshot whose Release files have expired (the
# host's apt is set up the same way); no translations, no recommends.
cat >"$R/etc/apt/apt.conf.d/90v6gate" <<EOF
Acquire::Check-Valid-Until "false";
Acquire::Languages "none";
APT::Install-Recommends "false";
APT::Install-Suggests "false";
EOF
# Lean: dpkg never unpacks documentation, manual pages or translations.
cat >"$R/etc/dpkg/dpkg.cfg.d/90v6gate-lean" <<EOF
path-exclude=/usr/share/doc/*
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-exclude=/usr/share/lintian/*
path-exclude=/usr/share/bash-completion/*
EOF
# Packages (nginx) must not start services in the chroot.
printf '#!/bin/sh\nexit 101\n' >"$R/usr/sbin/policy-rc.d"
chmod 755 "$R/usr/sbin/policy-rc.d"
# The initramfs only needs to reach a virtio disk and the 9p share.
# Written before the kernel is installed so that its postinst builds the
# right initramfs the first time (dpkg keeps our file: --force-confold).
mkdir -p "$R/etc/initramfs-tools/conf.d"
printf '%s\n' $INITRD_MODULES >"$R/etc/initramfs-tools/modules"
printf 'MODULES=list\nCOMPRESS=gzip\n' >"$R/etc/initramfs-tools/conf.d/v6gate"
echo v6g-guest >"$R/etc/hostname"
printf '127.0.0.1 localhost\n::1 localhost ip6-localhost\n' >"$R/etc/hosts"
cp /etc/resolv.conf "$R/etc/resolv.conf"

# Only proc and sys: debootstrap made the few device nodes apt needs, and
# the host's /dev is never bind-mounted (rm -rf must not reach it).
mount -t proc proc "$R/proc"
mount -t sysfs sys "$R/sys"

in_root() {
	chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LC_ALL=C DEBIAN_FRONTEND=noninteractive "$@"
}
apt_install() {
	in_root apt-get install -y -q -o Dpkg::Options::=--force-confold \
		-o Dpkg::Use-Pty=0 "$@"
}

# --- packages ---------------------------------------------------------------
pkgs=$(sed -e 's/#.*//' "$here/packages" | tr -s ' \t\n' ' ')
first_pkgs=$(printf '%s\n' $pkgs | grep -vx jool-dkms | tr '\n' ' ')
printf '%s\n' $pkgs | grep -qx jool-dkms || die "packages: jool-dkms is missing"

step packages
in_root apt-get update -q >"$T/apt.log" 2>&1 || {
	tail -20 "$T/apt.log" >&2
	die "apt-get update failed in the guest root"
}
apt_install $first_pkgs >>"$T/apt.log" 2>&1 || {
	tail -30 "$T/apt.log" >&2
	die "installing the guest packages failed (log above)"
}

# The guest kernel: the newest one installed in the root.  Never uname -r,
# which is the host's kernel.
KVER=$(ls "$R/lib/modules" | grep -- '-amd64$' | sort -V | tail -1)
[ -n "$KVER" ] || die "no -amd64 kernel in the guest root"
log "guest kernel $KVER"

# --- Jool through DKMS -------------------------------------------------------
step jool-dkms
# Its postinst builds for the newest kernel that has headers (the guest's);
# a build failure makes it fail, which the checks below turn into a loud
# message, so do not stop here.
apt_install jool-dkms >"$T/dkms.log" 2>&1 || log "installing jool-dkms reported an error"
JOOL_VER=$(in_root dpkg-query -W -f='${Version}' jool-dkms 2>/dev/null | sed 's/-[^-]*$//') || true
[ -n "$JOOL_VER" ] || JOOL_VER=$(ls "$R/usr/src" | sed -n 's/^jool-dkms-//p' | sort -V | tail -1)

jool_built() {
	local m
	for m in jool_common jool jool_siit; do
		find "$R/lib/modules/$KVER" -name "$m.ko*" | grep -q . || return 1
	done
}
if [ -n "$JOOL_VER" ] && ! jool_built; then
	log "the jool-dkms postinst did not build for $KVER; running dkms install"
	in_root dkms install "jool-dkms/$JOOL_VER" -k "$KVER" >>"$T/dkms.log" 2>&1 || true
fi
if ! jool_built; then
	{
		echo "======================================================================="
		echo "v6gate guest build FAILED: the Jool kernel module (jool-dkms $JOOL_VER)"
		echo "did not build for the guest kernel $KVER."
		echo "linux-image-amd64 follows bookworm-security: a new kernel may have"
		echo "changed an interface that Jool uses.  The DKMS log ends with:"
		echo "-----------------------------------------------------------------------"
		tail -25 "$T/dkms.log"
		for f in "$R"/var/lib/dkms/jool-dkms/*/build/make.log; do
			[ -f "$f" ] || continue
			echo "--- the first errors in ${f#"$R"}:"
			grep -m 8 -E 'error|Error' "$f"
			echo "--- its end:"
			tail -25 "$f"
		done
		echo "-----------------------------------------------------------------------"
		echo "Check whether Debian has a newer jool-dkms for this kernel; until then,"
		echo "pin the last kernel that works in kmod/guest/packages (for example"
		echo "linux-image-6.1.0-NN-amd64 and linux-headers-6.1.0-NN-amd64)."
		echo "======================================================================="
	} >&2
	exit 1
fi
# The modules must be for exactly this kernel (vermagic), or modprobe fails
# in the guest with "Invalid module format".
vermagic=$(in_root modinfo -k "$KVER" -F vermagic jool_common | awk '{ print $1 }')
[ "$vermagic" = "$KVER" ] || die "jool_common is built for '$vermagic', not $KVER"
log "jool-dkms $JOOL_VER built for $KVER"

# --- image --------------------------------------------------------------------
step image
# The initramfs must reach the disk and the share; the kernel postinst
# normally made it from our config already.
initrd_ok() {
	local list m
	list=$(in_root lsinitramfs "/boot/initrd.img-$KVER") || return 1
	for m in virtio_blk 9pnet_virtio 9p; do
		echo "$list" | grep -qE "/$m\.ko" || return 1
	done
}
if ! initrd_ok; then
	log "regenerating the initramfs"
	in_root update-initramfs -c -k "$KVER" >>"$T/apt.log" 2>&1 ||
		die "update-initramfs failed"
	initrd_ok || die "the initramfs lacks virtio_blk/9p after update-initramfs"
fi

install -m 755 "$here/init" "$R/sbin/v6g-init"
mkdir -p "$R/job"

# Lean: nothing below is needed at run time.  The guest never builds or
# installs anything (the image is used with snapshot=on), so the compiler
# and headers DKMS needed go, and so do documentation, translations and the
# drivers of hardware a QEMU guest without devices never has (sound, GPUs,
# media, USB, wireless and wired NICs...).  This halves the image.
in_root apt-get clean
rm -rf "$R"/var/lib/apt/lists/* "$R"/var/cache/debconf/*-old \
	"$R"/var/log/*.log "$R"/var/log/apt/* \
	"$R"/usr/share/doc/* "$R"/usr/share/man/* "$R"/usr/share/info/* \
	"$R"/usr/share/locale/* "$R"/usr/share/lintian/* \
	"$R"/usr/src/linux-headers-* "$R"/usr/lib/linux-kbuild-* \
	"$R"/var/lib/dkms/*/*/build \
	"$R"/usr/lib/gcc "$R"/usr/bin/*-lto-dump-*
kmods=$R/lib/modules/$KVER/kernel
for d in sound drivers/gpu drivers/media drivers/infiniband drivers/iio \
	drivers/staging drivers/isdn drivers/bluetooth drivers/comedi \
	drivers/hwmon drivers/mtd drivers/mmc drivers/usb drivers/target \
	drivers/video drivers/input drivers/hid drivers/platform drivers/nvme \
	drivers/net/wireless drivers/net/ethernet drivers/net/usb drivers/net/can \
	net/wireless net/mac80211 net/bluetooth; do
	rm -rf "${kmods:?}/$d"
done
in_root depmod -a "$KVER" || die "depmod failed"
: >"$R/etc/resolv.conf"  # the guest has no network card, hence no DNS

umount_under "$R"
cp "$R/boot/vmlinuz-$KVER" "$OUT/vmlinuz"
cp "$R/boot/initrd.img-$KVER" "$OUT/initrd.img"
# No loop device: mkfs copies the tree into the file.  The file is sparse.
mkfs.ext4 -q -F -L v6g-root -d "$R" "$OUT/rootfs.img" "$IMG_SIZE" \
	>"$T/mkfs.log" 2>&1 || { cat "$T/mkfs.log" >&2; false; } ||
	die "mkfs.ext4 -d failed"
alloc_mb=$(( $(stat -c '%b * %B' "$OUT/rootfs.img") / 1048576 ))

step ""
cat >"$OUT/info" <<EOF
stamp=$stamp
kernel=$KVER
jool=$JOOL_VER
built=$(date -u +%Y-%m-%dT%H:%M:%SZ)
build_seconds=$(( $(date +%s) - t0 ))
mirror=$MIRROR
EOF

# Into place, atomically.  With --force an existing image is moved aside
# first (a qemu still using it keeps its open file).
rm_tree "$R"
if [ -e "$dest" ]; then
	mv "$dest" "$T/old"
fi
mv "$OUT" "$dest"

if [ "${V6G_GUEST_PRUNE:-1}" != 0 ]; then
	for d in "$CACHE"/*; do
		[ -d "$d" ] && [ "$d" != "$dest" ] || continue
		log "removing the image of an older recipe: $d"
		rm -rf --one-file-system "$d"
	done
fi

log "built $dest in $(( $(date +%s) - t0 )) s:$timing; rootfs ${alloc_mb} MB allocated"
log "kernel $KVER, jool $JOOL_VER"
echo "$dest"
exit 0
}

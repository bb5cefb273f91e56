#!/bin/bash
# SPDX-License-Identifier: ISC
#
# guest-run.sh JOBDIR [TIMEOUT]: run JOBDIR/run.sh as root inside the Debian
# guest that has the real Jool module (kmod/guest/), and exit with its status.
#
# The host kernel cannot load modules, so tests that need Jool run in a QEMU
# guest.  JOBDIR is shared with the guest as /job (9p): put run.sh and
# whatever it needs there (the daemon built on the host runs as is: the
# guest is the same Debian 12).  The guest runs run.sh with TIMEOUT seconds
# (default 600) to finish, then powers off.  Afterwards JOBDIR holds:
#
#   output.log    what run.sh printed (also printed here, on stdout)
#   exit-status   run.sh's exit status (124: it timed out)
#   serial.log    the guest's whole console (kernel, init, run.sh)
#
# Exit status: run.sh's; 1 if the guest did not write one (the tail of the
# serial log is shown) or did not power off in time (qemu is killed).
# The guest image is built first if there is none (about 2 minutes; needs
# root), else reused (kmod/guest/build.sh).  Each run starts from the same
# clean image (snapshot=on): nothing a job does survives it.
#
# The guest has no network card: its traffic stays between the network
# namespaces a job creates inside it, and never reaches the host's network.
#
# Environment:
#   V6G_GUEST_CONSOLE=1   also stream the guest console to stderr, live
#   V6G_GUEST_MEM         guest memory (default 1G)
#   V6G_GUEST_SMP         guest CPUs (default 2)
#   V6G_GUEST_BOOT_TIMEOUT  seconds allowed for boot and power off on top of
#                         TIMEOUT (default 180; TCG boots in about 10 s)
#   V6G_GUEST_ACCEL       "kvm" or "tcg" instead of the automatic choice

set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
BUILD=${V6G_GUEST_BUILD:-$top/kmod/guest/build.sh}

log() { printf 'guest-run: %s\n' "$*" >&2; }
die() {
	log "ERROR: $*"
	exit 1
}

[ $# -ge 1 ] && [ $# -le 2 ] || {
	echo "usage: $0 JOBDIR [TIMEOUT]" >&2
	exit 2
}
[ -f "$1/run.sh" ] || die "$1/run.sh does not exist"
JOBDIR=$(realpath "$1")
TIMEOUT=${2:-600}
case $TIMEOUT in
'' | *[!0-9]*) die "TIMEOUT must be a number of seconds: $TIMEOUT" ;;
esac
BOOT_ALLOW=${V6G_GUEST_BOOT_TIMEOUT:-180}

GUEST=$("$BUILD") || die "no guest image (kmod/guest/build.sh failed)"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 is missing"

# KVM only where the host really has hardware virtualisation (kvm_intel or
# kvm_amd loaded).  Some machines have a /dev/kvm that is paravirtual
# (kvm_pvm): an unmodified Debian kernel does not boot on it, so TCG there.
accel=${V6G_GUEST_ACCEL:-}
if [ -z "$accel" ]; then
	accel=tcg
	if { [ -d /sys/module/kvm_intel ] || [ -d /sys/module/kvm_amd ]; } &&
	    [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
		accel=kvm
	fi
fi
case $accel in
kvm) accel_args=(-accel kvm -cpu host) ;;
tcg) accel_args=(-accel tcg,thread=multi -cpu max) ;;
*) die "V6G_GUEST_ACCEL must be kvm or tcg" ;;
esac

# qemu's option syntax splits on commas: a comma in a path is doubled.
qpath() { printf '%s' "${1//,/,,}"; }

rm -f "$JOBDIR/exit-status" "$JOBDIR/exit-status.tmp" "$JOBDIR/output.log"
: >"$JOBDIR/serial.log"

tail_pid=
if [ "${V6G_GUEST_CONSOLE:-0}" = 1 ]; then
	tail -n +1 -F "$JOBDIR/serial.log" >&2 2>/dev/null &
	tail_pid=$!
fi

log "booting $(basename "$GUEST") ($(grep -E '^(kernel|jool)=' "$GUEST/info" | tr '\n' ' ')accel $accel), job $JOBDIR, timeout ${TIMEOUT}s"
t0=$(date +%s)
# -nodefaults: no network card, no display; the only devices are the disk
# (a throwaway overlay: snapshot=on), the 9p share and the serial port.
# -no-reboot turns a guest panic or reboot into a qemu exit; timeout(1) is
# the last backstop if the guest hangs.
timeout -k 10 $((TIMEOUT + BOOT_ALLOW)) qemu-system-x86_64 \
	"${accel_args[@]}" -M q35 -m "${V6G_GUEST_MEM:-1G}" -smp "${V6G_GUEST_SMP:-2}" \
	-nodefaults -no-user-config -display none -no-reboot \
	-serial "file:$(qpath "$JOBDIR/serial.log")" \
	-kernel "$(qpath "$GUEST/vmlinuz")" -initrd "$(qpath "$GUEST/initrd.img")" \
	-append "console=ttyS0 panic=-1 quiet init=/sbin/v6g-init root=/dev/vda rootfstype=ext4 rw v6g.timeout=$TIMEOUT" \
	-drive "file=$(qpath "$GUEST/rootfs.img"),if=virtio,format=raw,snapshot=on,cache=unsafe" \
	-virtfs "local,path=$(qpath "$JOBDIR"),mount_tag=job,security_model=none,id=job" \
	</dev/null >"$JOBDIR/qemu.log" 2>&1
qrc=$?
elapsed=$(($(date +%s) - t0))
[ -n "$tail_pid" ] && kill "$tail_pid" 2>/dev/null

[ -f "$JOBDIR/output.log" ] && cat "$JOBDIR/output.log"

show_serial() {
	log "last lines of the guest console ($JOBDIR/serial.log):"
	tail -n 25 "$JOBDIR/serial.log" | sed 's/^/    /' >&2
	if [ -s "$JOBDIR/qemu.log" ]; then
		log "qemu said:"
		sed 's/^/    /' "$JOBDIR/qemu.log" >&2
	fi
}

if [ $qrc = 124 ] || [ $qrc = 137 ]; then
	log "FAILED: the guest did not power off within $((TIMEOUT + BOOT_ALLOW)) s; qemu killed"
	show_serial
	exit 1
fi
status=$(cat "$JOBDIR/exit-status" 2>/dev/null)
case $status in
'' | *[!0-9]*)
	log "FAILED: the guest wrote no exit status (qemu exit $qrc, after ${elapsed}s)"
	show_serial
	exit 1
	;;
esac
log "the guest powered off after ${elapsed}s; run.sh exited with $status"
[ "$status" = 124 ] && log "run.sh was killed after ${TIMEOUT}s"
exit "$status"

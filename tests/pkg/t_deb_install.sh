#!/bin/bash
# SPDX-License-Identifier: ISC
#
# t_deb_install.sh DEB: the Debian package in a fresh Debian 12 system.
# "make check-deb" builds the package and runs this (root); it is not part
# of "make check".
#
# A clean bookworm root (debootstrap minbase + systemd, from the Debian
# mirror the host's apt uses, as kmod/guest/build.sh does) is made once and
# kept in ${V6G_PKGROOT_CACHE:-/var/tmp/v6gate-pkgroot}/<stamp>/, <stamp>
# hashing the recipe below.  Each run copies it, lets apt fetch the
# package's dependencies into the copy's cache (the only network use),
# then boots the copy with "systemd-nspawn -b --private-network" (its own
# loopback, so [::1]:9164 is its own, and CAP_NET_ADMIN, which nspawn
# grants only with a private network) and, inside the running system:
#
#   apt-get install ./v6gate_*.deb    the postinst makes the user; the
#                                     unit is enabled and started
#   systemctl start / is-active, v6gatectl status, systemctl show, the
#   processes (parent root, child v6gate with seccomp), the journal, and
#   one watchdog period without a restart
#   apt-get install --reinstall       the upgrade path: a restart
#   apt-get remove                    stopped; user, state, conffile kept
#   apt-get purge                     nothing left: dpkg -L's files, the
#                                     user and group, /var/lib/v6gate
#
# Prints "N passed, N failed" last; exit 0 only when nothing failed.
#
# Environment:
#   V6G_PKGROOT_CACHE      cache directory (default /var/tmp/v6gate-pkgroot)
#   V6G_DEBIAN_MIRROR      Debian mirror (default: the host's apt sources)
#   V6G_DEBIAN_SECURITY    Debian security mirror (idem)
#   V6G_PKG_KEEP=1         keep the run's root and logs (printed at the end)

set -euo pipefail
{

[ $# = 1 ] && [ -f "$1" ] || { echo "usage: $0 v6gate_VERSION_ARCH.deb" >&2; exit 2; }
deb=$(realpath "$1")
[ "$(id -u)" = 0 ] || { echo "t_deb_install: needs root (debootstrap, systemd-nspawn)" >&2; exit 2; }
CACHE=${V6G_PKGROOT_CACHE:-/var/tmp/v6gate-pkgroot}
SUITE=bookworm
ROOT_PKGS=systemd,systemd-sysv,dbus

log() { printf 't_deb_install: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

for c in debootstrap systemd-nspawn nsenter; do
	command -v $c >/dev/null ||
	    die "$c is missing (apt-get install debootstrap systemd-container)"
done

# --- mirrors: the host's, as kmod/guest/build.sh finds them ---------------
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

# umount_under DIR, rm_tree DIR: never follow a mount out of a root.
umount_under() {
	local m
	awk -v d="$1/" 'index($2 "/", d) == 1 { print $2 }' /proc/self/mounts |
		sort -r | while read -r m; do
			umount "$m" 2>/dev/null || umount -l "$m"
		done
}
rm_tree() { umount_under "$1"; rm -rf --one-file-system "$1"; }

in_chroot() {
	chroot "$1" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LC_ALL=C DEBIAN_FRONTEND=noninteractive "${@:2}"
}

# make_root DIR: the clean system.  Its text is the cache's stamp.
make_root() {
	local r=$1
	debootstrap --variant=minbase --include=$ROOT_PKGS "$SUITE" "$r" \
	    "$MIRROR" >"$r.debootstrap.log" 2>&1 || {
		tail -20 "$r.debootstrap.log" >&2
		return 1
	}
	rm -f "$r/etc/apt/sources.list"
	cat >"$r/etc/apt/sources.list.d/debian.sources" <<-EOF
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
	# A mirror may be a frozen snapshot whose Release files expired.
	printf 'Acquire::Check-Valid-Until "false";\nAcquire::Languages "none";\n' \
	    >"$r/etc/apt/apt.conf.d/90v6gate"
	echo v6g-pkg >"$r/etc/hostname"
	printf '127.0.0.1 localhost\n::1 localhost ip6-localhost\n' >"$r/etc/hosts"
	# No console login to wait for; a machine-id so that the journal is
	# kept in /var/log/journal like on a real system.
	ln -sf /dev/null "$r/etc/systemd/system/console-getty.service"
	in_chroot "$r" systemd-machine-id-setup >/dev/null
	cp /etc/resolv.conf "$r/etc/resolv.conf"
	in_chroot "$r" apt-get update -q >"$r.apt.log" 2>&1 || {
		tail -20 "$r.apt.log" >&2
		return 1
	}
	in_chroot "$r" apt-get clean
}

stamp=$( { declare -f make_root; echo "$SUITE $ROOT_PKGS $MIRROR $SECURITY"; } |
    sha256sum | cut -c1-16)
base=$CACHE/$stamp
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9
if [ ! -f "$base/root/etc/os-release" ]; then
	for old in "$CACHE"/.build-*; do
		[ -e "$old" ] && rm_tree "$old"
	done
	T=$CACHE/.build-$stamp-$$
	mkdir -p "$T"
	log "making the clean root $base (debootstrap from $MIRROR)"
	t0=$(date +%s)
	make_root "$T/root" || { rm_tree "$T"; die "making the root failed"; }
	rm -rf "$base"
	mv "$T" "$base"
	log "root made in $(( $(date +%s) - t0 )) s"
fi
flock -u 9

# --- this run's copy ---------------------------------------------------------
run=$(mktemp -d "$CACHE/run-XXXXXX")
R=$run/root
machine=v6g-pkg-$$
nspawn_pid=""
cleanup() {
	local rc=$?
	if [ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2>/dev/null; then
		# nspawn turns SIGTERM into a clean poweroff of the container.
		kill -TERM "$nspawn_pid" 2>/dev/null || true
		for _ in $(seq 60); do
			kill -0 "$nspawn_pid" 2>/dev/null || break
			sleep 0.5
		done
		kill -KILL "$nspawn_pid" 2>/dev/null || true
		wait "$nspawn_pid" 2>/dev/null || true
	fi
	if [ "${V6G_PKG_KEEP:-0}" = 1 ]; then
		log "kept $run"
	else
		rm_tree "$run"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
cp -a "$base/root" "$R"
cp "$deb" "$R/root/"
debname=$(basename "$deb")
# The dependencies, fetched while the network is there; the install inside
# the container then finds them in apt's cache.  No recommends: jool-dkms
# would build a kernel module for a kernel this container does not run.
in_chroot "$R" apt-get install -y -q --download-only --no-install-recommends \
    "/root/$debname" >"$run/download.log" 2>&1 || {
	tail -20 "$run/download.log" >&2
	die "fetching the dependencies failed"
}

# --- boot ----------------------------------------------------------------------
log "booting $R (systemd-nspawn -b)"
systemd-nspawn -q -b -D "$R" -M "$machine" --register=no --keep-unit \
    --private-network \
    --console=passive >"$run/console.log" 2>&1 &
nspawn_pid=$!
leader=""
for _ in $(seq 100); do
	leader=$(pgrep -P "$nspawn_pid" | head -1 || true)
	[ -n "$leader" ] && [ "$(cat /proc/$leader/comm 2>/dev/null)" = systemd ] && break
	kill -0 "$nspawn_pid" 2>/dev/null || { cat "$run/console.log" >&2; die "systemd-nspawn exited"; }
	leader=""
	sleep 0.1
done
[ -n "$leader" ] || die "no systemd in the container"

# in_ct CMD...: run CMD inside the container (its namespaces and root).
in_ct() {
	nsenter -t "$leader" -m -u -i -n -p -- chroot /proc/1/root \
	    /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
	    LC_ALL=C DEBIAN_FRONTEND=noninteractive "$@"
}
# (systemctl fails at once while the container's systemd has not made its
# private socket yet: ask again until it answers)
for _ in $(seq 120); do
	state=$(timeout 120 nsenter -t "$leader" -m -u -i -n -p -- \
	    chroot /proc/1/root systemctl is-system-running --wait 2>&1 || true)
	case $state in *"Failed to connect to bus"*) sleep 0.5 ;; *) break ;; esac
done
log "container up: $state"
[ "$state" = running ] || in_ct systemctl --failed --no-pager >&2 || true

# --- checks --------------------------------------------------------------------
# A failed check is counted, not fatal.
set +e
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }
fail() { failed=$((failed + 1)); echo "not ok - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else fail "$what"; fi; }
not_grep() { ! grep -q "$@"; }
not() { ! "$@"; }
prop() { in_ct systemctl show -P "$1" v6gated; }
user_exists() { in_ct getent passwd v6gate >/dev/null; }
group_exists() { in_ct getent group v6gate >/dev/null; }
# serve_pid: the unprivileged child's pid, as the container sees it.
serve_pid() {
	local p
	for p in $(in_ct sh -c 'for d in /proc/[0-9]*; do
	    [ "$(cat $d/comm 2>/dev/null)" = v6gated-serve ] && echo ${d#/proc/}; done'); do
		echo "$p"
		return 0
	done
	return 1
}
active_within() {
	local s
	for _ in $(seq 50); do
		s=$(in_ct systemctl is-active v6gated || true)
		[ "$s" = active ] && return 0
		sleep 0.2
	done
	echo "# v6gated is $s" >&2
	return 1
}

check "the system booted cleanly (is-system-running: $state)" \
    test "$state" = running

in_ct sh -c "cd /root && apt-get install -y --no-install-recommends ./$debname" \
    >"$run/install.log" 2>&1
rc=$?
check "apt-get install ./$debname" test $rc = 0
[ $rc = 0 ] || tail -30 "$run/install.log"
check "installed without fetching anything" \
    not_grep -E '^(Get|Err|Ign):[0-9]+ https?:' "$run/install.log"
check "the postinst made the user v6gate (a system user, no login)" \
    in_ct sh -c 'u=$(getent passwd v6gate) && [ "$(echo "$u" | cut -d: -f3)" -lt 1000 ] && [ "$(echo "$u" | cut -d: -f6)" = /nonexistent ]'
check "the unit is enabled" test "$(in_ct systemctl is-enabled v6gated || true)" = enabled
check "the package started the unit" active_within
in_ct systemctl start v6gated
check "systemctl start v6gated; is-active" active_within
in_ct v6gatectl status >"$run/status.txt" 2>&1
rc=$?
check "v6gatectl status exits 0" test $rc = 0
check "v6gatectl status names the packaged gateway" grep -q idc-gw-1 "$run/status.txt"
sed 's/^/# status: /' "$run/status.txt"

main=$(prop ExecMainPID)
mpid=$(prop MainPID)
restarts=$(prop NRestarts)
echo "# ExecMainPID=$main MainPID=$mpid NRestarts=$restarts" \
    "NotifyAccess=$(prop NotifyAccess) WatchdogUSec=$(prop WatchdogUSec)"
check "ExecMainPID is the running parent (MainPID)" \
    test "$main" -gt 0 -a "$main" = "$mpid"
check "NRestarts=0" test "$restarts" = 0
check "the parent runs as root" \
    in_ct sh -c "grep -q '^Uid:[[:space:]]0[[:space:]]' /proc/$main/status"
sp=$(serve_pid || true)
check "the child v6gated-serve runs" test -n "$sp"
if [ -n "$sp" ]; then
	uid=$(in_ct id -u v6gate)
	check "the child runs as v6gate, seccomp filter on, no capabilities" \
	    in_ct sh -c "grep -q '^Uid:[[:space:]]$uid[[:space:]]' /proc/$sp/status &&
	        grep -q '^Seccomp:[[:space:]]2' /proc/$sp/status &&
	        grep -q '^CapEff:[[:space:]]0*$' /proc/$sp/status"
	in_ct grep -E '^(Uid|Seccomp|CapEff|NoNewPrivs)' /proc/$sp/status | sed 's/^/# child: /'
fi
check "/var/lib/v6gate is v6gate's, 0750" \
    test "$(in_ct stat -c '%U %a' /var/lib/v6gate)" = "v6gate 750"
check "the conffile /etc/v6gate/v6gate.conf is registered" \
    in_ct sh -c "dpkg-query -W -f='\${Conffiles}' v6gate | grep -q ' /etc/v6gate/v6gate.conf '"

# One WatchdogSec (30 s) and a little: a keep-alive that does not reach
# systemd (NotifyAccess, the child's seccomp) would restart the unit.
wd=$(( $(prop WatchdogUSec | sed 's/s$//; s/min/*60/' ) )) || wd=30
log "waiting $((wd + 5)) s: one watchdog period"
sleep $((wd + 5))
check "after one watchdog period: same MainPID, NRestarts=0, active" \
    test "$(prop MainPID) $(prop NRestarts) $(in_ct systemctl is-active v6gated)" = "$main 0 active"
in_ct journalctl -u v6gated --no-pager -o short-monotonic >"$run/journal.txt" 2>&1 || true
sed 's/^/# journal: /' "$run/journal.txt"
check "the journal has no watchdog timeout, SIGSYS or failure" \
    not_grep -Ei 'watchdog timeout|SIGSYS|bad system call|failed with result|core-dump' "$run/journal.txt"
# The shipped file has a readiness group and no service: the checker has
# nothing to check and ends without a result.  It is tried once, 10 s
# after the start, and then not before readiness.interval (a day), not
# once a second.
starts=$(grep -c 'readiness check started' "$run/journal.txt")
check "the readiness checker started once in $((wd + 5)) s (started $starts times)" \
    test "$starts" -le 1

# The upgrade path (prerm upgrade, postinst configure OLD): a restart.
in_ct sh -c "cd /root && apt-get install -y --reinstall ./$debname" \
    >"$run/reinstall.log" 2>&1
check "apt-get install --reinstall" test $? = 0
check "the reinstall restarted the daemon (new MainPID, active)" \
    sh -c "[ \"\$1\" != \"$main\" ] && [ \"\$1\" -gt 0 ]" _ "$(prop MainPID)"
check "  and it is active" active_within

in_ct dpkg -L v6gate >"$run/files.txt"
in_ct apt-get remove -y v6gate >"$run/remove.log" 2>&1
check "apt-get remove" test $? = 0
check "remove stopped the daemon" \
    test "$(in_ct systemctl is-active v6gated || true)" != active
check "remove kept the user" user_exists
check "remove kept /var/lib/v6gate" in_ct test -d /var/lib/v6gate
check "remove kept the conffile" in_ct test -f /etc/v6gate/v6gate.conf
check "remove removed the binaries" in_ct test ! -e /usr/sbin/v6gated

in_ct apt-get purge -y v6gate >"$run/purge.log" 2>&1
check "apt-get purge" test $? = 0
check "purge: dpkg knows no v6gate" \
    test -z "$(in_ct dpkg-query -W -f='${db:Status-Abbrev}' v6gate 2>/dev/null || true)"
check "purge removed the user" not user_exists
check "purge removed the group" not group_exists
check "purge removed /var/lib/v6gate" in_ct test ! -e /var/lib/v6gate
check "purge removed /etc/v6gate" in_ct test ! -e /etc/v6gate
left=$(while read -r f; do
	[ "$f" = /. ] && continue
	in_ct test -e "$f" -a ! -d "$f" && echo "$f"
	# Our own folders; the shared ones (/usr/sbin, /etc, ...) stay.
	case $f in
	*/v6gate) in_ct test -e "$f" && echo "$f" ;;
	esac
done <"$run/files.txt" || true)
check "purge left none of the package's $(wc -l <"$run/files.txt") paths" test -z "$left"
[ -z "$left" ] || echo "$left" | sed 's/^/# left: /'
check "no unit left running" \
    test "$(in_ct systemctl list-units --all --no-legend 'v6gate*' | wc -l)" = 0

echo "$passed passed, $failed failed"
[ $failed = 0 ]
exit
}

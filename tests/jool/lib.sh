# SPDX-License-Identifier: ISC
# Shared by the Jool guest suites, on the host side: the skip rules, the
# job directory the guest sees as /job (9p), and the run.  A suite sets
# TNAME, sources this file, calls guest_job (J is then the job directory,
# holding v6gated, v6gatectl, the sanitizers' suppressions, the shared
# Python client and the guest side's library guest-lib.sh), writes
# "$J/run.sh", and ends with guest_run TIMEOUT.  See tests/integ/README.

set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
: "${builddir:=$top}"

skip() {
	printf 'SKIP %s: %s\n' "$TNAME" "$*"
	exit 77
}

guest_job() {
	[ "${V6G_JOOL:-1}" = 0 ] && skip "Jool guest tests disabled (V6G_JOOL=0)"
	[ "${V6G_INTEG:-1}" = 0 ] && skip "integration tests disabled (configure)"
	# root can build the guest (and install qemu); others can only use
	# an image a root build left in the cache
	if [ "$(id -u)" != 0 ]; then
		command -v qemu-system-x86_64 >/dev/null ||
		    skip "needs root or qemu-system-x86_64"
		"$top/kmod/guest/build.sh" --check >/dev/null 2>&1 ||
		    skip "needs root to build the guest image (none is cached)"
	fi
	J=$(mktemp -d "/tmp/v6g-$TNAME.XXXXXX")
	cp "$builddir/v6gated" "$builddir/v6gatectl" \
	    "$top/tests/jool/guest-lib.sh" "$top/tests/integ/client.py" \
	    "$J/" || exit 1
	# a sanitizer build needs its suppressions in the guest too
	cp "$top/tests/lsan.supp" "$J/" 2>/dev/null
}

# guest_run TIMEOUT: boot the guest on the job, exit with its status.
guest_run() {
	local t0 rc

	chmod 755 "$J/run.sh"
	t0=$(date +%s)
	"$top/tests/jool/guest-run.sh" "$J" "${V6G_GUEST_TIMEOUT:-$1}"
	rc=$?
	echo "$TNAME: guest run took $(($(date +%s) - t0)) s, exit $rc"
	if [ $rc = 0 ] || [ "${KEEP:-0}" != 1 ]; then
		rm -rf "$J"
	else
		echo "$TNAME: kept $J"
	fi
	exit $rc
}

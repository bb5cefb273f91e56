#!/bin/bash
# SPDX-License-Identifier: ISC
# The installed unit's confinement: systemd-analyze rates
# conf/v6gated.service.in (paths filled in as "make install" does) at
# most 4.5 (v6gated(8), SYSTEMD); it was 8.9 before the privilege split.
set -u
src=${srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
command -v systemd-analyze >/dev/null || { echo "SKIP: no systemd-analyze"; exit 77; }
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
sed 's|@sbindir@|/usr/sbin|g; s|@sysconfdir@|/etc|g' \
    "$src/conf/v6gated.service.in" >"$d/v6gated.service"
systemd-analyze security --offline=yes --threshold=45 "$d/v6gated.service" \
    >"$d/out" 2>&1
rc=$?
tail -1 "$d/out"
if [ $rc -eq 0 ] && grep -q 'Overall exposure level' "$d/out"; then
	echo "1 passed, 0 failed"
	exit 0
fi
cat "$d/out"
echo "0 passed, 1 failed"
exit 1

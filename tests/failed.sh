#!/bin/bash
# failed.sh DIR: after a failed "make check" in the build dir DIR, print
# what each failing suite said (its FAIL lines and its last lines), so a
# CI log that shows only the summary still says why.
cd "${1:-.}" || exit 1
for trs in $(find tests -name '*.trs' 2>/dev/null | sort); do
	grep -qE '^:test-result: (FAIL|ERROR|XPASS)' "$trs" || continue
	log=${trs%.trs}.log
	echo "==== $log"
	grep -E '^(FAIL|ERROR|not ok)' "$log" | head -n 30
	echo "---- its last 25 lines"
	tail -n 25 "$log"
done
exit 0

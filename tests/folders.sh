#!/bin/bash
# SPDX-License-Identifier: ISC
#
# folders.sh: the include graph of src/'s folders, printed, and checked.
# A folder includes only folders below it: the floors, bottom first, are
# listed here, and the daemon and the CLI (src/*.c) stand on top of all.
# Fails when an include climbs (a folder includes one on its own floor or
# above), when the graph has a cycle, or when a folder is on no floor.
#
#   bash tests/folders.sh [SRCDIR]     (make check runs it)
#
# Quoted includes are resolved as the compiler does with the build's -I
# flags: "dir/file.h" from src/, "file.h" from the including file's folder,
# else from src/common/ (AM_CPPFLAGS puts it on the path).

set -u
src=${1:-${srcdir:-$(cd "$(dirname "$0")/.." && pwd)}}/src
FLOORS="common conf snap guard jool priv acct audit pool check ready proxy report api"

floor() {	# floor FOLDER: its floor number, or nothing
	local i=0 f
	for f in $FLOORS; do
		[ "$f" = "$1" ] && { echo $i; return; }
		i=$((i + 1))
	done
}

edges=$(mktemp)
trap 'rm -f "$edges"' EXIT
for file in "$src"/*.[ch] "$src"/*/*.[ch]; do
	rel=${file#"$src"/}
	case $rel in */*) from=${rel%%/*} ;; *) from=top ;; esac
	sed -n 's/^#include "\([^"]*\)".*/\1/p' "$file" | while read -r inc; do
		if [ -e "$src/$inc" ] && [ "${inc%%/*}" != "$inc" ]; then
			to=${inc%%/*}
		elif [ "$from" != top ] && [ -e "$src/$from/$inc" ]; then
			to=$from
		elif [ -e "$src/common/$inc" ]; then
			to=common
		else
			continue	# config.h, generated
		fi
		[ "$to" != "$from" ] && echo "$from $to $rel $inc"
	done
done | sort -u >"$edges"

echo "The folders of src/, top first, and what each includes:"
bad=0
for f in top $(echo $FLOORS | tr ' ' '\n' | tac); do
	printf '  %-8s -> %s\n' "$f" "$(awk -v f="$f" '$1 == f { print $2 }' \
	    "$edges" | sort -u | tr '\n' ' ')"
done
for f in $(cd "$src" && ls -d */ | tr -d /); do
	if [ -z "$(floor "$f")" ]; then
		echo "FAIL: src/$f/ is on no floor: add it to FLOORS in $0"
		bad=1
	fi
done

# every include goes down a floor or more
while read -r from to rel inc; do
	[ "$from" = top ] && continue
	ff=$(floor "$from")
	ft=$(floor "$to")
	[ -n "$ff" ] && [ -n "$ft" ] || continue
	if [ "$ft" -ge "$ff" ]; then
		echo "FAIL: src/$rel includes \"$inc\": $from/ may include only folders below it"
		bad=1
	fi
done <"$edges"

# and, whatever the floors say, no cycle
if ! awk '{ print $1, $2 }' "$edges" | tsort >/dev/null 2>"$edges.tsort"; then
	echo "FAIL: the folder graph has a cycle:"
	cat "$edges.tsort"
	bad=1
fi
rm -f "$edges.tsort"
n=$(awk '{ print $1, $2 }' "$edges" | sort -u | wc -l)
if [ $bad = 0 ]; then
	echo "folders: $n folder-to-folder edges, all downward, no cycle"
	echo "1 passed, 0 failed"
else
	echo "0 passed, 1 failed"
fi
exit $bad

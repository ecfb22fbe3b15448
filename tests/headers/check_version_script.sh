#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A shared library exports exactly the global names of its version script:
# none missing, none extra, all under the script's version node.
# Usage: check_version_script.sh LIBRARY.so SCRIPT.map
# Exit 77 (skip) without nm.
set -eu

if [ $# -ne 2 ]; then
	echo "usage: $0 LIBRARY.so SCRIPT.map" >&2
	exit 2
fi
lib=$1
map=$2
NM=${NM:-nm}
if ! command -v "$NM" >/dev/null 2>&1; then
	echo "SKIP: $NM not found"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The script's global names: identifiers followed by ';' between "global:"
# and "local:" (comments dropped).
sed 's,/\*.*\*/,,g' "$map" |
	awk '/global:/ { on = 1; next } /local:/ { on = 0 } on' |
	tr -d ' \t;' | grep -v '^$' | sort -u >"$tmp/listed"
node=$(sed 's,/\*.*\*/,,g' "$map" | grep -o '^[A-Za-z_][A-Za-z0-9_]* *{' |
	head -1 | tr -d ' {')

if ! "$NM" -D --defined-only "$lib" >"$tmp/nm"; then
	echo "FAIL: $NM cannot read $lib"
	exit 1
fi
# Drop the version node itself (an absolute symbol) and the linker's own
# section bounds; keep the name and its version.
awk '$2 != "A" { print $NF }' "$tmp/nm" |
	grep -v -e '^_init$' -e '^_fini$' -e '^__start_' -e '^__stop_' \
	    -e '^_edata' -e '^_end' -e '^__bss_start' >"$tmp/raw"
sed 's/@.*//' "$tmp/raw" | sort -u >"$tmp/exported"

status=0
if [ -z "$node" ]; then
	echo "FAIL: no version node in $map"
	status=1
fi
missing=$(comm -23 "$tmp/listed" "$tmp/exported")
extra=$(comm -13 "$tmp/listed" "$tmp/exported")
if [ -n "$missing" ]; then
	echo "FAIL: listed in $map but not exported:"
	echo "$missing" | sed 's/^/  /'
	status=1
fi
if [ -n "$extra" ]; then
	echo "FAIL: exported but not listed in $map:"
	echo "$extra" | sed 's/^/  /'
	status=1
fi
unversioned=$(grep -v "@@$node\$" "$tmp/raw" || true)
if [ -n "$node" ] && [ -n "$unversioned" ]; then
	echo "FAIL: exported without version $node:"
	echo "$unversioned" | sed 's/^/  /'
	status=1
fi
if [ $status -eq 0 ]; then
	echo "OK: $(wc -l <"$tmp/exported") symbols, exactly those of $map," \
	    "all @@$node"
fi
exit $status

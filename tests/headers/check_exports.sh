#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Symbol-visibility check for one shared library: every dynamic symbol it
# defines starts with sp_, every function or object declared SP_EXPORT in
# its own public headers (MUST) is exported, and nothing is exported that
# no public header (MUST or MAY) declares SP_EXPORT.
# Usage: check_exports.sh LIBRARY.so MUST-HEADER-OR-DIR... [-- MAY...]
# A directory stands for the *.h files in it. Exit 77 (skip) without nm.
set -eu

if [ $# -lt 2 ]; then
	echo "usage: $0 LIBRARY.so MUST-HEADER-OR-DIR... [-- MAY...]" >&2
	exit 2
fi
lib=$1
shift
# Expand the arguments into two lists of header files, NUL-free and
# newline-separated (paths with newlines are not supported).
must=
may=
list=must
for a in "$@"; do
	if [ "$a" = -- ]; then
		list=may
		continue
	fi
	if [ -d "$a" ]; then
		set -- "$a"/*.h
		[ -f "$1" ] || continue
	else
		set -- "$a"
	fi
	for h in "$@"; do
		if [ $list = must ]; then
			must="$must$h
"
		else
			may="$may$h
"
		fi
	done
done
if [ -z "$must" ]; then
	echo "FAIL: no headers given for $lib"
	exit 1
fi
NM=${NM:-nm}
if ! command -v "$NM" >/dev/null 2>&1; then
	echo "SKIP: $NM not found"
	exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Defined dynamic symbols, minus those the linker makes on its own: _end
# and friends, and the __start_/__stop_ bounds of sections named like C
# identifiers (e.g. __sancov_cntrs in a -Dfuzzing build). Names with two
# leading underscores are reserved, so no project symbol is dropped.
if ! "$NM" -D --defined-only "$lib" >"$tmp/nm"; then
	echo "FAIL: $NM cannot read $lib"
	exit 1
fi
# A version node (an absolute symbol named after the version script's
# node, e.g. STADSPAS_WALLET_0) is not an export either.
awk '$2 != "A" { print $NF }' "$tmp/nm" |
	sed 's/@.*//' |
	grep -v -x -e _init -e _fini -e _edata -e _end -e __bss_start |
	grep -v -e '^__start_' -e '^__stop_' |
	sort -u >"$tmp/exported"

# Names declared with SP_EXPORT. Comments and preprocessor lines (with
# their continuations) are dropped, the rest is split into declarations
# at ';', and each SP_EXPORT declaration yields the identifier before its
# first '(' (a function) or its last identifier (an object).
declared() {
	awk '
BEGIN { incomment = 0; cont = 0; text = "" }
{
	line = $0
	if (cont) { cont = (line ~ /\\$/); next }
	if (!incomment && line ~ /^[ \t]*#/) { cont = (line ~ /\\$/); next }
	out = ""
	while (line != "") {
		if (incomment) {
			i = index(line, "*/")
			if (i == 0) { line = ""; break }
			line = substr(line, i + 2)
			incomment = 0
			continue
		}
		i = index(line, "/*")
		j = index(line, "//")
		if (j > 0 && (i == 0 || j < i)) {
			out = out substr(line, 1, j - 1)
			line = ""
		} else if (i > 0) {
			out = out substr(line, 1, i - 1) " "
			line = substr(line, i + 2)
			incomment = 1
		} else {
			out = out line
			line = ""
		}
	}
	text = text " " out
}
END {
	n = split(text, decl, ";")
	for (k = 1; k <= n; k++) {
		d = decl[k]
		if (d !~ /(^|[^A-Za-z0-9_])SP_EXPORT([^A-Za-z0-9_]|$)/)
			continue
		if (match(d, /[A-Za-z_][A-Za-z0-9_]*[ \t]*\(/)) {
			name = substr(d, RSTART, RLENGTH)
			sub(/[ \t]*\($/, "", name)
		} else {
			sub(/[ \t]*(\[[^]]*\])?[ \t]*(=.*)?$/, "", d)
			if (!match(d, /[A-Za-z_][A-Za-z0-9_]*$/))
				continue
			name = substr(d, RSTART, RLENGTH)
		}
		print name
	}
}
' "$@"
}
IFS='
'
# shellcheck disable=SC2086 # split on newlines only
declared $must | sort -u >"$tmp/must"
# shellcheck disable=SC2086
declared $must $may | sort -u >"$tmp/declared"
unset IFS

status=0
if [ ! -s "$tmp/must" ]; then
	echo "FAIL: no SP_EXPORT declarations in the MUST headers"
	status=1
fi
if [ ! -s "$tmp/exported" ]; then
	echo "FAIL: $lib exports no symbols"
	status=1
fi

bad=$(grep -v '^sp_' "$tmp/exported" || true)
if [ -n "$bad" ]; then
	echo "FAIL: exported symbols without the sp_ prefix:"
	echo "$bad" | sed 's/^/  /'
	status=1
fi
missing=$(comm -23 "$tmp/must" "$tmp/exported")
if [ -n "$missing" ]; then
	echo "FAIL: declared SP_EXPORT but not exported:"
	echo "$missing" | sed 's/^/  /'
	status=1
fi
extra=$(comm -13 "$tmp/declared" "$tmp/exported" | grep '^sp_' || true)
if [ -n "$extra" ]; then
	echo "FAIL: exported but not declared SP_EXPORT in a public header:"
	echo "$extra" | sed 's/^/  /'
	status=1
fi
if [ $status -eq 0 ]; then
	echo "OK: $(wc -l <"$tmp/exported") exported symbols, all sp_ and" \
	    "declared SP_EXPORT; all $(wc -l <"$tmp/must") of the library's" \
	    "own SP_EXPORT declarations exported"
fi
exit $status

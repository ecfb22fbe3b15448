#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Checks that the example program in docs/API.md is identical to
# examples/api_example.c: takes the first ```c block after the line
# "<!-- example: examples/api_example.c -->" and diffs it against the file.
#   check_api_example.sh [SOURCE_ROOT]
set -eu
root=${1:-$(dirname "$0")/../..}
doc="$root/docs/API.md"
src="$root/examples/api_example.c"
marker='<!-- example: examples/api_example.c -->'

for f in "$doc" "$src"; do
	[ -f "$f" ] || { echo "check_api_example: missing $f" >&2; exit 1; }
done
grep -qxF "$marker" "$doc" || {
	echo "check_api_example: marker line not found in $doc" >&2; exit 1; }

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
awk -v marker="$marker" '
	$0 == marker { seen = 1; next }
	seen == 1 && $0 == "```c" { seen = 2; next }
	seen == 2 && $0 == "```" { done = 1; exit }
	seen == 2 { print }
	END { if (!done) exit 1 }
' "$doc" >"$tmp" || {
	echo "check_api_example: no complete \`\`\`c block after the marker" \
	    "in $doc" >&2; exit 1; }

if ! diff -u "$src" "$tmp"; then
	echo "check_api_example: docs/API.md and examples/api_example.c" \
	    "differ (diff above: - file, + document)" >&2
	exit 1
fi
echo "check_api_example: docs/API.md matches examples/api_example.c"

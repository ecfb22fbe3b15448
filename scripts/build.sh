#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Configures (once) and builds one of the project's build directories.
#   build       gcc, -Werror, debugoptimized (tests, demo)
#   build-asan  clang, AddressSanitizer + UndefinedBehaviorSanitizer
#   build-fuzz  clang, libFuzzer targets
#   build-bench gcc, release (-O2, NDEBUG)
set -eu
dir=${1:-build}
cd "$(dirname "$0")/.."

if [ ! -f "$dir/build.ninja" ]; then
	case "$dir" in
	build)
		CC=${CC:-gcc} meson setup "$dir" -Dwerror=true ;;
	build-asan)
		CC=clang meson setup "$dir" -Dwerror=true \
		    -Db_sanitize=address,undefined -Db_lundef=false \
		    -Dc_args=-fno-sanitize-recover=all -Dexamples=false ;;
	build-fuzz)
		CC=clang meson setup "$dir" -Dfuzzing=true \
		    -Db_sanitize=address,undefined -Db_lundef=false \
		    -Dexamples=false ;;
	build-bench)
		CC=${CC:-gcc} meson setup "$dir" -Dbuildtype=release \
		    -Dtests=disabled -Dexamples=false ;;
	*)
		echo "unknown build dir $dir" >&2; exit 2 ;;
	esac
fi
ninja -C "$dir"

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# make test: every suite (gcc, -Werror), then the unit, vector and corpus
# suites again under ASan+UBSan (clang), then each fuzz target for a bounded
# time. Ends with one line "make test: N passed, N failed".
set -u
cd "$(dirname "$0")/.."
FUZZ_SECONDS=${FUZZ_SECONDS:-10}
fail=0

summary() {
	python3 - "$@" <<'PY'
import json, sys
passed = failed = skipped = 0
for path in sys.argv[1:]:
    try:
        lines = open(path).read().splitlines()
    except OSError:
        continue
    for line in lines:
        r = json.loads(line).get("result")
        if r in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif r == "SKIP":
            skipped += 1
        else:
            failed += 1
print(f"{passed} {failed} {skipped}")
PY
}

echo "== build (gcc, -Werror) =="
scripts/build.sh build || exit 1
echo "== all suites =="
meson test -C build --print-errorlogs --num-processes 2 || fail=1

echo "== unit, vectors, fuzz-corpus, cli, examples under ASan+UBSan (clang) =="
scripts/build.sh build-asan || exit 1
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
meson test -C build-asan --print-errorlogs --num-processes 2 \
    --suite unit --suite vectors --suite fuzz-corpus --suite cli \
    --suite examples || fail=1

echo "== fuzzing, ${FUZZ_SECONDS}s per target =="
scripts/build.sh build-fuzz || exit 1
fuzz_pass=0
fuzz_fail=0
for bin in build-fuzz/tests/fuzz/fuzz_*; do
	[ -f "$bin" ] && [ -x "$bin" ] || continue
	t=${bin##*/fuzz_}
	work=$(mktemp -d)
	if "$bin" -max_total_time="$FUZZ_SECONDS" -timeout=10 \
	    -rss_limit_mb=1024 -print_final_stats=0 \
	    "$work" "tests/fuzz/corpus/$t" >"$work.log" 2>&1; then
		echo "fuzz $t: ok, $(ls "$work" | wc -l) new corpus inputs" \
		    "in ${FUZZ_SECONDS}s"
		fuzz_pass=$((fuzz_pass + 1))
	else
		echo "fuzz $t: FAILED; log follows"
		tail -40 "$work.log"
		fuzz_fail=$((fuzz_fail + 1))
		fail=1
	fi
	rm -rf "$work" "$work.log"
done

set -- $(summary build/meson-logs/testlog.json \
    build-asan/meson-logs/testlog.json)
passed=$(( $1 + fuzz_pass ))
failed=$(( $2 + fuzz_fail ))
[ "$failed" -eq 0 ] || fail=1
echo "make test: $passed passed, $failed failed, $3 skipped"
exit $fail

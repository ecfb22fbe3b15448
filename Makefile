# SPDX-License-Identifier: Apache-2.0
# The README's two commands (make demo, make test) and make bench. Each
# installs missing Debian packages (scripts/deps.sh), configures Meson and
# builds. Build directories: build/ (gcc, -Werror), build-asan/ (clang,
# ASan+UBSan), build-fuzz/ (clang, libFuzzer).

.PHONY: all demo test bench deps build clean

all: build

deps:
	@scripts/deps.sh

build: deps
	@scripts/build.sh build

# The whole flow, narrated (scripts/demo.sh; under a minute). make test runs
# it too (tests/demo).
demo: build
	@scripts/demo.sh build

test: deps
	@scripts/test.sh

bench: deps
	@scripts/build.sh build-bench
	@scripts/bench.sh build-bench

clean:
	rm -rf build build-asan build-fuzz build-bench

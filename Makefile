# The README's commands. Each one first makes sure dependencies are installed (scripts/setup.sh).
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
CMAKE_FLAGS ?=
RUN_ARGS   ?=

.PHONY: all setup setup-test setup-bench build run test test-release test-asan bench fuzz-sql mutants clean

all: build

setup:
	@bash scripts/setup.sh

setup-test:
	@bash scripts/setup.sh --test

setup-bench:
	@bash scripts/setup.sh --bench

$(BUILD)/CMakeCache.txt: | setup
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null

$(ASAN_BUILD)/CMakeCache.txt: | setup
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DLINEAGED_SANITIZE=ON $(CMAKE_FLAGS) >/dev/null

build: setup $(BUILD)/CMakeCache.txt
	@cmake --build $(BUILD) -j $(JOBS) -- --no-print-directory

# An empty database is seeded with the example warehouse, so the dashboard has something to show.
run: build
	./$(BUILD)/lineaged serve --seed-dir examples/finance $(RUN_ARGS)

test-release: setup-test build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: setup-test $(ASAN_BUILD)/CMakeCache.txt
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --output-on-failure -j $(JOBS)

# Release first, then the same suite under AddressSanitizer/UBSan; ctest's summary closes the run.
test: test-release test-asan

# Quick settings; BENCH_FULL=1 for the heavy ones (BENCHMARKS.md).
bench: setup-bench build
	@bash bench/run.sh $(BUILD)

# libFuzzer over the SQL lexer and parser (needs clang); FUZZ_SECONDS bounds the run. UBSan findings abort
# (-fno-sanitize-recover) like ASan's and an input running 60 s is a hang, so libFuzzer stops and keeps it.
FUZZ_SECONDS ?= 300
fuzz-sql: setup
	@mkdir -p $(BUILD)/fuzz-corpus
	clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -D_GNU_SOURCE -Isrc \
		src/util/alloc.c src/util/buf.c src/sql/*.c tests/fuzz/fuzz_sql.c -ljansson -o $(BUILD)/fuzz_sql
	./$(BUILD)/fuzz_sql $(BUILD)/fuzz-corpus tests/fuzz/seeds -max_len=4096 -timeout=60 \
		-max_total_time=$(FUZZ_SECONDS)

# Named one-line mutations of src/, each built in a scratch copy and run against the tests that should
# catch it (tests/mutants/mutations.txt); prints caught/survived. Not part of `make test`.
mutants: setup-test
	@/usr/bin/python3 tests/mutants/run.py

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-mutants

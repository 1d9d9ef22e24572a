#!/usr/bin/env bash
# `make bench`: runs every benchmark program built from bench/*.c. Each prints its own figures
# and starts a server itself when it needs one (LINEAGED_BIN names the binary); bench_ws also
# measures the raw_broadcast baseline server built beside it.
set -euo pipefail
build=${1:-build}
export LINEAGED_BIN="$PWD/$build/lineaged"
shopt -s nullglob
benches=("$build"/bench/bench_*)
((${#benches[@]})) || { echo "no benchmarks built in $build/bench"; exit 0; }
for b in "${benches[@]}"; do
    [[ -x $b ]] || continue
    echo "== $(basename "$b")"
    if [[ $(basename "$b") == bench_ws ]]; then
        # The raw epoll baseline's line just before lineaged's at each level, for the ratio.
        BENCH_SERVER=${BENCH_SERVER:-raw,lineaged} "$b"
    else
        "$b"
    fi
done

#!/usr/bin/env bash
# `make bench`: runs every benchmark program built from bench/*.c, then the scripted scenarios
# (bench/scenario_*.py). Each prints its own figures and starts a server itself when it needs one
# (LINEAGED_BIN names the binary); bench_ws also measures the raw_broadcast baseline server built
# beside it. Quick settings by default; BENCH_FULL=1 for the heavy ones (BENCHMARKS.md).
set -euo pipefail
build=${1:-build}
export LINEAGED_BIN="$PWD/$build/lineaged"
export BENCH_BUILD="$PWD/$build"
export BENCH_FULL=${BENCH_FULL:-0}

# The machine, for BENCHMARKS.md: figures mean little without it on a shared VM.
echo "== machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -n 1)," \
    "$(free -g | awk '/^Mem:/ {print $2}') GiB RAM, load average $(cut -d' ' -f1-3 /proc/loadavg)," \
    "$(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)," \
    "BENCH_FULL=$BENCH_FULL"

shopt -s nullglob
failed=()
benches=("$build"/bench/bench_*)
((${#benches[@]})) || { echo "no benchmarks built in $build/bench"; exit 0; }
for b in "${benches[@]}"; do
    [[ -x $b ]] || continue
    echo "== $(basename "$b")"
    if [[ $(basename "$b") == bench_ws ]]; then
        # Fan-out: raw, Node ws, FastAPI and lineaged at each level in one run, then lineaged's stats
        # tick at 5,000 clients (BENCHMARKS.md#fan-out). Full: up to the 20,000 open-file ceiling.
        if ((BENCH_FULL)); then
            args=(5000 19990)
            vars=("BENCH_ROUNDS=${BENCH_ROUNDS:-20}" "BENCH_STATS_SECONDS=${BENCH_STATS_SECONDS:-10}")
        else
            args=(5000)
            vars=("BENCH_ROUNDS=${BENCH_ROUNDS:-20}")
        fi
        env "${vars[@]}" "BENCH_STATS_CLIENTS=${BENCH_STATS_CLIENTS:-5000}" "$b" "${args[@]}" ||
            failed+=("$(basename "$b")")
        continue
    fi
    # Quick: 16 MB, and 300 small files (each small file is one commit, bound by fsync).
    case $(basename "$b"):$BENCH_FULL in
        bench_ingest:0) args=(16 300) ;;
        bench_ingest:*) args=(64 2000) ;;
        bench_sql:0) args=(16) ;;
        bench_sql:*) args=(64) ;;
        *) args=() ;;
    esac
    "$b" "${args[@]}" || failed+=("$(basename "$b")")
done
# Scenarios driven from Python (BENCHMARKS.md): HTTP with wrk, lineage extraction against sqlglot.
for s in bench/scenario_*.py; do
    echo "== $(basename "$s" .py)"
    /usr/bin/python3 "$s" || failed+=("$(basename "$s" .py)")
done
echo "== load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
# One scenario's failure does not hide the others' figures; the run still fails.
((${#failed[@]} == 0)) || { echo "== failed: ${failed[*]}"; exit 1; }

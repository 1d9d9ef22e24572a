#!/usr/bin/env bash
# Installs what lineaged needs to build, test and run on Debian 12: system packages
# through apt-get, and DuckDB's C library from npm (pinned, integrity-checked).
# Idempotent: when everything is present it only checks and exits in well under a second.
# `setup.sh --test` also installs what the test suite needs: Debian's chromium and, from npm,
# the playwright-core version pinned in package-lock.json. `setup.sh --bench` also installs what
# only `make bench` needs (BENCHMARKS.md): never part of `make test`.
set -euo pipefail

for_tests=0 for_bench=0
case ${1:-} in
    --test) for_tests=1 ;;
    --bench) for_bench=1 ;;
    '') ;;
    *) printf 'setup: unknown option %s (use --test or --bench)\n' "$1" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
deps="$root/deps"

packages=(
    build-essential cmake pkg-config openssl ca-certificates
    libwebsockets-dev libwebsockets-evlib-uv libuv1-dev liburing-dev libssl-dev libjansson-dev libgit2-dev libcmocka-dev
    python3 python3-websockets git
)

say() { printf 'setup: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

missing_packages() {
    local status
    for p in "$@"; do
        status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
        [[ $status == "install ok installed" ]] || printf '%s\n' "$p"
    done
}

install_packages() {
    local missing
    mapfile -t missing < <(missing_packages "$@")
    ((${#missing[@]})) || return 0
    if [[ $(id -u) -ne 0 ]]; then
        if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
            apt() { sudo "$@"; }
        else
            die "missing Debian packages: ${missing[*]} (run: sudo apt-get install ${missing[*]})"
        fi
    else
        apt() { "$@"; }
    fi
    say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt apt-get update -qq >/dev/null
    apt apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

command -v dpkg-query >/dev/null || die "this set-up needs Debian (dpkg-query not found); install by hand: ${packages[*]}"
install_packages "${packages[@]}"
command -v npm >/dev/null || install_packages nodejs npm

if ((for_tests)); then
    install_packages chromium fonts-dejavu-core
    lock_stamp="$root/node_modules/.lineaged-lock"
    lock_sum=$(sha256sum "$root/package-lock.json" | cut -d' ' -f1)
    if [[ ! -f $lock_stamp || $(cat "$lock_stamp") != "$lock_sum" ]]; then
        say "installing test packages from npm (package-lock.json)"
        (cd "$root" && npm ci --no-audit --no-fund --silent) || die "npm ci failed"
        printf '%s\n' "$lock_sum" >"$lock_stamp"
    fi
fi

if ((for_bench)); then
    # HTTP load client, and the Python SQL parser lineaged's extraction is compared with.
    install_packages wrk python3-sqlglot
    # Fan-out peers (bench/peers/): FastAPI on uvicorn with the uvloop and httptools it picks up, and
    # Node's ws at the version pinned in bench/peers/node/package-lock.json.
    install_packages python3-fastapi python3-uvicorn python3-uvloop python3-httptools
    peer_dir="$root/bench/peers/node"
    peer_stamp="$peer_dir/node_modules/.lineaged-lock"
    peer_sum=$(sha256sum "$peer_dir/package-lock.json" | cut -d' ' -f1)
    if [[ ! -f $peer_stamp || $(cat "$peer_stamp") != "$peer_sum" ]]; then
        say "installing the Node fan-out peer's packages from npm (bench/peers/node/package-lock.json)"
        (cd "$peer_dir" && npm ci --no-audit --no-fund --silent) || die "npm ci in bench/peers/node failed"
        printf '%s\n' "$peer_sum" >"$peer_stamp"
    fi
fi

# DuckDB 1.4.4 LTS: libduckdb.so from the Node bindings package, duckdb.h from the duckdb package.
duckdb_version=1.4.4
case "$(dpkg --print-architecture)" in
    amd64)
        bindings=@duckdb/node-bindings-linux-x64@1.4.4-r.4
        bindings_sri=sha512-jBTL/WvfwxLToFa/pVHfT6elMtltJGnc3wSuxZD9OfMltit9YUdVFS37vBFQzXMT1Z8OWjtSjMh+zPKxOwHLHA==
        ;;
    arm64)
        bindings=@duckdb/node-bindings-linux-arm64@1.4.4-r.3
        bindings_sri=sha512-qF2/WhB+i+8is60RrpTY/5ZnywIUayuBiVXSuQ4rrRn1m1gvfKqPvjySbiDjYgQo/6OXu/fax0KC1gXnNWoLEA==
        ;;
    *) die "no DuckDB build for architecture $(dpkg --print-architecture) (amd64 and arm64 are supported)" ;;
esac
header_pkg=duckdb@$duckdb_version
header_sri=sha512-hEJJ5hyVF0VLj3dmOLpsWrQR0b3d4Ykqtygm6iUXjHJDDnSqg/USKxcb5qvNrOhFYPgktayU6dXCtgPqcmmpog==

stamp="$deps/duckdb/.installed"
want="$bindings $header_pkg"
if [[ -f $stamp && $(cat "$stamp") == "$want" && -f $deps/duckdb/lib/libduckdb.so && -f $deps/duckdb/include/duckdb.h ]]; then
    exit 0
fi

fetch() { # package spec, expected SRI, destination for the tarball path
    local spec=$1 sri=$2 dir=$3 file got
    file=$(cd "$dir" && npm pack --silent "$spec" 2>"$dir/npm.err" | tail -n 1) ||
        die "npm pack $spec failed: $(tail -n 1 "$dir/npm.err")"
    got="sha512-$(openssl dgst -sha512 -binary "$dir/$file" | base64 -w0)"
    [[ $got == "$sri" ]] || die "integrity mismatch for $spec: expected $sri, got $got"
    printf '%s\n' "$dir/$file"
}

say "fetching DuckDB $duckdb_version from npm ($bindings, $header_pkg)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
lib_tgz=$(fetch "$bindings" "$bindings_sri" "$tmp")
hdr_tgz=$(fetch "$header_pkg" "$header_sri" "$tmp")
tar -xzf "$lib_tgz" -C "$tmp" package/libduckdb.so package/LICENSE
tar -xzf "$hdr_tgz" -C "$tmp" package/src/duckdb/src/include/duckdb.h
rm -rf "$deps/duckdb"
mkdir -p "$deps/duckdb/lib" "$deps/duckdb/include"
mv "$tmp/package/libduckdb.so" "$deps/duckdb/lib/"
mv "$tmp/package/LICENSE" "$deps/duckdb/"
mv "$tmp/package/src/duckdb/src/include/duckdb.h" "$deps/duckdb/include/"
printf '%s\n' "$want" >"$stamp"
say "DuckDB installed in $deps/duckdb"

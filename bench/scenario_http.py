"""HTTP: wrk (Debian) on GET /api/v1/stats and GET /health of a lineaged whose graph holds
BENCH_HTTP_NODES nodes (1,000,000), client and server sharing the machine's cores.

The graph is real: bench/gen_sql.py writes SQL whose lineage has that many nodes and
`lineaged ingest` stores it (kept in build/bench-data/ and reused while the generator is
unchanged); the server's own /api/v1/stats must report at least that many nodes.
Per run: requests/s, p99 latency, and the CPU time per request of the server (/proc) and of wrk.
Environment: BENCH_HTTP_NODES (1000000), BENCH_HTTP_RUNS (3; full 5), BENCH_HTTP_SECONDS (5; full
10), BENCH_HTTP_CONNECTIONS (32), BENCH_HTTP_THREADS (2).
BENCH_HTTP_BASELINE=/path/to/an/older/lineaged serves a copy of the same database beside this one and
every run is made against both, in alternating order, so the two are compared under the same load.
"""

import hashlib
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import benchlib
import gen_sql

TICKS = os.sysconf("SC_CLK_TCK")
ENDPOINTS = ("/api/v1/stats", "/health")
TARGET_RPS, TARGET_P99_MS = 50000, 5.0


def graph_db(nodes):
    """A database whose graph has `nodes` nodes, ingested again when the generator changed."""
    with open(gen_sql.__file__, "rb") as f:
        stamp = f"{hashlib.sha256(f.read()).hexdigest()} {nodes}"
    out = os.path.join(benchlib.DATA, f"graph-{nodes}")
    db, stamp_path = os.path.join(out, "graph.duckdb"), os.path.join(out, ".stamp")
    if os.path.exists(stamp_path) and open(stamp_path).read() == stamp and os.path.exists(db):
        return db
    shutil.rmtree(out, ignore_errors=True)
    files, size = gen_sql.graph(os.path.join(out, "sql"), nodes)
    log_path = os.path.join(out, "ingest.log")
    with open(log_path, "w") as log:
        m = benchlib.run([benchlib.LINEAGED, "ingest", "--db", db, os.path.join(out, "sql")], stdout=log, stderr=log,
                         timeout=1800)
    if m.status != 0:
        sys.exit(f"lineaged ingest failed with status {m.status}:\n{open(log_path).read()[-2000:]}")
    print(f"  generated and ingested {files} files, {size / 1048576:.1f} MB: {m.wall:.1f} s wall, {m.cpu:.1f} CPU-s,"
          f" peak RSS {m.rss_mb:.0f} MB")
    with open(stamp_path, "w") as f:
        f.write(stamp)
    return db


def free_port():
    for _ in range(100):
        port = random.randrange(20000, 32000)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    sys.exit("no free port")


def get(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime


def parse_wrk(text):
    def ms(value, unit):
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    total = re.search(r"(\d+) requests in", text)
    if not (rps and p99 and total):
        sys.exit(f"cannot read wrk's output:\n{text}")
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    errors = re.search(r"Socket errors: (.*)", text)
    return {"rps": float(rps.group(1)), "p99_ms": ms(*p99.groups()), "requests": int(total.group(1)),
            "non2xx": int(bad.group(1)) if bad else 0, "socket_errors": errors.group(1) if errors else ""}


def start_server(binary, db, tmp, conns):
    port = free_port()
    os.makedirs(tmp, exist_ok=True)
    log_path = os.path.join(tmp, "server.log")
    # One client address: the per-address HTTP cap must let every wrk connection in.
    cmd = [binary, "serve", "--host", "127.0.0.1", "--port", str(port), "--db", db,
           "--data-dir", os.path.join(tmp, "data"), "--max-http-per-ip", str(conns + 8)]
    with open(log_path, "w") as log:
        server = subprocess.Popen(cmd, stdout=log, stderr=log)
    server.port, server.log_path = port, log_path
    return server


def wait_ready(server, nodes):
    started = time.monotonic()
    while True:
        if server.poll() is not None:
            sys.exit(f"the server exited with {server.returncode}:\n{open(server.log_path).read()[-2000:]}")
        try:
            if get(server.port, "/health")[0] == 200:
                break
        except OSError:
            pass
        if time.monotonic() - started > 600:
            sys.exit("the server did not answer /health within 600 s")
        time.sleep(0.2)
    # The graph index is read on threads of its own after the server listens: measuring before it is
    # done would count that work as the requests' CPU.
    built = re.compile(r"graph\.rebuilt nodes=\d+ edges=\d+.*? ms=([\d.]+)")
    while not (rebuilt := built.search(open(server.log_path).read())):
        if server.poll() is not None or time.monotonic() - started > 600:
            sys.exit(f"the graph index was not built:\n{open(server.log_path).read()[-2000:]}")
        time.sleep(0.2)
    stats = json.loads(get(server.port, "/api/v1/stats")[1])
    print(f"  server ready in {time.monotonic() - started:.1f} s (index built in "
          f"{float(rebuilt.group(1)) / 1000:.1f} s),"
          f" /api/v1/stats: {stats['totalNodes']} nodes, {stats['totalEdges']} edges,"
          f" {stats['filesProcessed']} files; RSS {rss_mb(server.pid):.0f} MB")
    if stats["totalNodes"] < nodes:
        sys.exit(f"the graph has {stats['totalNodes']} nodes, fewer than {nodes}")


def stop_server(server):
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def wrk_run(server, endpoint, threads, conns, seconds, tmp):
    out = os.path.join(tmp, "wrk.txt")
    before = cpu_ticks(server.pid)
    with open(out, "w") as f:
        m = benchlib.run(["wrk", f"-t{threads}", f"-c{conns}", f"-d{seconds}s", "--latency",
                          f"http://127.0.0.1:{server.port}{endpoint}"], stdout=f, timeout=seconds + 60)
    server_cpu = (cpu_ticks(server.pid) - before) / TICKS
    r = parse_wrk(open(out).read())
    if m.status != 0 or r["non2xx"] or r["socket_errors"]:
        sys.exit(f"wrk on {endpoint}: status {m.status}, {r['non2xx']} non-2xx, errors {r['socket_errors']}")
    r["server_us"] = server_cpu * 1e6 / r["requests"]
    r["client_us"] = m.cpu * 1e6 / r["requests"]
    return r


def summary(rs):
    return {k: benchlib.median([r[k] for r in rs]) for k in ("rps", "p99_ms", "server_us", "client_us")}


def main():
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (run: bash scripts/setup.sh --bench)")
    nodes = benchlib.setting("BENCH_HTTP_NODES", 1000000, 1000000)
    runs = benchlib.setting("BENCH_HTTP_RUNS", 3, 5)
    seconds = benchlib.setting("BENCH_HTTP_SECONDS", 5, 10)
    conns = benchlib.setting("BENCH_HTTP_CONNECTIONS", 32, 32)
    threads = benchlib.setting("BENCH_HTTP_THREADS", 2, 2)
    baseline = os.environ.get("BENCH_HTTP_BASELINE")
    if baseline and not os.access(baseline, os.X_OK):
        sys.exit(f"BENCH_HTTP_BASELINE={baseline} is not an executable")
    db = graph_db(nodes)
    tmp = tempfile.mkdtemp(prefix="lineaged-bench-http-")
    servers = {}
    try:
        servers["lineaged"] = start_server(benchlib.LINEAGED, db, os.path.join(tmp, "lineaged"), conns)
        if baseline:
            # DuckDB locks its file: the baseline serves a copy of the same graph.
            os.makedirs(os.path.join(tmp, "baseline"))
            copy = shutil.copy(db, os.path.join(tmp, "baseline", "graph.duckdb"))
            servers["baseline"] = start_server(baseline, copy, os.path.join(tmp, "baseline"), conns)
        for name, server in servers.items():
            wait_ready(server, nodes)
        order = list(servers)
        print(f"  wrk -t{threads} -c{conns} -d{seconds}s --latency, {runs} runs per endpoint, endpoints alternating"
              f"{', each run against ' + ' and '.join(order) + ' in alternating order' if baseline else ''};"
              f" load {benchlib.load_average()}")
        results = {(n, e): [] for n in order for e in ENDPOINTS}
        for run in range(runs):
            for endpoint in ENDPOINTS:
                for name in order if run % 2 == 0 else reversed(order):
                    results[(name, endpoint)].append(wrk_run(servers[name], endpoint, threads, conns, seconds, tmp))
        for endpoint in ENDPOINTS:
            for name in order:
                rs = results[(name, endpoint)]
                m = summary(rs)
                verdict = ("met" if m["rps"] >= TARGET_RPS and m["p99_ms"] < TARGET_P99_MS else
                           f"MISSED (req/s {m['rps'] / TARGET_RPS:.2f}x of target,"
                           f" p99 {m['p99_ms'] / TARGET_P99_MS:.2f}x of bound)")
                label = f"{name:<9}" if baseline else ""
                print(f"  GET {endpoint:<14} {label}median {m['rps']:9.0f} req/s  p99 {m['p99_ms']:6.2f} ms  server"
                      f" {m['server_us']:5.1f} CPU-us/req (= {m['server_us'] / 10:5.2f} CPU-s per 100,000 requests)"
                      f"  wrk {m['client_us']:5.1f} CPU-us/req   target {verdict}")
                print("      runs: " + "; ".join(f"{r['rps']:.0f} req/s p99 {r['p99_ms']:.2f} ms"
                                                 f" {r['server_us']:.1f} us" for r in rs))
            if baseline:
                new, old = summary(results[("lineaged", endpoint)]), summary(results[("baseline", endpoint)])
                print(f"  GET {endpoint:<14} lineaged / baseline: req/s {new['rps'] / old['rps']:.2f}x,"
                      f" server CPU per request {new['server_us'] / old['server_us']:.2f}x,"
                      f" p99 {new['p99_ms'] / old['p99_ms']:.2f}x")
        print(f"  load {benchlib.load_average()}")
    finally:
        for server in servers.values():
            stop_server(server)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        kb = re.search(r"VmRSS:\s+(\d+) kB", f.read())
    return int(kb.group(1)) / 1024 if kb else float("nan")


if __name__ == "__main__":
    sys.exit(main())

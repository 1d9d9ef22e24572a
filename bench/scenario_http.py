"""HTTP: wrk (Debian) on GET /api/v1/stats and GET /health of a lineaged whose graph holds
BENCH_HTTP_NODES nodes (1,000,000), client and server sharing the machine's cores.

The graph is real: bench/gen_sql.py writes SQL whose lineage has that many nodes and
`lineaged ingest` stores it (kept in build/bench-data/ and reused while the generator is
unchanged); the server's own /api/v1/stats must report at least that many nodes.
Per run: requests/s, p99 latency, and the CPU time per request of the server (/proc) and of wrk.
Environment: BENCH_HTTP_NODES (1000000), BENCH_HTTP_RUNS (3; full 5), BENCH_HTTP_SECONDS (5; full
10), BENCH_HTTP_CONNECTIONS (32), BENCH_HTTP_THREADS (2).
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


def main():
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (run: bash scripts/setup.sh --bench)")
    nodes = benchlib.setting("BENCH_HTTP_NODES", 1000000, 1000000)
    runs = benchlib.setting("BENCH_HTTP_RUNS", 3, 5)
    seconds = benchlib.setting("BENCH_HTTP_SECONDS", 5, 10)
    conns = benchlib.setting("BENCH_HTTP_CONNECTIONS", 32, 32)
    threads = benchlib.setting("BENCH_HTTP_THREADS", 2, 2)
    db = graph_db(nodes)
    tmp = tempfile.mkdtemp(prefix="lineaged-bench-http-")
    port = free_port()
    log_path = os.path.join(tmp, "server.log")
    # One client address: the per-address HTTP cap must let every wrk connection in.
    cmd = [benchlib.LINEAGED, "serve", "--host", "127.0.0.1", "--port", str(port), "--db", db,
           "--data-dir", os.path.join(tmp, "data"), "--max-http-per-ip", str(conns + 8)]
    with open(log_path, "w") as log:
        server = subprocess.Popen(cmd, stdout=log, stderr=log)
    try:
        started = time.monotonic()
        while True:
            if server.poll() is not None:
                sys.exit(f"the server exited with {server.returncode}:\n{open(log_path).read()[-2000:]}")
            try:
                if get(port, "/health")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() - started > 600:
                sys.exit("the server did not answer /health within 600 s")
            time.sleep(0.2)
        rebuilt = re.search(r"graph\.rebuilt nodes=\d+ edges=\d+.*? ms=([\d.]+)", open(log_path).read())
        stats = json.loads(get(port, "/api/v1/stats")[1])
        print(f"  server ready in {time.monotonic() - started:.1f} s (index built in "
              f"{float(rebuilt.group(1)) / 1000 if rebuilt else float('nan'):.1f} s),"
              f" /api/v1/stats: {stats['totalNodes']} nodes, {stats['totalEdges']} edges,"
              f" {stats['filesProcessed']} files; RSS {rss_mb(server.pid):.0f} MB")
        if stats["totalNodes"] < nodes:
            sys.exit(f"the graph has {stats['totalNodes']} nodes, fewer than {nodes}")
        print(f"  wrk -t{threads} -c{conns} -d{seconds}s --latency, {runs} runs per endpoint, alternating;"
              f" load {benchlib.load_average()}")
        results = {e: [] for e in ENDPOINTS}
        for _ in range(runs):
            for endpoint in ENDPOINTS:
                out = os.path.join(tmp, "wrk.txt")
                before = cpu_ticks(server.pid)
                with open(out, "w") as f:
                    m = benchlib.run(["wrk", f"-t{threads}", f"-c{conns}", f"-d{seconds}s", "--latency",
                                      f"http://127.0.0.1:{port}{endpoint}"], stdout=f, timeout=seconds + 60)
                server_cpu = (cpu_ticks(server.pid) - before) / TICKS
                r = parse_wrk(open(out).read())
                if m.status != 0 or r["non2xx"] or r["socket_errors"]:
                    sys.exit(f"wrk on {endpoint}: status {m.status}, {r['non2xx']} non-2xx, errors {r['socket_errors']}")
                r["server_us"] = server_cpu * 1e6 / r["requests"]
                r["client_us"] = m.cpu * 1e6 / r["requests"]
                results[endpoint].append(r)
        for endpoint in ENDPOINTS:
            rs = results[endpoint]
            rps = benchlib.median([r["rps"] for r in rs])
            p99 = benchlib.median([r["p99_ms"] for r in rs])
            srv = benchlib.median([r["server_us"] for r in rs])
            cli = benchlib.median([r["client_us"] for r in rs])
            verdict = ("met" if rps >= TARGET_RPS and p99 < TARGET_P99_MS else
                       f"MISSED (req/s {rps / TARGET_RPS:.2f}x of target, p99 {p99 / TARGET_P99_MS:.2f}x of bound)")
            print(f"  GET {endpoint:<14} median {rps:9.0f} req/s  p99 {p99:6.2f} ms  server {srv:5.1f} CPU-us/req"
                  f" (= {1e6 / srv:6.0f} req per server CPU-s)  wrk {cli:5.1f} CPU-us/req   target {verdict}")
            print("      runs: " + "; ".join(f"{r['rps']:.0f} req/s p99 {r['p99_ms']:.2f} ms" for r in rs))
        print(f"  load {benchlib.load_average()}")
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        kb = re.search(r"VmRSS:\s+(\d+) kB", f.read())
    return int(kb.group(1)) / 1024 if kb else float("nan")


if __name__ == "__main__":
    sys.exit(main())

"""Export requests on one database, first and repeated, two builds of lineaged alternately (not part of
`make bench`: it is a before/after check of the export cache, docs/queries.md "Export").

  /usr/bin/python3 bench/export_repeat.py OLD_BINARY NEW_BINARY DB [PAIRS]

Each binary serves its own copy of DB (a DuckDB file lineaged ingest filled, e.g. the 1,000,000-node
graph of `bench/gen_sql.py graph DIR 1000000`), once per pair, the order alternating; after the graph
is read it asks GET /api/v1/export/csv, then /api/v1/export/openlineage, three times each, and prints
per request: status, bytes, the server's CPU-seconds (user + system, /proc/PID/stat around the
request) and wall seconds, with the load average when the server started.
"""

import http.client
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

TICK = os.sysconf("SC_CLK_TCK")


def cpu(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / TICK


def get(port, path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, len(r.read())
    finally:
        c.close()


def run(binary, db, tmp, label, reps=3):
    port = random.randrange(20000, 32000)
    with open(os.path.join(tmp, f"{label}.log"), "w") as log:
        p = subprocess.Popen([binary, "serve", "--port", str(port), "--db", db, "--data-dir",
                              os.path.join(tmp, "data-" + label)], stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 600
        while True:
            if p.poll() is not None:
                raise RuntimeError(f"{label} exited: see {tmp}/{label}.log")
            try:
                if get(port, "/api/v1/search?q=a&limit=1")[0] != 503:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{label}: the graph was not read in 600 s")
            time.sleep(0.2)
        rows = []
        for fmt in ("csv", "openlineage"):
            for i in range(reps):
                c0, w0 = cpu(p.pid), time.monotonic()
                status, n = get(port, f"/api/v1/export/{fmt}")
                rows.append((fmt, i, status, n, round(cpu(p.pid) - c0, 3), round(time.monotonic() - w0, 3)))
        return rows
    finally:
        p.terminate()
        p.wait()


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    old, new, db = sys.argv[1:4]
    pairs = int(sys.argv[4]) if len(sys.argv) == 5 else 2
    with tempfile.TemporaryDirectory(prefix="export-repeat-") as tmp:
        copies = {}
        for label in ("old", "new"):
            copies[label] = os.path.join(tmp, f"{label}.duckdb")
            shutil.copyfile(db, copies[label])
        for k in range(pairs):
            order = [("old", old), ("new", new)]
            if k % 2:
                order.reverse()
            for label, binary in order:
                load = " ".join(open("/proc/loadavg").read().split()[:3])
                for fmt, i, status, n, cpu_s, wall in run(binary, copies[label], tmp, label):
                    print(f"pair {k} {label} {fmt} request {i + 1}: {status} {n} bytes, {cpu_s} CPU-s, {wall} s wall"
                          f" (load {load})", flush=True)


if __name__ == "__main__":
    main()

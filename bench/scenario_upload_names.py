"""Many files with long names in one upload: the server's peak RSS (VmHWM) before the upload and once its
ingestion_complete has arrived, with one dashboard client connected as the page would be.
Where that memory goes, measured: BENCHMARKS.md "Upload of many long names". Environment: BENCH_NAMES_FILES
(3000), BENCH_NAMES_BYTES (200), BENCH_NAMES_RUNS (1; full 3), BENCH_NAMES_DB (a database file under a
temporary folder; ":memory:" for DuckDB without its limit).
"""

import asyncio
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid

import benchlib


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status_kb(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def body(n, name_bytes):
    """n small SQL files, each named by a folder path of name_bytes bytes ending in its number."""
    boundary = "----lineagedbench" + uuid.uuid4().hex
    parts = []
    for i in range(n):
        tail = f"/f{i:05d}.sql"
        name = ("wh/" + "long_folder_name_" * 20)[: name_bytes - len(tail)] + tail
        sql = f"INSERT INTO mart.t{i % 500} SELECT a, b FROM raw.s{i % 700} WHERE a > {i};\n"
        parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
                     f"Content-Type: application/octet-stream\r\n\r\n{sql}\r\n")
    parts.append(f"--{boundary}--\r\n")
    return "".join(parts).encode(), f"multipart/form-data; boundary={boundary}"


async def upload_and_wait(port, data, ctype):
    import websockets  # Debian's python3-websockets, as the tests use

    async with websockets.connect(f"ws://127.0.0.1:{port}/admin/ws/dashboard", max_size=None) as ws:
        await ws.recv()  # connection_ack
        loop = asyncio.get_running_loop()

        def post():
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
            c.request("POST", "/api/v1/files/upload", body=data, headers={"Content-Type": ctype})
            r = c.getresponse()
            doc = json.loads(r.read())
            c.close()
            if r.status != 202:
                sys.exit(f"upload refused: {r.status} {doc}")
            return doc["ingestion_id"]

        ing = await loop.run_in_executor(None, post)
        biggest = 0
        while True:
            msg = await asyncio.wait_for(ws.recv(), 600)
            biggest = max(biggest, len(msg))
            ev = json.loads(msg)
            if ev["type"] == "ingestion_complete" and ev["data"]["ingestion_id"] == ing:
                return ev["data"], biggest


def one_run(n, name_bytes):
    data, ctype = body(n, name_bytes)
    with tempfile.TemporaryDirectory(prefix="lineaged-bench-names-") as tmp:
        port = free_port()
        cmd = [benchlib.LINEAGED, "serve", "--host", "127.0.0.1", "--port", str(port), "--db",
               os.environ.get("BENCH_NAMES_DB") or os.path.join(tmp, "lineage.duckdb"), "--data-dir", tmp, "--stats-interval", "1"]
        with open(os.path.join(tmp, "server.log"), "w") as log:
            proc = subprocess.Popen(cmd, stdout=log, stderr=log)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        break
                except OSError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        sys.exit("the server did not listen")
                    time.sleep(0.05)
            time.sleep(0.5)
            before = status_kb(proc.pid, "VmHWM")
            cpu0 = cpu_seconds(proc.pid)
            done, biggest = asyncio.run(upload_and_wait(port, data, ctype))
            after = status_kb(proc.pid, "VmHWM")
            rss = status_kb(proc.pid, "VmRSS")
            cpu = cpu_seconds(proc.pid) - cpu0
        finally:
            proc.terminate()
            proc.wait(30)
    if done["files_processed"] != n:
        sys.exit(f"only {done['files_processed']} of {n} files processed: {done.get('errors')}")
    return before / 1024, after / 1024, rss / 1024, cpu, biggest


def main():
    n = benchlib.setting("BENCH_NAMES_FILES", 3000, 3000)
    name_bytes = benchlib.setting("BENCH_NAMES_BYTES", 200, 200)
    runs = benchlib.setting("BENCH_NAMES_RUNS", 1, 3)
    print(f"{n} files with {name_bytes}-byte names in one upload, {runs} run(s), load average {benchlib.load_average()}")
    for _ in range(runs):
        before, after, rss, cpu, biggest = one_run(n, name_bytes)
        print(f"peak RSS {before:.1f} MB before, {after:.1f} MB after (+{after - before:.1f} MB); RSS at the end"
              f" {rss:.1f} MB; server {cpu:.2f} CPU-s; largest event {biggest / 1024:.0f} KiB")


if __name__ == "__main__":
    main()

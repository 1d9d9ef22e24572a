"""Shutdown: SIGTERM to exit, the README's "exits 0 within two seconds", idle and with WebSocket clients
that answer the close (1001) as browsers do. A timing target, so here and not in the tests
(tests/integration/test_shutdown.py checks the order of events and that no client is waited out).
Per run: wall seconds from the signal to the exit (a promise in wall time, so wall time here).
Environment: BENCH_SHUTDOWN_CLIENTS (100; full 1000), BENCH_SHUTDOWN_RUNS (5; full 9).
"""

import asyncio
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time

import benchlib

TARGET_S = 2.0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, proc, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"the server exited with {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    sys.exit("the server did not listen within 60 s")


async def clients_then_signal(port, n, proc):
    """Opens n clients, sends SIGTERM, lets each answer the close; returns seconds from signal to exit."""
    import websockets  # Debian's python3-websockets, as the tests use

    url = f"ws://127.0.0.1:{port}/admin/ws/dashboard"
    conns = [await websockets.connect(url, open_timeout=30, max_size=None) for _ in range(n)]
    for c in conns:
        await c.recv()  # connection_ack

    async def drain(c):
        try:
            while True:
                await c.recv()
        except websockets.ConnectionClosed:
            pass

    readers = [asyncio.ensure_future(drain(c)) for c in conns]
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    await asyncio.gather(*readers)
    while proc.poll() is None:
        await asyncio.sleep(0.005)
    return time.monotonic() - t0


def one_run(n):
    with tempfile.TemporaryDirectory(prefix="lineaged-bench-shutdown-") as tmp:
        port = free_port()
        cmd = [benchlib.LINEAGED, "serve", "--host", "127.0.0.1", "--port", str(port), "--db", ":memory:",
               "--data-dir", tmp, "--max-conn-per-ip", str(max(10, n)), "--stats-interval", "30"]
        with open(os.path.join(tmp, "server.log"), "w") as log:
            proc = subprocess.Popen(cmd, stdout=log, stderr=log)
        wait_listening(port, proc)
        if n:
            took = asyncio.run(clients_then_signal(port, n, proc))
        else:
            t0 = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            proc.wait(60)
            took = time.monotonic() - t0
        if proc.returncode != 0:
            sys.exit(f"the server exited with {proc.returncode}")
        return took


def main():
    clients = benchlib.setting("BENCH_SHUTDOWN_CLIENTS", 100, 1000)
    runs = benchlib.setting("BENCH_SHUTDOWN_RUNS", 5, 9)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * clients + 256)), hard))
    print(f"load average {benchlib.load_average()}; {runs} runs each; target: exit within {TARGET_S} s")
    worst = 0.0
    for n in (0, clients):
        walls = []
        for _ in range(runs):
            took = one_run(n)
            walls.append(took)
        worst = max(worst, benchlib.median(walls))
        print(f"  {n:5d} clients: SIGTERM to exit median {benchlib.median(walls):.3f} s, "
              f"max {max(walls):.3f} s (runs: {' '.join(f'{w:.3f}' for w in walls)})")
    print(f"load average {benchlib.load_average()}; median within target: {'yes' if worst <= TARGET_S else 'NO'}")
    if worst > TARGET_S:
        sys.exit(1)


if __name__ == "__main__":
    main()

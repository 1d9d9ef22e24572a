"""Shared by the scripted scenarios (bench/scenario_*.py): settings, measured child processes."""

import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BENCH_BUILD", os.path.join(ROOT, "build"))
LINEAGED = os.environ.get("LINEAGED_BIN", os.path.join(BUILD, "lineaged"))
FULL = os.environ.get("BENCH_FULL", "0") not in ("", "0")
# Generated inputs are kept between runs (they are deterministic): build/bench-data/.
DATA = os.path.join(BUILD, "bench-data")


def setting(name, quick, full):
    """An integer from the environment, else the quick or the full default."""
    value = os.environ.get(name)
    if value is None:
        return full if FULL else quick
    if not value.isdigit() or int(value) < 1:
        sys.exit(f"{name} must be a positive integer, not {value!r}")
    return int(value)


class Measured:
    """A finished child: exit status, wall seconds, CPU seconds (user + system), peak RSS in MB."""

    def __init__(self, status, wall, cpu, rss_mb):
        self.status, self.wall, self.cpu, self.rss_mb = status, wall, cpu, rss_mb


def run(cmd, stdout=subprocess.DEVNULL, stderr=None, timeout=900):
    """Runs cmd to the end (killed after `timeout` seconds) and measures it with wait4's rusage."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=stderr)
    deadline = start + timeout
    while True:
        pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            proc.kill()
            _, status, ru = os.wait4(proc.pid, 0)
            break
        time.sleep(0.01)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Measured(proc.returncode, time.monotonic() - start, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024)


def median(values):
    return statistics.median(values) if values else float("nan")


def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])

"""Black-box harness: runs the real lineaged binary on a free loopback port."""

import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.parse

BIN = os.environ.get("LINEAGED_BIN", os.path.join(os.path.dirname(__file__), "../../build/lineaged"))
# How long a wait for what will happen (a start, an answer) may take before it counts as a hang: generous,
# since each ends as soon as its condition holds; the suite runs under ASan on machines at load 15-28.
WAIT_S = 60


def free_port(host="127.0.0.1"):
    """A port below the ephemeral range: a closed client socket's TIME_WAIT there would block the listen.
    Free now, not reserved: Server.start() retries on another port when a race takes it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for _ in range(200):
        port = random.randrange(20000, 32000)
        with socket.socket(family, socket.SOCK_STREAM) as s:
            try:
                s.bind((host, port))
                return port
            except OSError:
                continue
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def run_cli(*args, env=None, timeout=30, cwd=None):
    """Runs `lineaged ARGS`; returns CompletedProcess with text stdout/stderr."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=timeout, env=full_env, cwd=cwd)


def read_responses(sock, n):
    """Reads from `sock` until `n` HTTP/1.1 status lines have arrived or the peer closes."""
    data = b""
    while data.count(b"HTTP/1.1 ") < n:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def trickle_header_lines(sock, seconds):
    """A header line every 0.3 s until the server closes or `seconds` pass; returns (closed, what came)."""
    deadline = time.monotonic() + seconds
    got = b""
    sock.settimeout(0.3)
    while time.monotonic() < deadline:
        try:
            sock.sendall(b"X-Slow: y\r\n")
            chunk = sock.recv(4096)
        except socket.timeout:
            continue
        except OSError:
            return True, got
        if not chunk:
            return True, got
        got += chunk
    return False, got


def migrations_logged(log):
    """The schema versions a server log says it migrated to, in order (store.migrated version=N)."""
    return [int(m) for m in re.findall(r"store\.migrated version=(\d+)", log)]


class PortTaken(RuntimeError):
    """The server exited because another process took its port first."""


class Server:
    """`with Server(args) as srv:` starts `lineaged serve` and stops it with SIGTERM at the end."""

    def __init__(self, *args, db=None, env=None, host="127.0.0.1", wait=True, preexec_fn=None):
        self.tmp = tempfile.TemporaryDirectory(prefix="lineaged-test-")
        self.host = host
        self.port = free_port(host)
        self.db = db or os.path.join(self.tmp.name, "lineage.duckdb")
        self.args = ["serve", "--host", host, "--port", str(self.port), "--db", self.db,
                     "--data-dir", os.path.join(self.tmp.name, "data"), *args]
        self.env = dict(os.environ)
        self.env.update(env or {})
        self.log_path = os.path.join(self.tmp.name, "server.log")
        self.proc = None
        self.wait = wait
        self.preexec_fn = preexec_fn  # e.g. lowers RLIMIT_NOFILE in the child

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        self.tmp.cleanup()

    @property
    def base(self):
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self):
        return f"ws://{self.host}:{self.port}/admin/ws/dashboard"

    def start(self, attempts=5):
        """Starts the server; a port taken between free_port() and the listen is replaced by another."""
        for attempt in range(attempts):
            self.log_file = open(self.log_path, "w")
            self.proc = subprocess.Popen([BIN, *self.args], stdout=subprocess.DEVNULL, stderr=self.log_file,
                                         env=self.env, cwd=self.tmp.name, preexec_fn=self.preexec_fn)
            if not self.wait:
                return
            try:
                self.wait_ready()
                return
            except PortTaken:
                self.log_file.close()
                if attempt == attempts - 1:
                    raise
                self.port = free_port(self.host)
                self.args[self.args.index("--port") + 1] = str(self.port)

    def wait_ready(self, timeout=WAIT_S):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                log = self.log()
                if self.proc.returncode == 1 and "the port is in use by another process" in log:
                    raise PortTaken(log)
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{log}")
            try:
                # a probe, retried: a long one would keep waiting on a port another process holds
                status, _, _ = self.request("GET", "/health", timeout=5)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"server not ready in {timeout}s:\n{self.log()}")

    def wait_graph(self, timeout=180):
        """Wait until the lineage index is read: a large graph answers 503 `loading` for a while after
        the start (longer under load or ASan); queries asked meanwhile would fail for no fault."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status, _, _ = self.request("GET", "/api/v1/search?q=a&limit=1")
            if status != 503:
                return
            time.sleep(0.1)
        raise RuntimeError(f"lineage graph not read in {timeout}s:\n{self.log()}")

    def stop(self, timeout=30):
        """SIGTERM, then wait (SIGKILL after `timeout`, a bound that only a hang reaches); returns (exit
        code, seconds taken)."""
        if not self.proc or self.proc.poll() is not None:
            return (self.proc.returncode if self.proc else None), 0.0
        t0 = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self.log_file.close()
        return code, time.monotonic() - t0

    def log(self):
        with open(self.log_path) as f:
            return f.read()

    def request(self, method, path, body=None, headers=None, timeout=WAIT_S):
        """One HTTP request on a fresh connection; returns (status, headers dict, body bytes)."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()

    def get_json(self, path):
        status, _, body = self.request("GET", path)
        return status, json.loads(body)

    def raw(self, data, read_timeout=3.0):
        """Sends raw bytes on a fresh socket; returns all bytes until close or timeout."""
        with socket.create_connection((self.host, self.port), timeout=read_timeout) as s:
            s.sendall(data)
            chunks = []
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    chunks.append(chunk)
            except socket.timeout:
                pass
            return b"".join(chunks)


class IngestedServerTest(unittest.TestCase):
    """One server for the class, on a database `lineaged ingest` filled first: a subclass says how
    (`fill(db)`: the CLI's result) and may set `server_args` and `wait_graph` (wait for the lineage
    index before the first test: a large graph answers 503 `loading` for a while)."""
    prefix = "lineaged-ingested-"
    server_args = ()
    wait_graph = False

    @classmethod
    def fill(cls, db):
        raise NotImplementedError

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix=cls.prefix)
        cls.db = os.path.join(cls.tmp.name, "g.duckdb")
        r = cls.fill(cls.db)
        assert r.returncode == 0, r.stdout + r.stderr
        cls.srv = Server(*cls.server_args, db=cls.db)
        cls.srv.start()
        if cls.wait_graph:
            cls.srv.wait_graph()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        cls.srv.tmp.cleanup()
        cls.tmp.cleanup()

    def get(self, path, **params):
        """GET `path` with `params` as its query: (status, JSON body)."""
        query = urllib.parse.urlencode(params)
        status, _, body = self.srv.request("GET", path + ("?" + query if query else ""), timeout=120)
        return status, json.loads(body)

    def lineage(self, name, **params):
        return self.get("/api/v1/lineage/" + urllib.parse.quote(name, safe=""), **params)

    def chat(self, question, mode="graph"):
        """POST /api/chat/{mode}: (status, JSON body)."""
        status, _, body = self.srv.request("POST", "/api/chat/" + mode, json.dumps({"query": question}),
                                           {"Content-Type": "application/json"}, timeout=120)
        return status, json.loads(body)

    def answer(self, question, mode="graph"):
        """The chat's answer to `question`, which must be a 200."""
        status, body = self.chat(question, mode)
        self.assertEqual(status, 200, body)
        return body


def main():
    unittest.main(verbosity=2)

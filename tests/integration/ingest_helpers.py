"""Helpers for the upload and GitHub tests: multipart bodies and a dashboard event recorder."""

import asyncio
import http.client
import json
import os
import threading
import time
import uuid

import websockets

from harness import WAIT_S


def multipart(files, fields=None, boundary=None):
    """files: [(filename bytes|str, content bytes)]; returns (body, content type)."""
    boundary = boundary or "----lineaged" + uuid.uuid4().hex
    out = []
    for name, value in (fields or {}).items():
        out.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n".encode())
        out.append(value.encode() if isinstance(value, str) else value)
        out.append(b"\r\n")
    for filename, content in files:
        if isinstance(filename, str):
            filename = filename.encode()
        out.append(f"--{boundary}\r\n".encode() + b"Content-Disposition: form-data; name=\"files\"; filename=\"" +
                   filename + b"\"\r\nContent-Type: application/octet-stream\r\n\r\n")
        out.append(content)
        out.append(b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


def upload(srv, files, fields=None, timeout=60):
    body, ctype = multipart(files, fields)
    status, headers, raw = srv.request("POST", "/api/v1/files/upload", body=body,
                                       headers={"Content-Type": ctype}, timeout=timeout)
    return status, json.loads(raw) if raw else None


class Events:
    """Records every dashboard message from connect on, in a thread of its own."""

    def __init__(self, srv):
        self.srv = srv
        self.url = srv.ws_url
        self.messages = []
        self.texts = []  # as sent, for what JSON parsing hides (escapes)
        self.lock = threading.Lock()
        self.ready = threading.Event()
        self.stop = False
        self.thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)
        self.thread.start()
        if not self.ready.wait(WAIT_S):
            raise RuntimeError("dashboard WebSocket did not connect")

    async def _run(self):
        async with websockets.connect(self.url, max_size=None) as ws:
            self.ready.set()
            while not self.stop:
                try:
                    msg = await asyncio.wait_for(ws.recv(), 0.2)
                except asyncio.TimeoutError:
                    continue
                with self.lock:
                    self.texts.append(msg)
                    self.messages.append(json.loads(msg))

    def close(self):
        self.stop = True
        self.thread.join(5)

    def of(self, ingestion_id=None, types=None):
        with self.lock:
            msgs = list(self.messages)
        return [m for m in msgs if (types is None or m["type"] in types) and
                (ingestion_id is None or m["data"].get("ingestion_id") == ingestion_id)]

    def _find(self, predicate):
        with self.lock:
            return next((m for m in self.messages if predicate(m)), None)

    def wait(self, predicate, timeout=60, what="event"):
        """The first message `predicate` takes. A long `timeout` costs nothing when the server dies: the
        wait ends once what the server sent before it exited has been read."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = self._find(predicate)
            if m:
                return m
            if self.srv.proc.poll() is not None:
                self.thread.join(5)  # the socket's close ends the reader after its last message
                m = self._find(predicate)
                if m:
                    return m
                raise AssertionError(f"no {what}: the server exited with {self.srv.proc.returncode}")
            time.sleep(0.05)
        types = [m["type"] for m in self.of()]
        raise AssertionError(f"no {what} within {timeout}s; {len(types)} messages, the last: {types[-12:]}")

    def complete(self, ingestion_id, timeout=60):
        return self.wait(lambda m: m["type"] == "ingestion_complete" and
                         m["data"].get("ingestion_id") == ingestion_id, timeout, "ingestion_complete")


def assert_event_order(test, events, ingestion_id):
    """Per ingestion: ingestion_started first, then ingestion_progress only, then one ingestion_complete
    last. Returns the ingestion's messages."""
    msgs = events.of(ingestion_id, {"ingestion_started", "ingestion_progress", "ingestion_complete"})
    seq = [m["type"] for m in msgs]
    test.assertTrue(seq, f"no events of {ingestion_id}")
    test.assertEqual(seq[0], "ingestion_started", seq)
    test.assertEqual(seq[-1], "ingestion_complete", seq)
    test.assertEqual(seq.count("ingestion_started"), 1, seq)
    test.assertEqual(seq.count("ingestion_complete"), 1, seq)
    test.assertEqual(set(seq[1:-1]) - {"ingestion_progress"}, set(), seq)
    return msgs


def get_json(srv, path):
    status, _, body = srv.request("GET", path)
    return status, json.loads(body)


def raw_post(srv, path, head_extra, body, read_timeout=10):
    """A POST whose headers the test writes itself; returns (status, body bytes)."""
    req = (f"POST {path} HTTP/1.1\r\nHost: {srv.host}\r\n" + head_extra + "\r\n").encode() + body
    out = srv.raw(req, read_timeout)
    head, _, rest = out.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1]) if head else 0
    return status, rest


def wait_ingestion_status(srv, ingestion_id, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, doc = get_json(srv, f"/api/v1/ingestion/{ingestion_id}")
        if status == 200 and doc["status"] != "running":
            return doc
        time.sleep(0.1)
    raise AssertionError(f"ingestion {ingestion_id} still running after {timeout}s")


def count_files(root):
    return sum(len(files) for _, _, files in os.walk(root))


__all__ = ["multipart", "upload", "Events", "assert_event_order", "get_json", "raw_post", "wait_ingestion_status",
           "count_files", "http"]


def past_the_flow_limit():
    """A T-SQL file whose generated procedure has 100 inner statements, each joining 100 sources into its
    own target: 10,000 table flows, past the 8,192 kept per statement, so it is processed with a warning.
    81 inner statements (lines 3-83) fit whole; the one on line 84 is where the cut begins, and the
    statement after the procedure is untouched."""
    body = "".join(f"    INSERT INTO out.t{w} (v) SELECT s0.v FROM src.s0 s0"
                   + "".join(f" JOIN src.s{i} s{i} ON s{i}.k = s0.k" for i in range(1, 100)) + ";\n"
                   for w in range(100))
    return (f"CREATE PROCEDURE gen.load_all AS\nBEGIN\n{body}END\nGO\n"
            "INSERT INTO other.after SELECT a FROM other.before;\n")


# What a file of past_the_flow_limit() is told, after its name.
FLOW_LIMIT_WARNING = (":84:\\d+: warning: more than 8192 table flows in one statement: the first 8192 are kept,"
                      " the flows of its statements from line 84 on are not")

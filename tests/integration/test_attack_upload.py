"""The attacker's pass over uploads, GitHub ingests and their bookkeeping (harden20): raw sockets on
loopback against the real binary, every count and wait bounded."""

import json
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, main  # noqa: E402
from ingest_helpers import multipart  # noqa: E402


def status_of(response):
    parts = response.split(b"\r\n", 1)[0].split()
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


def split_response(raw):
    head, _, body = raw.partition(b"\r\n\r\n")
    headers = {}
    for line in head.split(b"\r\n")[1:]:
        key, _, value = line.decode("latin-1").partition(":")
        headers[key.strip().lower()] = value.strip()
    return status_of(raw), headers, body


def read_response(sock, timeout=30.0):
    """One response (Content-Length framed) or what came before the server closed."""
    sock.settimeout(timeout)
    got = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        head, sep, body = got.partition(b"\r\n\r\n")
        if sep:
            length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), None)
            if length is not None and len(body) >= length:
                return got
        try:
            chunk = sock.recv(65536)
        except (socket.timeout, ConnectionResetError):
            return got
        if not chunk:
            return got
        got += chunk
    return got


def upload_head(srv, ctype, length, extra=""):
    return (f"POST /api/v1/files/upload HTTP/1.1\r\nHost: {srv.host}:{srv.port}\r\nContent-Type: {ctype}\r\n"
            f"Content-Length: {length}\r\n{extra}\r\n").encode()


def early_answer(sock, wait=0.5):
    """The response a server sends before the body it waits for, or None when it sends nothing in `wait` s."""
    sock.settimeout(wait)
    try:
        first = sock.recv(65536)
    except socket.timeout:
        return None
    except ConnectionResetError:
        return b""
    return first + read_response(sock, 5) if first else first


def upload_raw(srv, body, ctype, extra="", timeout=30.0):
    """One upload on a connection of its own, its body sent only when the headers got no answer at once;
    returns (status, headers, parsed body or raw)."""
    with socket.create_connection((srv.host, srv.port), timeout=timeout) as s:
        s.sendall(upload_head(srv, ctype, len(body), extra))
        raw = early_answer(s, 0.3)
        if raw is None:
            s.sendall(body)
            raw = read_response(s, timeout)
    status, headers, raw = split_response(raw)
    try:
        return status, headers, json.loads(raw)
    except ValueError:
        return status, headers, raw


class InflightBudgetTest(unittest.TestCase):
    """A request's spool may grow to --max-upload-mb and N concurrent uploads took N times that on
    disk before any of them was handed to ingestion. --upload-inflight-mb bounds them together: an
    upload counts twice its length (spool and split files) from its headers until its files are
    handed over, and one beyond the budget gets 503 with Retry-After before its body is read."""

    def test_concurrent_uploads_share_one_budget(self):
        with Server("--upload-inflight-mb", "4", "--max-upload-mb", "3") as srv:
            sql = b"INSERT INTO t.a SELECT * FROM t.b;\n"
            big, ctype = multipart([("big.sql", sql * (1536 * 1024 // len(sql)))])  # ~1.5 MiB: 3 MiB counted
            small, small_type = multipart([("small.sql", sql * (700 * 1024 // len(sql)))])  # ~1.4 MiB counted
            holders = []
            try:
                # Two uploads in flight, each sent but for its last bytes: 3 MiB, then 1.4 more would be 4.4.
                first = socket.create_connection((srv.host, srv.port), timeout=30)
                holders.append(first)
                first.sendall(upload_head(srv, ctype, len(big)) + big[:-100])
                time.sleep(0.3)
                status, headers, doc = upload_raw(srv, small, small_type)
                self.assertEqual(status, 503, doc)
                self.assertEqual(doc["error"], "uploads_busy")
                self.assertIn("--upload-inflight-mb", doc["detail"])
                self.assertIn("of the 4 MiB", doc["detail"])
                self.assertEqual(headers.get("retry-after"), "2")
                self.assertIn("upload.rejected reason=inflight_limit", srv.log())
                # The first completes and hands its files over: its share is released.
                first.sendall(big[-100:])
                status, _, raw = split_response(read_response(first))
                self.assertEqual(status, 202, raw)
                status, _, doc = upload_raw(srv, small, small_type)
                self.assertEqual(status, 202, doc)
                # A client that leaves mid-body releases its share too.
                second = socket.create_connection((srv.host, srv.port), timeout=30)
                holders.append(second)
                second.sendall(upload_head(srv, ctype, len(big)) + big[:4096])
                time.sleep(0.3)
                self.assertEqual(upload_raw(srv, small, small_type)[0], 503)
                second.close()
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline:
                    status, _, doc = upload_raw(srv, small, small_type)
                    if status == 202:
                        break
                    time.sleep(0.1)
                self.assertEqual(status, 202, doc)
                # One upload alone always passes, even when it counts more than the budget (3 MiB, 6 counted).
                whole, whole_type = multipart([("whole.sql", sql * ((3 << 20) // len(sql) - 100))])
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline:
                    status, _, doc = upload_raw(srv, whole, whole_type)
                    if status != 503:
                        break
                    time.sleep(0.1)  # the uploads before it may still be handing their files over
                self.assertEqual(status, 202, doc)
            finally:
                for s in holders:
                    s.close()

    def test_many_concurrent_uploads_never_pass_the_budget(self):
        """Sixteen connections start uploads of just under 1 MiB at once against a 6 MiB budget: three
        are taken in (2 MiB counted each), the other thirteen get 503 from their headers, and the three
        are accepted whole."""
        with Server("--upload-inflight-mb", "6") as srv:
            sql = b"INSERT INTO t.a SELECT * FROM t.b;\n"
            socks, bodies = [], []
            try:
                for i in range(16):
                    body, ctype = multipart([(f"c{i}.sql", sql * (((1 << 20) - 4096) // len(sql)))])
                    s = socket.create_connection((srv.host, srv.port), timeout=30)
                    s.sendall(upload_head(srv, ctype, len(body)))
                    socks.append(s)
                    bodies.append(body)
                answers = [early_answer(s, 1.0) for s in socks]
                refused = [split_response(a)[0] for a in answers if a is not None]
                self.assertEqual(refused, [503] * 13, answers)
                taken = [(s, body) for s, body, a in zip(socks, bodies, answers) if a is None]
                for s, body in taken:
                    s.sendall(body)
                statuses = [split_response(read_response(s))[0] for s, _ in taken]
                self.assertEqual(statuses, [202] * 3)
            finally:
                for s in socks:
                    s.close()


if __name__ == "__main__":
    main()

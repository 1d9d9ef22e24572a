"""Helpers for the dashboard WebSocket tests: a raw RFC 6455 client and event payloads."""

import base64
import json
import os
import re
import socket
import struct
import time
import warnings

# Tests close sockets on purpose in odd states; the interpreter's reminders only add noise.
warnings.simplefilter("ignore", ResourceWarning)

ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def handshake_bytes(host, port, path="/admin/ws/dashboard", origin=None, extra=None):
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Upgrade: websocket", "Connection: Upgrade",
             f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
    if origin:
        lines.append(f"Origin: {origin}")
    for k, v in (extra or {}).items():
        lines.append(f"{k}: {v}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def frame(opcode, payload=b"", fin=True, mask=True, rsv=0, length_override=None):
    """One client frame; `mask=False` builds the unmasked frame RFC 6455 forbids."""
    b0 = (0x80 if fin else 0) | (rsv << 4) | opcode
    n = len(payload) if length_override is None else length_override
    head = bytes([b0])
    mbit = 0x80 if mask else 0
    if n < 126:
        head += bytes([mbit | n])
    elif n < 65536:
        head += bytes([mbit | 126]) + struct.pack("!H", n)
    else:
        head += bytes([mbit | 127]) + struct.pack("!Q", n)
    if mask:
        key = os.urandom(4)
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
        head += key
    return head + payload


def close_payload(code, reason=b""):
    return struct.pack("!H", code) + reason


class RawWS:
    """A minimal blocking client over a plain socket, for cases libraries refuse to produce."""

    def __init__(self, host, port, origin=None, source=None, timeout=5.0, extra=None, rcvbuf=None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        if source:
            self.sock.bind((source, 0))
        self.sock.settimeout(timeout)
        self.sock.connect((host, port))
        self.sock.sendall(handshake_bytes(host, port, origin=origin, extra=extra))
        self.buf = b""
        head = self._read_until(b"\r\n\r\n")
        self.status_line = head.split(b"\r\n", 1)[0].decode()
        self.status = int(self.status_line.split()[1])

    def _read_until(self, marker):
        while marker not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed during handshake")
            self.buf += chunk
        head, self.buf = self.buf.split(marker, 1)
        return head

    def _need(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk

    def send(self, data):
        self.sock.sendall(data)

    def send_text(self, text):
        self.sock.sendall(frame(0x1, text.encode() if isinstance(text, str) else text))

    def recv_frame(self):
        """Returns (opcode, payload) of the next server frame."""
        self._need(2)
        b0, b1 = self.buf[0], self.buf[1]
        n = b1 & 0x7F
        off = 2
        if n == 126:
            self._need(4)
            n = struct.unpack("!H", self.buf[2:4])[0]
            off = 4
        elif n == 127:
            self._need(10)
            n = struct.unpack("!Q", self.buf[2:10])[0]
            off = 10
        self._need(off + n)
        payload = self.buf[off:off + n]
        self.buf = self.buf[off + n:]
        return b0 & 0x0F, payload

    def recv_json(self):
        while True:
            op, payload = self.recv_frame()
            if op == 0x1:
                return json.loads(payload)
            if op == 0x8:
                raise ConnectionError(f"close frame {close_code(payload)}")

    def wait_close(self, timeout=5.0):
        """Reads until a close frame (returns (code, reason)) or TCP close (returns (None, None))."""
        deadline = time.monotonic() + timeout
        self.sock.settimeout(0.5)
        while time.monotonic() < deadline:
            try:
                op, payload = self.recv_frame()
            except socket.timeout:
                continue
            except (ConnectionError, OSError):
                return None, None
            if op == 0x8:
                return close_code(payload), payload[2:].decode(errors="replace")
        raise TimeoutError("no close within timeout")

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def close_code(payload):
    return struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None


def vm_rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def post_events(srv, events):
    body = json.dumps({"events": events}).encode()
    status, _, resp = srv.request("POST", "/api/v1/debug/events", body=body,
                                  headers={"Content-Type": "application/json"})
    assert status == 202, (status, resp)
    return json.loads(resp)


def progress(ingestion_id, done, total, current="f.sql", final=None):
    return {"type": "ingestion_progress", "data": {
        "ingestion_id": ingestion_id, "current_file": current, "status": "parsing", "files_processed": done,
        "total_files": total, "percentage": 100.0 * done / total, "nodes_created": done * 3, "error": None,
        "final": done == total if final is None else final}}


def started(ingestion_id, total, source="upload"):
    return {"type": "ingestion_started", "data": {
        "ingestion_id": ingestion_id, "source": source, "total_files": total, "project_id": None}}


def complete(ingestion_id, files=1):
    return {"type": "ingestion_complete", "data": {
        "ingestion_id": ingestion_id, "source": "upload", "status": "completed",
        "files": [{"file": f"f{i}.sql", "status": "processed"} for i in range(files)],
        "files_processed": files, "files_failed": 0, "total_nodes_created": 3 * files, "duration_seconds": 0.5,
        "errors": []}}


def query(i=0):
    return {"type": "query_complete", "data": {"query_type": "graph", "latency_ms": 12.5 + i, "status": "success"}}


def error_event(message="The upload could not be read.", severity="error"):
    return {"type": "error", "data": {"error_type": "ingestion_failed", "severity": severity, "message": message}}


def metric(text, name):
    """Value of one sample line (`name` includes labels) in Prometheus text, or None."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return None

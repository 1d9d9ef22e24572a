"""The transport against hostile clients (issue 8): raw sockets, loopback only, every wait bounded."""

import json
import os
import socket
import struct
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, main  # noqa: E402
from ws_helpers import RawWS, close_code, frame, handshake_bytes, metric  # noqa: E402


def read_all(sock, timeout=3.0):
    """Everything the server sends until it closes (or `timeout` passes); returns (bytes, closed)."""
    sock.settimeout(timeout)
    deadline = time.monotonic() + timeout
    data = b""
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return data, False
        except ConnectionResetError:
            return data, True
        if not chunk:
            return data, True
        data += chunk
    return data, False


def exchange(srv, data, timeout=3.0):
    with socket.create_connection((srv.host, srv.port), timeout=timeout) as s:
        s.sendall(data)
        return read_all(s, timeout)


def status_of(response):
    line = response.split(b"\r\n", 1)[0]
    parts = line.split()
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


H2C = {"Upgrade": "h2c", "Connection": "Upgrade, HTTP2-Settings", "HTTP2-Settings": "AAMAAABkAARAAAAAAAIAAAAA"}
H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
H2_SETTINGS = b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"
H2_HEADERS = b"\x00\x00\x05\x01\x05\x00\x00\x00\x01\x82\x84\x86\x41\x00"


def upgrade_request(srv, path, headers):
    lines = [f"GET {path} HTTP/1.1", f"Host: {srv.host}:{srv.port}"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


class UpgradeTest(unittest.TestCase):
    """Item 1: only `Upgrade: websocket` is served; h2c crashed the server after its 101."""

    def test_h2c_upgrade_is_refused_and_the_server_lives(self):
        with Server() as srv:
            for path in ("/admin/ws/dashboard", "/health", "/"):
                with self.subTest(path=path):
                    resp, closed = exchange(srv, upgrade_request(srv, path, H2C) + H2_PREFACE + H2_SETTINGS
                                            + H2_HEADERS)
                    self.assertNotIn(b" 101 ", resp.split(b"\r\n", 1)[0])
                    status = status_of(resp)
                    self.assertTrue(status and 400 <= status < 500, resp[:200])
                    self.assertTrue(closed)
            self.assertEqual(srv.request("GET", "/health")[0], 200)
            self.assertIsNone(srv.proc.poll())

    def test_other_upgrades_get_4xx(self):
        with Server() as srv:
            for value in ("foo", "websocket, h2c", "h2"):
                with self.subTest(upgrade=value):
                    resp, _ = exchange(srv, upgrade_request(srv, "/admin/ws/dashboard", {
                        "Upgrade": value, "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
                        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}))
                    status = status_of(resp)
                    self.assertTrue(status and 400 <= status < 500, resp[:200])

    def test_http2_prior_knowledge_is_refused_cleanly(self):
        with Server() as srv:
            resp, closed = exchange(srv, H2_PREFACE + H2_SETTINGS + H2_HEADERS)
            status = status_of(resp)
            self.assertTrue(status and 400 <= status < 500, resp[:200])
            self.assertTrue(closed)
            self.assertEqual(srv.request("GET", "/health")[0], 200)


class EvictionTest(unittest.TestCase):
    """Item 5: a handshake that will not become a WebSocket must not evict anyone."""

    def test_invalid_handshakes_at_capacity_evict_no_one(self):
        with Server("--max-connections", "1", "--stats-interval", "30") as srv:
            dash = RawWS(srv.host, srv.port)
            self.assertEqual(dash.recv_json()["type"], "connection_ack")
            bad = {
                "version 99": {"Sec-WebSocket-Version": "99"},
                "no key": {"Sec-WebSocket-Key": None},
                "short key": {"Sec-WebSocket-Key": "c2hvcnQ="},
                "h2c": {"Upgrade": "h2c"},
            }
            for name, change in bad.items():
                with self.subTest(name):
                    headers = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
                               "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
                    headers.update(change)
                    headers = {k: v for k, v in headers.items() if v is not None}
                    resp, _ = exchange(srv, upgrade_request(srv, "/admin/ws/dashboard", headers))
                    status = status_of(resp)
                    self.assertTrue(status and 400 <= status < 500, resp[:200])
            dash.send_text('{"type":"get_stats"}')
            msg = dash.recv_json()
            while msg["type"] != "stats_update":
                msg = dash.recv_json()
            _, _, m = srv.request("GET", "/metrics")
            self.assertEqual(metric(m.decode(), "lineaged_ws_evicted_total"), 0)
            # a real newcomer still evicts the idle one
            newcomer = RawWS(srv.host, srv.port)
            self.assertEqual(newcomer.status, 101)
            self.assertEqual(dash.wait_close()[0], 1013)
            newcomer.close()
            dash.close()


class CloseFrameTest(unittest.TestCase):
    """Item 6: lws wrote its close frame and then we wrote ours."""

    def frames_until_eof(self, ws, timeout=6.0):
        closes = []
        deadline = time.monotonic() + timeout
        ws.sock.settimeout(0.5)
        while time.monotonic() < deadline:
            try:
                op, payload = ws.recv_frame()
            except socket.timeout:
                continue
            except (ConnectionError, OSError):
                return closes, True
            if op == 0x8:
                closes.append(close_code(payload))
                if len(closes) == 1:
                    ws.send(frame(0x8, struct.pack("!H", 1000)))
        return closes, False

    def test_oversize_message_gets_exactly_one_close_frame(self):
        with Server("--stats-interval", "30") as srv:
            ws = RawWS(srv.host, srv.port)
            ws.recv_json()
            ws.recv_json()
            ws.send(frame(0x1, b" " * 65535 + b"{}"))
            closes, eof = self.frames_until_eof(ws)
            self.assertTrue(eof)
            self.assertEqual(closes, [1009])
            ws.close()


if __name__ == "__main__":
    main()

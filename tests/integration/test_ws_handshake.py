"""The dashboard WebSocket read, upgraded and framed by lineaged itself: hostile handshakes and frames."""

import json
import os
import socket
import struct
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, main, read_responses, trickle_header_lines  # noqa: E402
from ws_helpers import RawWS, close_code, frame, handshake_bytes  # noqa: E402

GET_STATS = b'{"type":"get_stats"}'


def read_head(sock, timeout=5.0):
    """The response head and what came after it (bytes), or (b"", b"") if the server closed first."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data, b""
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


def frames(data):
    """Server frames in `data` as (opcode, payload), and the bytes left over."""
    out = []
    while len(data) >= 2:
        n, off = data[1] & 0x7F, 2
        if n == 126:
            n, off = struct.unpack("!H", data[2:4])[0], 4
        elif n == 127:
            n, off = struct.unpack("!Q", data[2:10])[0], 10
        if len(data) < off + n:
            break
        out.append((data[0] & 0x0F, data[off:off + n]))
        data = data[off + n:]
    return out, data


def status(head):
    parts = head.split(b"\r\n", 1)[0].split()
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


class HandshakeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server("--stats-interval", "30", "--header-timeout", "2")
        cls.srv.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.srv.__exit__(None, None, None)

    def connect(self):
        s = socket.create_connection((self.srv.host, self.srv.port), timeout=5)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return s

    def test_head_a_byte_at_a_time_then_welcome_in_the_same_read(self):
        with self.connect() as s:
            for b in handshake_bytes(self.srv.host, self.srv.port):
                s.sendall(bytes([b]))
                time.sleep(0.002)
            head, rest = read_head(s)
            self.assertEqual(status(head), 101, head)
            self.assertIn(b"\r\nSec-WebSocket-Accept: ", head)
            deadline = time.monotonic() + 5
            while len(frames(rest)[0]) < 2 and time.monotonic() < deadline:
                rest += s.recv(65536)
            got = [json.loads(p)["type"] for op, p in frames(rest)[0]]
            self.assertEqual(got[:2], ["connection_ack", "stats_update"])

    def test_frames_behind_the_head_in_one_packet_are_read(self):
        with self.connect() as s:
            s.sendall(handshake_bytes(self.srv.host, self.srv.port) + frame(0x1, GET_STATS) + frame(0x9, b"hi"))
            head, rest = read_head(s)
            self.assertEqual(status(head), 101)
            deadline = time.monotonic() + 5
            while len(frames(rest)[0]) < 4 and time.monotonic() < deadline:
                rest += s.recv(65536)
            ops = [op for op, _ in frames(rest)[0]]
            self.assertEqual(ops[:4], [0x1, 0x1, 0x1, 0xA])  # ack, welcome stats, the asked stats, pong
            self.assertEqual(frames(rest)[0][3][1], b"hi")

    def test_a_frame_a_byte_at_a_time(self):
        ws = RawWS(self.srv.host, self.srv.port)
        ws.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        ws.recv_json()
        ws.recv_json()
        data = frame(0x1, GET_STATS[:9], fin=False) + frame(0x9, b"p") + frame(0x0, GET_STATS[9:])
        for b in data:
            ws.send(bytes([b]))
            time.sleep(0.002)
        self.assertEqual(ws.recv_frame()[0], 0xA)
        self.assertEqual(ws.recv_json()["type"], "stats_update")
        ws.close()

    def test_bad_keys_and_versions_get_400(self):
        for name, extra in {"key of 12 bytes": {"Sec-WebSocket-Key": "c2hvcnRrZXkxMjM0"},
                            "key not ending in ==": {"Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQAA"},
                            "version 8": {"Sec-WebSocket-Version": "8"}}.items():
            with self.subTest(name), self.connect() as s:
                lines = handshake_bytes(self.srv.host, self.srv.port).decode().split("\r\n")
                for k, v in extra.items():
                    lines = [f"{k}: {v}" if line.startswith(k + ":") else line for line in lines]
                s.sendall("\r\n".join(lines).encode())
                head, body = read_head(s)
                self.assertEqual(status(head), 400, head)
                self.assertIn(b"connection: close", head.lower())
                # RFC 6455 4.4: a version it does not speak is answered with the one it does
                offered = b"\r\nsec-websocket-version: 13\r\n" in head.lower() + b"\r\n"
                self.assertEqual(offered, name.startswith("version"), head)
                s.settimeout(3)
                while True:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    body += chunk
                self.assertEqual(json.loads(body)["error"], "bad_handshake")

    def test_a_plain_get_of_the_socket_gets_426_naming_websocket(self):
        for method in ("GET", "HEAD"):
            with self.subTest(method), self.connect() as s:
                s.sendall(f"{method} /admin/ws/dashboard HTTP/1.1\r\nHost: {self.srv.host}:{self.srv.port}\r\n\r\n".encode())
                head, body = read_head(s)
                self.assertEqual(status(head), 426, head)
                self.assertIn(b"\r\nupgrade: websocket", head.lower())
                self.assertIn(b"\r\nconnection: upgrade", head.lower())
                if method == "GET":
                    length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
                    s.settimeout(3)
                    while len(body) < length:
                        body += s.recv(4096)
                    self.assertEqual(json.loads(body)["error"], "upgrade_required")
        ws = RawWS(self.srv.host, self.srv.port)  # the upgrade itself is served as before
        self.assertEqual(ws.status, 101)
        ws.close()

    def test_oversize_head_gets_431(self):
        with self.connect() as s:
            pad = "X-Pad: " + "a" * 5000 + "\r\n"
            s.sendall(handshake_bytes(self.srv.host, self.srv.port).replace(b"\r\n\r\n", ("\r\n" + pad).encode() + b"\r\n"))
            head, _ = read_head(s)
            self.assertEqual(status(head), 431, head)

    def test_slowloris_head_is_cut_at_the_header_timeout(self):
        with self.connect() as s:
            s.sendall(b"GET /admin/ws/dashboard HTTP/1.1\r\n")
            # only the 2 s deadline of the whole head closes it: 60 s of lines (a bound for a loaded
            # machine) stay under the head's size limit
            closed, got = trickle_header_lines(s, 60)
            self.assertTrue(closed, "still open after 60 s of header lines")
            self.assertIn(status(got), (None, 408), got[:200])
        ws = RawWS(self.srv.host, self.srv.port)
        self.assertEqual(ws.status, 101)
        ws.close()

    def test_head_with_bare_lf_lines_is_answered_not_held(self):
        with self.connect() as s:
            s.sendall(handshake_bytes(self.srv.host, self.srv.port).replace(b"\r\n", b"\n"))
            head, _ = read_head(s, timeout=60)
            # answered for what it is, not held until the header deadline closes it
            self.assertTrue(status(head) and 400 <= status(head) < 500 and status(head) != 408, head)

    def test_upgrade_after_a_request_on_the_same_connection_is_refused(self):
        with self.connect() as s:
            s.sendall(f"GET /health HTTP/1.1\r\nHost: {self.srv.host}:{self.srv.port}\r\n\r\n".encode()
                      + handshake_bytes(self.srv.host, self.srv.port))
            s.settimeout(5)
            data = read_responses(s, 2)
            self.assertTrue(data.startswith(b"HTTP/1.1 200 "), data[:200])
            self.assertIn(b"HTTP/1.1 400 ", data)
            self.assertNotIn(b" 101 ", data)

    def test_huge_length_fields(self):
        for name, length, expected in (("2^63", 1 << 63, 1002), ("2^64 - 1", (1 << 64) - 1, 1002),
                                       ("2^62", 1 << 62, 1009), ("65,535 in the 64-bit form", 65535, 1002)):
            with self.subTest(name):
                ws = RawWS(self.srv.host, self.srv.port)
                ws.recv_json()
                ws.recv_json()
                ws.send(bytes([0x81, 0xFF]) + struct.pack("!Q", length) + b"\x01\x02\x03\x04")
                code, _ = ws.wait_close(timeout=5)
                self.assertEqual(code, expected)
                ws.close()

    def test_ping_of_126_bytes_and_a_bystander(self):
        bystander = RawWS(self.srv.host, self.srv.port)
        bystander.recv_json()
        bystander.recv_json()
        ws = RawWS(self.srv.host, self.srv.port)
        ws.recv_json()
        ws.recv_json()
        ws.send(frame(0x9, b"x" * 126))
        self.assertEqual(ws.wait_close(timeout=5), (None, None))  # dropped, as under lws
        ws.close()
        bystander.send_text(GET_STATS)
        self.assertEqual(bystander.recv_json()["type"], "stats_update")
        bystander.close()


class ClosingTest(unittest.TestCase):
    def test_a_peer_that_never_answers_our_close_is_dropped(self):
        with Server("--stats-interval", "30", "--max-connections", "1") as srv:
            first = RawWS(srv.host, srv.port)
            first.recv_json()
            second = RawWS(srv.host, srv.port)  # evicts the first, which never answers
            second.recv_json()
            first.sock.settimeout(60)  # the grace is seconds; a server that kept the peer times this out
            buf = b""
            while True:
                chunk = first.sock.recv(65536)
                if not chunk:
                    break
                buf += chunk
            ops = frames(first.buf + buf)[0]
            seen = [close_code(p) for op, p in ops if op == 0x8]
            self.assertEqual(seen, [1013])
            first.close()
            second.close()


if __name__ == "__main__":
    main()

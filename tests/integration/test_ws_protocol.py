"""Raw RFC 6455 cases against the dashboard socket; the chosen behaviour of each is in docs/websocket.md."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, main  # noqa: E402
from ws_helpers import RawWS, close_payload, frame  # noqa: E402

GET_STATS = b'{"type":"get_stats"}'

# name -> (bytes sent, expected: close code the server answers with, or None for a TCP drop)
FAILS = {
    "control frame over 125 bytes (lws drops TCP)": (frame(0x9, b"x" * 126), None),
    "fragmented control frame": (frame(0x9, b"abc", fin=False), 1002),
    "invalid UTF-8 text": (frame(0x1, b'{"a":"\xff\xfe"}'), 1007),
    "invalid UTF-8 across fragments": (frame(0x1, b"ok\xe2\x82", fin=False) + frame(0x0, b"\x28"), 1007),
    "close code 999": (frame(0x8, close_payload(999)), 1002),
    "close code 1005 on the wire": (frame(0x8, close_payload(1005)), 1002),
    "close code 5000 (lws would echo it; we fail the connection)": (frame(0x8, close_payload(5000)), None),
    "close payload of one byte": (frame(0x8, b"\x03"), None),
    "close reason not UTF-8": (frame(0x8, close_payload(1000, b"\xff\xfe")), None),
    "RSV1 without an extension": (frame(0x1, b"{}", rsv=4), 1002),
    "RSV3": (frame(0x1, b"{}", rsv=1), 1002),
    "reserved opcode 3": (frame(0x3, b"x"), 1002),
    "continuation without a start": (frame(0x0, b"x"), 1002),
    "new text frame inside a fragmented message": (frame(0x1, b'{"a":', fin=False) + frame(0x1, b"1}"), 1002),
    "text message of 65537 bytes": (frame(0x1, b" " * 65535 + b"{}"), 1009),
    # RFC 6455 §5.1 (lws 4.1.6 accepted these; the framing is lineaged's own now)
    "unmasked client frame": (frame(0x1, GET_STATS, mask=False), 1002),
    "fragmented message over 65536 bytes": (frame(0x1, b" " * 40000, fin=False) + frame(0x0, b" " * 25535 + b"{}"), 1009),
}


class ProtocolTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server("--stats-interval", "30")
        cls.srv.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.srv.__exit__(None, None, None)

    def connect(self):
        ws = RawWS(self.srv.host, self.srv.port)
        self.assertEqual(ws.recv_json()["type"], "connection_ack")
        self.assertEqual(ws.recv_json()["type"], "stats_update")
        return ws

    def assert_still_serving(self, bystander):
        bystander.send_text(GET_STATS)
        self.assertEqual(bystander.recv_json()["type"], "stats_update")

    def test_protocol_violations_fail_the_connection(self):
        bystander = self.connect()
        for name, (data, expected) in FAILS.items():
            with self.subTest(name):
                ws = self.connect()
                ws.send(data)
                code, _ = ws.wait_close(timeout=5)
                self.assertEqual(code, expected)
                ws.close()
                self.assert_still_serving(bystander)
        bystander.close()

    def test_valid_edge_cases_keep_the_connection(self):
        ws = self.connect()
        cases = [
            ("ping with 125 bytes", frame(0x9, b"p" * 125), [0xA]),
            ("text of exactly 65536 bytes", frame(0x1, b" " * (65536 - len(GET_STATS)) + GET_STATS), [0x1]),
            ("fragmented text totalling 65536 bytes",
             frame(0x1, b" " * 30000, fin=False) + frame(0x0, b" " * (35536 - len(GET_STATS)) + GET_STATS), [0x1]),
            ("ping between fragments", frame(0x1, b'{"type":', fin=False) + frame(0x9, b"mid") +
             frame(0x0, b'"get_stats"}'), [0xA, 0x1]),
        ]
        for name, data, replies in cases:
            with self.subTest(name):
                ws.send(data)
                got = [ws.recv_frame() for _ in replies]
                self.assertEqual([op for op, _ in got], replies)
                for op, payload in got:
                    if op == 0x1:
                        self.assertIn(b"stats_update", payload)
        ws.close()


class AppCloseCodeTest(unittest.TestCase):
    def test_close_code_4000_is_echoed_not_an_error(self):
        # A server of its own: the log then holds this connection's lines only.
        with Server("--stats-interval", "30") as srv:
            ws = RawWS(srv.host, srv.port)
            self.assertEqual(ws.recv_json()["type"], "connection_ack")
            ws.send(frame(0x8, close_payload(4000, b"app-defined code")))
            self.assertEqual(ws.wait_close()[0], 4000)
            ws.close()
            srv.stop()
            log = srv.log()
        self.assertNotIn("ws.error", log)
        closed = [line for line in log.splitlines() if " ws.disconnected " in line]
        self.assertEqual(len(closed), 1, log)
        self.assertIn(" close_code=4000 ", closed[0])


if __name__ == "__main__":
    main()

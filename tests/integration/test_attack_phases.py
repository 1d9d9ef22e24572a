"""Hostile clients at the phases of a connection no other suite played (session 18's survey; the
others: test_attack*, test_transport, test_ws_handshake, test_ws_dashboard, test_ws_load, test_slow_link):
an upload body that stops, or trickles, inside a multipart part's headers is ended by the body's rate
check as one that stops inside a file is, and leaves no spool behind; a WebSocket frame header begun
and never finished is ended by the ping/idle policy."""

import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import WAIT_S, Server, main  # noqa: E402
from test_attack_upload import read_response, status_of, upload_head  # noqa: E402
from ws_helpers import RawWS, frame  # noqa: E402

PART = b'--b\r\nContent-Disposition: form-data; name="files"; filename="a.sql"\r\n\r\nSELECT 1;\r\n'
IN_HEADERS = PART + b'--b\r\nContent-Disposition: form-data; na'
DROPPED = 'reason=slow_body path="/api/v1/files/upload"'


class PartHeadersTest(unittest.TestCase):
    def setUp(self):
        self.srv = Server("--header-timeout", "1", "--min-rate", "1000")
        self.srv.start()
        self.uploads = os.path.join(self.srv.tmp.name, "data", "uploads")

    def tearDown(self):
        self.srv.stop()
        self.srv.tmp.cleanup()

    def assert_dropped_and_nothing_left(self, got):
        self.assertIn(status_of(got), (None, 408), got[:200])
        self.assertEqual(self.srv.log().count(DROPPED), 1, self.srv.log()[-2000:])
        deadline = time.monotonic() + WAIT_S  # the spool goes with its connection
        while os.listdir(self.uploads) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(os.listdir(self.uploads), [])
        self.assertEqual(self.srv.request("GET", "/health")[0], 200)

    def test_a_body_that_stops_inside_a_part_header_is_dropped(self):
        with socket.create_connection((self.srv.host, self.srv.port), timeout=WAIT_S) as s:
            s.sendall(upload_head(self.srv, "multipart/form-data; boundary=b", len(IN_HEADERS) + 1000) + IN_HEADERS)
            got = read_response(s, WAIT_S)
        self.assert_dropped_and_nothing_left(got)

    def test_a_part_header_trickled_below_the_rate_is_cut(self):
        head = upload_head(self.srv, "multipart/form-data; boundary=b", len(IN_HEADERS) + 100000)
        with socket.create_connection((self.srv.host, self.srv.port), timeout=WAIT_S) as s:
            s.sendall(head + IN_HEADERS)
            s.settimeout(0.3)
            got = b""
            deadline = time.monotonic() + WAIT_S
            # a header line of 100,000 bytes at 33 bytes/s: only the rate check ends it within the bound
            while time.monotonic() < deadline:
                try:
                    s.sendall(b"x" * 10)
                    chunk = s.recv(4096)
                except socket.timeout:
                    continue
                except OSError:
                    break
                if not chunk:
                    break
                got += chunk
        self.assert_dropped_and_nothing_left(got)


class FrameHeaderTest(unittest.TestCase):
    def test_a_frame_header_begun_and_never_finished_is_dropped(self):
        with Server("--stats-interval", "30", "--ws-ping-interval", "1", "--ws-idle-timeout", "2") as srv:
            ws = RawWS(srv.host, srv.port, timeout=WAIT_S)
            try:
                self.assertEqual(ws.recv_json()["type"], "connection_ack")
                ws.send(frame(0x1, b"x" * 200)[:3])  # 3 of its 8 header bytes, then nothing
                code, reason = ws.wait_close(WAIT_S)
                self.assertEqual((code, reason), (1001, "no answer to pings for 2 s"))
            finally:
                ws.close()
            after = RawWS(srv.host, srv.port, timeout=WAIT_S)
            try:
                self.assertEqual(after.recv_json()["type"], "connection_ack")
            finally:
                after.close()

if __name__ == "__main__":
    main()

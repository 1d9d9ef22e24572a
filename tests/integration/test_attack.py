"""The attacker's second pass (harden15): raw sockets on loopback, every wait bounded."""

import json
import os
import socket
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, main, run_cli  # noqa: E402
from ingest_helpers import multipart  # noqa: E402
from ws_helpers import RawWS, frame, handshake_bytes, metric, vm_rss_kb  # noqa: E402

WS_RX_BUDGET = 4 * 1024 * 1024  # src/server/ws.h


def wait_metric(srv, name, at_least, timeout=10.0):
    """Polls /metrics until `name` reaches `at_least`; returns its last value."""
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = metric(srv.request("GET", "/metrics")[2].decode(), name) or 0
        if value >= at_least:
            return value
        time.sleep(0.05)
    return value


def exchange(srv, data, timeout=5.0):
    """Sends raw bytes; returns (everything until the server closes, seconds it took, closed?)."""
    t0 = time.monotonic()
    with socket.create_connection((srv.host, srv.port), timeout=timeout) as s:
        s.sendall(data)
        got = b""
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                return got, time.monotonic() - t0, False
            except ConnectionResetError:
                return got, time.monotonic() - t0, True
            if not chunk:
                return got, time.monotonic() - t0, True
            got += chunk


def status_of(response):
    parts = response.split(b"\r\n", 1)[0].split()
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


class MalformedHeadersTest(unittest.TestCase):
    """RFC 9112: a malformed header block gets 400 and a close at once. lws waited for the header
    timeout on a line without ':' and took the others."""

    BAD = {
        "line without colon": b"Foo\r\n",
        "obs-fold": b"X-Test: a\r\n  folded\r\n",
        "space before colon": b"Accept : */*\r\n",
        "NUL in a value": b"X-Test: a\x00b\r\n",
        "bare CR in a value": b"X-Test: a\rb\r\n",
    }

    def test_each_gets_400_and_close_well_before_the_header_timeout(self):
        with Server("--header-timeout", "30") as srv:
            host = f"Host: {srv.host}:{srv.port}\r\n".encode()
            for name, line in self.BAD.items():
                for first in (b"", b"GET /health HTTP/1.1\r\n" + host + b"\r\n"):
                    with self.subTest(case=name, pipelined=bool(first)):
                        req = first + b"GET /health HTTP/1.1\r\n" + host + line + b"\r\n"
                        resp, took, closed = exchange(srv, req)
                        self.assertTrue(closed, (resp[-300:], took))
                        last = resp[resp.rfind(b"HTTP/1.1 "):]
                        self.assertEqual(status_of(last), 400, resp[-300:])
                        detail = json.loads(last.split(b"\r\n\r\n", 1)[1])["detail"]
                        self.assertIn("malformed request headers", detail)
            log = srv.log()
            self.assertIn("reason=malformed_headers", log)
            self.assertIn('detail="a header line without \':\'"', log)
            text = srv.request("GET", "/metrics")[2].decode()
            self.assertGreaterEqual(metric(text, 'lineaged_http_requests_total{code="400"}'), 2 * len(self.BAD))

    def test_raw_c1_controls_in_a_target_get_400_naming_them(self):
        """U+0080..U+009F (UTF-8 C2 80..C2 9F) are controls: U+009B is CSI to a terminal that shows a
        log or an answer. Raw on the wire (either byte) they are refused like raw C0 bytes, and no log
        line holds them; both bytes escaped they ask for a name holding one (test_names_control.py)."""
        with Server() as srv:
            host = f"Host: {srv.host}:{srv.port}\r\nConnection: close\r\n\r\n".encode()
            for target, named in ((b"/api/v1/nodes/a\xc2\x9b31mb", "U+009B"),
                                  (b"/api/v1/search?q=\xc2\x9b" b"2J", "U+009B"),
                                  (b"/api/v1/lineage/x%c2\x85y", "U+0085"),
                                  (b"/api/v1/nodes/\xc2%80", "U+0080")):
                with self.subTest(target=target):
                    resp, _, closed = exchange(srv, b"GET " + target + b" HTTP/1.1\r\n" + host)
                    self.assertEqual(status_of(resp), 400, resp[:300])
                    detail = json.loads(resp.split(b"\r\n\r\n", 1)[1])["detail"]
                    self.assertIn(f"a C1 control character ({named}, UTF-8 C2 {named[-2:]})", detail)
                    self.assertTrue(closed)
            # other non-ASCII text, C2 followed by no C1, and an escaped C1 reach the handlers (no such node: 404)
            for target in (b"/api/v1/nodes/caf%C3%A9", b"/api/v1/nodes/a%C2%A0b", b"/api/v1/nodes/a%C2%9B31mb"):
                resp, _, _ = exchange(srv, b"GET " + target + b" HTTP/1.1\r\n" + host)
                self.assertEqual(status_of(resp), 404, resp[:300])
            with open(srv.log_path, "rb") as f:
                log = f.read()
            self.assertIn(b"reason=malformed_headers", log)
            self.assertNotRegex(log, b"\xc2[\x80-\x9f]")

    def test_valid_oddities_still_served(self):
        with Server() as srv:
            host = f"Connection: close\r\nHost: {srv.host}:{srv.port}".encode()
            for name, req in {
                "LF-only lines": b"GET /health HTTP/1.1\n" + host.replace(b"\r", b"") + b"\nX-Test: b\n\n",
                "tab and UTF-8 in values": b"GET /health HTTP/1.1\r\n" + host + b"\r\nX-Test: \tcaf\xc3\xa9\r\n\r\n",
                "empty value": b"GET /health HTTP/1.1\r\n" + host + b"\r\nX-Test:\r\n\r\n",
            }.items():
                with self.subTest(case=name):
                    resp, _, _ = exchange(srv, req, timeout=2.0)
                    self.assertEqual(status_of(resp), 200, resp[:300])

    def test_a_body_is_not_taken_for_headers(self):
        """A POST body full of CRs and NULs is counted past by its Content-Length, never judged."""
        with Server() as srv:
            host = f"Host: {srv.host}:{srv.port}\r\n".encode()
            body = b'{"query":"orders"}' + b" \r\n \t" * 3
            req = (b"POST /api/chat/graph HTTP/1.1\r\n" + host + b"Content-Type: application/json\r\n"
                   + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
                   + b"GET /health HTTP/1.1\r\n" + host + b"Connection: close\r\n\r\n")
            resp, _, closed = exchange(srv, req)
            self.assertTrue(closed)
            self.assertEqual(resp.count(b"HTTP/1.1 200 OK"), 2, resp[:600])


class HeaderTableTest(unittest.TestCase):
    """What does not fit lws's 4 KiB header table (or its 95 fragments) got the connection dropped
    without a word; now 431 with the reason, right where lws would have dropped it."""

    def test_too_large_gets_431_and_just_below_is_served(self):
        with Server() as srv:
            head = f"Host: {srv.host}:{srv.port}\r\nConnection: close\r\n".encode()
            too_big = {
                "10,000 query parameters": b"GET /api/v1/search?" + b"&".join(b"a=1" for _ in range(10000))
                + b" HTTP/1.1\r\n" + head + b"\r\n",
                "100 query parameters": b"GET /api/v1/search?" + b"&".join(b"a%d=1" % i for i in range(100))
                + b" HTTP/1.1\r\n" + head + b"\r\n",
                "a 4,100-byte header": b"GET /health HTTP/1.1\r\n" + head + b"Cookie: " + b"c" * 4100 + b"\r\n\r\n",
                "500 small headers": b"GET /health HTTP/1.1\r\n" + head
                + b"".join(b"X-%d: 1\r\n" % i for i in range(500)) + b"\r\n",
            }
            for name, req in too_big.items():
                with self.subTest(case=name):
                    resp, _, closed = exchange(srv, req)
                    self.assertEqual(status_of(resp), 431, resp[:300])
                    self.assertTrue(closed)
                    self.assertEqual(json.loads(resp.split(b"\r\n\r\n", 1)[1])["error"],
                                     "request_header_fields_too_large")
            resp, _, _ = exchange(srv, b"GET /health HTTP/1.1\r\n" + head + b"Cookie: " + b"c" * 3900 + b"\r\n\r\n")
            self.assertEqual(status_of(resp), 200, resp[:300])
            self.assertIn("reason=headers_too_large", srv.log())


class RequestTricksTest(unittest.TestCase):
    """Known tricks, each with a bound and a clear answer (no new fix: kept from regressing)."""

    def test_paths_lengths_and_chunks(self):
        with Server() as srv:
            head = f"Host: {srv.host}:{srv.port}\r\nConnection: close\r\n"
            post = "POST /api/chat/graph HTTP/1.1\r\n" + head
            cases = {
                "GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\n" + head + "\r\n": 404,
                "GET /%c0%ae%c0%ae/etc/passwd HTTP/1.1\r\n" + head + "\r\n": 400,  # overlong UTF-8
                "GET /api/v1/lineage/%2e%2e%2f%2e%2e%2fetc HTTP/1.1\r\n" + head + "\r\n": 404,
                post + "Content-Length: -1\r\n\r\n": 400,
                post + "Content-Length: +5\r\n\r\n12345": 400,
                post + "Content-Length: 5\r\nContent-Length: 5\r\n\r\n12345": 400,
                post + "Content-Length: 99999999999999999999999\r\n\r\n": 413,
                post + "Transfer-Encoding: chunked\r\n\r\n-1\r\n": 411,
                post + "Transfer-Encoding: chunked\r\n\r\nffffffffffffffffffffffff\r\n": 411,
                post + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n": 411,
            }
            for req, want in cases.items():
                with self.subTest(request=req.split("\r\n")[0] + " " + req.split("\r\n")[-3]):
                    resp, _, closed = exchange(srv, req.encode())
                    self.assertEqual(status_of(resp), want, resp[:300])
                    self.assertTrue(closed)
            self.assertEqual(srv.request("GET", "/health")[0], 200)
            self.assertTrue(all(b < 0x80 for b in srv.log().encode()), "a raw non-ASCII byte in the log")


class MisreadNamesTest(unittest.TestCase):
    """lws 4.1.6 misreads a field name that begins one it knows ("X-A" of "x-auth-token:"): the ':'
    and the next line up to its ':' became the name. The guard renames such a field."""

    def test_the_next_header_is_not_lost_and_a_last_one_does_not_hang(self):
        with Server() as srv:
            host = f"Host: {srv.host}:{srv.port}\r\n".encode()
            # a Host behind it was lost: the DNS-rebinding check saw none and let this through
            resp, _, _ = exchange(srv, b"GET /health HTTP/1.1\r\nHos: x\r\nHost: evil.example\r\n"
                                  b"Connection: close\r\n\r\n")
            self.assertEqual(status_of(resp), 421, resp[:300])
            # a Content-Length behind it was lost: 411
            body = b'{"query":"orders"}'
            resp, _, _ = exchange(srv, b"POST /api/chat/graph HTTP/1.1\r\n" + host + b"X-A: 1\r\nContent-Length: "
                                  + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
            self.assertEqual(status_of(resp), 200, resp[:300])
            # as the last header it waited for the header timeout
            for name in (b"X-A", b"Content", b"X-Forwarded", b"Accept-"):
                with self.subTest(name=name):
                    resp, took, closed = exchange(srv, b"GET /health HTTP/1.1\r\nConnection: close\r\n" + host + name
                                                  + b": 1\r\n\r\n", timeout=5.0)
                    self.assertEqual(status_of(resp), 200, (resp[:300], took))
                    self.assertTrue(closed)
            # a method name as a field name made lws drop the connection
            resp, _, _ = exchange(srv, b"GET /health HTTP/1.1\r\n" + host + b"Put: 1\r\nConnection: close\r\n\r\n")
            self.assertEqual(status_of(resp), 200, resp[:300])


def post_upload(srv, body, ctype):
    status, _, raw = srv.request("POST", "/api/v1/files/upload", body=body, headers={"Content-Type": ctype})
    return status, json.loads(raw)


class MultipartTest(unittest.TestCase):
    """Uploads go through lws_spa, which reads the media type and `boundary=` case-sensitively and
    keeps 255 bytes of a file name: the server lower-cases the one and refuses to guess the other."""

    def test_content_type_in_any_case_and_a_quoted_boundary(self):
        with Server() as srv:
            body, _ = multipart([("a.sql", b"SELECT 1;\n")], boundary="Xy'Z(1)")
            for ctype in ("MULTIPART/FORM-DATA; BOUNDARY=\"Xy'Z(1)\"",
                          "Multipart/Form-Data; charset=UTF-8; Boundary=\"Xy'Z(1)\"",
                          "multipart/form-data; boundary=Xy'Z(1)"):
                with self.subTest(ctype=ctype):
                    status, doc = post_upload(srv, body, ctype)
                    self.assertEqual(status, 202, doc)
                    self.assertEqual(doc["accepted"], 1, doc)
            for ctype in ("multipart/mixed; boundary=x", "multipart/form-data; boundary=" + "x" * 200):
                with self.subTest(ctype=ctype):
                    status, doc = post_upload(srv, body, ctype)
                    self.assertEqual(status, 415, doc)

    def test_a_file_name_too_long_to_arrive_whole_is_skipped_with_the_reason(self):
        with Server() as srv:
            body, ctype = multipart([("a" * 10240 + ".sql", b"SELECT 1;\n"), ("b" * 250 + ".sql", b"SELECT 2;\n"),
                                     ("c" * 10240 + ".txt", b"text")])
            status, doc = post_upload(srv, body, ctype)
            self.assertEqual(status, 202, doc)
            first, second, third = doc["files"]
            for cut in (first, third):
                self.assertEqual(cut["status"], "skipped", cut)
                self.assertIn("longer than 254 bytes", cut["reason"])
                self.assertLessEqual(len(cut["file"].encode()), 255)
            self.assertEqual(second["status"], "accepted", second)
            self.assertEqual(second["file"], "b" * 250 + ".sql")
            self.assertEqual(srv.request("GET", "/health")[0], 200)


class WsReceiveBudgetTest(unittest.TestCase):
    """Unfinished messages share one budget: 70 slow fragmented senders cannot each hold 64 KiB."""

    def test_fragmented_senders_past_the_budget_get_1013_the_rest_complete(self):
        n = 70  # each holds a 65,536-byte buffer: 64 of them fill the budget
        over = n - WS_RX_BUDGET // 65536
        with Server("--stats-interval", "30", "--max-conn-per-ip", "100") as srv:
            clients = []
            try:
                for _ in range(n):
                    ws = RawWS(srv.host, srv.port, timeout=10)
                    clients.append(ws)
                    ws.recv_json()  # connection_ack
                    ws.recv_json()  # the newcomer's stats_update
                for ws in clients:
                    ws.send(frame(0x1, b" " * 40000, fin=False))
                name = 'lineaged_ws_client_messages_total{result="over_budget"}'
                self.assertGreaterEqual(wait_metric(srv, name, over), over, srv.log()[-2000:])
                for ws in clients:
                    ws.send(frame(0x0, b'{"type":"get_stats"}'))
                refused, survivors = [], []
                for ws in clients:
                    try:
                        while ws.recv_json()["type"] != "stats_update":
                            pass
                        survivors.append(ws)
                    except ConnectionError as e:
                        refused.append(str(e))
                self.assertGreaterEqual(len(refused), over)
                self.assertLessEqual(len(refused), over + 4)
                self.assertEqual(set(refused), {"close frame 1013"})
                self.assertEqual(metric(srv.request("GET", "/metrics")[2].decode(), name), len(refused))
                self.assertIn("error=receive_budget", srv.log())
                # what the finished messages held is free again: all survivors' next ones fit
                for ws in survivors:
                    ws.send(frame(0x1, b" " * 40000, fin=False))
                for ws in survivors:
                    ws.send(frame(0x0, b'{"type":"get_stats"}'))
                for ws in survivors:
                    while ws.recv_json()["type"] != "stats_update":
                        pass
            finally:
                for ws in clients:
                    ws.close()


class WsTrickleTest(unittest.TestCase):
    """One message sent as endless one-byte continuation frames, each below every size limit: every
    frame reset the client's idle time, so the sender kept its connection and its buffer forever."""

    IDLE_S = 3

    def client(self, srv):
        ws = RawWS(srv.host, srv.port, timeout=10)
        ws.recv_json()  # connection_ack
        ws.recv_json()  # stats_update
        return ws

    def trickle(self, ws, seconds, piece=None):
        """A one-byte fragment (or `piece`) every 0.3 s (well inside the idle timeout) until the server
        ends the connection: None while it has not, else what wait_close saw ((None, None) for a TCP close)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                ws.send(piece or frame(0x0, b" ", fin=False))
                return ws.wait_close(0.3)
            except TimeoutError:
                continue
            except OSError:
                return None, None
        return None

    def test_too_many_fragments_or_too_long_get_1008(self):
        with Server("--stats-interval", "30", "--ws-ping-interval", "1", "--ws-idle-timeout", str(self.IDLE_S)) as srv:
            many = slow = endless = None  # each connects when its turn comes: idle ones are closed
            try:
                many = self.client(srv)
                # 200 fragments at once: refused past 128, closed when the message ends
                many.send(frame(0x1, b"[", fin=False) + b"".join(frame(0x0, b" ", fin=False) for _ in range(200)) +
                          frame(0x0, b"]"))
                self.assertEqual(many.wait_close(10), (1008, "message in more than 128 fragments"))
                # few fragments, but the message is still unfinished past the idle timeout
                slow = self.client(srv)
                slow.send(frame(0x1, b"[", fin=False))
                self.assertIsNone(self.trickle(slow, self.IDLE_S + 1.5))
                slow.send(frame(0x0, b"]"))
                self.assertEqual(slow.wait_close(10), (1008, f"message unfinished {self.IDLE_S} s after its first fragment"))
                # one that never ends its message is dropped (the close waits for the message's end)
                endless = self.client(srv)
                endless.send(frame(0x1, b"[", fin=False))
                self.assertEqual(self.trickle(endless, 30), (None, None), "a trickling sender is never cut off")
                name = 'lineaged_ws_client_messages_total{result="trickled"}'
                self.assertEqual(metric(srv.request("GET", "/metrics")[2].decode(), name), 3)
                log = srv.log()
                self.assertEqual(log.count("error=too_many_fragments"), 1, log[-3000:])
                self.assertEqual(log.count("error=message_too_slow"), 2, log[-3000:])
                # a message in a few fragments, soon finished, is served as before
                ok = self.client(srv)
                ok.send(frame(0x1, b'{"type":', fin=False) + frame(0x0, b'"get_stats"', fin=False) + frame(0x0, b"}"))
                while ok.recv_json()["type"] != "stats_update":
                    pass
                ok.close()
            finally:
                for ws in (many, slow, endless):
                    if ws:
                        ws.close()


    def test_pings_after_a_fragment_do_not_keep_the_message(self):
        """A fragment, then only pings: each ping proved the client alive and the message's pace was
        checked only when more of it came, so the message and its buffer were kept for ever."""
        with Server("--stats-interval", "30", "--ws-ping-interval", "1", "--ws-idle-timeout", str(self.IDLE_S)) as srv:
            ws = self.client(srv)
            try:
                ws.send(frame(0x1, b"[" + b" " * 40000, fin=False))
                # the close says why: the message's own deadline, however long the pings kept coming
                got = self.trickle(ws, 60, piece=frame(0x9, b"alive"))
                self.assertEqual(got, (1008, f"message unfinished {self.IDLE_S} s after its first fragment"))
                name = 'lineaged_ws_client_messages_total{result="trickled"}'
                self.assertEqual(metric(srv.request("GET", "/metrics")[2].decode(), name), 1)
                self.assertIn("error=message_too_slow bytes_at_least=40001", srv.log())
            finally:
                ws.close()


class WsFloodTest(unittest.TestCase):
    """Clients that send far more than they read: what they ask for and cannot take is not kept (a few
    answers and 1 KiB of control frames at most, beyond the socket's own buffer), so the server's memory
    does not follow the flood, and others are served meanwhile."""

    N = 200000  # 5 MB of get_stats, 26 MB of pings: far past any socket buffer

    def client(self, srv, rcvbuf=None):
        ws = RawWS(srv.host, srv.port, timeout=60, rcvbuf=rcvbuf)
        self.assertEqual(ws.recv_json()["type"], "connection_ack")
        self.assertEqual(ws.recv_json()["type"], "stats_update")
        return ws

    def assert_bystander_served(self, srv, bystander):
        bystander.send(frame(0x1, b'{"type":"get_stats"}'))
        self.assertEqual(bystander.recv_json()["type"], "stats_update")
        self.assertIsNone(srv.proc.poll())

    def test_a_get_stats_flood_that_reads_nothing_is_not_queued(self):
        with Server("--stats-interval", "3600") as srv:
            bystander = self.client(srv)
            ws = self.client(srv, rcvbuf=4096)
            try:
                before = vm_rss_kb(srv.proc.pid)
                ws.send(frame(0x1, b'{"type":"get_stats"}') * self.N)
                ok = 'lineaged_ws_client_messages_total{result="ok"}'
                self.assertGreaterEqual(wait_metric(srv, ok, self.N, timeout=120), self.N)
                self.assert_bystander_served(srv, bystander)
                # 200,000 answers of ~300 bytes would be 60 MB; the socket's buffer holds a few MB
                if "ASAN_OPTIONS" not in os.environ:  # ASan's allocator grows by itself
                    self.assertLess(vm_rss_kb(srv.proc.pid) - before, 16 * 1024)
            finally:
                ws.close()
                bystander.close()

    def test_a_close_behind_a_full_socket_is_still_answered(self):
        # RFC 6455 5.5.1: the close reply went behind the unsent answers and the connection was
        # closed at once, so it was lost (20,000 get_stats: end of stream after 11,636 answers)
        with Server("--stats-interval", "3600") as srv:
            ws = self.client(srv, rcvbuf=4096)
            try:
                ws.send(frame(0x1, b'{"type":"get_stats"}') * 20000 + frame(0x8, b"\x03\xe8"))
                self.assertEqual(ws.wait_close(timeout=60), (1000, ""))
            finally:
                ws.close()

    def test_a_ping_flood_that_reads_no_pong_is_dropped_alone(self):
        with Server("--stats-interval", "3600") as srv:
            bystander = self.client(srv)
            ws = self.client(srv, rcvbuf=4096)
            try:
                try:
                    ws.send(frame(0x9, b"p" * 125) * self.N)
                except OSError:
                    pass  # dropped while still sending
                # its unread pongs pass the bound on control frames kept for it: dropped, no close frame
                self.assertEqual(ws.wait_close(timeout=60), (None, None))
                self.assert_bystander_served(srv, bystander)
                # the operator reads why, not a bare close_code=1006
                log = srv.log()
                self.assertIn("error=ping_flood control_limit=1024", log)
                gone = [line for line in log.splitlines() if "ws.disconnected" in line and "close_code=1006" in line]
                self.assertEqual(len(gone), 1, log[-2000:])
                self.assertIn('reason="unread pongs over the 1 KiB bound on queued control frames"', gone[0])
            finally:
                ws.close()
                bystander.close()


class DiskReserveTest(unittest.TestCase):
    """Uploaded files wait on disk until they are parsed, and mirrors stay: one client posting 30 MB
    uploads as fast as it could had 941 MB of files waiting after 5 minutes (probe, load 13), bounded
    only by 200,000 files. --min-free-mb keeps the data folder's file system from filling up."""

    def test_an_upload_or_clone_that_could_take_the_reserve_gets_507_before_its_body(self):
        fs = os.statvfs(tempfile.gettempdir())  # where Server puts its data folder
        keep_mb = fs.f_bavail * fs.f_frsize // (1 << 20) + 100000
        with Server("--min-free-mb", str(keep_mb), "--github-url", "file:///nonexistent") as srv:
            body, ctype = multipart([("a.sql", b"SELECT 1;\n")])
            status, _, raw = srv.request("POST", "/api/v1/files/upload", body=body, headers={"Content-Type": ctype})
            self.assertEqual(status, 507, raw)
            doc = json.loads(raw)
            self.assertEqual(doc["error"], "insufficient_storage")
            self.assertIn("--min-free-mb", doc["detail"])
            # answered from the headers: the declared body is never waited for
            head = (f"POST /api/v1/files/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {ctype}\r\n"
                    f"Content-Length: {10 << 20}\r\n\r\n").encode()
            got, took, closed = exchange(srv, head, timeout=5)
            self.assertEqual(status_of(got), 507, got)
            self.assertTrue(closed)
            uploads = os.path.join(srv.tmp.name, "data", "uploads")
            self.assertEqual(os.listdir(uploads) if os.path.isdir(uploads) else [], [])
            status, _, raw = srv.request("POST", "/api/v1/github/ingest", body=b'{"repo":"acme/x"}')
            self.assertEqual(status, 507, raw)
            self.assertEqual(json.loads(raw)["error"], "insufficient_storage")
            self.assertEqual(srv.request("GET", "/health")[0], 200)


class VersionTest(unittest.TestCase):
    """lws served any request line's last word as HTTP/1.0: `HTTP/2.0`, `FOO/1.1`, none at all got 200.
    RFC 9112 section 2.3: 1.x is served, another major version gets 505, anything else 400."""

    def test_only_http_1_x_is_served(self):
        with Server() as srv:
            tail = f"\r\nHost: {srv.host}:{srv.port}\r\nConnection: close\r\n\r\n"
            cases = {" HTTP/1.1": 200, " HTTP/1.0": 200, " HTTP/1.9": 200, " HTTP/2.0": 505, " HTTP/0.9": 505,
                     "": 400, " http/1.1": 400, " HTTP/3": 400, " FOO/1.1": 400, " HTTP/1.1 x": 400,
                     " HTTP/11.1": 400}
            for version, want in cases.items():
                with self.subTest(version=version):
                    resp, _, closed = exchange(srv, f"GET /health{version}{tail}".encode())
                    self.assertEqual(status_of(resp), want, resp[:300])
                    self.assertTrue(closed)
                    if want != 200:
                        self.assertIn("HTTP/1.1", json.loads(resp.split(b"\r\n\r\n", 1)[1])["detail"])
            # a POST's body is never read
            resp, _, closed = exchange(srv, b"POST /api/chat/graph HTTP/2.0\r\nContent-Length: 17\r\n\r\n"
                                       b'{"query":"x"}    ')
            self.assertEqual(status_of(resp), 505, resp[:300])
            self.assertIn('reason=version version="FOO/1.1" status=400', srv.log())


class IdleConnectionTest(unittest.TestCase):
    """Every phase of a connection has a deadline (docs/design.md, "Connections, timeouts"): headers,
    bodies and WebSocket handshakes have tests of their own; these are the two idle ones."""

    def wait_closed(self, sock, limit=30.0):
        """True when the server ends the connection within `limit` seconds, sending nothing more."""
        sock.settimeout(limit)
        try:
            return sock.recv(65536) == b""
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False

    def test_silent_and_idle_keep_alive_connections_are_closed(self):
        with Server("--header-timeout", "2") as srv:
            with socket.create_connection((srv.host, srv.port)) as silent:
                self.assertTrue(self.wait_closed(silent), "a connection that never sends is kept")
            with socket.create_connection((srv.host, srv.port)) as idle:
                idle.sendall(f"GET /health HTTP/1.1\r\nHost: {srv.host}:{srv.port}\r\n\r\n".encode())
                got = b""
                while b"}" not in got:
                    got += idle.recv(65536)
                self.assertEqual(status_of(got), 200)
                self.assertTrue(self.wait_closed(idle), "an idle keep-alive connection is kept")


class WsHandshakeBodyTest(unittest.TestCase):
    """A handshake that announced a body was upgraded: the bytes after its head were read as frames
    (1002), where a proxy in front would have sent them on as the body, and `Transfer-Encoding:
    chunked` was upgraded as it came. RFC 6455 section 4.1: the handshake is a GET without one."""

    def test_a_handshake_with_a_body_is_400_and_content_length_0_is_fine(self):
        with Server() as srv:
            for extra in ({"Content-Length": "5"}, {"Transfer-Encoding": "chunked"},
                          {"Content-Length": "0", "Transfer-Encoding": "chunked"}):
                with self.subTest(extra=extra):
                    resp, _, closed = exchange(srv, handshake_bytes(srv.host, srv.port, extra=extra))
                    self.assertEqual(status_of(resp), 400, resp[:300])
                    self.assertIn("no body", json.loads(resp.split(b"\r\n\r\n", 1)[1])["detail"])
                    self.assertTrue(closed)
            resp, _, _ = exchange(srv, handshake_bytes(srv.host, srv.port, extra={"Content-Length": "0"}), timeout=1)
            self.assertEqual(status_of(resp), 101, resp[:300])


class ChatBodyTest(unittest.TestCase):
    """A NUL byte ended the chat body where it stood, so `{"query":"x"}` and then anything at all was
    taken as valid JSON; a key given twice was taken at its last value. Both are 400 now."""

    def test_nul_and_duplicate_keys_are_refused(self):
        with Server() as srv:
            for body, detail in {b'{"query":"orders"}\x00trailing garbage': "must be a JSON object",
                                 b'{"query":"orders"}\x00': "must be a JSON object",
                                 b'{"query":"x","query":"orders"}': "twice"}.items():
                with self.subTest(body=body):
                    status, _, raw = srv.request("POST", "/api/chat/graph", body=body,
                                                 headers={"Content-Type": "application/json"})
                    self.assertEqual(status, 400, raw[:300])
                    self.assertIn(detail, json.loads(raw)["detail"])
            status, _, raw = srv.request("POST", "/api/chat/graph", body=b'{"query":"orders"}',
                                         headers={"Content-Type": "application/json"})
            self.assertEqual(status, 200, raw[:300])


class NodeDetailsTest(unittest.TestCase):
    """GET /api/v1/nodes/{name} compared each use with all before it: a table read by 20,000 statements
    took longer than the 30 s a deferred answer may (the connection was dropped without one), 18
    CPU-seconds of a worker, and the answer grew with every use. Now each list keeps 1,000 entries
    and says it was cut; `used_count` counts them all."""

    def test_a_table_read_by_1500_statements(self):
        with tempfile.TemporaryDirectory(prefix="lineaged-attack-") as tmp:
            sql = os.path.join(tmp, "hot.sql")
            with open(sql, "w") as f:
                for i in range(1500):
                    f.write(f"INSERT INTO w.t{i} (x) SELECT x FROM hot.t;\n")
                f.write("INSERT INTO w.t0 (x) SELECT x FROM hot.t; INSERT INTO w.t0 (x) SELECT x FROM hot.t;\n")
            db = os.path.join(tmp, "hot.duckdb")
            self.assertEqual(run_cli("ingest", "--db", db, sql, timeout=300).returncode, 0)
            with Server(db=db) as srv:
                status, doc = srv.get_json("/api/v1/nodes/hot.t")
                self.assertEqual(status, 200, doc)
                self.assertEqual(len(doc["used"]), 1000)
                # the last line's two statements are one entry (same file, line, kind and role)
                self.assertEqual(doc["used_count"], 1501)
                self.assertTrue(doc["truncated"])
                self.assertEqual(len({json.dumps(u, sort_keys=True) for u in doc["used"]}), 1000)
                status, doc = srv.get_json("/api/v1/nodes/w.t1")
                self.assertEqual(status, 200, doc)
                self.assertEqual((doc["used_count"], doc["truncated"]), (1, False))


def chain_db(folder, statements=3000):
    """A database of `statements` INSERTs, each reading the one before: its OpenLineage export is ~5 MB."""
    cols = ", ".join(f"c{j}" for j in range(6))
    sql = os.path.join(folder, "chain.sql")
    with open(sql, "w") as f:
        for i in range(1, statements + 1):
            f.write(f"INSERT INTO wh.t{i} ({cols}) SELECT {cols} FROM wh.t{i - 1};\n")
    db = os.path.join(folder, "chain.duckdb")
    done = run_cli("ingest", "--db", db, sql, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return db


class SlowReaderTest(unittest.TestCase):
    """A large response handed to lws whole waited in lws's copy for the whole body's time at --min-rate
    (hours for an export) when its client stopped reading: a copy per client, without bound. Now it goes
    out a piece at a time, each with its own deadline, and what all large responses hold together is
    bounded by --response-buffer-mb."""

    EXPORT = "/api/v1/export/openlineage"
    HELD = "lineaged_http_response_bytes_held"

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="lineaged-attack-")
        cls.db = chain_db(cls.tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def export_request(self, srv):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect: a small window
        s.settimeout(10)
        s.connect((srv.host, srv.port))
        s.sendall(f"GET {self.EXPORT} HTTP/1.1\r\nHost: {srv.host}:{srv.port}\r\n\r\n".encode())
        return s

    def test_a_stalled_reader_holds_the_budget_and_the_next_large_answer_is_refused(self):
        # the stalled reader is held 300 s (the most --header-timeout allows) after its last piece: far
        # longer than the next export takes to build on a loaded machine, so it is still held when that
        # export asks for room (a 20 s hold raced the build under load and let the next export through)
        with Server("--header-timeout", "300", "--min-rate", "1000000", "--response-buffer-mb", "1",
                    db=self.db) as srv:
            srv.wait_graph()
            status, _, whole = srv.request("GET", self.EXPORT, timeout=120)
            self.assertEqual(status, 200)
            self.assertGreater(len(whole), 4 << 20)
            stalled = self.export_request(srv)
            try:
                held = wait_metric(srv, self.HELD, 1, timeout=120)
                self.assertGreaterEqual(held, 1)
                # the same export again shares the body the stalled reader holds (the export cache's): it is in
                # memory once and counted once, so it is let through (until session 15: counted again, refused)
                again = self.export_request(srv)
                try:
                    again.settimeout(120)
                    self.assertTrue(again.recv(64).startswith(b"HTTP/1.1 200"))
                    self.assertEqual(wait_metric(srv, self.HELD, 1, timeout=0.2), held)
                finally:
                    again.close()
                # one large answer holds more than the budget: another body is refused, not kept
                status, _, body = srv.request("GET", "/api/v1/export/csv", timeout=120)
                self.assertEqual(status, 503, body[:300])
                self.assertIn("--response-buffer-mb", json.loads(body)["detail"])
                self.assertIn("reason=response_buffer", srv.log())
            finally:
                stalled.close()

    def test_a_reader_that_stops_is_dropped_and_its_answer_freed(self):
        # each piece must be taken within --header-timeout (10 s) plus its time at --min-rate: the reader
        # that stops is dropped by that deadline; each step waits for its event (bounded), none is timed
        with Server("--header-timeout", "10", "--min-rate", "1000000", "--response-buffer-mb", "1",
                    db=self.db) as srv:
            srv.wait_graph()  # else 503 loading (under ASan at load 20)
            status, _, whole = srv.request("GET", self.EXPORT, timeout=120)
            self.assertEqual(status, 200)
            stalled = self.export_request(srv)
            stalled.settimeout(120)
            try:
                # its answer is built and waits in pieces (however long the build took), then is dropped
                self.assertGreaterEqual(wait_metric(srv, self.HELD, 1, timeout=120), 1)
                deadline = time.monotonic() + 120
                while wait_metric(srv, self.HELD, 1, timeout=0.2) and time.monotonic() < deadline:
                    time.sleep(0.2)
                self.assertEqual(wait_metric(srv, self.HELD, 1, timeout=0.2), 0)
                got = b""
                while True:
                    try:
                        chunk = stalled.recv(1 << 20)
                    except ConnectionResetError:
                        break
                    if not chunk:
                        break
                    got += chunk
                self.assertTrue(got.startswith(b"HTTP/1.1 200"), got[:100])
                self.assertLess(len(got), len(whole), "the stalled reader got the whole export")
            finally:
                stalled.close()
            status, _, body = srv.request("GET", self.EXPORT, timeout=120)
            self.assertEqual((status, len(body)), (200, len(whole)))
            self.assertTrue(all(json.loads(line) for line in body.splitlines()))


if __name__ == "__main__":
    main()

"""The transport against hostile clients (issue 8): raw sockets, loopback only, every wait bounded."""

import json
import os
import socket
import struct
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, main, trickle_header_lines  # noqa: E402
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


class LwsOwnErrorsTest(unittest.TestCase):
    """libwebsockets answers an undecodable escape and an unknown Upgrade itself, before any callback;
    those answers are our JSON 400 too, not its HTML 403."""

    def assert_json_400(self, resp):
        head, _, body = resp.partition(b"\r\n\r\n")
        self.assertEqual(status_of(resp), 400, resp[:300])
        self.assertTrue(head.startswith(b"HTTP/1.1 400 Bad Request\r\n"), head)
        self.assertIn(b"\r\ncontent-type: application/json", head.lower())
        length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:"))
        self.assertEqual(len(body), length, body)
        doc = json.loads(body)
        self.assertEqual(doc["error"], "bad_request")
        self.assertTrue(doc["detail"])

    def test_undecodable_escapes_and_unknown_upgrades_get_json_400(self):
        with Server() as srv:
            host = f"Host: {srv.host}:{srv.port}\r\n"
            for target in ("/%zz", "/api/v1/search?q=%zz", "/health%2", "/%"):
                with self.subTest(target=target):
                    resp, closed = exchange(srv, f"GET {target} HTTP/1.1\r\n{host}\r\n".encode())
                    self.assert_json_400(resp)
                    self.assertTrue(closed)
            for path in ("/health", "/admin/ws/dashboard", "/"):
                with self.subTest(upgrade_path=path):
                    resp, _ = exchange(srv, upgrade_request(srv, path, {"Upgrade": "foo", "Connection": "Upgrade"}))
                    self.assert_json_400(resp)
            # a keep-alive follow-up is parsed by libwebsockets too: its page is rewritten the same way
            resp, closed = exchange(srv, f"GET /health HTTP/1.1\r\n{host}\r\nGET /%zz HTTP/1.1\r\n{host}\r\n".encode())
            first, _, rest = resp.partition(b"\r\n\r\n")
            self.assertEqual(status_of(first), 200, resp[:300])
            length = next(int(line.split(b":", 1)[1]) for line in first.split(b"\r\n")
                          if line.lower().startswith(b"content-length:"))
            self.assert_json_400(rest[length:])
            self.assertTrue(closed)
            # %00 fails libwebsockets' parser outright, with no answer: the request guard answers first
            for target in ("/api/v1/search?q=%00", "/health?x=a%00b", "/%00"):
                with self.subTest(target=target):
                    resp, closed = exchange(srv, f"GET {target} HTTP/1.1\r\n{host}\r\n".encode())
                    self.assert_json_400(resp)
                    self.assertIn(b"%00", resp)
                    self.assertTrue(closed)
            # a decoded %0A or %0D ends libwebsockets' request line: said as such, not as a missing version
            for target, said in (("/api/v1/nodes/a%0Ab", b"line feed (%0A)"), ("/api/v1/lineage/a%0db", b"(%0D)"),
                                 ("/api/v1/search?q=a%0D%0A", b"(%0D)")):
                with self.subTest(target=target):
                    resp, closed = exchange(srv, f"GET {target} HTTP/1.1\r\n{host}\r\n".encode())
                    self.assert_json_400(resp)
                    self.assertIn(said, resp)
                    self.assertNotIn(b"version", resp)
                    self.assertTrue(closed)
            # every other encoded C0 control and DEL, in a path or a query, asks for a name holding it (names
            # are data: test_names_control.py finds stored ones); raw, it is refused
            for code in [*range(0x01, 0x20), 0x7F]:
                if code in (0x0A, 0x0D):
                    continue
                for target, status in ((f"/api/v1/lineage/a%{code:02X}b", 404), (f"/api/v1/search?q=a%{code:02x}", 200)):
                    with self.subTest(target=target):
                        self.assertEqual(srv.request("GET", target)[0], status, target)
                resp, closed = exchange(srv, f"GET /api/v1/search?q=a{chr(code)} HTTP/1.1\r\n{host}\r\n".encode())
                self.assert_json_400(resp)
                self.assertIn(b"a control character in the request line", resp)
                self.assertTrue(closed)
            # the dashboard and WebSocket still work
            self.assertEqual(srv.request("GET", "/health")[0], 200)
            ws = RawWS(srv.host, srv.port)
            self.assertEqual(ws.status, 101)
            ws.close()
            self.assertIsNone(srv.proc.poll())
            self.assertIn("reason=lws_status", srv.log())


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


def listening(port):
    """(family, address) of every socket in LISTEN on `port`, from /proc/net/tcp and tcp6."""
    found = []
    for family, path in (("ipv4", "/proc/net/tcp"), ("ipv6", "/proc/net/tcp6")):
        try:
            with open(path) as f:
                lines = f.read().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            fields = line.split()
            addr, hexport = fields[1].split(":")
            if fields[3] != "0A" or int(hexport, 16) != port:
                continue
            raw = bytes.fromhex(addr)
            if family == "ipv4":
                found.append((family, socket.inet_ntop(socket.AF_INET, raw[::-1])))
            else:
                words = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
                found.append((family, socket.inet_ntop(socket.AF_INET6, words)))
    return sorted(found)


def refused(host, port, family=socket.AF_INET):
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(3)
        try:
            s.connect((host, port))
        except ConnectionRefusedError:
            return True
        return False


class ListenTest(unittest.TestCase):
    """Item 2: listen exactly where told (lws 4.1.6 bound [::] for an IPv4 iface)."""

    def test_ipv4_loopback_only(self):
        with Server() as srv:
            self.assertEqual(listening(srv.port), [("ipv4", "127.0.0.1")])
            self.assertTrue(refused("127.0.0.2", srv.port))
            self.assertTrue(refused("::1", srv.port, socket.AF_INET6))
            self.assertIn(f'addresses="127.0.0.1:{srv.port}"', srv.log())

    def test_ipv6_loopback_only(self):
        with Server(host="::1") as srv:
            self.assertEqual(listening(srv.port), [("ipv6", "::1")])
            self.assertTrue(refused("127.0.0.1", srv.port))
            self.assertEqual(srv.request("GET", "/health")[0], 200)

    def test_localhost_is_resolved(self):
        with Server(host="localhost") as srv:
            found = listening(srv.port)
            self.assertIn(("ipv4", "127.0.0.1"), found)
            self.assertTrue(all(addr in ("127.0.0.1", "::1") for _, addr in found), found)
            self.assertTrue(refused("127.0.0.2", srv.port))
            self.assertEqual(srv.request("GET", "/health")[0], 200)

    def test_wildcard_only_when_asked(self):
        with Server(host="0.0.0.0") as srv:
            self.assertEqual(listening(srv.port), [("ipv4", "0.0.0.0")])
            self.assertFalse(refused("127.0.0.2", srv.port))


def slow_clients(srv, source, n, data):
    socks = []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((source, 0))
        s.settimeout(5)
        s.connect((srv.host, srv.port))
        s.sendall(data)
        socks.append(s)
    return socks


def health_from(srv, source, timeout=5):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((source, 0))
        s.settimeout(timeout)
        s.connect((srv.host, srv.port))
        s.sendall(f"GET /health HTTP/1.1\r\nHost: {srv.host}:{srv.port}\r\nConnection: close\r\n\r\n".encode())
        data, _ = read_all(s, timeout)
        return status_of(data)


class SlowClientTest(unittest.TestCase):
    """Item 3: slow clients from one address must not lock others out."""

    SLOW = {
        "half a request line": b"GET /hea",
        "a body to a bodiless route": b"GET /health HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000000000\r\n\r\nx",
        "a body that never comes": b"POST /api/v1/debug/events HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000000\r\n\r\nx",
        "headers a byte at a time": b"GET /health HTTP/1.1\r\nX-a: ",
    }

    def test_40_slow_connections_from_one_address_cost_others_nothing(self):
        for name, data in self.SLOW.items():
            # The slow ones may hold their connections for the 120 s header deadline: answers to other
            # addresses within 60 s (a bound for a loaded machine, not a target) show they did not stand
            # in their way.
            with self.subTest(name), Server("--header-timeout", "120", "--stats-interval", "30", "--debug-events") as srv:
                socks = slow_clients(srv, "127.0.0.1", 40, data)
                try:
                    self.assertEqual(health_from(srv, "127.0.0.2", timeout=60), 200)
                    ws = RawWS(srv.host, srv.port, source="127.0.0.3", timeout=60)
                    self.assertEqual(ws.status, 101)
                    self.assertEqual(ws.recv_json()["type"], "connection_ack")
                    ws.close()
                finally:
                    for s in socks:
                        s.close()

    def test_header_block_has_one_deadline(self):
        with Server("--header-timeout", "2", "--stats-interval", "30") as srv:
            with socket.create_connection((srv.host, srv.port), timeout=5) as s:
                s.sendall(b"GET /health HTTP/1.1\r\n")
                closed, got = trickle_header_lines(s, 60)
            # a header line every 0.3 s would renew a per-byte timeout for ever; the bound is for a loaded
            # machine, and 200 lines (2 KB) stay under the head's size limit, so only the deadline closes it
            self.assertTrue(closed, "still open after 60 s of header lines")
            self.assertIn(status_of(got), (None, 408), got[:200])
            self.assertEqual(srv.request("GET", "/health")[0], 200)

    def test_waiting_connections_of_one_address_are_served_in_turn(self):
        with Server("--max-http-per-ip", "2", "--stats-interval", "30") as srv:
            socks = slow_clients(srv, "127.0.0.1", 2, b"GET /hea")
            try:
                # a third connection from the same address waits, then is served once a slot frees
                third = socket.create_connection((srv.host, srv.port), timeout=5)
                third.sendall(f"GET /health HTTP/1.1\r\nHost: {srv.host}\r\nConnection: close\r\n\r\n".encode())
                third.settimeout(0.5)
                with self.assertRaises(socket.timeout):
                    third.recv(1)
                socks[0].close()
                data, _ = read_all(third, 5)
                self.assertEqual(status_of(data), 200)
                third.close()
            finally:
                for s in socks:
                    s.close()


def low_nofile(n):
    def apply():
        import resource
        resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))
    return apply


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class DescriptorTest(unittest.TestCase):
    """Item 4: a connection cap below RLIMIT_NOFILE, no spinning and no log flood when descriptors run out."""

    def test_connection_flood_under_a_low_file_limit(self):
        with Server("--header-timeout", "2", "--stats-interval", "30", preexec_fn=low_nofile(128)) as srv:
            log = srv.log()
            self.assertIn("connection_cap=64", log)
            self.assertIn("fd_limit=128", log)
            flood = []
            for i in range(150):
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.bind((f"127.0.1.{1 + i % 50}", 0))
                s.setblocking(False)
                try:
                    s.connect((srv.host, srv.port))
                except BlockingIOError:
                    pass
                flood.append(s)
            before = cpu_seconds(srv.proc.pid)
            time.sleep(1.5)
            spent = cpu_seconds(srv.proc.pid) - before
            self.assertLess(spent, 0.5, "the server spun while out of descriptors")
            for s in flood:
                s.close()
            # the flood is gone within the header deadline; the server answers again
            deadline = time.monotonic() + 10
            status = None
            while time.monotonic() < deadline:
                try:
                    status = srv.request("GET", "/health", timeout=2)[0]
                    if status == 200:
                        break
                except OSError:
                    pass
                time.sleep(0.2)
            self.assertEqual(status, 200)
            log = srv.log()
            lines = log.splitlines()
            self.assertLess(len(lines), 60, "\n".join(lines[-20:]))
            self.assertTrue("server.refused reason=capacity" in log, "\n".join(lines[-20:]))

    def test_out_of_descriptors_backs_off_instead_of_spinning(self):
        import resource
        with Server("--header-timeout", "2", "--stats-interval", "30") as srv:
            pid = srv.proc.pid
            # the cap was computed from a high limit; lowering it now makes accept fail with EMFILE
            in_use = len(os.listdir(f"/proc/{pid}/fd"))
            soft, hard = resource.prlimit(pid, resource.RLIMIT_NOFILE)
            resource.prlimit(pid, resource.RLIMIT_NOFILE, (in_use + 8, hard))
            flood = []
            for i in range(100):
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.bind((f"127.0.2.{1 + i % 50}", 0))
                s.setblocking(False)
                try:
                    s.connect((srv.host, srv.port))
                except BlockingIOError:
                    pass
                flood.append(s)
            time.sleep(0.5)
            before = cpu_seconds(pid)
            time.sleep(2)
            spent = cpu_seconds(pid) - before
            for s in flood:
                s.close()
            resource.prlimit(pid, resource.RLIMIT_NOFILE, (soft, hard))
            self.assertLess(spent, 0.5, "the server spun on EMFILE")
            deadline = time.monotonic() + 10
            status = None
            while time.monotonic() < deadline and status != 200:
                try:
                    status = srv.request("GET", "/health", timeout=2)[0]
                except OSError:
                    time.sleep(0.2)
            self.assertEqual(status, 200)
            lines = srv.log().splitlines()
            # lws 4.1.6 alone logged "accept: errno 24" on every turn of a spinning loop
            self.assertLess(len(lines), 60, "\n".join(lines[-20:]))
            self.assertTrue(any("server.refused reason=out_of_descriptors" in line for line in lines),
                            "\n".join(lines[-20:]))


class MethodTest(unittest.TestCase):
    """Item 4: CONNECT became a raw socket with no timeout; every unserved method is answered and closed."""

    def test_unserved_methods_are_answered_and_closed(self):
        with Server() as srv:
            cases = {
                b"CONNECT x:80 HTTP/1.1\r\nHost: x:80\r\n\r\n": 405,
                b"TRACE / HTTP/1.1\r\nHost: localhost\r\n\r\n": 405,
                b"BREW /pot HTTP/1.1\r\nHost: localhost\r\n\r\n": 405,
                H2_PREFACE + H2_SETTINGS: 400,
                b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + b"\x00" * 40: 400,
            }
            for data, want in cases.items():
                with self.subTest(data=data[:20]):
                    resp, closed = exchange(srv, data, timeout=3)
                    self.assertEqual(status_of(resp), want, resp[:200])
                    self.assertTrue(closed)
                    if want == 405:
                        self.assertIn(b"\r\nallow: get, head, post", resp.lower())
            self.assertEqual(srv.request("GET", "/health")[0], 200)


class BodyTest(unittest.TestCase):
    """Item 3: bodies on routes that take none, and bodies that dribble."""

    def test_body_to_a_bodiless_route_is_answered_at_once_and_closed(self):
        with Server("--debug-events") as srv:
            cases = {
                b"GET /health HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000000000\r\n\r\nx": 413,
                b"GET /health HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab": 413,
                b"POST /health HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000000000\r\n\r\nx": 405,
                b"POST /nope HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000000000\r\n\r\nx": 404,
                b"POST /api/v1/debug/events HTTP/1.1\r\nHost: localhost\r\nContent-Length: 99999999\r\n\r\nx": 413,
            }
            for data, want in cases.items():
                with self.subTest(data=data[:40]):
                    resp, closed = exchange(srv, data, timeout=3)
                    self.assertEqual(status_of(resp), want, resp[:200])
                    self.assertTrue(closed)

    def test_a_dribbling_body_is_cut_off(self):
        with Server("--debug-events", "--header-timeout", "1", "--min-rate", "1000") as srv:
            with socket.create_connection((srv.host, srv.port), timeout=5) as s:
                s.sendall(b"POST /api/v1/debug/events HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5000\r\n\r\n")
                t0 = time.monotonic()
                resp = b""
                s.settimeout(0.3)
                # 10 bytes every 0.3 s: 4,990 bytes take 150 s, so only the rate check ends it in the bound
                while time.monotonic() - t0 < 60:
                    try:
                        s.sendall(b" " * 10)
                        chunk = s.recv(4096)
                        if not chunk:
                            break
                        resp += chunk
                    except socket.timeout:
                        continue
                    except OSError:
                        break
            # 408 when a dribble arrives after the deadline, dropped when the timer sees it first; by the
            # rate check, not lws, which alone renews its 30 s timeout with every chunk
            self.assertIn(status_of(resp), (408, None), resp[:200])
            self.assertIn("reason=slow_body", srv.log())

    def test_a_body_that_stops_is_dropped(self):
        with Server("--debug-events", "--header-timeout", "1", "--min-rate", "1000") as srv:
            with socket.create_connection((srv.host, srv.port), timeout=60) as s:
                s.sendall(b"POST /api/v1/debug/events HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5000\r\n\r\n{")
                _, closed = read_all(s, 60)
            self.assertTrue(closed)
            self.assertIn("reason=slow_body", srv.log())  # dropped by the rate check; lws alone waits 30 s

class HostTest(unittest.TestCase):
    """Suspected item: Host values that do not name this server (DNS rebinding) get 421."""

    def get(self, srv, path, host):
        lines = [f"GET {path} HTTP/1.1"] + ([f"Host: {host}"] if host is not None else []) + ["Connection: close"]
        resp, _ = exchange(srv, ("\r\n".join(lines) + "\r\n\r\n").encode())
        return status_of(resp), resp

    def test_foreign_names_get_421(self):
        with Server("--allowed-host", "dash.example.com", "--stats-interval", "30") as srv:
            for path in ("/health", "/metrics", "/api/v1/stats", "/"):
                with self.subTest(path=path):
                    status, resp = self.get(srv, path, f"rebind.example.net:{srv.port}")
                    self.assertEqual(status, 421, resp[:200])
                    self.assertEqual(json.loads(resp.partition(b"\r\n\r\n")[2])["error"], "misdirected_request")
            for host in (f"localhost:{srv.port}", f"127.0.0.1:{srv.port}", "127.0.0.1", f"[::1]:{srv.port}",
                         "LOCALHOST.", f"dash.example.com:{srv.port}"):
                with self.subTest(host=host):
                    self.assertEqual(self.get(srv, "/health", host)[0], 200)
            ws_resp, _ = exchange(srv, handshake_bytes("rebind.example.net", srv.port))
            self.assertEqual(status_of(ws_resp), 421)
            # a port is digits only
            resp, _ = exchange(srv, f"GET /health HTTP/1.1\r\nHost: {srv.host}:{srv.port}x\r\n\r\n".encode())
            self.assertEqual(status_of(resp), 421, resp[:200])
            self.assertIn("reason=host", srv.log())

    def test_http11_without_one_host_is_400(self):
        """RFC 9112 section 3.2: an HTTP/1.1 request without Host, or with several, is answered 400 (it was
        served, as a request not from a browser; two were joined by ',' and got 421). HTTP/1.0 had no Host."""
        with Server("--stats-interval", "30") as srv:
            host = f"Host: {srv.host}:{srv.port}\r\n"
            for name, head, said in (
                    ("none", "", b"must carry a Host header"), ("empty", "Host:\r\n", b"must carry a Host header"),
                    ("two", host + "Host: rebind.example.net\r\n", b"one Host header, not several"),
                    ("the same twice", host + host, b"one Host header, not several")):
                for path in ("/health", "/api/v1/stats", "/api/v1/export/csv"):
                    with self.subTest(host=name, path=path):
                        resp, closed = exchange(srv, f"GET {path} HTTP/1.1\r\n{head}\r\n".encode())
                        self.assertEqual(status_of(resp), 400, resp[:300])
                        self.assertEqual(json.loads(resp.partition(b"\r\n\r\n")[2])["error"], "bad_request")
                        self.assertIn(said, resp)
                        self.assertTrue(closed)
            resp, _ = exchange(srv, b"GET /health HTTP/1.0\r\n\r\n")
            self.assertEqual(status_of(resp), 200, resp[:300])
            # the dashboard's handshake (RFC 6455 section 4.1) likewise
            no_host = b"".join(line + b"\r\n" for line in handshake_bytes("x", 1).split(b"\r\n")
                               if line and not line.startswith(b"Host:")) + b"\r\n"
            resp, _ = exchange(srv, no_host)
            self.assertEqual(status_of(resp), 400, resp[:300])
            self.assertIn(b"Host", resp)
            self.assertIn("reason=host_count", srv.log())

    def test_wildcard_bind_accepts_any_address_but_not_names(self):
        with Server(host="0.0.0.0") as srv:
            self.assertEqual(self.get(srv, "/health", f"10.1.2.3:{srv.port}")[0], 200)
            self.assertEqual(self.get(srv, "/health", f"evil.example:{srv.port}")[0], 421)


if __name__ == "__main__":
    main()

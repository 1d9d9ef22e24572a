"""HTTP basics: /health, errors as JSON with proper status, keep-alive, bad input never kills the server."""

import json
import os
import re
import select
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import WAIT_S, Server, main, migrations_logged, read_responses  # noqa: E402
from ws_helpers import metric  # noqa: E402


class HttpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server().__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.srv.__exit__(None, None, None)

    def assert_json_error(self, status, headers, body, want_status):
        self.assertEqual(status, want_status, body)
        self.assertEqual(headers["content-type"], "application/json")
        doc = json.loads(body)
        self.assertIsInstance(doc["error"], str)
        self.assertIsInstance(doc["detail"], str)
        return doc

    def test_health(self):
        status, headers, body = self.srv.request("GET", "/health")
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "application/json")
        doc = json.loads(body)
        self.assertEqual(doc["status"], "healthy")
        versions = migrations_logged(self.srv.log())  # a fresh database: every migration ran
        self.assertEqual(versions, list(range(1, len(versions) + 1)))
        self.assertEqual(doc["database"]["schema_version"], versions[-1])
        self.assertGreaterEqual(doc["uptime_seconds"], 0)

    def test_absolute_form_targets_are_served_for_this_server_only(self):
        # RFC 9112 §3.2.2: a server MUST accept the absolute form; it was 400
        own = f"{self.srv.host}:{self.srv.port}"
        for target in (f"http://{own}/health", f"HTTP://localhost:{self.srv.port}/health?x=1"):
            with self.subTest(target=target):
                reply = self.srv.raw(f"GET {target} HTTP/1.1\r\nHost: {own}\r\nConnection: close\r\n\r\n".encode())
                self.assertTrue(reply.startswith(b"HTTP/1.1 200 "), reply[:200])
                self.assertEqual(json.loads(reply.split(b"\r\n\r\n", 1)[1])["status"], "healthy")
        reply = self.srv.raw(f"GET http://{own} HTTP/1.1\r\nHost: {own}\r\nConnection: close\r\n\r\n".encode())
        self.assertTrue(reply.startswith(b"HTTP/1.1 200 "), reply[:200])  # no path: "/"
        for target in ("http://evil.example.com/health", f"http://user@{own}/health"):
            with self.subTest(target=target):
                reply = self.srv.raw(f"GET {target} HTTP/1.1\r\nHost: {own}\r\n\r\n".encode())
                self.assertTrue(reply.startswith(b"HTTP/1.1 421 "), reply[:200])
                doc = json.loads(reply.split(b"\r\n\r\n", 1)[1])
                self.assertEqual(doc["error"], "misdirected_request")
                self.assertIn("another host", doc["detail"])

    def send_in_pieces(self, data, step, until_answered=False):
        """Sends `data` `step` bytes a write (TCP_NODELAY: each its own segment), 2 ms apart (or, with
        `until_answered`, until an answer comes: more bytes would meet a reset); returns all that comes back."""
        with socket.create_connection((self.srv.host, self.srv.port), timeout=10) as s:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                for i in range(0, len(data), step):
                    if select.select([s] if until_answered else [], [], [], 0.002)[0]:
                        break
                    s.sendall(data[i:i + step])
            except (BrokenPipeError, ConnectionResetError):
                pass  # refused before the rest: the answer is waiting
            out = b""
            try:
                while chunk := s.recv(65536):
                    out += chunk
            except ConnectionResetError:
                pass
            return out

    def test_absolute_form_is_served_whatever_the_read_boundaries(self):
        # It was cut to the origin form only at the start of a read: a request line split across reads,
        # or a pipelined request after the first, got lws's 400.
        own = f"{self.srv.host}:{self.srv.port}"
        one = f"GET http://{own}/health HTTP/1.1\r\nHost: {own}\r\n\r\n".encode()
        two = f"GET /health HTTP/1.1\r\nHost: {own}\r\n\r\n".encode()
        last = f"GET HTTP://localhost:{self.srv.port}?x=1 HTTP/1.1\r\nHost: {own}\r\nConnection: close\r\n\r\n".encode()
        for step in (1, 3, 7, len(one) + 5, 4096):
            with self.subTest(step=step):
                reply = self.send_in_pieces(one + two + one + last, step)
                self.assertEqual(re.findall(rb"HTTP/1\.1 (\d{3}) ", reply), [b"200"] * 4, reply[:400])
                self.assertTrue(reply.endswith(b"</html>\n") or b"<html" in reply, reply[-200:])  # "/" is the page

    def test_a_request_with_a_body_pipelined_after_another_is_answered(self):
        # Found by a hostile client: GET, then a POST with a body, in one write. lws 4.1.6 found the POST
        # in its own buffer after the GET and its service thread spun (lws_service_do_ripe_rxflow): the
        # POST was never answered and the whole server stopped answering. lws is now handed one request
        # a read, the rest left in the socket.
        own = f"{self.srv.host}:{self.srv.port}"
        get = f"GET /health HTTP/1.1\r\nHost: {own}\r\n\r\n".encode()
        body = b'{"question": "x"}'
        post = (f"POST /api/v1/github/ingest HTTP/1.1\r\nHost: {own}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode() + body
        last = f"GET /nope HTTP/1.1\r\nHost: {own}\r\nConnection: close\r\n\r\n".encode()
        for step in (4096, 1, 5):
            with self.subTest(step=step):
                reply = self.send_in_pieces(get + post + get + post + last, step)
                self.assertEqual(re.findall(rb"HTTP/1\.1 (\d{3}) ", reply), [b"200", b"400", b"200", b"400", b"404"],
                                 reply[-300:])
        status, _, _ = self.srv.request("GET", "/health", timeout=30)  # and the server still answers others
        self.assertEqual(status, 200)

    def test_https_and_other_hosts_get_421_whatever_the_read_boundaries(self):
        own = f"{self.srv.host}:{self.srv.port}"
        for target, says in ((f"https://{own}/health", "https:// request target"),
                             ("http://evil.example.com/health", "another host"),
                             ("http://" + "a" * 300 + "/health", "another host")):
            for step in (1, 5, 4096):
                with self.subTest(target=target[:40], step=step):
                    request = f"GET {target} HTTP/1.1\r\nHost: {own}\r\n\r\n".encode()
                    reply = self.send_in_pieces(request, step, until_answered=True)
                    self.assertTrue(reply.startswith(b"HTTP/1.1 421 "), reply[:200])
                    doc = json.loads(reply.split(b"\r\n\r\n", 1)[1])
                    self.assertEqual(doc["error"], "misdirected_request")
                    self.assertIn(says, doc["detail"])

    def test_dashboard_page(self):
        status, headers, body = self.srv.request("GET", "/")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/html"))
        self.assertIn(b"<html", body)

    def test_unknown_path_is_404(self):
        for path in ("/nope", "/health/extra", "/api/v1/nothing-here"):
            with self.subTest(path=path):
                self.assert_json_error(*self.srv.request("GET", path), 404)

    def test_wrong_method_is_405_with_allow(self):
        status, headers, body = self.srv.request("DELETE", "/health")
        self.assert_json_error(status, headers, body, 405)
        self.assertEqual(headers["allow"], "GET, HEAD, OPTIONS")
        status, headers, body = self.srv.request("POST", "/health", body=b'{"a":1}',
                                                 headers={"Content-Type": "application/json"})
        self.assert_json_error(status, headers, body, 405)

    def test_head_has_length_but_no_body(self):
        status, headers, body = self.srv.request("HEAD", "/health")
        self.assertEqual(status, 200)
        self.assertGreater(int(headers["content-length"]), 0)
        self.assertEqual(body, b"")

    def test_keep_alive_serves_several_requests_on_one_connection(self):
        with socket.create_connection((self.srv.host, self.srv.port), timeout=5) as s:
            s.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\nGET /nope HTTP/1.1\r\nHost: localhost\r\n\r\n")
            data = read_responses(s, 2)
        self.assertTrue(data.startswith(b"HTTP/1.1 200 OK\r\n"), data[:80])
        self.assertIn(b"HTTP/1.1 404 Not Found\r\n", data)

    def test_pipelined_requests_answered_in_order_to_a_client_that_reads_late(self):
        # 100 dashboard pages (~8 MB) do not fit the socket: answers written at once must be kept
        # by lws and the next request read only after them.
        paths = ["/" if i % 2 == 0 else "/health" for i in range(200)]
        data = b"".join(f"GET {p} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode() for p in paths)
        with socket.create_connection(("127.0.0.1", self.srv.port), timeout=30) as s:
            s.sendall(data)
            time.sleep(0.5)
            f = s.makefile("rb")
            for i, path in enumerate(paths):
                self.assertTrue(f.readline().startswith(b"HTTP/1.1 200"), f"answer {i}")
                length = None
                while (line := f.readline()) not in (b"\r\n", b""):
                    name, value = line.decode().split(":", 1)
                    if name.lower() == "content-length":
                        length = int(value)
                body = f.read(length)
                self.assertEqual(len(body), length)
                self.assertEqual(body.startswith(b"{"), path == "/health", f"answer {i}")

    def test_overlong_path_is_414(self):
        status, headers, body = self.srv.request("GET", "/" + "a" * 1600)
        self.assert_json_error(status, headers, body, 414)
        status, _, _ = self.srv.request("GET", "/" + "a" * 1534)  # 1,535 bytes with the slash: still a path
        self.assertEqual(status, 404)
        # percent-encoded bytes count decoded, as lws keeps them: 4,200 bytes sent, 1,401 kept
        status, _, _ = self.srv.request("GET", "/" + "%61" * 1400)
        self.assertEqual(status, 404)
        # a target libwebsockets' 4 KiB table cannot hold is 414 too, not 431 (or a dropped connection)
        status, headers, body = self.srv.request("GET", "/" + "a" * 5000)
        self.assert_json_error(status, headers, body, 414)

    def test_garbage_does_not_hurt_the_server(self):
        for junk in (b"\x00\x01\x02garbage\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
                     b"GET /health HTTP/1.1\r\n" + b"X-Big: " + b"y" * 20000 + b"\r\n\r\n",
                     b"POST /health HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n"):
            with self.subTest(junk=junk[:30]):
                self.srv.raw(junk, read_timeout=1.0)
                self.assertEqual(self.srv.get_json("/health")[0], 200)
        self.assertIsNone(self.srv.proc.poll())


def cpu_seconds(pid):
    """User and system CPU time the process has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class DeferredPipelineTest(unittest.TestCase):
    def test_requests_pipelined_behind_a_deferred_one_cost_no_cpu_while_it_waits(self):
        # Found playing the attacker on 8dfa89e: the request guard leaves a pipelined request in the
        # socket, lws reads nothing while a deferred answer is pending, and its level-triggered poll
        # woke the service thread without end: 1.5 s of CPU in the 3 s of the work (37,000 epoll_wait a
        # second). lws's reads of the connection now pause until the answer is ready.
        sleep_ms = 2000
        with Server("--debug-events") as srv:
            own = f"Host: {srv.host}:{srv.port}\r\n"
            slow = f"GET /api/v1/debug/sleep?ms={sleep_ms} HTTP/1.1\r\n{own}\r\n".encode()
            health = f"GET /health HTTP/1.1\r\n{own}\r\n".encode()
            last = f"GET /nope HTTP/1.1\r\n{own}Connection: close\r\n\r\n".encode()
            with socket.create_connection((srv.host, srv.port), timeout=30) as s:
                before = cpu_seconds(srv.proc.pid)
                s.sendall(slow + health)
                time.sleep(sleep_ms / 4000)  # and one more while the work runs
                s.sendall(health + last)
                reply = b""
                while chunk := s.recv(65536):
                    reply += chunk
                spent = cpu_seconds(srv.proc.pid) - before
            self.assertEqual(re.findall(rb"HTTP/1\.1 (\d{3}) ", reply), [b"200", b"200", b"200", b"404"], reply[-300:])
            self.assertIn(f'"slept_ms":{sleep_ms}'.encode(), reply)
            # idle it is a few hundredths of a second, under ASan too; the spin took 0.78 s of it at load 6
            self.assertLess(spent, sleep_ms / 8000, "the service thread spun while the answer was deferred")

    def test_requests_with_bodies_pipelined_behind_deferred_ones_are_answered(self):
        # Chat POSTs (answered by a worker) pipelined in one write: lws read the second while the first's
        # answer waited to be written, kept it in its own buffer, and its service thread spun on it for
        # ever (lws_service_do_ripe_rxflow, as with 8dfa89e's GET then POST): the whole server stopped.
        with Server("--debug-events") as srv:
            own = f"Host: {srv.host}:{srv.port}\r\n"
            body = b'{"query": "x"}'
            chat = (f"POST /api/chat/graph HTTP/1.1\r\n{own}Content-Type: application/json\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n").encode() + body
            last = f"GET /nope HTTP/1.1\r\n{own}Connection: close\r\n\r\n".encode()
            with socket.create_connection((srv.host, srv.port), timeout=60) as s:
                s.sendall(chat * 3 + last)
                reply = b""
                while chunk := s.recv(65536):
                    reply += chunk
            self.assertEqual(re.findall(rb"HTTP/1\.1 (\d{3}) ", reply), [b"200"] * 3 + [b"404"], reply[-300:])
            self.assertEqual(srv.request("GET", "/health", timeout=30)[0], 200)


def tcp_state(sock):
    """The kernel's TCP state of `sock` (tcp_info's first byte): 1 established, 7 closed, 8 close-wait."""
    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[0]


class UnreadAnswersTest(unittest.TestCase):
    def test_a_client_that_never_reads_costs_no_cpu_and_is_dropped(self):
        # Found by harden28: ~40 dashboard pages (~122 KB each) pipelined in one write and never read.
        # The socket filled; lws waited for POLLOUT in states where it reads nothing (an answer being
        # written, a finished one's writability check) with POLLIN left on, and the requests still in
        # the socket woke its level-triggered poll without end: 1.43 s of CPU in 4 s (31,000 epoll_wait
        # a second) until the send-side timeout. lws's reads now pause while the socket has no room.
        with Server("--header-timeout", "3", "--min-rate", "1000000") as srv:
            get = f"GET / HTTP/1.1\r\nHost: {srv.host}:{srv.port}\r\n\r\n".encode()
            with socket.create_connection((srv.host, srv.port), timeout=30) as s:
                before = cpu_seconds(srv.proc.pid)
                s.sendall(get * 40)
                time.sleep(2.5)
                spent = cpu_seconds(srv.proc.pid) - before
                self.assertEqual(srv.request("GET", "/health", timeout=30)[0], 200)  # others are served
                # the send-side limit (--header-timeout, then lws's keep-alive 5 s) drops it
                deadline = time.monotonic() + WAIT_S
                while tcp_state(s) == 1 and time.monotonic() < deadline:
                    time.sleep(0.2)
                self.assertNotEqual(tcp_state(s), 1, "a client that never reads was never dropped")
            # idle it is a few hundredths of a second; the spin took 0.7-1 s a second
            self.assertLess(spent, 0.3, "the service thread spun on a client that reads nothing")


class BodyLimitTest(unittest.TestCase):
    """411 and 413 as README and design.md state them, counted in lineaged_http_requests_total{code}."""

    def code_count(self, srv, code):
        _, _, text = srv.request("GET", "/metrics")
        return metric(text.decode(), f'lineaged_http_requests_total{{code="{code}"}}') or 0

    def test_411_without_length_and_413_before_the_body_is_read(self):
        with Server("--debug-events", "--allowed-origin", "https://dash.example.com") as srv:
            head = f"POST /api/v1/debug/events HTTP/1.1\r\nHost: {srv.host}:{srv.port}\r\n"
            reply = srv.raw((head + "Content-Type: application/json\r\n\r\n").encode())
            self.assertTrue(reply.startswith(b"HTTP/1.1 411 "), reply[:80])
            self.assertEqual(json.loads(reply.split(b"\r\n\r\n", 1)[1])["error"], "length_required")
            # One byte over the 1 MiB limit: refused from the headers alone, no body sent at all.
            reply = srv.raw((head + f"Content-Length: {1024 * 1024 + 1}\r\n\r\n").encode(), read_timeout=5)
            self.assertTrue(reply.startswith(b"HTTP/1.1 413 "), reply[:80])
            doc = json.loads(reply.split(b"\r\n\r\n", 1)[1])
            self.assertEqual(doc["error"], "payload_too_large")
            self.assertIn(str(1024 * 1024), doc["detail"])
            status, _, body = srv.request("POST", "/api/v1/debug/events", body=b"{not json",
                                          headers={"Content-Type": "application/json"})
            self.assertEqual(status, 400, body)
            # A Transfer-Encoding next to a Content-Length: a proxy in front would frame the body by
            # the one and we by the other (request smuggling), so neither is trusted.
            event = b'{"type":"error","data":{"error_type":"x","severity":"error","message":"Smuggled."}}'
            reply = srv.raw((head + f"Content-Type: application/json\r\nContent-Length: {len(event)}\r\n"
                             "Transfer-Encoding: chunked\r\n\r\n").encode() + event)
            self.assertTrue(reply.startswith(b"HTTP/1.1 411 "), reply[:80])
            self.assertIn("Transfer-Encoding", json.loads(reply.split(b"\r\n\r\n", 1)[1])["detail"])
            # A length is digits only: no sign, no space, no hex
            for length in (f"+{len(event)}", hex(len(event)), "-1", f"{len(event)}, {len(event)}"):
                with self.subTest(length=length):
                    reply = srv.raw((head + f"Content-Type: application/json\r\nContent-Length:{length}\r\n\r\n")
                                    .encode() + event)
                    self.assertTrue(reply.startswith(b"HTTP/1.1 400 "), reply[:80])
            # two differing headers: the detail said "not a number"
            reply = srv.raw((head + f"Content-Type: application/json\r\nContent-Length: {len(event)}\r\n"
                             f"Content-Length: {len(event) + 1}\r\n\r\n").encode() + event + b" ")
            self.assertTrue(reply.startswith(b"HTTP/1.1 400 "), reply[:80])
            detail = json.loads(reply.split(b"\r\n\r\n", 1)[1])["detail"]
            self.assertEqual(detail, "more than one Content-Length value; send one")
            self.assertEqual(self.code_count(srv, 411), 2)
            self.assertEqual(self.code_count(srv, 413), 1)
            self.assertEqual(self.code_count(srv, 400), 6)

    def test_allowed_origin_gets_cors_and_vary(self):
        with Server("--allowed-origin", "https://dash.example.com") as srv:
            _, headers, _ = srv.request("GET", "/health", headers={"Origin": "https://dash.example.com"})
            self.assertEqual(headers["access-control-allow-origin"], "https://dash.example.com")
            self.assertEqual(headers["vary"], "Origin")
            _, headers, _ = srv.request("GET", "/health", headers={"Origin": "https://dash.example.co"})
            self.assertNotIn("access-control-allow-origin", headers)


if __name__ == "__main__":
    main()

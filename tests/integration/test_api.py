"""The API layer: query parameters, deferred responses from the worker pool, 503 when its queue is
full, clients that leave while their answer is being computed."""

import concurrent.futures
import http.client
import json
import os
import re
import socket
import struct
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, main  # noqa: E402


class DeferredTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # One worker and a queue of two make the bound easy to reach.
        cls.srv = Server("--debug-events", "--api-workers", "1", "--api-queue", "2", "--log-level", "debug")
        cls.srv.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.srv.__exit__(None, None, None)

    def sleep_request(self, ms, timeout=30):
        return self.srv.request("GET", f"/api/v1/debug/sleep?ms={ms}", timeout=timeout)

    def test_deferred_answer_comes_from_a_worker_connection(self):
        status, headers, body = self.sleep_request(20)
        self.assertEqual(status, 200, body)
        self.assertEqual(headers["content-type"], "application/json")
        self.assertEqual(json.loads(body), {"slept_ms": 20, "answer": 42})

    def test_keep_alive_connection_serves_requests_after_a_deferred_one(self):
        conn = http.client.HTTPConnection(self.srv.host, self.srv.port, timeout=10)
        try:
            for ms in (30, 0, 10):
                conn.request("GET", f"/api/v1/debug/sleep?ms={ms}")
                resp = conn.getresponse()
                self.assertEqual(resp.status, 200)
                self.assertEqual(json.loads(resp.read())["slept_ms"], ms)
            conn.request("GET", "/health")
            resp = conn.getresponse()
            self.assertEqual(resp.status, 200)
            resp.read()
        finally:
            conn.close()

    def test_head_of_a_get_only_deferred_route_is_405(self):
        status, headers, _ = self.srv.request("HEAD", "/api/v1/debug/sleep?ms=1")
        self.assertEqual(status, 405)
        self.assertEqual(headers["allow"], "GET, OPTIONS")

    def test_full_queue_answers_503_and_the_rest_complete(self):
        # Three long jobs fill the one worker and the queue of two; the five sent after them are refused
        # at once, and the three are answered in turn.
        with concurrent.futures.ThreadPoolExecutor(8) as ex:
            long = []
            for _ in range(3):
                long.append(ex.submit(self.sleep_request, 3000))
                time.sleep(0.2)
            time.sleep(0.5)
            refused = [f.result() for f in [ex.submit(self.sleep_request, 0) for _ in range(5)]]
            # answered while the last long job still waits its turn, not queued behind the 9 s of work
            last_long_done = long[-1].done()
            accepted = [f.result() for f in long]
        self.assertEqual([r[0] for r in refused], [503] * 5)
        self.assertFalse(last_long_done, "the refusals waited for the long jobs")
        for status, _, body in refused:
            doc = json.loads(body)
            self.assertEqual(doc["error"], "busy")
        self.assertEqual([r[0] for r in accepted], [200] * 3)
        self.assertEqual(self.sleep_request(0)[0], 200)

    def test_client_leaving_mid_deferral_harms_nothing(self):
        """A reset connection is noticed and its late answer dropped; a half-closed one gets the answer
        written to a socket nobody reads (libwebsockets does not read while a response is pending)."""
        socks = []
        for i in range(3):
            s = socket.create_connection((self.srv.host, self.srv.port), timeout=5)
            s.sendall(b"GET /api/v1/debug/sleep?ms=1500 HTTP/1.1\r\nHost: localhost\r\n\r\n")
            socks.append(s)
            time.sleep(0.05)  # the single worker takes the first before the queue of two fills
        time.sleep(0.1)
        for i, s in enumerate(socks):
            if i < 2:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.close()
        deadline = time.monotonic() + 30  # three 1.5 s jobs in turn, on a loaded machine
        while time.monotonic() < deadline and self.srv.log().count("http.deferred_dropped") < 2:
            time.sleep(0.05)
        self.assertGreaterEqual(self.srv.log().count("http.deferred_dropped"), 2, self.srv.log()[-3000:])
        status, _, body = self.sleep_request(0)
        self.assertEqual(status, 200, body)
        self.assertEqual(self.srv.request("GET", "/health")[0], 200)


def metrics_of(srv):
    status, _, body = srv.request("GET", "/metrics")
    assert status == 200, status
    return body.decode()


def metric_value(text, name):
    found = re.findall(rf"^{re.escape(name)} (\S+)$", text, re.M)
    return float(found[0]) if found else None


class QueueWaitTest(unittest.TestCase):
    """A request that cannot get an API worker in time is answered 503 with Retry-After (lws's own 30 s
    content timeout closed it without a word), its work never runs, and its connection stays usable;
    one whose worker started but does not answer in time gets 503 too. The worker is kept busy with
    the test-only sleep endpoint, so no large graph is needed."""

    @classmethod
    def setUpClass(cls):
        cls.srv = Server("--debug-events", "--api-workers", "1", "--api-queue-wait", "1", "--api-timeout", "7")
        cls.srv.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.srv.__exit__(None, None, None)

    def ask_then_health(self, path, busy_done):
        """GET `path`, then /health on the same keep-alive connection; notes whether `busy_done` was set
        when the answer came."""
        conn = http.client.HTTPConnection(self.srv.host, self.srv.port, timeout=60)
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            answer = (resp.status, resp.getheader("Retry-After"), resp.read(), busy_done.is_set())
            conn.request("GET", "/health")
            resp = conn.getresponse()
            resp.read()
            return answer + (resp.status,)
        finally:
            conn.close()

    def test_work_that_cannot_start_in_time_gets_503_and_never_runs(self):
        before = metric_value(metrics_of(self.srv), "lineaged_api_queue_expired_total")
        paths = ("/api/v1/export/csv", "/api/v1/debug/sleep?ms=3000", "/api/v1/search?q=x")
        busy_done = threading.Event()

        def busy_request():
            try:
                # 5 s, under --api-timeout 7: the others expire (1 s) while it runs, with seconds to spare
                return self.srv.request("GET", "/api/v1/debug/sleep?ms=5000", None, None, 60)
            finally:
                busy_done.set()
        with concurrent.futures.ThreadPoolExecutor(4) as ex:
            busy = ex.submit(busy_request)
            time.sleep(0.3)  # the one worker has it
            waiting = [ex.submit(self.ask_then_health, path, busy_done) for path in paths]
            time.sleep(0.2)
            self.assertEqual(self.srv.request("GET", "/health")[0], 200)
            # the service thread never waits on a worker
            self.assertFalse(busy_done.is_set(), "/health waited for the busy worker")
            answers = [f.result() for f in waiting]
            status, _, body = busy.result()
        self.assertEqual(status, 200, body)
        for path, (status, retry, body, busy_was_done, health) in zip(paths, answers):
            with self.subTest(path=path):
                self.assertEqual(status, 503, body)
                self.assertEqual(retry, "1")
                doc = json.loads(body)
                self.assertEqual(doc["error"], "busy")
                self.assertIn("no API worker was free within 1 s", doc["detail"])
                self.assertFalse(busy_was_done, "answered only when the busy worker was free")
                self.assertEqual(health, 200)  # answered, and the connection still serves
        # the queued 3 s sleep was skipped: the worker is free at once for the next request, which
        # would otherwise wait behind it past --api-queue-wait (1 s) and get 503
        status, _, body = self.srv.request("GET", "/api/v1/debug/sleep?ms=0")
        self.assertEqual(status, 200, body)
        self.assertEqual(metric_value(metrics_of(self.srv), "lineaged_api_queue_expired_total") - before, 3)
        self.assertIn("reason=queue_wait", self.srv.log())

    def test_work_that_does_not_answer_in_time_gets_503(self):
        status, headers, body = self.srv.request("GET", "/api/v1/debug/sleep?ms=10000", timeout=60)
        self.assertEqual(status, 503, body)  # a server waiting for the worker would answer 200
        self.assertEqual(headers["retry-after"], "7")
        doc = json.loads(body)
        self.assertEqual(doc["error"], "timeout")
        self.assertIn("longer than 7 s", doc["detail"])
        # its late answer is dropped when it comes; the worker then serves the next ones
        deadline = time.monotonic() + 30
        while self.srv.request("GET", "/api/v1/debug/sleep?ms=0", timeout=30)[0] != 200:
            self.assertLess(time.monotonic(), deadline)
        self.assertIsNone(self.srv.proc.poll())


class LongWaitTest(unittest.TestCase):
    def test_an_answer_after_30_s_still_reaches_its_client(self):
        """libwebsockets closed a request still unanswered 30 s after it came, whatever the limits said."""
        with Server("--debug-events", "--api-workers", "1", "--api-queue-wait", "40", "--api-timeout", "60") as srv:
            with concurrent.futures.ThreadPoolExecutor(4) as ex:
                first = [ex.submit(srv.request, "GET", "/api/v1/debug/sleep?ms=10000", None, None, 90)
                         for _ in range(3)]
                time.sleep(0.3)
                t0 = time.monotonic()
                status, _, body = srv.request("GET", "/api/v1/debug/sleep?ms=2000", timeout=90)
                took = time.monotonic() - t0
                self.assertEqual([f.result()[0] for f in first], [200] * 3)
        self.assertEqual(status, 200, body)
        self.assertGreater(took, 30)


class QueryStringTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server("--debug-events")
        cls.srv.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.srv.__exit__(None, None, None)

    def assert_400(self, path, word):
        status, headers, body = self.srv.request("GET", path)
        self.assertEqual(status, 400, body)
        doc = json.loads(body)
        self.assertIn(word, doc["detail"])

    def test_a_malformed_json_body_gets_bad_json_on_every_route(self):
        # chat said invalid_json where GitHub ingest and the events route said bad_json
        for path in ("/api/chat/graph", "/api/chat/text", "/api/v1/github/ingest", "/api/v1/debug/events"):
            status, _, body = self.srv.request("POST", path, body=b'{"query": ')
            self.assertEqual(status, 400, body)
            self.assertEqual(json.loads(body)["error"], "bad_json", path)

    def test_percent_encoded_values_are_decoded(self):
        status, _, body = self.srv.request("GET", "/api/v1/debug/sleep?m%73=%31%32")
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["slept_ms"], 12)

    def test_bad_values_are_400_naming_the_parameter(self):
        for value in ("abc", "-1", "10001", "", "1e3", "99999999999999999999999", "%205", "%2B5", "5%20", "0x5"):
            with self.subTest(value=value):
                self.assert_400(f"/api/v1/debug/sleep?ms={value}", "'ms'")

    def test_malformed_query_strings_are_400(self):
        self.assert_400("/api/v1/debug/sleep?ms=1&ms=2", "twice")
        self.assert_400("/api/v1/debug/sleep?=1", "no name")
        self.assert_400("/api/v1/debug/sleep?ms=%C3%28", "UTF-8")
        many = "&".join(f"p{i}=1" for i in range(40))
        self.assert_400(f"/api/v1/debug/sleep?{many}", "more than 32")
        self.assert_400("/api/v1/debug/sleep?q=" + "x" * 2500, "longer than")

    def test_undecodable_escapes_never_reach_a_handler(self):
        # libwebsockets refuses these itself (403) before routing; the server stays up.
        for q in ("ms=%zz", "ms=%4", "ms=%"):
            with self.subTest(q=q):
                status, _, _ = self.srv.request("GET", f"/api/v1/debug/sleep?{q}")
                self.assertIn(status, (400, 403))
        self.assertEqual(self.srv.request("GET", "/health")[0], 200)

    def test_debug_routes_absent_without_the_flag(self):
        with Server() as plain:
            self.assertEqual(plain.request("GET", "/api/v1/debug/sleep?ms=1")[0], 404)


if __name__ == "__main__":
    main()

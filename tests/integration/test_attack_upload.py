"""The attacker's pass over uploads, GitHub ingests and their bookkeeping (harden20): raw sockets on
loopback against the real binary, every count and wait bounded."""

import json
import os
import select
import socket
import sys
import threading
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
    if first.startswith(b"HTTP/1.1 1"):
        return first  # an interim answer: the final one follows the body
    return first + read_response(sock, 5) if first else first


def upload_raw(srv, body, ctype, extra="", timeout=30.0):
    """One upload on a connection of its own, its body sent only when the headers got no answer at once;
    returns (status, headers, parsed body or raw)."""
    with socket.create_connection((srv.host, srv.port), timeout=timeout) as s:
        s.sendall(upload_head(srv, ctype, len(body), extra))
        raw = early_answer(s, 0.3)
        if raw is None:
            try:  # in pieces, stopping once an answer comes: a limit answers and closes mid-body
                for at in range(0, len(body), 1 << 16):
                    s.sendall(body[at:at + (1 << 16)])
                    if select.select([s], [], [], 0)[0]:
                        break
            except OSError:
                pass  # closed mid-body: the answer is read below
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


class HostileMultipartTest(unittest.TestCase):
    """Multipart bodies an attacker writes: each is answered with its reason, at once, and leaves no
    file behind and the server serving."""

    @classmethod
    def setUpClass(cls):
        cls.srv = Server("--header-timeout", "2")
        cls.srv.__enter__()
        cls.uploads = os.path.join(cls.srv.tmp.name, "data", "uploads")

    @classmethod
    def tearDownClass(cls):
        cls.srv.__exit__(None, None, None)

    def post(self, body, ctype, extra=""):
        return upload_raw(self.srv, body, ctype, extra)

    def assert_nothing_left(self):
        deadline = time.monotonic() + 10  # a refused upload's spool goes when its connection does
        while os.listdir(self.uploads) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(os.listdir(self.uploads), [])
        self.assertEqual(self.srv.request("GET", "/health")[0], 200)

    def test_a_hundred_thousand_empty_parts(self):
        text = ('--b\r\nContent-Disposition: form-data; name="x"\r\n\r\n\r\n' * 100000 + "--b--\r\n").encode()
        status, _, doc = self.post(text, "multipart/form-data; boundary=b")
        self.assertEqual((status, doc["error"]), (400, "bad_upload"), doc)
        files = ('--b\r\nContent-Disposition: form-data; name="files"; filename="a.sql"\r\n\r\n\r\n' * 100000 +
                 "--b--\r\n").encode()
        status, _, doc = self.post(files, "multipart/form-data; boundary=b")
        self.assertEqual(status, 413, doc)
        self.assertIn("the limit is 20000", doc["detail"])
        bare = ("--b\r\n\r\n\r\n" * 100000 + "--b--\r\n").encode()
        self.assertEqual(self.post(bare, "multipart/form-data; boundary=b")[0], 400)
        self.assert_nothing_left()

    def test_a_part_header_it_cannot_read_is_named(self):
        """lws_spa loses its place after a part header other than Content-Disposition and
        Content-Type: after a file part's Content-Disposition the answer was "the upload ended in
        the middle of file 'a.sql'". The header is named now, wherever it stands and however long."""
        for where in ("after", "before"):
            for value in ("a", "a" * (1 << 20)):
                with self.subTest(where=where, length=len(value)):
                    cd = 'Content-Disposition: form-data; name="files"; filename="a.sql"\r\n'
                    pad = f"X-Pad: {value}\r\n"
                    head = cd + pad if where == "after" else pad + cd
                    body = f"--b\r\n{head}\r\nSELECT 1;\r\n--b--\r\n".encode()
                    status, _, doc = self.post(body, "multipart/form-data; boundary=b")
                    self.assertEqual((status, doc["error"]), (400, "bad_multipart"), doc)
                    self.assertIn("'X-Pad'", doc["detail"])
        # 50,000 header lines (1 MB) in one part: the first unknown one is named
        body = ('--b\r\nContent-Disposition: form-data; name="files"; filename="a.sql"\r\n' +
                "X-Pad: aaaaaaaaaaaa\r\n" * 50000 + "\r\nSELECT 1;\r\n--b--\r\n").encode()
        status, _, doc = self.post(body, "multipart/form-data; boundary=b")
        self.assertEqual(status, 400, doc)
        self.assertIn("'X-Pad'", doc["detail"])
        # Content-Type is a part header forms use: 1 MB of it is read past
        body = ('--b\r\nContent-Disposition: form-data; name="files"; filename="a.sql"\r\nContent-Type: ' +
                "a" * (1 << 20) + "\r\n\r\nSELECT 1;\r\n--b--\r\n").encode()
        self.assertEqual(self.post(body, "multipart/form-data; boundary=b")[0], 202)
        self.assert_nothing_left()

    def test_boundaries_missing_empty_twice_or_too_long(self):
        """An empty boundary made "\\r\\n--" the delimiter: a file's SQL line comment ended its part (61
        bytes sent, 9 kept, and a 202). Of two boundaries the first was used. Both are 415 now."""
        def body(b, content=b"SELECT 1;\r\n"):
            return (f"--{b}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.sql\"\r\n\r\n".encode() +
                    content + f"\r\n--{b}--\r\n".encode())
        with_comment = b"SELECT 1;\r\n-- a comment\r\nINSERT INTO x.t SELECT * FROM x.s;\r\n"
        cases = {"multipart/form-data": (body("x"), 415),
                 "multipart/form-data; boundary=": (body("", with_comment), 415),
                 "multipart/form-data; boundary=; charset=utf-8": (body(""), 415),
                 "multipart/form-data; boundary=aaa; boundary=bbb": (body("aaa"), 415),
                 "multipart/form-data; boundary=" + "b" * 200: (body("b" * 200), 415),
                 "multipart/form-data; boundary=" + "b" * 70: (body("b" * 70), 202)}
        for ctype, (raw, want) in cases.items():
            with self.subTest(ctype=ctype[:60]):
                status, _, doc = self.post(raw, ctype)
                self.assertEqual(status, want, doc)
                if want == 415:
                    self.assertEqual(doc["error"], "unsupported_media_type")
        self.assert_nothing_left()

    def test_a_body_that_stops_mid_part_is_dropped_and_leaves_nothing(self):
        """The body stops in the middle of a file and the connection idles: --min-rate after the
        --header-timeout grace (2 s here) drops it, and its spool goes with it."""
        body = b'--b\r\nContent-Disposition: form-data; name="files"; filename="a.sql"\r\n\r\nSELECT 1;\r\n' * 50
        dropped = 'reason=slow_body path="/api/v1/files/upload"'
        before = self.srv.log().count(dropped)
        with socket.create_connection((self.srv.host, self.srv.port), timeout=60) as s:
            s.sendall(upload_head(self.srv, "multipart/form-data; boundary=b", len(body) + 1000) + body)
            got = read_response(s, 60)
        self.assertIn(status_of(got), (None, 408), got)
        # by the hub's rate check (2 s of grace, then its 50 ms timer), not by lws's own timeouts
        self.assertEqual(self.srv.log().count(dropped), before + 1, self.srv.log()[-2000:])
        self.assert_nothing_left()
        # Content-Length met in the middle of a file: 400 naming it
        status, _, doc = self.post(body, "multipart/form-data; boundary=b")
        self.assertEqual(status, 400, doc)
        self.assertIn("ended in the middle of file", doc["detail"])
        # ... or in the middle of a part's headers: its file was dropped without a word (202, 49 of 50 files)
        status, _, doc = self.post(body[:-20], "multipart/form-data; boundary=b")
        self.assertEqual(status, 400, doc)
        self.assertIn("ended in the middle of a part's headers", doc["detail"])
        self.assert_nothing_left()

    def test_chunked_bodies_and_expect_100_continue(self):
        """lws never de-chunks a request body (411), and never answered Expect: 100-continue, so curl
        waited a second before each upload over 1 MiB (`curl -F files=@1.5MB.sql`: 1.09-2.31 s on main,
        0.20-0.45 s now). The 100 goes out once the headers are accepted, never before a refusal."""
        body = b'--b\r\nContent-Disposition: form-data; name="files"; filename="a.sql"\r\n\r\nSELECT 1;\r\n--b--\r\n'
        head = (f"POST /api/v1/files/upload HTTP/1.1\r\nHost: {self.srv.host}:{self.srv.port}\r\n"
                "Content-Type: multipart/form-data; boundary=b\r\nTransfer-Encoding: chunked\r\n\r\n").encode()
        with socket.create_connection((self.srv.host, self.srv.port), timeout=10) as s:
            s.sendall(head + f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n")
            self.assertEqual(status_of(read_response(s, 10)), 411)
        for version, interim in (("HTTP/1.1", True), ("HTTP/1.0", False)):
            with self.subTest(version=version), socket.create_connection((self.srv.host, self.srv.port), 10) as s:
                s.sendall(upload_head(self.srv, "multipart/form-data; boundary=b", len(body),
                                      "Expect: 100-continue\r\n").replace(b"HTTP/1.1", version.encode(), 1))
                first = early_answer(s, 5 if interim else 1)
                if interim:
                    self.assertEqual(first, b"HTTP/1.1 100 Continue\r\n\r\n")
                else:
                    self.assertIsNone(first)
                s.sendall(body)
                self.assertEqual(status_of(read_response(s, 30)), 202)
        # refused from its headers: the final answer, no 100 before it
        with socket.create_connection((self.srv.host, self.srv.port), timeout=10) as s:
            s.sendall(upload_head(self.srv, "multipart/form-data; boundary=b", 100 << 20, "Expect: 100-continue\r\n"))
            self.assertEqual(status_of(read_response(s, 10)), 413)
        # a JSON body too
        ingest = b'{"query": "x"}'
        with socket.create_connection((self.srv.host, self.srv.port), timeout=10) as s:
            s.sendall((f"POST /api/chat/graph HTTP/1.1\r\nHost: {self.srv.host}:{self.srv.port}\r\n"
                       f"Content-Type: application/json\r\nContent-Length: {len(ingest)}\r\n"
                       "Expect: 100-continue\r\n\r\n").encode())
            self.assertEqual(early_answer(s, 5), b"HTTP/1.1 100 Continue\r\n\r\n")
            s.sendall(ingest)
            self.assertEqual(status_of(read_response(s, 30)), 200)
        self.assert_nothing_left()

    def test_the_same_upload_sent_eight_times_at_once(self):
        """Eight connections post the same 50 files at once: all are accepted, each file is processed
        once and the other 350 copies are skipped as duplicates, none lost, none twice current."""
        files = [(f"dup/f{i}.sql", f"INSERT INTO d.t{i} SELECT * FROM d.s;\n".encode()) for i in range(50)]
        body, ctype = multipart(files, {"project_id": "dup"})
        results = []
        threads = [threading.Thread(target=lambda: results.append(self.post(body, ctype))) for _ in range(8)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(60)
        self.assertEqual([r[0] for r in results], [202] * 8, [r[2] for r in results])
        ids = [r[2]["ingestion_id"] for r in results]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            done = [json.loads(self.srv.request("GET", f"/api/v1/ingestion/{i}")[2])["status"] for i in ids]
            if "running" not in done:
                break
            time.sleep(0.1)
        doc = json.loads(self.srv.request("GET", "/api/v1/files?project_id=dup&current=false&limit=500")[2])
        seen = {}
        for f in doc["files"]:
            seen.setdefault((f["status"], f["is_current"]), 0)
            seen[(f["status"], f["is_current"])] += 1
        self.assertEqual(seen, {("processed", True): 50, ("skipped", False): 350}, seen)
        self.assertEqual({f["path"] for f in doc["files"] if f["is_current"]}, {name for name, _ in files})
        self.assert_nothing_left()


class HostileGithubIngestTest(unittest.TestCase):
    """GitHub ingest requests an attacker writes: each refused with its reason before any clone, no
    ingestion begun, no control byte in the log."""

    def test_items_branches_and_names_with_tricks(self):
        with Server("--github-url", "file:///nonexistent") as srv:
            def post(doc, raw=None):
                body = raw if raw is not None else json.dumps(doc).encode()
                with socket.create_connection((srv.host, srv.port), timeout=10) as s:
                    s.sendall(f"POST /api/v1/github/ingest HTTP/1.1\r\nHost: {srv.host}:{srv.port}\r\nContent-Type: "
                              f"application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode())
                    got = early_answer(s, 0.2)
                    if got is None:
                        s.sendall(body)
                        got = read_response(s, 10)
                status, _, raw_body = split_response(got)
                return status, json.loads(raw_body)

            status, doc = post({"repo": "acme/x", "items": [{"path": f"d/f{i}.sql"} for i in range(100000)]})
            self.assertEqual(status, 413, doc)  # 4 MB of JSON: the 64 KiB limit, from the headers
            status, doc = post({"repo": "acme/x", "items": [{"path": f"f{i}.sql"} for i in range(257)]})
            self.assertEqual(status, 400, doc)
            self.assertIn("at most 256", doc["detail"])
            refused = {
                "item ..": {"items": [{"path": "../etc/passwd"}]},
                "item inner ..": {"items": [{"path": "a/../../b.sql"}]},
                "item absolute": {"items": [{"path": "/etc/passwd"}]},
                "item NUL": {"items": [{"path": "a\u0000b.sql"}]},
                "item ESC": {"items": [{"path": "a\u001b[31mb.sql"}]},
                "item newline": {"items": [{"path": "a\nb.sql"}]},
                "item backslash": {"items": [{"path": "a\\..\\b.sql"}]},
                "item 1025 bytes": {"items": [{"path": "a" * 1021 + ".sql"}]},
                "item type": {"items": [{"path": "a", "type": "symlink"}]},
                "branch ..": {"branch": "a..b"},
                "branch -": {"branch": "-x"},
                "branch option": {"branch": "--upload-pack=touch /tmp/x"},
                "branch BEL": {"branch": "a\u0007b"},
                "branch newline": {"branch": "main\nx"},
                "branch @{": {"branch": "a@{1}"},
                "branch .lock": {"branch": "a.lock"},
                "branch 5000 bytes": {"branch": "a" * 5000},
                "branch empty": {"branch": ""},
                "repo @": {"repo": "evil.com@acme/x"},
                "repo @ name": {"repo": "acme/x@evil.com"},
                "repo %2f": {"repo": "acme%2fx/y"},
                "repo :": {"repo": "acme:x/y"},
                "repo #": {"repo": "acme/x#y"},
                "repo ?": {"repo": "acme/x?y"},
                "repo ..": {"repo": "../x"},
                "repo name ..": {"repo": "acme/.."},
                "repo url": {"repo": "https://github.com/acme/x"},
                "repo three": {"repo": "a/b/c"},
                "repo -owner": {"repo": "-acme/x"},
                "repo unicode": {"repo": "acm\u00e9/x"},
                "repo number": {"repo": 5},
            }
            for name, doc in refused.items():
                with self.subTest(name=name):
                    status, answer = post(dict({"repo": "acme/x"}, **doc))
                    self.assertEqual(status, 400, answer)
            self.assertEqual(post(None, raw=b'{"repo":"acme/x","repo":"acme/y"}')[0], 400)
            self.assertEqual(json.loads(srv.request("GET", "/api/v1/ingestions")[2])["total"], 0)
            srv.stop()
            self.assertNotRegex(srv.log(), "[\x00-\x09\x0b-\x1f\x7f]")


    def test_forwarded_for_does_not_dodge_the_per_address_cap(self):
        """--github-max-per-ip counts the peer's address: X-Forwarded-For is believed only from
        --trusted-proxy, so a client naming a new address each time still gets 429 after four."""
        silent = socket.socket()  # the first clone never gets an answer: every ingest stays pending
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        try:
            with Server("--github-url", f"http://127.0.0.1:{silent.getsockname()[1]}") as srv:
                got = []
                for i in range(6):
                    status, headers, _ = srv.request(
                        "POST", "/api/v1/github/ingest", body=json.dumps({"repo": f"acme/r{i}"}).encode(),
                        headers={"Content-Type": "application/json", "X-Forwarded-For": f"10.0.0.{i}",
                                 "X-Real-IP": f"10.1.0.{i}"})
                    got.append(status)
                self.assertEqual(got, [202] * 4 + [429] * 2)
        finally:
            silent.close()


if __name__ == "__main__":
    main()

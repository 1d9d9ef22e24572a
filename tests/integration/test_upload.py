"""POST /api/v1/files/upload against the real binary: streamed to disk, per-file results, limits,
hostile names, and the ingestion that follows (events, /api/v1/ingestion/{id}, files, stats)."""

import contextlib
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, main  # noqa: E402
from ingest_helpers import (FLOW_LIMIT_WARNING, Events, assert_event_order, count_files, get_json,  # noqa: E402
                            multipart, past_the_flow_limit, raw_post, upload, wait_ingestion_status)

ORDERS = b"CREATE TABLE staging.orders (id INT, amount DECIMAL(10,2));\n"
CORE = b"INSERT INTO core.orders SELECT id, amount FROM staging.orders;\n"
MART = b"CREATE VIEW mart.revenue AS SELECT sum(amount) AS total FROM core.orders;\n"


class UploadTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server("--stats-interval", "0.2", "--max-upload-mb", "40")
        cls.srv.__enter__()
        cls.uploads = os.path.join(cls.srv.tmp.name, "data", "uploads")

    @classmethod
    def tearDownClass(cls):
        cls.srv.__exit__(None, None, None)

    def setUp(self):
        self.events = Events(self.srv)

    def tearDown(self):
        self.events.close()

    def test_upload_events_and_results(self):
        files = [("staging/orders.sql", ORDERS), ("core_orders.sql", CORE), ("mart.sql", MART),
                 ("notes.txt", b"not sql"), ("empty.sql", b""), ("blob.sql", b"\x00\x01binary")]
        status, doc = upload(self.srv, files, {"project_id": "finance", "dialect": "postgres"})
        self.assertEqual(status, 202, doc)
        ing = doc["ingestion_id"]
        self.assertTrue(ing.startswith("ing_"))
        self.assertEqual(doc["total_files"], 6)
        self.assertEqual(doc["accepted"], 3)
        by_name = {f["file"]: f for f in doc["files"]}
        self.assertEqual(by_name["staging/orders.sql"]["status"], "accepted")
        self.assertEqual(by_name["staging/orders.sql"]["size_bytes"], len(ORDERS))
        self.assertIn("unsupported file type '.txt'", by_name["notes.txt"]["reason"])
        self.assertEqual(by_name["empty.sql"]["reason"], "empty file")
        self.assertIn("binary", by_name["blob.sql"]["reason"])

        done = self.events.complete(ing)["data"]
        self.assertEqual(done["source"], "upload")
        self.assertIn(done["status"], ("completed", "completed_with_errors"))
        self.assertEqual(done["files_processed"], 3)
        self.assertEqual(len(done["files"]), 6)
        seq = [m["type"] for m in assert_event_order(self, self.events, ing)]
        self.assertIn("ingestion_progress", seq)
        started = self.events.of(ing, {"ingestion_started"})[0]["data"]
        self.assertEqual(started["source"], "upload")
        # The upload's files are all known when it is announced.
        self.assertEqual(started["total_files"], 6)
        self.assertEqual(started["project_id"], "finance")
        last = self.events.of(ing, {"ingestion_progress"})[-1]["data"]
        self.assertEqual(last["total_files"], 6)
        self.assertEqual((last["files_processed"], last["files_skipped"], last["percentage"]), (3, 3, 100.0))

        status, one = get_json(self.srv, f"/api/v1/ingestion/{ing}")
        self.assertEqual(status, 200, one)
        self.assertEqual(one["ingestion_id"], ing)
        self.assertEqual(one["source"], "upload")
        self.assertEqual(one["project_id"], "finance")
        self.assertEqual(one["status"], done["status"])
        self.assertEqual(one["total_files"], 6)
        self.assertEqual(one["percentage"], 100.0)
        self.assertEqual(sorted(f["file"] for f in one["files"]), sorted(by_name))
        statuses = {f["file"]: f["status"] for f in one["files"]}
        self.assertEqual(statuses["mart.sql"], "processed")
        self.assertEqual(statuses["notes.txt"], "skipped")

        status, page = get_json(self.srv, f"/api/v1/files?ingestion_id={ing}&current=false")
        self.assertEqual(status, 200)
        self.assertEqual(page["total"], 6)
        status, page = get_json(self.srv, "/api/v1/files?project_id=finance&status=processed")
        self.assertEqual(status, 200)
        self.assertGreaterEqual(page["total"], 3)
        self.assertTrue(all(f["status"] == "processed" for f in page["files"]))

        status, lst = get_json(self.srv, "/api/v1/ingestions?limit=5&source=upload")
        self.assertEqual(status, 200)
        self.assertIn(ing, [i["ingestion_id"] for i in lst["ingestions"]])

        status, stats = get_json(self.srv, "/api/v1/files/stats")
        self.assertEqual(status, 200)
        self.assertEqual(set(stats), {"total", "processed", "pending", "errors", "skipped"})
        self.assertEqual(stats["total"], stats["processed"] + stats["pending"] + stats["errors"] + stats["skipped"])
        status, dash = get_json(self.srv, "/api/v1/stats")
        self.assertEqual(dash["filesProcessed"], stats["processed"])
        # Everything handed to ingestion is deleted once processed; nothing is left in the upload folder.
        deadline = time.monotonic() + 30
        while count_files(self.uploads) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(count_files(self.uploads), 0, os.listdir(self.uploads)[:5])

    def test_progress_complete_and_get_count_alike(self):
        """files_processed counts the files processed, the same in the last progress event, in
        ingestion_complete and in GET /api/v1/ingestion/{id}; failed and skipped files apart."""
        files = [("counts/good.sql", b"CREATE TABLE counts.good AS SELECT 1 AS a;\n"),
                 ("counts/broken.sql", b"SELEC oops FROM;\n"), ("counts/notes.txt", b"not sql")]
        status, doc = upload(self.srv, files, {"project_id": "counts"})
        self.assertEqual(status, 202, doc)
        ing = doc["ingestion_id"]
        done = self.events.complete(ing)["data"]
        self.assertEqual(done["status"], "completed_with_errors", done)
        events = assert_event_order(self, self.events, ing)
        last = [m["data"] for m in events if m["type"] == "ingestion_progress"][-1]
        one = wait_ingestion_status(self.srv, ing)
        want = {"files_processed": 1, "files_failed": 1, "files_skipped": 1, "total_files": 3}
        for name, got in (("last progress", last), ("ingestion_complete", done), ("GET", one)):
            with self.subTest(name):
                self.assertEqual({k: got.get(k) for k in want}, want, got)
        self.assertEqual(last["percentage"], 100.0)
        self.assertEqual(one["percentage"], 100.0)
        # Every progress event counts the same way: processed + failed + skipped files done so far.
        for m in events[1:-1]:
            d = m["data"]
            done_files = d["files_processed"] + d["files_failed"] + d["files_skipped"]
            self.assertAlmostEqual(d["percentage"], 100.0 * done_files / d["total_files"], places=6, msg=d)

    def test_a_file_processed_with_a_warning_is_said_in_ingestion_complete(self):
        """A processed file whose lineage was cut at a bound is a warning in ingestion_complete (per file,
        in `warnings` beside `errors`, and counted): the completion alone says something was cut."""
        files = [("warned/load_all.sql", past_the_flow_limit().encode()),
                 ("warned/plain.sql", b"INSERT INTO warned.t SELECT a FROM warned.s;\n")]
        status, doc = upload(self.srv, files, {"project_id": "warned", "dialect": "tsql"})
        self.assertEqual(status, 202, doc)
        done = self.events.complete(doc["ingestion_id"])["data"]
        self.assertEqual((done["status"], done["files_processed"], done["errors"]), ("completed", 2, []), done)
        self.assertEqual(done["files_warned"], 1, done)
        self.assertEqual([w["file"] for w in done["warnings"]], ["warned/load_all.sql"], done)
        self.assertRegex(done["warnings"][0]["warning"], "load_all.sql" + FLOW_LIMIT_WARNING)
        by_file = {f["file"]: f for f in done["files"]}
        self.assertEqual(by_file["warned/load_all.sql"]["warning"], done["warnings"][0]["warning"], done)
        self.assertNotIn("warning", by_file["warned/plain.sql"], done)

    def test_a_name_too_long_for_the_lineage_index_is_a_warning(self):
        """A name over 1,024 bytes is stored but the lineage index leaves it out (search, lineage and chat
        never show it); nobody was told. Now the file is processed with a warning saying so, and logged."""
        long_table = "lng." + "x" * 1100
        sql = f"INSERT INTO lng.kept SELECT a FROM lng.src;\nINSERT INTO {long_table} SELECT a FROM lng.src;\n"
        status, doc = upload(self.srv, [("lng/long.sql", sql.encode())], {"project_id": "lng"})
        self.assertEqual(status, 202, doc)
        done = self.events.complete(doc["ingestion_id"])["data"]
        self.assertEqual((done["status"], done["files_processed"], done["files_warned"]), ("completed", 1, 1), done)
        self.assertEqual(done["warnings"][0]["warning"],
                         "lng/long.sql:2:1: warning: a name of 1104 bytes is longer than the 1024 that search, lineage "
                         "and chat take: it is stored, but they do not show it", done)
        self.assertIn("ingest.names_unindexed", self.srv.log())
        self.assertRegex(self.srv.log(), r"ingest.names_unindexed .*file=\"lng/long.sql\" references=\d+ first_bytes=1104 limit=1024")

    def test_an_upload_of_skipped_files_only_is_in_order(self):
        status, doc = upload(self.srv, [("only/notes.txt", b"text"), ("only/empty.sql", b"")])
        self.assertEqual(status, 202, doc)
        ing = doc["ingestion_id"]
        done = self.events.complete(ing)["data"]
        self.assertEqual((done["files_processed"], done["files_skipped"]), (0, 2), done)
        events = assert_event_order(self, self.events, ing)
        self.assertEqual(events[0]["data"]["total_files"], 2)
    def test_each_file_keeps_its_own_bytes(self):
        """The parts of a request share one spool until they are split into files: a binary or empty
        part between others gives its room back, and every kept file is stored byte for byte."""
        big = b"".join(b"INSERT INTO spool.big SELECT c%d FROM spool.src_%d;\n" % (i, i % 9) for i in range(6000))
        parts = [("one.sql", b"INSERT INTO spool.one SELECT * FROM spool.a;\n"),
                 ("bin.sql", b"INSERT INTO spool.bin SELECT 1;\n\0\1\2" + b"x" * 5000),
                 ("empty.sql", b""),
                 ("big.sql", big),
                 ("notes.txt", b"not SQL"),
                 ("last.sql", b"CREATE VIEW spool.last AS SELECT id FROM spool.one;\n")]
        status, doc = upload(self.srv, parts, {"project_id": "spool"})
        self.assertEqual(status, 202, doc)
        self.assertEqual([f["status"] for f in doc["files"]],
                         ["accepted", "skipped", "skipped", "accepted", "skipped", "accepted"])
        one = wait_ingestion_status(self.srv, doc["ingestion_id"])
        stored = {f["file"]: f for f in one["files"]}
        for name, content in parts:
            if name in ("one.sql", "big.sql", "last.sql"):
                self.assertEqual(stored[name]["status"], "processed", stored[name])
                self.assertEqual(stored[name]["sha256"], hashlib.sha256(content).hexdigest(), name)
            # the stored record is as complete as the 202: a skipped file's size too (it was null)
            self.assertEqual(stored[name]["size_bytes"], len(content), stored[name])

    def test_stats_show_a_commit_at_once(self):
        # /api/v1/stats keeps its serialised body while the counters stand still; asked many times
        # before, it must still show the files and nodes of a commit on the first request after it.
        before = [get_json(self.srv, "/api/v1/stats")[1] for _ in range(5)]
        self.assertTrue(all(b == before[0] for b in before[1:]), before)
        ddl = (b"CREATE TABLE fresh.stats_probe (a INT, b INT);\n"
               b"INSERT INTO fresh.stats_copy SELECT a, b FROM fresh.stats_probe;\n")
        status, doc = upload(self.srv, [("probe.sql", ddl)], {"project_id": "probe"})
        self.assertEqual(status, 202, doc)
        self.events.complete(doc["ingestion_id"])
        after = get_json(self.srv, "/api/v1/stats")[1]
        self.assertEqual(after["filesProcessed"], before[0]["filesProcessed"] + 1)
        self.assertGreater(after["totalNodes"], before[0]["totalNodes"])
        self.assertGreater(after["databaseTables"], before[0]["databaseTables"])
        self.assertGreater(after["totalEdges"], before[0]["totalEdges"])

    def test_duplicate_upload_is_skipped(self):
        content = b"CREATE TABLE dup.once (a INT);\n"
        first = upload(self.srv, [("dup.sql", content)], {"project_id": "dups"})[1]["ingestion_id"]
        self.events.complete(first)
        second = upload(self.srv, [("dup.sql", content)], {"project_id": "dups"})[1]["ingestion_id"]
        done = self.events.complete(second)["data"]
        self.assertEqual([(f["file"], f["status"]) for f in done["files"]], [("dup.sql", "skipped")])
        one = get_json(self.srv, f"/api/v1/ingestion/{second}")[1]
        self.assertEqual(one["files"][0]["status"], "skipped")
        self.assertIn("duplicate", one["files"][0]["error"])

    def test_hostile_names_never_choose_a_path(self):
        outside = os.path.join(self.srv.tmp.name, "escaped.sql")
        names = [b"../../escaped.sql", b"../escaped.sql", outside.encode(), b"/etc/cron.d/x.sql",
                 b"ctl\x01\x1b[2Jname.sql", b"nul\x00byte.sql", b"a" * 10240 + b".sql", b"..", b"\\..\\..\\w.sql"]
        status, doc = upload(self.srv, [(n, b"SELECT 1;\n") for n in names])
        self.assertEqual(status, 202, doc)
        self.assertEqual(doc["total_files"], len(names))
        for f in doc["files"]:
            self.assertNotIn("..", f["file"].split("/"))
            self.assertFalse(f["file"].startswith("/"))
            self.assertTrue(all(ord(c) >= 0x20 and ord(c) != 0x7f for c in f["file"]), f["file"])
            self.assertLessEqual(len(f["file"].encode()), 255)
        self.assertEqual(doc["files"][0]["file"], "escaped.sql")
        self.events.complete(doc["ingestion_id"])
        self.assertFalse(os.path.exists(outside))
        self.assertFalse(os.path.exists(os.path.join(self.srv.tmp.name, "data", "escaped.sql")))
        self.assertFalse(os.path.exists("/etc/cron.d/x.sql"))

    def test_file_names_with_a_semicolon_and_rfc5987_names(self):
        # a browser sends a ';' in a file name as it is, inside the quotes: it is part of the name
        status, doc = upload(self.srv, [(b"a;b.sql", CORE), (b"x; filename=y.sql", MART)])
        self.assertEqual(status, 202, doc)
        self.assertEqual([(f["file"], f["status"]) for f in doc["files"]],
                         [("a;b.sql", "accepted"), ("x; filename=y.sql", "accepted")])
        self.events.complete(doc["ingestion_id"])

        def part(disposition):
            return (b"--B\r\nContent-Disposition: form-data; name=\"files\"; " + disposition +
                    b"\r\nContent-Type: application/sql\r\n\r\n" + CORE + b"\r\n--B--\r\n")
        # RFC 5987's filename* beside filename=: the plain one names the file (RFC 7578 section 4.2)
        body = part(b"filename=\"plain.sql\"; filename*=UTF-8''other%20name.sql")
        status, rest = raw_post(self.srv, "/api/v1/files/upload",
                                f"Content-Type: multipart/form-data; boundary=B\r\nContent-Length: {len(body)}\r\n",
                                body)
        self.assertEqual(status, 202, rest)
        self.assertEqual([f["file"] for f in json.loads(rest)["files"]], ["plain.sql"])
        self.events.complete(json.loads(rest)["ingestion_id"])
        # filename* alone: refused with the reason, where its content used to vanish as an unknown field
        for disposition, says in ((b"filename*=UTF-8''r%C3%A9sum%C3%A9.sql", "filename*="),
                                  (b"filename=\";lead.sql\"", "could not be read")):
            body = part(disposition)
            status, rest = raw_post(self.srv, "/api/v1/files/upload",
                                    "Content-Type: multipart/form-data; boundary=B\r\n"
                                    f"Content-Length: {len(body)}\r\n", body)
            self.assertEqual(status, 400, rest)
            self.assertIn(says, json.loads(rest)["detail"])
        self.assertEqual(count_files(self.uploads), 0)

    def test_limits_answer_413_with_the_limit(self):
        # Declared length above --max-upload-mb: refused before any of the body is read.
        status, body = raw_post(self.srv, "/api/v1/files/upload",
                                "Content-Type: multipart/form-data; boundary=x\r\n"
                                f"Content-Length: {41 << 20}\r\n", b"")
        self.assertEqual(status, 413)
        self.assertIn(str(40 << 20), json.loads(body)["detail"])
        # One file above the per-file limit (32 MiB) inside an allowed request.
        status, doc = upload(self.srv, [("small.sql", b"SELECT 1;"), ("huge.sql", b"-" * (33 << 20))])
        self.assertEqual(status, 413, doc)
        self.assertIn("per-file limit of 32 MiB", doc["detail"])
        self.assertIn("huge.sql", doc["detail"])
        deadline = time.monotonic() + 5
        while count_files(self.uploads) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(count_files(self.uploads), 0)

    def test_malformed_requests(self):
        body, ctype = multipart([("a.sql", b"SELECT 1;")])
        # No Content-Length (chunked): 411, never a hang.
        status, _ = raw_post(self.srv, "/api/v1/files/upload",
                             f"Content-Type: {ctype}\r\nTransfer-Encoding: chunked\r\n", b"0\r\n\r\n")
        self.assertEqual(status, 411)
        status, _ = raw_post(self.srv, "/api/v1/files/upload",
                             f"Content-Type: application/json\r\nContent-Length: 2\r\n", b"{}")
        self.assertEqual(status, 415)
        # The body ends in the middle of a file.
        cut = body[:body.index(b"SELECT") + 3]
        status, rest = raw_post(self.srv, "/api/v1/files/upload",
                                f"Content-Type: {ctype}\r\nContent-Length: {len(cut)}\r\n", cut)
        self.assertEqual(status, 400, rest)
        self.assertIn("middle of file", json.loads(rest)["detail"])
        # No files at all.
        empty, ctype2 = multipart([], {"project_id": "p"})
        status, rest = raw_post(self.srv, "/api/v1/files/upload",
                                f"Content-Type: {ctype2}\r\nContent-Length: {len(empty)}\r\n", empty)
        self.assertEqual(status, 400, rest)
        self.assertIn("no files", json.loads(rest)["detail"])
        for fields, word in (({"project_id": "x" * 200}, "project_id"), ({"dialect": "klingon"}, "dialect"),
                             ({"project_id": "a\x01b"}, "project_id"),
                             # sent empty is not left out: the default project only when the field is absent,
                             # as POST /api/v1/github/ingest answers {"project_id": ""}
                             ({"project_id": ""}, "project_id"), ({"repository_name": ""}, "repository_name"),
                             # only white space names nothing either
                             ({"project_id": "  "}, "project_id"), ({"repository_name": "\u00a0"}, "repository_name")):
            status, doc = upload(self.srv, [("a.sql", b"SELECT 1;")], fields)
            self.assertEqual(status, 400, doc)
            self.assertIn(word, doc["detail"])
        # A form field given twice: refused, not the first kept and the other dropped without a word.
        once, ctype3 = multipart([("a.sql", b"SELECT 1;")])
        bnd = ctype3.split("boundary=", 1)[1]
        twice = "".join(f'--{bnd}\r\nContent-Disposition: form-data; name="dialect"\r\n\r\n{d}\r\n'
                        for d in ("ansi", "tsql")).encode() + once
        self.assertEqual(twice.count(b'name="dialect"'), 2, twice)
        status, rest = raw_post(self.srv, "/api/v1/files/upload",
                                f"Content-Type: {ctype3}\r\nContent-Length: {len(twice)}\r\n", twice)
        self.assertEqual(status, 400, rest)
        self.assertIn("'dialect' is given more than once", json.loads(rest)["detail"])
        # A file part in another field.
        bad = body.replace(b'name="files"', b'name="other"')
        status, rest = raw_post(self.srv, "/api/v1/files/upload",
                                f"Content-Type: {ctype}\r\nContent-Length: {len(bad)}\r\n", bad)
        self.assertEqual(status, 400, rest)
        self.assertEqual(count_files(self.uploads), 0)
        self.assertEqual(self.srv.request("GET", "/health")[0], 200)

    def test_client_leaving_mid_upload_leaves_no_files(self):
        body, ctype = multipart([("a.sql", b"SELECT 1;\n" * 1000), ("b.sql", b"SELECT 2;\n" * 100000)])
        s = socket.create_connection((self.srv.host, self.srv.port), timeout=5)
        s.sendall((f"POST /api/v1/files/upload HTTP/1.1\r\nHost: localhost\r\nContent-Type: {ctype}\r\n"
                   f"Content-Length: {len(body)}\r\n\r\n").encode() + body[:len(body) // 2])
        deadline = time.monotonic() + 20
        while count_files(self.uploads) == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertGreater(count_files(self.uploads), 0)  # streamed to disk as it arrives
        s.close()
        deadline = time.monotonic() + 30
        while count_files(self.uploads) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(count_files(self.uploads), 0)
        self.assertEqual(self.srv.request("GET", "/health")[0], 200)

    def test_unknown_ingestion_and_bad_filters(self):
        for path in ("/api/v1/ingestion/ing_0000", "/api/v1/ingestion/..%2e", "/api/v1/ingestion/x'y"):
            status, doc = get_json(self.srv, path)
            self.assertEqual(status, 404, path)
        for path, word in (("/api/v1/files?status=bogus", "status"), ("/api/v1/files?limit=0", "limit"),
                           ("/api/v1/ingestions?limit=1000", "limit"), ("/api/v1/ingestions?source=ftp", "source"),
                           # empty filters name nothing, as an empty status does (they listed every file)
                           ("/api/v1/files?project_id=", "project_id"), ("/api/v1/files?ingestion_id=", "ingestion_id")):
            status, doc = get_json(self.srv, path)
            self.assertEqual(status, 400, path)
            self.assertIn(word, doc["detail"])


class SlowUploadTest(unittest.TestCase):
    def test_a_stalled_upload_is_dropped_and_leaves_no_files(self):
        # The transport's body rate floor applies to streamed uploads as to other bodies.
        with Server("--header-timeout", "1", "--min-rate", "100000") as srv:
            uploads = os.path.join(srv.tmp.name, "data", "uploads")
            body, ctype = multipart([("a.sql", b"SELECT 1;\n" * 100), ("b.sql", b"SELECT 2;\n" * 50000)])
            s = socket.create_connection((srv.host, srv.port), timeout=15)
            s.sendall((f"POST /api/v1/files/upload HTTP/1.1\r\nHost: localhost\r\nContent-Type: {ctype}\r\n"
                       f"Content-Length: {len(body)}\r\n\r\n").encode() + body[:3000])
            deadline = time.monotonic() + 20
            while count_files(uploads) == 0 and time.monotonic() < deadline:
                time.sleep(0.02)
            self.assertGreater(count_files(uploads), 0)
            # Nothing more arrives: after the grace second the rate is below the floor and the
            # connection is dropped; the half-written file goes with it.
            closed = False
            try:
                closed = s.recv(100) == b""
            except ConnectionResetError:
                closed = True
            self.assertTrue(closed)
            s.close()
            deadline = time.monotonic() + 5
            while count_files(uploads) and time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertEqual(count_files(uploads), 0)
            self.assertIn("reason=slow_body", srv.log())
            self.assertEqual(srv.request("GET", "/health")[0], 200)


class AnswerOnceTest(unittest.TestCase):
    def test_an_upload_answered_later_is_answered_once_with_202(self):
        """libwebsockets can report a body's completion again while its answer waits for the writer
        (each wake of the service loop, e.g. the ingestion's own events). Handled twice, the second
        time answered 500 'invalid argument' while the ingestion went on: 5 of 6 fresh servers did so."""
        files = [(f"f{i}.sql", "".join(f"INSERT INTO mart.t{i}_{k} SELECT a, b, c FROM raw.s{i}_{k} WHERE a > {k};\n"
                                      for k in range(48)).encode()) for i in range(18)]
        for attempt in range(3):
            with Server() as srv:
                status, doc = upload(srv, files)
                self.assertEqual(status, 202, doc)
                one = wait_ingestion_status(srv, doc["ingestion_id"])
                self.assertEqual((one["total_files"], one["files_processed"]), (18, 18))
                self.assertNotIn("upload.refused", srv.log())


@contextlib.contextmanager
def traced(srv, calls):
    """strace -f of the server's `calls` while the block runs; yields a list that holds the trace's
    lines (each "TID call...") once the block is over."""
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "strace.log")
        tracer = subprocess.Popen(["strace", "-f", "-qq", "-e", f"trace={calls}", "-o", log, "-p", str(srv.proc.pid)],
                                  stderr=subprocess.DEVNULL)
        try:
            # strace says nothing once attached: wait until it sees the server answer a request.
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                srv.request("GET", "/health")
                if os.path.exists(log) and os.path.getsize(log):
                    break
                time.sleep(0.1)
            yield lines
        finally:
            tracer.terminate()
            tracer.wait(10)
        with open(log) as f:
            lines.extend(f)


@unittest.skipIf(shutil.which("strace") is None, "strace is not installed")
class ServiceThreadTest(unittest.TestCase):
    def test_upload_files_are_created_off_the_service_thread(self):
        """The service thread (the process's main thread) creates one spool file per request; the
        files ingestion reads are created by the split thread, so a file system that takes ~0.5 ms
        per new file never holds up the dashboard's WebSocket clients."""
        with Server() as srv:
            with traced(srv, "openat") as lines:
                files = [(f"d/f{i:02d}.sql", f"INSERT INTO st.t{i} SELECT * FROM st.s;\n".encode())
                         for i in range(20)]
                status, doc = upload(srv, files, {"project_id": "thread"})
                self.assertEqual(status, 202, doc)
            creates = [line.split(None, 1) for line in lines if "/uploads/up-" in line and "O_CREAT" in line]
        service = str(srv.proc.pid)
        per_thread = {}
        for tid, call in creates:
            kind = "spool" if ".spool" in call else "file"
            per_thread.setdefault((tid == service, kind), 0)
            per_thread[(tid == service, kind)] += 1
        self.assertEqual(per_thread, {(True, "spool"): 1, (False, "file"): 20}, creates[:5])

    def test_the_service_thread_never_asks_the_disk_for_free_space(self):
        """--min-free-mb needs the data folder's free space: statvfs ran on the service thread for
        every upload and GitHub ingest request. A thread of its own reads it now (every 250 ms) and
        the service thread answers from that figure; strace sees no statfs from it."""
        with Server("--github-url", "file:///nonexistent") as srv:
            with traced(srv, "statfs,fstatfs,openat") as lines:
                for i in range(5):
                    status, doc = upload(srv, [(f"s{i}.sql", f"SELECT {i};\n".encode())], {"project_id": "fs"})
                    self.assertEqual(status, 202, doc)
                status, _, body = srv.request("POST", "/api/v1/github/ingest", body=b'{"repo":"acme/x"}',
                                              headers={"Content-Type": "application/json"})
                self.assertEqual(status, 202, body)
                time.sleep(0.6)  # the free-space thread reads at least twice meanwhile
            calls = [line.split(None, 1) for line in lines if "statfs(" in line]
        service = str(srv.proc.pid)
        self.assertEqual([c for tid, c in calls if tid == service], [])
        self.assertTrue(calls, "strace saw no statfs at all: nothing was measured")


def size_or_none(path):
    try:
        return os.path.getsize(path)
    except FileNotFoundError:
        return None


class RestartTest(unittest.TestCase):
    def test_restart_sweeps_orphans_and_keeps_what_ingestion_holds(self):
        srv = Server()
        srv.start()
        data = os.path.join(srv.tmp.name, "data")
        uploads = os.path.join(data, "uploads")
        try:
            # An upload handed over, then the server killed while its files are still queued.
            files = [(f"r/f{i:03d}.sql", f"INSERT INTO t{i} SELECT * FROM s{i};\n".encode()) for i in range(300)]
            status, doc = upload(srv, files, {"project_id": "restart"})
            self.assertEqual(status, 202, doc)
            ing = doc["ingestion_id"]
            # Accepted means recorded: the ingestion's rows are committed before the 202.
            self.assertEqual(get_json(srv, f"/api/v1/ingestion/{ing}")[1].get("total_files"), 300)
            # And one killed mid-body: its first file is in the request's spool on disk, never handed over.
            body, ctype = multipart([("a.sql", b"SELECT 1;\n" * 100), ("b.sql", b"SELECT 2;\n" * 50000)])
            s = socket.create_connection((srv.host, srv.port), timeout=5)
            s.sendall((f"POST /api/v1/files/upload HTTP/1.1\r\nHost: localhost\r\nContent-Type: {ctype}\r\n"
                       f"Content-Length: {len(body)}\r\n\r\n").encode() + body[:3000])
            deadline = time.monotonic() + 20
            orphan = None
            while orphan is None and time.monotonic() < deadline:
                held = {f for f in os.listdir(uploads)}
                time.sleep(0.02)
                # Queued files are being ingested and deleted meanwhile: a vanished one is not it.
                orphan = next((f for f in os.listdir(uploads) if f in held and f.endswith(".spool") and
                               (size_or_none(os.path.join(uploads, f)) or 0) >= 1000), None)
            srv.proc.kill()
            srv.proc.wait()
            s.close()
            self.assertIsNotNone(orphan)
            self.assertTrue(os.path.exists(os.path.join(uploads, orphan)))
            again = Server("--data-dir", data, db=srv.db)
            again.start()
            try:
                self.assertFalse(os.path.exists(os.path.join(uploads, orphan)))
                one = wait_ingestion_status(again, ing, timeout=120)
                # Every file was either processed before the kill or kept for recovery: none lost.
                self.assertEqual(one["total_files"], 300)
                self.assertEqual(one["files_processed"], 300, {k: v for k, v in one.items() if k != "files"})
                deadline = time.monotonic() + 30
                while count_files(uploads) and time.monotonic() < deadline:
                    time.sleep(0.05)
                self.assertEqual(count_files(uploads), 0)
            finally:
                again.stop()
                again.tmp.cleanup()
        finally:
            srv.stop()
            srv.tmp.cleanup()


class ManyFilesTest(unittest.TestCase):
    def test_ten_thousand_files_in_one_request(self):
        """The request and its bookkeeping scale to 10,000 files; how fast they are parsed is the ingest
        engine's business (bench/), so the test waits for the ingestion to start and record them all."""
        with Server("--stats-interval", "0.5") as srv:
            events = Events(srv)
            try:
                files = [(f"bulk/f{i:05d}.sql", f"INSERT INTO t{i % 50} SELECT * FROM s{i % 7};\n".encode())
                         for i in range(10000)]
                t0 = time.monotonic()
                status, doc = upload(srv, files, {"project_id": "bulk"}, timeout=120)
                elapsed = time.monotonic() - t0
                self.assertEqual(status, 202, doc)
                self.assertEqual(doc["total_files"], 10000)
                self.assertEqual(doc["accepted"], 10000)
                self.assertEqual(len({f["file"] for f in doc["files"]}), 10000)
                ing = doc["ingestion_id"]
                started = events.wait(lambda m: m["type"] == "ingestion_started" and
                                      m["data"]["ingestion_id"] == ing, 120, "ingestion_started")
                self.assertEqual(started["data"]["total_files"], 10000)
                deadline = time.monotonic() + 120
                while time.monotonic() < deadline:
                    status, one = get_json(srv, f"/api/v1/ingestion/{ing}")
                    if status == 200 and len(one["files"]) == 10000:
                        break
                    time.sleep(0.2)
                self.assertEqual(len(one["files"]), 10000, {k: v for k, v in one.items() if k != "files"})
                self.assertEqual(one["total_files"], 10000)
                progress = events.wait(lambda m: m["type"] == "ingestion_progress" and
                                       m["data"].get("ingestion_id") == ing and m["data"]["files_processed"] > 0,
                                       120, "progress")["data"]
                # A running ingestion's counts move as its files commit (the event follows the commit),
                # in GET /api/v1/ingestion/{id} and in the list alike; they were 0 until the end.
                status, one = get_json(srv, f"/api/v1/ingestion/{ing}")
                status, listed = get_json(srv, "/api/v1/ingestions?status=running")
                self.assertEqual(one["status"], "running", "the check needs the ingestion still running")
                self.assertGreaterEqual(one["files_processed"], progress["files_processed"],
                                        {k: v for k, v in one.items() if k != "files"})
                self.assertGreater(one["nodes_created"], 0)
                self.assertLessEqual(one["files_processed"] + one["files_failed"] + one["files_skipped"], 10000)
                self.assertGreater(one["percentage"], 0)
                row = [r for r in listed["ingestions"] if r["ingestion_id"] == ing]
                self.assertEqual(len(row), 1, listed)
                self.assertGreaterEqual(row[0]["files_processed"], progress["files_processed"], row[0])
                print(f"\n10,000-file upload answered in {elapsed:.2f} s", file=sys.stderr)
            finally:
                events.close()


if __name__ == "__main__":
    main()

"""An upload's 202 comes once the ingestion and all its files are recorded, so the dashboard's
ingestion_started carries the true total (issue 10 leftovers; the kill case is test_upload_kill.py)."""

import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, main  # noqa: E402
from ingest_helpers import Events, count_files, get_json, multipart, upload, wait_ingestion_status  # noqa: E402


class AcceptedMeansRecordedTest(unittest.TestCase):
    def test_started_carries_the_total_and_progress_ends_there(self):
        # Many parts make the race visible (the engine was handed files while the writer already ran);
        # most are skipped unread (not SQL), so the run stays short.
        n = 5000
        with Server("--stats-interval", "30") as srv:
            events = Events(srv)
            try:
                files = [(f"tot/f{i:04d}.sql", f"INSERT INTO t{i % 9} SELECT * FROM s{i % 5};\n".encode())
                         if i % 100 == 0 else (f"tot/note{i:04d}.txt", b"not sql") for i in range(n - 1)]
                files.append(("tot/readme.txt", b"not sql"))
                status, doc = upload(srv, files, {"project_id": "totals"}, timeout=120)
                self.assertEqual(status, 202, doc)
                ing = doc["ingestion_id"]
                done = events.complete(ing, timeout=240)["data"]
                mine = events.of(ing)
                self.assertEqual(mine[0]["type"], "ingestion_started", [m["type"] for m in mine[:3]])
                self.assertEqual(mine[0]["data"]["total_files"], n)
                self.assertEqual(sum(m["type"] == "ingestion_started" for m in mine), 1)
                progress = [m["data"] for m in mine if m["type"] == "ingestion_progress"]
                self.assertTrue(progress)
                self.assertEqual({p["total_files"] for p in progress}, {n})
                # the files done: processed and skipped counted apart, as ingestion_complete counts them
                last = progress[-1]
                self.assertEqual((last["files_processed"], last["files_skipped"], last["percentage"]),
                                 (done["files_processed"], done["files_skipped"], 100.0))
                self.assertEqual(done["total_files"], n)
                self.assertEqual(done["files_processed"] + done["files_skipped"], n)
                self.assertEqual(get_json(srv, f"/api/v1/ingestion/{ing}")[1]["total_files"], n)
            finally:
                events.close()


class SlowWriterTest(unittest.TestCase):
    """An upload's 202 waits for the writer to record it; a writer held up (a long start-up read, a
    long commit: --debug-slow-writer-ms stands in for both) made libwebsockets close the request at its
    30 s timeout with no answer. Now it is 503 `timeout` at --api-timeout, and what it says is true:
    not begun, nothing of it is kept; begun, its ingestion_id is given and the ingestion is there."""

    SLOW_MS = 10000  # far longer than the 1 s deadline, however loaded the machine

    def post(self, srv, name):
        body, ctype = multipart([(name, b"INSERT INTO slow.t SELECT a FROM slow.s;\n")])
        status, headers, raw = srv.request("POST", "/api/v1/files/upload", body=body,
                                           headers={"Content-Type": ctype}, timeout=20)
        return status, headers, json.loads(raw)

    def wait_log(self, srv, text, count):
        deadline = time.monotonic() + 60
        while srv.log().count(text) < count:
            self.assertLess(time.monotonic(), deadline, srv.log())
            time.sleep(0.05)

    def test_a_held_up_writer_gets_uploads_a_truthful_503(self):
        with Server("--debug-events", "--debug-slow-writer-ms", str(self.SLOW_MS), "--api-timeout", "1",
                    "--api-queue-wait", "1") as srv:
            # the writer sleeps before its start-up read: the upload is not recorded, nothing is kept
            status, headers, doc = self.post(srv, "first.sql")
            self.assertEqual((status, doc["error"], headers.get("retry-after")), (503, "timeout", "1"), doc)
            self.assertIn("nothing of it was done or kept; send it again later", doc["detail"])
            self.assertNotIn("ingestion_id", doc)
            self.wait_log(srv, "ingest.unclaimed", 1)  # the writer woke, and dropped it
            # the writer is idle: the next upload is claimed at once, then its commit sleeps
            status, headers, doc = self.post(srv, "second.sql")
            self.assertEqual((status, doc["error"], headers.get("retry-after")), (503, "timeout", "1"), doc)
            ing = doc["ingestion_id"]
            self.assertIn(f"GET /api/v1/ingestion/{ing} says whether it was accepted", doc["detail"])
            # one sent while that commit sleeps waits behind it: not begun, dropped when the writer gets to it
            status, _, doc = self.post(srv, "third.sql")
            self.assertEqual((status, doc["error"]), (503, "timeout"), doc)
            self.assertNotIn("ingestion_id", doc)
            self.assertEqual(wait_ingestion_status(srv, ing, timeout=60)["status"], "completed")
            self.wait_log(srv, "ingest.unclaimed", 2)
            status, listed = get_json(srv, "/api/v1/ingestions")
            self.assertEqual((status, [i["ingestion_id"] for i in listed["ingestions"]]), (200, [ing]), listed)
            status, files = get_json(srv, "/api/v1/files?current=false")
            self.assertEqual([f["path"] for f in files["files"]], ["second.sql"], files)
            self.assertEqual(count_files(os.path.join(srv.tmp.name, "data", "uploads")), 0)
            log = srv.log()
            self.assertEqual(log.count("reason=record_wait"), 2, log)
            self.assertEqual(log.count("reason=record_timeout"), 1, log)


class OneDurationTest(unittest.TestCase):
    def test_the_event_and_the_row_time_the_same_interval_behind_a_slow_writer(self):
        # the row's started_at was the writer's turn to record it (1.5 s late here, as on a loaded
        # disk), the event's duration counted from the upload's acceptance: 5.99 s live, 0.113 s stored
        slow_ms = 1500
        with Server("--debug-events", "--debug-slow-writer-ms", str(slow_ms)) as srv:
            events = Events(srv)
            try:
                status, doc = upload(srv, [("slow/one.sql", b"INSERT INTO d.t SELECT a FROM d.s;\n")])
                self.assertEqual(status, 202, doc)
                ing = doc["ingestion_id"]
                live = events.complete(ing, timeout=120)["data"]["duration_seconds"]
            finally:
                events.close()
            status, row = get_json(srv, f"/api/v1/ingestion/{ing}")
            self.assertEqual((status, row["status"]), (200, "completed"), row)
            self.assertAlmostEqual(row["duration_seconds"], live, places=6, msg=row)
            # both include the writer's sleep before it recorded the ingestion
            self.assertGreaterEqual(live, slow_ms / 1000)


if __name__ == "__main__":
    main()

"""An upload's 202 is a promise: it comes once the ingestion and all its files are recorded, so the
dashboard's ingestion_started carries the true total and a server killed right after the 202 loses no
file (issue 10 leftovers)."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, main  # noqa: E402
from ingest_helpers import Events, get_json, upload, wait_ingestion_status  # noqa: E402


class AcceptedMeansRecordedTest(unittest.TestCase):
    def test_started_carries_the_total_and_progress_ends_there(self):
        n = 500
        with Server("--stats-interval", "30") as srv:
            events = Events(srv)
            try:
                files = [(f"tot/f{i:04d}.sql", f"INSERT INTO t{i % 9} SELECT * FROM s{i % 5};\n".encode())
                         for i in range(n)]
                files.append(("tot/readme.txt", b"not sql"))
                status, doc = upload(srv, files, {"project_id": "totals"}, timeout=120)
                self.assertEqual(status, 202, doc)
                ing = doc["ingestion_id"]
                done = events.complete(ing, timeout=240)["data"]
                mine = events.of(ing)
                self.assertEqual(mine[0]["type"], "ingestion_started", [m["type"] for m in mine[:3]])
                self.assertEqual(mine[0]["data"]["total_files"], n + 1)
                self.assertEqual(sum(m["type"] == "ingestion_started" for m in mine), 1)
                progress = [m["data"] for m in mine if m["type"] == "ingestion_progress"]
                self.assertTrue(progress)
                self.assertEqual({p["total_files"] for p in progress}, {n + 1})
                self.assertEqual(progress[-1]["files_processed"], n + 1)
                self.assertEqual(done["total_files"], n + 1)
                self.assertEqual(done["files_processed"] + done["files_skipped"], n + 1)
                self.assertEqual(get_json(srv, f"/api/v1/ingestion/{ing}")[1]["total_files"], n + 1)
            finally:
                events.close()

    def test_kill_right_after_the_202_recovers_every_accepted_file(self):
        n = 500
        srv = Server()
        srv.start()
        data = os.path.join(srv.tmp.name, "data")
        try:
            files = [(f"k/f{i:04d}.sql", f"INSERT INTO kt{i} SELECT * FROM ks{i};\n".encode()) for i in range(n)]
            status, doc = upload(srv, files, {"project_id": "killed"}, timeout=120)
            srv.proc.kill()  # no sleep: the answer is all the client knows
            srv.proc.wait()
            self.assertEqual(status, 202, doc)
            self.assertEqual(doc["accepted"], n)
            ing = doc["ingestion_id"]
            srv.log_file.close()
            again = Server("--data-dir", data, db=srv.db)
            again.start()
            try:
                # Recorded before the answer: known at once after the restart, not lost.
                self.assertEqual(get_json(again, f"/api/v1/ingestion/{ing}")[0], 200)
                one = wait_ingestion_status(again, ing, timeout=240)
                summary = {k: v for k, v in one.items() if k != "files"}
                self.assertEqual(one["total_files"], n, summary)
                self.assertEqual(one["files_processed"], n, summary)
                self.assertEqual(one["status"], "completed", summary)
                self.assertEqual(get_json(again, "/api/v1/files?ingestion_id=" + ing + "&limit=1")[1]["total"], n)
                self.assertNotIn("upload.swept", again.log())
            finally:
                again.stop()
                again.tmp.cleanup()
        finally:
            srv.stop()
            srv.tmp.cleanup()


if __name__ == "__main__":
    main()

"""An upload's 202 comes once the ingestion and all its files are recorded, so the dashboard's
ingestion_started carries the true total (issue 10 leftovers; the kill case is test_upload_kill.py)."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, main  # noqa: E402
from ingest_helpers import Events, get_json, upload  # noqa: E402


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


if __name__ == "__main__":
    main()

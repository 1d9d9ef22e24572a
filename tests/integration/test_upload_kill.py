"""An upload's 202 is a promise: the ingestion and all its files are recorded before it, so a server
killed right after the 202 resumes every accepted file at the next start (issue 10 leftovers)."""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, main  # noqa: E402
from ingest_helpers import get_json, upload, wait_ingestion_status  # noqa: E402


class KillAfterAcceptTest(unittest.TestCase):
    def test_kill_right_after_the_202_recovers_every_accepted_file(self):
        n = 150
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
                # Only copies of files already stored before the kill may be swept (the kill can
                # fall between a file's commit and the removal of its copy), never one still to process.
                log = again.log()
                resumed = re.search(r"ingest\.resumed .*requeued=(\d+)", log)
                requeued = int(resumed.group(1)) if resumed else 0
                swept = re.search(r"upload\.swept files=(\d+)", log)
                self.assertLessEqual(int(swept.group(1)) if swept else 0, n - requeued, log)
            finally:
                again.stop()
                again.tmp.cleanup()
        finally:
            srv.stop()
            srv.tmp.cleanup()


if __name__ == "__main__":
    main()

"""Once ingestion_complete is delivered, or GET /api/v1/ingestion/{id} no longer says `running`,
every query sees that ingestion: search, lineage and chat asked the moment the event arrives (or the
status changes) find the file's tables, many times over, while other uploads keep the writer
committing and the lineage index rebuilding (each rebuild then rests a multiple of its CPU time, the
window in which queries used to answer from the snapshot before the commit)."""

import asyncio
import json
import os
import sys
import threading
import time
import unittest
import urllib.parse

import websockets

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, main  # noqa: E402
from ingest_helpers import get_json, upload, wait_ingestion_status  # noqa: E402

PROBES = 20
BACKGROUND_MAX = 300  # uploads of load at most, whatever happens to the probes


def background_file(round_no, part):
    # a new version of the same two files each round: every upload commits and rebuilds, and the
    # graph (so each rebuild's cost, and the test's time) stays the same size however long it runs
    lines = [f"INSERT INTO load{part}.t{j} (a, b) SELECT a, b FROM load{part}.s{(j + round_no) % 50};"
             for j in range(300)]
    return f"load{part}.sql", "\n".join(lines).encode()


class VisibleOnCompleteTest(unittest.TestCase):
    def test_queries_on_ingestion_complete_see_the_ingestion(self):
        self.probe_under_load(self.probe_by_event)

    def test_queries_once_the_status_is_final_see_the_ingestion(self):
        # a client polling the REST status as fast as it can, not listening to events
        self.probe_under_load(self.probe_by_status)

    def probe_under_load(self, probe_all):
        with Server() as srv:
            stop = threading.Event()
            loaded = []

            def load():
                # one upload at a time, each ended before the next: commits and rebuilds go on all
                # through the probes instead of queueing ahead of them
                for n in range(BACKGROUND_MAX):
                    if stop.is_set():
                        return
                    status, body = upload(srv, [background_file(n, p) for p in range(2)])
                    loaded.append(status)
                    if status != 202:
                        return
                    wait_ingestion_status(srv, body["ingestion_id"])

            loader = threading.Thread(target=load, daemon=True)
            loader.start()
            try:
                misses = probe_all(srv)
            finally:
                stop.set()
                loader.join(120)
            self.assertTrue(loaded and all(s == 202 for s in loaded), loaded)
            self.assertEqual([m[:3] for m in misses], [], (misses[:1], srv.log()[-2000:]))

    def probe_by_event(self, srv):
        return asyncio.run(self.probe_events(srv))

    def probe_by_status(self, srv):
        misses = []
        for i in range(PROBES):
            table, sql = self.probe_file(i)
            status, body = upload(srv, [(f"probe{i}.sql", sql.encode())])
            self.assertEqual(status, 202, body)
            deadline = time.monotonic() + 60
            while True:
                status, doc = get_json(srv, f"/api/v1/ingestion/{body['ingestion_id']}")
                self.assertEqual(status, 200, doc)
                if doc["status"] != "running":
                    break
                self.assertLess(time.monotonic(), deadline, doc)
                time.sleep(0.01)
            self.assertEqual(doc["status"], "completed", doc)
            misses += self.ask(srv, i, table)
        return misses

    @staticmethod
    def probe_file(i):
        table = f"probe{i}.orders_{i}"
        return table, f"INSERT INTO {table} (id, amount) SELECT id, amount FROM probe{i}.raw_{i};\n"

    async def probe_events(self, srv):
        loop = asyncio.get_running_loop()
        misses = []
        async with websockets.connect(srv.ws_url, max_size=None) as ws:
            for i in range(PROBES):
                table, sql = self.probe_file(i)
                status, body = await loop.run_in_executor(None, upload, srv, [(f"probe{i}.sql", sql.encode())])
                self.assertEqual(status, 202, body)
                ing = body["ingestion_id"]
                deadline = loop.time() + 60
                while True:
                    msg = json.loads(await asyncio.wait_for(ws.recv(), max(0.1, deadline - loop.time())))
                    if msg["type"] == "ingestion_complete" and msg["data"]["ingestion_id"] == ing:
                        break
                self.assertEqual(msg["data"]["status"], "completed", msg)
                # at once, on this thread: nothing else runs between the event and the queries
                misses += self.ask(srv, i, table)
        return misses

    def ask(self, srv, i, table):
        missed = []
        status, found = srv.get_json("/api/v1/search?" + urllib.parse.urlencode({"q": table, "kind": "table"}))
        if status != 200 or table not in [r["name"] for r in found["results"]]:
            missed.append((i, "search", status, found))
        status, lineage = srv.get_json(f"/api/v1/lineage/{table}?direction=upstream")
        if status != 200 or f"probe{i}.raw_{i}" not in [n["name"] for n in lineage.get("nodes", [])]:
            missed.append((i, "lineage", status, lineage))
        status, _, raw = srv.request("POST", "/api/chat/graph", json.dumps({"query": f"what feeds {table}"}),
                                     {"Content-Type": "application/json"})
        answer = json.loads(raw) if raw else {}
        if status != 200 or f"probe{i}.raw_{i}" not in answer.get("response", ""):
            missed.append((i, "chat", status, answer))
        return missed


if __name__ == "__main__":
    main()

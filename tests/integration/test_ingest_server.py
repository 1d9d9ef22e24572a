"""The server's side of ingestion: the --seed-dir warehouse on an empty database, stats and metrics
that match it, no second seeding, and a plain serve that seeds nothing."""

import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, main  # noqa: E402

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "finance")


def sql_files(root):
    return sum(1 for _, _, names in os.walk(root) for n in names if n.endswith((".sql", ".hql", ".pls")))


def wait_idle(srv, want_files, timeout=120):
    deadline = time.monotonic() + timeout
    stats = {}
    while time.monotonic() < deadline:
        stats = srv.get_json("/api/v1/stats")[1]
        if stats["filesProcessed"] >= want_files and stats.get("activeIngestions") == 0:
            return stats
        time.sleep(0.1)
    raise AssertionError(f"ingestion did not finish: {stats}\n{srv.log()}")


def metric(text, name, labels):
    m = re.search(rf'^{name}\{{{labels}\}} (\d+)$', text, re.M)
    return int(m.group(1)) if m else None


class SeedTest(unittest.TestCase):
    def test_empty_database_is_seeded_once(self):
        files = sql_files(EXAMPLES)
        self.assertGreaterEqual(files, 24)
        with Server("--seed-dir", EXAMPLES) as srv:
            stats = wait_idle(srv, files)
            self.assertEqual(stats["filesProcessed"], files)
            self.assertGreater(stats["totalNodes"], 100)
            self.assertGreater(stats["databaseTables"], 30)
            _, _, body = srv.request("GET", "/metrics")
            text = body.decode()
            self.assertEqual(metric(text, "lineaged_ingest_files_total", 'status="processed"'), files)
            self.assertEqual(metric(text, "lineaged_ingest_files_total", 'status="failed"'), 0)
            db = srv.db
            first = srv.log()
            srv.stop()
            self.assertIn("ingest.seeding", first)
            self.assertIn("status=completed ", first)
            # the start line says it is the seed, and does not claim a number of files it cannot know yet
            self.assertRegex(first, r"ingest\.begun ingestion=\S+ source=upload origin=seed files=arriving\n")
            with Server("--seed-dir", EXAMPLES, db=db) as again:
                same = again.get_json("/api/v1/stats")[1]
                log = again.log()
            self.assertNotIn("ingest.seeding", log)
            for key in ("totalNodes", "totalEdges", "filesProcessed", "databaseTables"):
                self.assertEqual(same[key], stats[key], key)
            # The counters stored before the seed's first commit are the baseline after the restart too.
            self.assertEqual(same["trends"]["nodes"], {"value": stats["totalNodes"], "isPositive": True})
            self.assertEqual(same["trends"]["files"], {"value": files, "isPositive": True})

    def test_seed_files_are_named_relative_to_the_seed_folder(self):
        # An absolute --seed-dir used to put this machine's paths into the graph and the API.
        def seeded_names(relative):
            srv = Server("--seed-dir", "seed" if relative else "")
            seed = os.path.join(srv.tmp.name, "seed")  # the server runs in srv.tmp.name
            os.makedirs(os.path.join(seed, "staging"))
            with open(os.path.join(seed, "staging", "stg_orders.sql"), "w") as f:
                f.write("INSERT INTO staging.orders SELECT id, amount FROM raw.orders;\n")
            with open(os.path.join(seed, "mart.sql"), "w") as f:
                f.write("CREATE VIEW mart.revenue AS SELECT sum(amount) AS total FROM staging.orders;\n")
            if not relative:
                srv.args[srv.args.index("--seed-dir") + 1] = seed
            with srv:
                wait_idle(srv, 2)
                files = sorted(f["path"] for f in srv.get_json("/api/v1/files")[1]["files"])
                nodes = []
                deadline = time.monotonic() + 30
                while len(nodes) < 2 and time.monotonic() < deadline:
                    hits = srv.get_json("/api/v1/search?q=sql&kind=file")[1]["results"]
                    nodes = sorted(h["name"] for h in hits)
                    time.sleep(0.05)
                return files, nodes, seed
        abs_files, abs_nodes, abs_seed = seeded_names(relative=False)
        rel_files, rel_nodes, _ = seeded_names(relative=True)
        self.assertEqual(abs_files, ["mart.sql", "staging/stg_orders.sql"])
        self.assertEqual(abs_nodes, abs_files)
        self.assertEqual((rel_files, rel_nodes), (abs_files, abs_nodes))
        self.assertTrue(os.path.isabs(abs_seed))

    def test_plain_serve_seeds_nothing(self):
        with Server() as srv:
            time.sleep(0.5)
            stats = srv.get_json("/api/v1/stats")[1]
        self.assertEqual((stats["totalNodes"], stats["filesProcessed"]), (0, 0))


if __name__ == "__main__":
    main()

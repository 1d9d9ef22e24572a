"""The catalog across files, through the real server: columns a CREATE TABLE defines in one upload
expand `SELECT *` of a view uploaded in another, whichever arrived first, and attribute the
unqualified columns of a join; ALTER TABLE ADD COLUMN adds its edge, a new version of the DDL file
takes its old columns away, and the lineage, node, search and export endpoints all see the same
expansion."""

import csv
import io
import json
import os
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, main  # noqa: E402
from ingest_helpers import upload, wait_ingestion_status  # noqa: E402

WAIT = 120  # seconds for a commit to reach the index: generous, a loaded ASan run is 3-4x slower


class CatalogTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server()
        cls.srv.start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        cls.srv.tmp.cleanup()

    def ingest(self, name, sql):
        status, body = upload(self.srv, [(name, sql.encode())], {"dialect": "postgres"})
        self.assertEqual(status, 202, body)
        doc = wait_ingestion_status(self.srv, body["ingestion_id"])
        self.assertEqual(doc["status"], "completed", doc)

    def get(self, path):
        status, _, body = self.srv.request("GET", path)
        return status, json.loads(body)

    def text(self, path):
        status, _, body = self.srv.request("GET", path)
        self.assertEqual(status, 200, body)
        return body.decode()

    def column_edges(self, name):
        """Column-level DERIVES edges upstream of `name` as (source, target) names; None when unknown."""
        status, body = self.get("/api/v1/lineage/" + urllib.parse.quote(name, safe="") +
                                "?level=column&direction=upstream&depth=5")
        if status == 404:
            return None
        self.assertEqual(status, 200, body)
        ids = {n["id"]: n["name"] for n in body["nodes"]}
        return {(ids[e["source"]], ids[e["target"]]) for e in body["edges"]}

    def columns(self, table):
        status, body = self.get("/api/v1/nodes/" + urllib.parse.quote(table, safe=""))
        self.assertEqual(status, 200, body)
        return sorted(c["name"] for c in body["columns"])

    def until(self, check, what):
        """Polls until check() is true: the index is rebuilt after the commit, not within it."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if check():
                return
            time.sleep(0.05)
        self.fail(f"not within {WAIT}s: {what}")

    def test_view_before_ddl_then_alter_then_new_ddl_version(self):
        self.ingest("views/v.sql", "CREATE VIEW v AS SELECT * FROM t;\n")
        self.until(lambda: self.column_edges("v.*") == {("t.*", "v.*")}, "the star edge before any DDL")

        self.ingest("ddl/t.sql", "CREATE TABLE t (a int, b text);\n")
        self.until(lambda: self.column_edges("v.b") is not None, "v.b after the DDL")
        self.assertEqual(self.column_edges("v.a"), {("t.a", "v.a")})
        self.assertEqual(self.column_edges("v.b"), {("t.b", "v.b")})
        self.assertIsNone(self.column_edges("v.*"))
        self.assertEqual(self.columns("v"), ["v.a", "v.b"])
        self.assertEqual(self.columns("t"), ["t.a", "t.b"])
        status, body = self.get("/api/v1/lineage/v?level=column&direction=upstream")
        self.assertEqual(status, 200, body)
        self.assertEqual({n["name"] for n in body["nodes"]}, {"v.a", "v.b", "t.a", "t.b"})
        status, body = self.get("/api/v1/search?q=v.b")
        self.assertEqual(body["results"][0]["name"], "v.b")

        # both exports read the expanded edges, with the view's statement as where they come from
        text = self.text("/api/v1/export/openlineage")
        jobs = {ev["job"]["name"]: ev for ev in map(json.loads, text.splitlines())}
        fields = jobs["views/v.sql:1"]["outputs"][0]["facets"]["columnLineage"]["fields"]
        self.assertEqual({f: [(i["name"], i["field"]) for i in v["inputFields"]] for f, v in fields.items()},
                         {"a": [("t", "a")], "b": [("t", "b")]})
        text = self.text("/api/v1/export/csv")
        rows = {(r["source_table"], r["source_column"], r["target_table"], r["target_column"], r["file"], r["line"])
                for r in csv.DictReader(io.StringIO(text))}
        self.assertIn(("t", "a", "v", "a", "views/v.sql", "1"), rows)
        self.assertIn(("t", "b", "v", "b", "views/v.sql", "1"), rows)

        self.ingest("ddl/t_more.sql", "ALTER TABLE t ADD COLUMN c int;\n")
        self.until(lambda: self.column_edges("v.c") == {("t.c", "v.c")}, "v.c after ALTER TABLE ADD COLUMN")
        self.assertEqual(self.columns("v"), ["v.a", "v.b", "v.c"])

        # a new version of the DDL file no longer defines b: its column leaves t and v
        self.ingest("ddl/t.sql", "CREATE TABLE t (a int);\n")
        self.until(lambda: self.column_edges("v.b") is None, "v.b gone with the old DDL version")
        self.assertEqual(self.columns("v"), ["v.a", "v.c"])
        self.assertEqual(self.columns("t"), ["t.a", "t.c"])
        self.assertEqual(self.column_edges("v.a"), {("t.a", "v.a")})

    def test_ddl_before_view_and_chained_views(self):
        self.ingest("ddl/s.sql", "CREATE TABLE sales.orders (id int, amount numeric);\n")
        self.ingest("views/w.sql", "CREATE VIEW w2 AS SELECT * FROM w1;\n")
        self.ingest("views/w1.sql", "CREATE VIEW w1 AS SELECT * FROM sales.orders;\n")
        self.until(lambda: self.column_edges("w2.amount") is not None, "w2.amount through w1")
        self.assertEqual(self.column_edges("w2.amount"),
                         {("sales.orders.amount", "w1.amount"), ("w1.amount", "w2.amount")})
        self.assertEqual(self.columns("w2"), ["w2.amount", "w2.id"])

    def test_star_with_more_outputs_feeds_a_view_over_it(self):
        self.ingest("views/p2.sql", "CREATE VIEW p2 AS SELECT * FROM p1;\n")
        self.ingest("views/p1.sql", "CREATE VIEW p1 AS SELECT *, a + 1 AS y FROM t3;\n")
        self.ingest("ddl/t3.sql", "CREATE TABLE t3 (a int);\n")
        self.until(lambda: self.column_edges("p2.a") is not None, "p2.a")
        self.assertEqual(self.column_edges("p2.y"), {("t3.a", "p1.y"), ("p1.y", "p2.y")})
        self.assertEqual(self.column_edges("p2.a"), {("t3.a", "p1.a"), ("p1.a", "p2.a")})
        self.assertEqual(self.columns("p2"), ["p2.a", "p2.y"])

    def test_expanded_columns_keep_the_ddl_order(self):
        self.ingest("views/o.sql", "CREATE VIEW o AS SELECT * FROM t4;\n")
        self.ingest("ddl/t4.sql", "CREATE TABLE t4 (zeta int, alpha int, mid int);\n")
        self.until(lambda: self.column_edges("o.mid") is not None, "o.mid")
        status, body = self.get("/api/v1/nodes/o")
        self.assertEqual([c["name"] for c in body["columns"]], ["o.zeta", "o.alpha", "o.mid"])

    def test_unqualified_columns_of_a_join(self):
        self.ingest("views/j.sql", "CREATE VIEW j AS SELECT a, c, id FROM t2 JOIN u2 ON t2.id = u2.id;\n")
        self.until(lambda: self.column_edges("j.a") == set(), "j.a, with no source before the DDL")
        self.ingest("ddl/tu.sql", "CREATE TABLE t2 (id int, a int);\nCREATE TABLE u2 (id int, c int);\n")
        self.until(lambda: self.column_edges("j.c") == {("u2.c", "j.c")}, "j.c from the one table that has c")
        self.assertEqual(self.column_edges("j.a"), {("t2.a", "j.a")})
        self.assertEqual(self.column_edges("j.id"), set())  # both tables have id: left out
        self.assertEqual(self.columns("t2"), ["t2.a", "t2.id"])

    def test_drop_and_rename_column_follow_the_migrations_order(self):
        # the ALTERs arrive before the CREATE they change: the files' paths, not arrival, set the order
        self.ingest("views/dv.sql", "CREATE VIEW dv AS SELECT * FROM dt;\n")
        self.ingest("migrations/002_alter.sql",
                    "ALTER TABLE dt DROP COLUMN b;\nALTER TABLE dt RENAME COLUMN c TO d;\n")
        self.ingest("migrations/001_create.sql", "CREATE TABLE dt (a int, b text, c int);\n")
        # dv.d exists after the ALTERs alone: wait for what only the CREATE gives (dt.a)
        self.until(lambda: self.column_edges("dv.a") == {("dt.a", "dv.a")}, "dv.a after the CREATE")
        self.assertEqual(self.columns("dt"), ["dt.a", "dt.d"])
        self.assertEqual(self.columns("dv"), ["dv.a", "dv.d"])
        self.assertEqual(self.column_edges("dv.d"), {("dt.d", "dv.d")})
        for gone in ("dv.b", "dv.c", "dt.b", "dt.c"):
            self.assertIsNone(self.column_edges(gone), gone)
        status, body = self.get("/api/v1/search?q=dt.b")
        self.assertNotIn("dt.b", [r["name"] for r in body["results"]])
        # a later migration adds b back; one file that drops and re-adds keeps it too
        self.ingest("migrations/003_readd.sql", "ALTER TABLE dt ADD COLUMN b text;\n")
        self.until(lambda: self.column_edges("dv.b") == {("dt.b", "dv.b")}, "dv.b after ADD COLUMN again")
        self.assertEqual(self.columns("dt"), ["dt.a", "dt.b", "dt.d"])
        self.ingest("migrations/004_same_file.sql",
                    "ALTER TABLE dt DROP COLUMN a;\nALTER TABLE dt ADD COLUMN a int;\nALTER TABLE dt DROP d;\n")
        self.until(lambda: self.column_edges("dv.d") is None, "dv.d after DROP d")
        self.assertEqual(self.columns("dt"), ["dt.a", "dt.b"])


class TotalsTest(unittest.TestCase):
    """/api/v1/stats counts the nodes the graph can show: not the bare names the index leaves out."""

    def rebuilt_nodes(self, srv):
        lines = [line for line in srv.log().splitlines() if " graph.rebuilt " in line]
        return int(lines[-1].split(" nodes=")[1].split()[0]) if lines else None

    def agree(self, srv):
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            total = srv.get_json("/api/v1/stats")[1]["totalNodes"]
            if total == self.rebuilt_nodes(srv):
                return total
            time.sleep(0.1)
        self.fail(f"totalNodes {total} never matched the index's {self.rebuilt_nodes(srv)} nodes")

    def test_bare_names_are_not_counted_before_or_after_a_restart(self):
        with Server() as srv:
            # `a` is in neither table the statement reads by DDL: stored under its bare name, never shown
            status, body = upload(srv, [("views/j.sql", b"CREATE VIEW j AS SELECT a, t2.id FROM t2 JOIN u2 ON t2.id = u2.id;\n")],
                                  {"dialect": "postgres"})
            self.assertEqual(status, 202, body)
            self.assertEqual(wait_ingestion_status(srv, body["ingestion_id"])["status"], "completed")
            total = self.agree(srv)
            self.assertGreater(total, 0)
            srv.stop()
            srv.start()
            self.assertEqual(self.agree(srv), total)


if __name__ == "__main__":
    main()

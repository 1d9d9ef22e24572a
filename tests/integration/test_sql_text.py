"""The SQL text of uploaded files (deleted after processing) is stored with its statements: text chat
finds it with file:line, the OpenLineage export's `sql` facet carries the query, a new version
replaces the old text, and a statement over the per-statement cap is stored cut, with a marker."""

import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, main  # noqa: E402
from ingest_helpers import count_files, upload, wait_ingestion_status  # noqa: E402

DAILY = (b"-- daily load of the revenue mart\n"
         b"CREATE TABLE mart.revenue (day DATE, total NUMERIC);\n"
         b"\n"
         b"INSERT INTO mart.revenue\n"
         b"SELECT o.day, sum(o.amount) AS total\n"
         b"FROM sales.orders o\n"
         b"GROUP BY o.day;\n")
DAILY_V2 = b"INSERT INTO mart.revenue SELECT r.day, r.net FROM sales.refunds r;\n"
# One statement of about 100 KiB: over the 64 KiB stored per statement.
WIDE = (b"INSERT INTO mart.wide\nSELECT\n" +
        b",\n".join(b"  o.amount AS wide_column_%05d" % i for i in range(3000)) +
        b"\nFROM sales.orders o;\n")

# Procedure bodies hold `;` of their own: the export's `sql` facet carries each whole procedure.
TSQL_PROC = ("-- nightly refresh of the customer mart\n"
             "CREATE PROCEDURE mart.refresh_customers\n"
             "AS\n"
             "BEGIN\n"
             "    SET NOCOUNT ON;\n"
             "    DELETE FROM mart.customers;\n"
             "    INSERT INTO mart.customers (id, name)\n"
             "    SELECT c.id, c.name FROM crm.customers c;\n"
             "    UPDATE mart.customers SET name = upper(name);\n"
             "END;\n"
             "GO\n"
             "-- the next batch\n"
             "INSERT INTO mart.log (msg) SELECT 'done' FROM mart.customers;\n")
PG_PROC = ("CREATE OR REPLACE PROCEDURE mart.load_orders()\n"
           "LANGUAGE plpgsql\n"
           "AS $$\n"
           "BEGIN\n"
           "    DELETE FROM mart.orders;\n"
           "    INSERT INTO mart.orders (id, total)\n"
           "    SELECT o.id, o.amount FROM sales.orders o;\n"
           "END;\n"
           "$$;\n"
           "\n"
           "-- afterwards\n"
           "INSERT INTO mart.order_log SELECT id FROM mart.orders;\n")


class SqlTextTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server()
        cls.srv.__enter__()
        cls.uploads = os.path.join(cls.srv.tmp.name, "data", "uploads")

    @classmethod
    def tearDownClass(cls):
        cls.srv.__exit__(None, None, None)

    def ingest(self, files, project, dialect="postgres"):
        status, doc = upload(self.srv, files, {"project_id": project, "dialect": dialect})
        self.assertEqual(status, 202, doc)
        done = wait_ingestion_status(self.srv, doc["ingestion_id"])
        self.assertEqual(done["status"], "completed", done)
        self.assertEqual(count_files(self.uploads), 0, "the uploaded copies should be gone")

    def text_chat(self, question):
        status, _, body = self.srv.request("POST", "/api/chat/text", json.dumps({"query": question}),
                                           {"Content-Type": "application/json"})
        self.assertEqual(status, 200, body)
        return json.loads(body)

    def export_job(self, name, timeout=30):
        """The export's event for job `name`, once the index has caught up with the commit."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status, _, body = self.srv.request("GET", "/api/v1/export/openlineage")
            self.assertEqual(status, 200, body)
            for line in body.decode().splitlines():
                ev = json.loads(line)
                if ev["job"]["name"] == name:
                    return ev
            time.sleep(0.1)
        self.fail(f"no exported job {name} after {timeout}s")

    def test_uploaded_text_is_searchable_exported_and_replaced(self):
        self.ingest([("etl/daily_load.sql", DAILY)], "textual")
        body = self.text_chat("sum amount")
        first = body["sources"][0]
        self.assertEqual((first["file"], first["line"]), ("etl/daily_load.sql", 5), body)
        self.assertIn("sum(o.amount)", first["snippet"])
        self.assertIn("etl/daily_load.sql:5", body["response"])
        self.assertNotIn("no stored text", body["response"])
        # the header comment, before the first statement, is kept too
        first = self.text_chat("daily revenue mart")["sources"][0]
        self.assertEqual((first["file"], first["line"]), ("etl/daily_load.sql", 1))

        ev = self.export_job("etl/daily_load.sql:4")
        sql = ev["job"]["facets"]["sql"]
        self.assertEqual(sql["query"], "INSERT INTO mart.revenue\nSELECT o.day, sum(o.amount) AS total\n"
                                       "FROM sales.orders o\nGROUP BY o.day;")
        self.assertEqual(sql["dialect"], "postgres")
        self.assertTrue(sql["_producer"] and sql["_schemaURL"])

        # a new version: its text replaces the old one's
        self.ingest([("etl/daily_load.sql", DAILY_V2)], "textual")
        self.assertEqual(self.text_chat("refunds")["sources"][0]["line"], 1)
        self.assertEqual(self.text_chat("o.day")["sources"], [])
        self.assertEqual(self.export_job("etl/daily_load.sql:1")["job"]["facets"]["sql"]["query"],
                         DAILY_V2.decode().strip())

    def test_procedure_bodies_are_exported_whole(self):
        self.ingest([("procs/refresh.sql", TSQL_PROC.encode())], "procs_tsql", "tsql")
        sql = self.export_job("procs/refresh.sql:2")["job"]["facets"]["sql"]
        self.assertEqual(sql["query"], TSQL_PROC[TSQL_PROC.index("CREATE"):TSQL_PROC.index("END;") + 4])
        self.assertEqual(sql["dialect"], "tsql")
        self.assertEqual(self.export_job("procs/refresh.sql:13")["job"]["facets"]["sql"]["query"],
                         "INSERT INTO mart.log (msg) SELECT 'done' FROM mart.customers;")
        self.ingest([("procs/load.sql", PG_PROC.encode())], "procs_pg")
        sql = self.export_job("procs/load.sql:1")["job"]["facets"]["sql"]
        self.assertEqual(sql["query"], PG_PROC[:PG_PROC.index("$$;") + 3])
        self.assertEqual(sql["dialect"], "postgres")
        self.assertEqual(self.export_job("procs/load.sql:12")["job"]["facets"]["sql"]["query"],
                         "INSERT INTO mart.order_log SELECT id FROM mart.orders;")

    def test_a_statement_over_the_cap_is_stored_cut_with_a_marker(self):
        self.ingest([("wide.sql", WIDE)], "wide")
        query = self.export_job("wide.sql:1")["job"]["facets"]["sql"]["query"]
        self.assertTrue(query.startswith("INSERT INTO mart.wide\nSELECT\n  o.amount AS wide_column_00000,"))
        self.assertIn("wide_column_01000", query)
        self.assertNotIn("wide_column_02999", query)
        self.assertLess(len(query), 64 * 1024 + 200)
        self.assertRegex(query[-200:], r"-- \[lineaged: statement text cut here; \d+ more bytes were not stored\]$")
        # lines before the cut are searchable, lines after it are not
        self.assertEqual(self.text_chat("wide_column_00010")["sources"][0]["line"], 13)
        self.assertEqual(self.text_chat("wide_column_02999")["sources"], [])


if __name__ == "__main__":
    main()

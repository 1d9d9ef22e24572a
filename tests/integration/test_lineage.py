"""Lineage queries, chat and export on a known graph: the fixture folder ingested with `lineaged ingest`.

  raw.orders ─► #stage ─► sales.orders_clean ─► sales.summary (view) ─► mart.report
  raw.customers ───────────────┘                 (mart.refresh_report writes mart.report)
  other.orders shares the short name `orders` with raw.orders.
"""

import asyncio
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

import websockets

sys.path.insert(0, os.path.dirname(__file__))
from harness import BIN, IngestedServerTest, Server, main, run_cli  # noqa: E402
from ingest_helpers import upload, wait_ingestion_status  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
LINEAGE = os.path.join(FIXTURES, "lineage")


def ingest(db):
    # a folder holding a copy of LINEAGE, so file names (relative to the folder ingested) are
    # lineage/etl.sql and so on: paths with a '/' in them
    root = os.path.join(os.path.dirname(db), "sql")
    shutil.copytree(LINEAGE, os.path.join(root, "lineage"), dirs_exist_ok=True)
    return run_cli("ingest", "--db", db, "--dialect", "tsql", root, timeout=60)


def names(body):
    return {n["name"]: n["depth"] for n in body["nodes"]}


class LineageTest(IngestedServerTest):
    prefix = "lineaged-lineage-"
    # query_complete is capped per second (20 by default); the tests before the event test spend it
    server_args = ("--query-event-rate", "10000")

    @classmethod
    def fill(cls, db):
        return ingest(db)

    def test_downstream_and_upstream_sets_at_table_level(self):
        status, body = self.lineage("raw.orders", direction="downstream", depth=5)
        self.assertEqual(status, 200, body)
        self.assertEqual(names(body), {"raw.orders": 0, "#stage": 1, "sales.orders_clean": 2, "sales.summary": 3,
                                       "mart.report": 4})
        self.assertFalse(body["truncated"])
        ids = {n["id"]: n["name"] for n in body["nodes"]}
        self.assertEqual({(ids[e["source"]], ids[e["target"]]) for e in body["edges"]},
                         {("raw.orders", "#stage"), ("#stage", "sales.orders_clean"),
                          ("sales.orders_clean", "sales.summary"), ("sales.summary", "mart.report")})
        status, body = self.lineage("MART.REPORT", direction="upstream", depth=50)
        self.assertEqual(names(body), {"mart.report": 0, "sales.summary": 1, "sales.orders_clean": 2, "#stage": 3,
                                       "raw.customers": 3, "raw.orders": 4})
        status, body = self.lineage("sales.orders_clean", depth=1)
        self.assertEqual(names(body), {"sales.orders_clean": 0, "#stage": 1, "raw.customers": 1,
                                       "sales.summary": 1})

    def test_column_level(self):
        status, body = self.lineage("mart.report.total", direction="upstream", depth=10)
        self.assertEqual(status, 200, body)
        self.assertEqual(names(body), {"mart.report.total": 0, "sales.summary.total": 1,
                                       "sales.orders_clean.amount": 2, "#stage.amount": 3, "raw.orders.amount": 4})
        agg = [e for e in body["edges"] if e.get("transformation") == "AGGREGATION"]
        self.assertEqual(len(agg), 1, body["edges"])
        status, body = self.lineage("raw.customers", direction="downstream", level="column", depth=5)
        got = names(body)
        self.assertEqual(got["raw.customers.name"], 0)
        self.assertEqual(got["sales.orders_clean.customer_name"], 1)
        self.assertEqual(got["mart.report.customer_name"], 3)

    def test_depth_limit_and_truncation(self):
        status, body = self.lineage("raw.orders", direction="downstream", depth=2)
        self.assertEqual(set(names(body)), {"raw.orders", "#stage", "sales.orders_clean"})
        status, body = self.lineage("raw.orders", direction="downstream", depth=5, limit=2)
        self.assertEqual(status, 200)
        self.assertTrue(body["truncated"])
        self.assertEqual(body["counts"]["nodes"], 2)
        self.assertEqual(body["counts"]["total_nodes"], 5)
        self.assertEqual(len(body["edges"]), 1)
        for bad in ({"depth": 51}, {"depth": "x"}, {"limit": 0}, {"direction": "sideways"}, {"level": "row"},
                    {"collapse": "all"}):
            status, body = self.lineage("raw.orders", **bad)
            self.assertEqual(status, 400, (bad, body))
            self.assertIn("detail", body)

    def test_temp_tables_collapse_keeping_the_statement(self):
        status, body = self.lineage("raw.orders", direction="downstream", depth=5, collapse="temp")
        self.assertEqual(names(body), {"raw.orders": 0, "sales.orders_clean": 1, "sales.summary": 2,
                                       "mart.report": 3})
        ids = {n["id"]: n["name"] for n in body["nodes"]}
        hidden = [e for e in body["edges"] if e.get("via")]
        self.assertEqual(len(hidden), 1)
        self.assertEqual((ids[hidden[0]["source"]], ids[hidden[0]["target"]]), ("raw.orders", "sales.orders_clean"))
        self.assertEqual(hidden[0]["via"], ["#stage"])
        self.assertEqual([(s["file"], s["line"]) for s in hidden[0]["statements"]],
                         [("lineage/etl.sql", 2), ("lineage/etl.sql", 6)])
        last = [e for e in body["edges"] if ids[e["target"]] == "mart.report"][0]
        self.assertEqual(last["procedure"], "mart.refresh_report")

    def test_path_and_reverse_path(self):
        status, body = self.get("/api/v1/lineage/path", **{"from": "raw.orders", "to": "mart.report"})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["paths"], [["raw.orders", "#stage", "sales.orders_clean", "sales.summary",
                                          "mart.report"]])
        self.assertFalse(body["reversed"])
        self.assertEqual(body["direction"], "downstream")
        # B upstream of A: found by searching the other way, paths written in data-flow order
        status, body = self.get("/api/v1/lineage/path", **{"from": "mart.report", "to": "raw.customers"})
        self.assertEqual(status, 200, body)
        self.assertTrue(body["reversed"])
        self.assertEqual(body["direction"], "upstream")
        self.assertEqual(body["paths"], [["raw.customers", "sales.orders_clean", "sales.summary", "mart.report"]])
        self.assertEqual(body["length"], 3)
        status, body = self.get("/api/v1/lineage/path", **{"from": "mart.report.total", "to": "raw.orders.amount"})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["direction"], "upstream")
        self.assertEqual(body["paths"], [["raw.orders.amount", "#stage.amount", "sales.orders_clean.amount",
                                          "sales.summary.total", "mart.report.total"]])
        ids = {n["id"]: n["name"] for n in body["nodes"]}
        self.assertEqual({(ids[e["source"]], ids[e["target"]]) for e in body["edges"]},
                         {("raw.orders.amount", "#stage.amount"), ("#stage.amount", "sales.orders_clean.amount"),
                          ("sales.orders_clean.amount", "sales.summary.total"),
                          ("sales.summary.total", "mart.report.total")})
        # neither way: a 404 that names both ends
        for ends in (("raw.orders", "other.orders"), ("other.orders", "raw.orders"),
                     ("raw.orders", "raw.customers")):
            status, body = self.get("/api/v1/lineage/path", **{"from": ends[0], "to": ends[1]})
            self.assertEqual(status, 404, body)
            self.assertEqual(body["error"], "no_path")
            self.assertIn(ends[0], body["detail"])
            self.assertIn(ends[1], body["detail"])
            self.assertEqual((body["from"]["name"], body["to"]["name"]), ends)
        status, body = self.get("/api/v1/lineage/path", **{"from": "raw.orders", "to": "nothing.like.this"})
        self.assertEqual(status, 404, body)
        self.assertEqual(body["error"], "not_found")
        status, body = self.get("/api/v1/lineage/path", **{"from": "raw.orders"})
        self.assertEqual(status, 400)

    def test_names_ambiguous_unknown_typo(self):
        status, body = self.lineage("orders")
        self.assertEqual(status, 409)
        self.assertEqual({c["name"] for c in body["candidates"]}, {"raw.orders", "other.orders"})
        status, body = self.lineage("nothing.like.this")
        self.assertEqual(status, 404)
        self.assertEqual(body["error"], "not_found")
        status, body = self.lineage("custmers")
        self.assertEqual(status, 404)
        self.assertIn("raw.customers", body["suggestions"])
        status, body = self.lineage("customers")
        self.assertEqual(status, 200)
        self.assertEqual(body["root"]["name"], "raw.customers")
        status, body = self.get("/api/v1/search", q="custmers")
        self.assertEqual(body["results"][0]["name"], "raw.customers")
        status, body = self.get("/api/v1/search", q="orders", kind="table")
        self.assertEqual([r["name"] for r in body["results"]][:3], ["raw.orders", "other.orders",
                                                                     "sales.orders_clean"])
        self.assertGreater(body["results"][1]["score"], body["results"][2]["score"])

    def test_names_that_name_nothing_are_bad_requests(self):
        # empty, or only white space (ASCII's and Unicode's) or quoting characters once decoded: 400
        # naming the parameter, on every endpoint that takes a name; padding around a real name is fine
        blanks = (" ", "\t\x0b\x0c ", "\u00a0", "\u3000\u2003", "\ufeff", '""', "[ ]", "` `")
        for blank in blanks:
            q = urllib.parse.quote(blank, safe="")
            for path, what in ((f"/api/v1/lineage/{q}", "the node name"), (f"/api/v1/nodes/{q}", "the node name"),
                               (f"/api/v1/lineage/path?from={q}&to=raw.orders", "from"),
                               (f"/api/v1/lineage/path?from=raw.orders&to={q}", "to"),
                               (f"/api/v1/search?q={q}", "q")):
                status, body = self.srv.get_json(path)
                self.assertEqual((status, body["error"]), (400, "bad_request"), (path, body))
                self.assertEqual(body["detail"], f"{what} is only white space or quoting characters: it names nothing",
                                 path)
            if not any(c in blank for c in '"[`'):  # a question of quotes is still a question
                status, body = self.chat(blank)
                self.assertEqual((status, body["error"]), (400, "bad_request"), (blank, body))
        status, body = self.get("/api/v1/search", q="")
        self.assertEqual((status, body["detail"]), (400, "q is required"))
        for padded in (" raw.customers ", "\u00a0raw.customers\u3000"):
            status, body = self.lineage(padded)
            self.assertEqual((status, body["root"]["name"]), (200, "raw.customers"), padded)
        status, body = self.get("/api/v1/lineage/path", **{"from": "\u00a0raw.customers", "to": "mart.report "})
        self.assertEqual(status, 200, body)

    def test_node_details(self):
        status, body = self.get("/api/v1/nodes/raw.orders")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["kind"], "table")
        self.assertEqual(sorted(c["name"] for c in body["columns"]),
                         ["raw.orders.amount", "raw.orders.customer_id", "raw.orders.id"])
        self.assertEqual([(d["file"], d["line"]) for d in body["defined"]], [("lineage/ddl.sql", 2)])
        self.assertIn(("lineage/etl.sql", 2, "read"), {(u["file"], u["line"], u["role"]) for u in body["used"]})
        status, body = self.get("/api/v1/nodes/mart.report")
        self.assertEqual(body["written_by_procedures"], ["mart.refresh_report"])

    def test_file_nodes_are_found_by_their_path(self):
        # a file node's name is its path: its '/'s (percent-encoded or not) stay part of the name
        path = "lineage/etl.sql"
        for quote in (lambda n: urllib.parse.quote(n, safe=""), lambda n: urllib.parse.quote(n, safe="/")):
            status, body = self.srv.get_json("/api/v1/lineage/" + quote(path) + "?direction=downstream")
            self.assertEqual(status, 200, body)
            self.assertEqual((body["root"]["name"], body["root"]["type"]), (path, "file"))
            self.assertIn("mart.report", names(body))
            status, body = self.srv.get_json("/api/v1/nodes/" + quote(path))
            self.assertEqual(status, 200, body)
            self.assertEqual((body["node"]["name"], body["kind"]), (path, "file"))

    def test_chat_intents(self):
        cases = [
            ("What feeds mart.report?", "lineage_upstream", "raw.customers", ("lineage/views.sql", 1)),
            ("What breaks if I change raw.orders?", "impact",
             "raw.orders → sales.orders_clean → sales.summary → mart.report", ("lineage/report.sql", 2)),
            ("Where is raw.customers defined?", "definition", "lineage/ddl.sql at line 8", ("lineage/ddl.sql", 8)),
            ("Where is raw.customers used?", "where_used", "lineage/etl.sql:6", ("lineage/etl.sql", 6)),
            ("Which columns does raw.orders have?", "columns", "id, customer_id, amount", ("lineage/ddl.sql", 2)),
            ("How does raw.orders reach mart.report?", "path", "raw.orders → #stage", ("lineage/etl.sql", 2)),
            ("What did etl.sql create?", "file_outputs", "sales.orders_clean", ("lineage/etl.sql", 6)),
            ("Which procedures write mart.report?", "procedures", "mart.refresh_report", ("lineage/report.sql", 2)),
            ("what feeds sales.sumary", "lineage_upstream", "sales.orders_clean", ("lineage/views.sql", 1)),
            ("what feeds orders", "clarify", "other.orders", None),
            ("tell me about zebras", "unknown", "could not find", None),
        ]
        for question, qtype, says, source in cases:
            status, body = self.chat(question)
            self.assertEqual(status, 200, body)
            self.assertEqual(body["query_type"], qtype, (question, body["response"]))
            self.assertIn(says, body["response"], question)
            if source:
                self.assertIn(source, {(s["file"], s["line"]) for s in body["sources"]}, question)
            self.assertIn("nodes", body["graph_data"])
            self.assertIsInstance(body["latency_ms"], (int, float))

    def test_chat_text_modes_and_limits(self):
        status, body = self.chat("JOIN raw.customers", mode="text")
        self.assertEqual(status, 200, body)
        self.assertEqual((body["sources"][0]["file"], body["sources"][0]["line"]), ("lineage/etl.sql", 9))
        self.assertIn("JOIN raw.customers", body["sources"][0]["snippet"])
        for mode in ("semantic", "deep"):
            status, body = self.chat("what feeds mart.report", mode=mode)
            self.assertEqual(status, 501)
            self.assertIn("model", body["detail"])
        status, body = self.chat("x" * 2001)
        self.assertEqual(status, 400)
        status, _, body = self.srv.request("POST", "/api/chat/graph", b"{not json", {"Content-Type": "application/json"})
        self.assertEqual(status, 400)
        status, _, body = self.srv.request("POST", "/api/chat/graph", b"x" * 20000, {"Content-Type": "application/json"})
        self.assertEqual(status, 413)

    def check_openlineage(self, text):
        events = [json.loads(line) for line in text.splitlines()]
        self.assertGreaterEqual(len(events), 5)
        jobs = {}
        for ev in events:
            for key in ("eventTime", "producer", "schemaURL", "job", "inputs", "outputs"):
                self.assertIn(key, ev)
            self.assertTrue(ev["schemaURL"].startswith("https://openlineage.io/spec/2-0-2/OpenLineage.json"))
            self.assertRegex(ev["eventTime"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            self.assertEqual(ev["job"]["namespace"], "default")
            facets = dict(ev["job"]["facets"])
            for ds in ev["inputs"] + ev["outputs"]:
                self.assertIn("namespace", ds)
                self.assertIn("name", ds)
                facets.update(ds.get("facets", {}))
            for name, facet in facets.items():
                self.assertTrue(facet["_producer"], name)
                self.assertTrue(facet["_schemaURL"].startswith("https://openlineage.io/spec/facets/"), name)
            jobs[ev["job"]["name"]] = ev
        ev = jobs["lineage/etl.sql:6"]
        self.assertEqual({d["name"] for d in ev["inputs"]}, {"#stage", "raw.customers"})
        out = ev["outputs"][0]
        self.assertEqual(out["name"], "sales.orders_clean")
        self.assertTrue(ev["job"]["facets"]["sql"]["query"].startswith("INSERT INTO sales.orders_clean"))
        self.assertEqual(ev["job"]["facets"]["sql"]["dialect"], "tsql")
        fields = out["facets"]["columnLineage"]["fields"]
        self.assertEqual([(f["name"], f["field"]) for f in fields["amount"]["inputFields"]], [("#stage", "amount")])
        self.assertEqual(fields["customer_name"]["inputFields"][0]["field"], "name")
        ev = jobs["lineage/views.sql:1"]
        total = ev["outputs"][0]["facets"]["columnLineage"]["fields"]["total"]["inputFields"][0]
        self.assertEqual(total["transformations"], [{"type": "DIRECT", "subtype": "AGGREGATION"}])

    def test_openlineage_export_http_and_cli(self):
        status, headers, body = self.srv.request("GET", "/api/v1/export/openlineage")
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "application/x-ndjson")
        self.check_openlineage(body.decode())
        status, headers, body = self.srv.request("GET", "/api/v1/export/csv")
        self.assertEqual(status, 200)
        lines = body.decode().splitlines()
        self.assertEqual(lines[0], "source_table,source_column,target_table,target_column,transformation,file,"
                                   "line,procedure")
        self.assertIn(f"sales.orders_clean,amount,sales.summary,total,AGGREGATION,lineage/views.sql,1,", lines)

    def test_query_complete_events_never_carry_the_question(self):
        async def scenario():
            async with websockets.connect(self.srv.ws_url) as ws:
                await asyncio.wait_for(ws.recv(), 5)  # connection_ack
                await asyncio.get_running_loop().run_in_executor(None, self.chat, "what feeds mart.report")
                await asyncio.get_running_loop().run_in_executor(None, self.lineage, "nothing.like.this")
                got = []
                deadline = asyncio.get_running_loop().time() + 20
                while len(got) < 2 and asyncio.get_running_loop().time() < deadline:
                    msg = json.loads(await asyncio.wait_for(ws.recv(), 20))
                    if msg["type"] == "query_complete":
                        got.append(msg["data"])
                return got
        got = asyncio.run(scenario())
        self.assertEqual([(d["query_type"], d["status"]) for d in got],
                         [("lineage_upstream", "success"), ("lineage", "rejected")])
        for d in got:
            self.assertIsInstance(d["latency_ms"], (int, float))
            self.assertNotIn("query", d)
            self.assertNotIn("response", d)
        self.assertEqual(got[0]["result_nodes"], 5)
        status, stats = self.srv.get_json("/api/v1/stats")
        self.assertEqual(stats["activeQueries"], 0)


class RebuildTest(unittest.TestCase):
    def test_ingest_commits_reach_the_index(self):
        # the index is loaded (empty) at start; the seed ingestion's commits trigger rebuilds
        with Server("--seed-dir", LINEAGE) as srv:
            found = []
            deadline = time.monotonic() + 30
            while not found and time.monotonic() < deadline:
                status, body = srv.get_json("/api/v1/search?q=raw.orders&kind=table")
                found = [r["name"] for r in body["results"] if r["name"] == "raw.orders"]
                time.sleep(0.05)
            self.assertEqual(found, ["raw.orders"], srv.log())
            self.assertIn("graph.rebuilt", srv.log())


def metric_of(srv, name):
    status, _, body = srv.request("GET", "/metrics")
    assert status == 200
    found = re.findall(rf"^{re.escape(name)} (\S+)$", body.decode(), re.M)
    return float(found[0]) if found else None


class ExportCacheTest(IngestedServerTest):
    """Exports are built once per version of the graph: repeated and concurrent requests share one build
    (counted in /metrics), an ingestion's commit makes the next request build anew. Each build first
    sleeps 1.5 s (--debug-slow-ms), so two requests sent together overlap."""
    prefix = "lineaged-exportcache-"
    server_args = ("--debug-events", "--debug-slow-ms", "1500", "--api-workers", "2")

    @classmethod
    def fill(cls, db):
        return ingest(db)

    def counts(self):
        return (metric_of(self.srv, "lineaged_export_builds_total"),
                metric_of(self.srv, "lineaged_export_cache_hits_total"))

    def export(self, fmt, method="GET"):
        status, headers, body = self.srv.request(method, f"/api/v1/export/{fmt}", timeout=60)
        self.assertEqual(status, 200, body)
        return headers, body

    def together(self, fmt, n=2):
        with concurrent.futures.ThreadPoolExecutor(n) as ex:
            futures = []
            for _ in range(n):
                futures.append(ex.submit(self.export, fmt))
                time.sleep(0.2)  # all within the first one's 1.5 s build
            return [f.result()[1] for f in futures]

    def test_exports_are_built_once_per_graph_version(self):
        builds, hits = self.counts()
        first = self.together("openlineage")
        self.assertEqual(first[0], first[1])  # the same bytes: eventTime too
        self.assertEqual(self.counts(), (builds + 1, hits + 1))
        headers, again = self.export("openlineage")
        self.assertEqual(self.counts(), (builds + 1, hits + 2))  # from the cache: no build
        self.assertEqual(again, first[0])
        self.assertEqual(headers["content-type"], "application/x-ndjson")
        headers, empty = self.export("openlineage", "HEAD")
        self.assertEqual((empty, headers["content-length"]), (b"", str(len(first[0]))))
        csv_first = self.export("csv")[1]
        self.assertEqual(self.export("csv")[1], csv_first)
        self.assertEqual(self.counts(), (builds + 2, hits + 4))
        self.assertNotIn(b"cached.only_after", csv_first)

        # an ingestion commits: the next export is built from the new graph, once
        status, doc = upload(self.srv, [("later.sql", b"INSERT INTO cached.only_after (x) SELECT amount FROM raw.orders;\n")])
        self.assertEqual(status, 202, doc)
        self.assertEqual(wait_ingestion_status(self.srv, doc["ingestion_id"])["status"], "completed")
        after = self.together("csv")
        self.assertEqual(after[0], after[1])
        self.assertIn(b"raw.orders,amount,cached.only_after,x,", after[0])
        self.assertEqual(self.counts(), (builds + 3, hits + 5))
        self.assertIn(b"cached.only_after", self.export("openlineage")[1])
        self.assertEqual(self.counts(), (builds + 4, hits + 5))


class CsvFormulaTest(IngestedServerTest):
    """Names a spreadsheet reads as formulas (= + - @, tab, CR first) are neutralised in the CSV export:
    quoted, with a ' first inside the quotes (OWASP, CSV injection), from the server and the CLI alike."""
    prefix = "lineaged-csvformula-"
    SQL = ('INSERT INTO "=cmd|\' /c calc\'!A0" ("+sum", "@a", "-b", "\tt", "\rr", "ok=1", plain)\n'
           'SELECT "=HYPERLINK(""http://x"")", "+1", "@x", "-2", "\tu", "\rv" , plain FROM "@src";\n')

    @classmethod
    def fill(cls, db):
        root = os.path.join(os.path.dirname(db), "sql")
        os.makedirs(root)
        with open(os.path.join(root, "formula.sql"), "w", newline="") as f:
            f.write(cls.SQL)
        r = run_cli("ingest", "--db", db, "--dialect", "postgres", root, timeout=60)
        # the CLI's export before the server holds the database
        # (bytes: text mode would read the CR of a name as a line break)
        cls.cli = subprocess.run([BIN, "export", "--db", db, "--format", "csv"], capture_output=True, timeout=60)
        return r

    def check(self, text):
        import csv
        import io
        rows = list(csv.reader(io.StringIO(text, newline="")))
        self.assertEqual(rows[0][:4], ["source_table", "source_column", "target_table", "target_column"])
        got = {(r[1], r[3]) for r in rows[1:]}
        self.assertEqual(got, {("'=HYPERLINK(\"http://x\")", "'+sum"), ("'+1", "'@a"), ("'@x", "'-b"),
                               ("'-2", "'\tt"), ("'\tu", "'\rr"), ("'\rv", "ok=1"),
                               ("plain", "plain")}, text)
        self.assertEqual({(r[0], r[2]) for r in rows[1:]}, {("'@src", "'=cmd|' /c calc'!A0")})
        # on the wire: every such cell quoted, the ' inside the quotes; one that holds '=' further on is not
        self.assertIn('"\'@src","\'=HYPERLINK(""http://x"")","\'=cmd|\' /c calc\'!A0","\'+sum",', text)
        self.assertIn(",ok=1,", text)
        for line in text.splitlines()[1:]:
            self.assertNotRegex(line, r'(^|,)[=+\-@\t\r]')

    def test_formula_names_are_quoted_with_a_leading_quote(self):
        status, headers, body = self.srv.request("GET", "/api/v1/export/csv")
        self.assertEqual(status, 200, body)
        self.check(body.decode())
        self.assertEqual(self.cli.returncode, 0, self.cli.stderr)
        self.check(self.cli.stdout.decode())


class ExportCliTest(unittest.TestCase):
    def test_export_cli_formats_and_errors(self):
        with tempfile.TemporaryDirectory() as tmp:
            db = os.path.join(tmp, "l.duckdb")
            r = ingest(db)
            self.assertEqual(r.returncode, 0, r.stderr)
            r = run_cli("export", "--db", db, "--format", "openlineage")
            self.assertEqual(r.returncode, 0, r.stderr)
            LineageTest.check_openlineage(self, r.stdout)
            r = run_cli("export", "--db", db, "--format=csv")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("raw.orders,amount,#stage,amount,", r.stdout)
            r = run_cli("export", "--db", db)
            self.assertEqual(r.returncode, 2)
            self.assertIn("--format", r.stderr)
            r = run_cli("export", "--db", os.path.join(tmp, "none.duckdb"), "--format", "csv")
            self.assertEqual(r.returncode, 1)
            self.assertIn("no database", r.stderr)


if __name__ == "__main__":
    main()

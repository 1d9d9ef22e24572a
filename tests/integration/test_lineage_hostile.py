"""Lineage endpoints and chat on hostile graphs and names: a table with 10,000 consumers, a
three-table cycle, an 80-table chain (longer than the 50-step bound), a procedure writing 2,000
tables; depths 0, negative, huge; quoted, bracketed, empty and ambiguous names. Every answer has
a proper status, is bounded, and states its bound."""

import json
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from harness import IngestedServerTest, main, run_cli  # noqa: E402

FANOUT = 10000
CHAIN = 80
PROC_TABLES = 2000
# up to the index's 1,024 bytes (GRAPH_MAX_NAME): ASCII, two-byte letters (3,060 bytes percent-encoded), dots
LONG_NAMES = ("lng." + "a" * 1020, "lng." + "\u00fc" * 510, "lng." + "q.r" * 200)


def write_graph(root):
    os.makedirs(root)
    with open(os.path.join(root, "hub.sql"), "w") as f:
        for i in range(FANOUT):
            f.write(f"CREATE VIEW fan.v_{i} AS SELECT h.id, h.amount FROM core.hub h;\n")
    with open(os.path.join(root, "cycle.sql"), "w") as f:
        f.write("INSERT INTO cyc.a SELECT x FROM cyc.b;\nINSERT INTO cyc.b SELECT x FROM cyc.c;\n"
                "INSERT INTO cyc.c SELECT x FROM cyc.a;\n")
    with open(os.path.join(root, "chain.sql"), "w") as f:
        for i in range(CHAIN):
            f.write(f"CREATE TABLE ch.t{i + 1} AS SELECT v FROM ch.t{i};\n")
    with open(os.path.join(root, "odd.sql"), "w") as f:  # quoted names that keep quoting characters
        f.write('CREATE TABLE odd."a[1]" (v int);\nINSERT INTO odd.sink (v) SELECT v FROM odd."a[1]";\n'
                'INSERT INTO odd.sink (v) SELECT v FROM odd."x`y";\n')
    with open(os.path.join(root, "long.sql"), "w", encoding="utf-8") as f:  # names up to the index's 1,024 bytes
        for name in LONG_NAMES:
            f.write(f'INSERT INTO lng."{name[4:]}" (v) SELECT v FROM lng.src;\n')
    with open(os.path.join(root, "usp_big.sql"), "w") as f:
        f.write("CREATE PROCEDURE dbo.usp_big AS\nBEGIN\n")
        for i in range(PROC_TABLES):
            f.write(f"    INSERT INTO big.out_{i} (v) SELECT v FROM big.src;\n")
        f.write("END\nGO\n")


class HostileLineageTest(IngestedServerTest):
    prefix = "lineaged-hostile-"
    wait_graph = True

    @classmethod
    def fill(cls, db):
        root = os.path.join(os.path.dirname(db), "sql")
        write_graph(root)
        return run_cli("ingest", "--db", db, "--dialect", "tsql", root, timeout=240)

    def test_a_name_holding_quoting_characters_is_found_as_written(self):
        """A quoted identifier keeps brackets and quotes inside it, so the name as stored and shown is what
        a client asks for; until 2026-12-03 the lookup dropped them (404, suggesting the very name asked)."""
        for name in ("odd.a[1]", "odd.x`y"):
            status, body = self.lineage(name, direction="downstream", depth="1")
            self.assertEqual(status, 200, body)
            self.assertEqual([n["name"] for n in body["nodes"]], [name, "odd.sink"], body)
            status, body = self.get("/api/v1/nodes/" + urllib.parse.quote(name, safe=""))
            self.assertEqual((status, body["node"]["name"]), (200, name), body)
        # quoting around plain names is still read as quoting
        status, body = self.lineage('"ODD"."SINK"', depth="0")
        self.assertEqual((status, body["root"]["name"]), (200, "odd.sink"), body)

    def test_every_indexed_name_can_be_centred(self):
        """Names of about 490 to 1,024 bytes were indexed but their /nodes and /lineage paths got 414 (the
        path was bounded at 511 bytes): each is reachable percent-encoded, as the page's
        encodeURIComponent sends it, among a browser's usual headers."""
        browser = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                   "Chrome/120.0.0.0 Safari/537.36", "Accept": "application/json", "Accept-Language": "en-GB,en;q=0.9",
                   "Referer": f"http://{self.srv.host}:{self.srv.port}/", "Cookie": "c=" + "k" * 400}
        for name in LONG_NAMES:
            quoted = urllib.parse.quote(name, safe="")
            status, _, raw = self.srv.request("GET", "/api/v1/nodes/" + quoted, headers=browser, timeout=120)
            body = json.loads(raw)
            self.assertEqual((status, body.get("node", {}).get("name")), (200, name), (len(quoted), body))
            status, _, raw = self.srv.request("GET", f"/api/v1/lineage/{quoted}?direction=upstream&depth=1",
                                              headers=browser, timeout=120)
            body = json.loads(raw)
            self.assertEqual(status, 200, (len(quoted), body))
            self.assertEqual([n["name"] for n in body["nodes"]], [name, "lng.src"], body)
        # a path longer than any name reachable through it is still 414, and so is a target lws cannot hold
        status, _, raw = self.srv.request("GET", "/api/v1/nodes/" + "a" * 1600)
        self.assertEqual((status, json.loads(raw)["error"]), (414, "uri_too_long"), raw)
        status, _, raw = self.srv.request("GET", "/api/v1/nodes/" + "%C3%BC" * 800)
        self.assertEqual((status, json.loads(raw)["error"]), (414, "uri_too_long"), raw)

    def test_depths(self):
        status, body = self.lineage("core.hub", depth="0")
        self.assertEqual(status, 200, body)
        self.assertEqual([n["name"] for n in body["nodes"]], ["core.hub"])
        self.assertEqual((body["depth"], body["edges"], body["truncated"]), (0, [], False))
        for bad in ("-1", "51", "99999999999999999999", "1e3", "", "+5", " 5", "3.0", "0x10"):
            status, body = self.lineage("core.hub", depth=bad)
            self.assertEqual(status, 400, (bad, body))
            self.assertIn("depth must be an integer from 0 to 50", body["detail"])
        for bad in ("0", "-5", "100001"):
            status, body = self.lineage("core.hub", limit=bad)
            self.assertEqual(status, 400, (bad, body))
            self.assertIn("limit", body["detail"])
        status, body = self.lineage("ch.t0", direction="downstream", depth="50")
        self.assertEqual(status, 200, body)
        self.assertEqual((len(body["nodes"]), body["counts"]["max_depth"]), (51, 50))

    def test_ten_thousand_neighbours_bounded_with_the_bound_stated(self):
        status, body = self.lineage("core.hub")
        self.assertEqual(status, 200)
        self.assertEqual((len(body["nodes"]), body["limit"], body["truncated"]), (1000, 1000, True))
        self.assertEqual(body["counts"]["total_nodes"], FANOUT + 1)
        status, body = self.lineage("core.hub", depth="50", limit="100000")
        self.assertEqual(status, 200)
        self.assertEqual((len(body["nodes"]), body["truncated"], body["limit"]), (FANOUT + 1, False, 100000))
        status, body = self.get("/api/v1/nodes/core.hub")
        self.assertEqual(status, 200)
        self.assertEqual((len(body["used"]), body["used_count"], body["truncated"], body["list_limit"]),
                         (1000, FANOUT, True, 1000))
        # a short name of 10,001 columns: ten candidates, and how many there are
        status, body = self.lineage("id")
        self.assertEqual(status, 409, body)
        self.assertEqual((len(body["candidates"]), body["total_candidates"]), (10, FANOUT + 1))
        # the chat counts every use, lists the first 20, and says so
        answer = self.answer("where is core.hub used")
        self.assertIn(f"core.hub is used by {FANOUT} statements (the first 20 listed):", answer["response"])
        self.assertEqual(len(answer["sources"]), 20)
        answer = self.answer("what depends on core.hub")
        self.assertIn(f"affects {FANOUT} nodes", answer["response"])
        self.assertLessEqual(len(answer["graph_data"]["nodes"]), 200)
        # a file writing 10,000 views: twelve named, the rest counted, the sentence ends
        answer = self.answer("what is in hub.sql")
        self.assertIn(f"and {FANOUT - 12} more.", answer["response"])
        self.assertLess(len(answer["response"]), 2000)

    def test_procedure_writing_two_thousand_tables(self):
        answer = self.answer("what does dbo.usp_big write")
        self.assertEqual(answer["query_type"], "procedure_lineage")
        self.assertIn("reads big.src; it writes big.out_0", answer["response"])
        self.assertIn(f"and {PROC_TABLES - 12} more.", answer["response"])
        self.assertLessEqual(len(answer["graph_data"]["nodes"]), 200)
        answer = self.answer("who writes big.out_7")
        self.assertIn("dbo.usp_big", answer["response"])

    def test_cycle_and_paths_beyond_the_bound(self):
        status, body = self.lineage("cyc.a", depth="50")
        self.assertEqual(status, 200)
        self.assertEqual({n["name"] for n in body["nodes"]}, {"cyc.a", "cyc.b", "cyc.c"})
        status, body = self.get("/api/v1/lineage/path", **{"from": "cyc.a", "to": "cyc.b"})
        self.assertEqual(status, 200, body)
        self.assertEqual((body["paths"], body["max_paths"]), ([["cyc.a", "cyc.c", "cyc.b"]], 8))
        status, body = self.get("/api/v1/lineage/path", **{"from": "ch.t0", "to": "ch.t50"})
        self.assertEqual((status, body["length"], body["max_length"]), (200, 50, 50))
        # 80 steps: beyond the bound, which the answer names rather than saying no path exists
        status, body = self.get("/api/v1/lineage/path", **{"from": "ch.t0", "to": "ch.t80"})
        self.assertEqual((status, body["error"], body["max_length"]), (404, "no_path", 50))
        self.assertIn("at most 50 steps", body["detail"])
        answer = self.answer("how does ch.t0 reach ch.t80")
        self.assertIn("No data path of at most 50 steps connects ch.t0 and ch.t80", answer["response"])
        status, body = self.get("/api/v1/lineage/path", **{"from": "cyc.a", "to": "cyc.a"})
        self.assertEqual(status, 400)
        status, body = self.get("/api/v1/lineage/path", **{"from": "cyc.a"})
        self.assertEqual(status, 400)

    def test_hostile_names(self):
        for name in ("[core].[hub]", '"core"."hub"', "`core.hub`", "CORE.HUB", " core.hub "):
            status, body = self.lineage(name, depth="1", limit="5")
            self.assertEqual((status, body["root"]["name"]), (200, "core.hub"), name)
        for name in ("nope.nope", "ch.t0'; DROP TABLE nodes; --", "ä" * 40):
            status, body = self.lineage(name)
            self.assertEqual(status, 404, (name, body))
            self.assertEqual(body["error"], "not_found")
            self.assertIsInstance(body["suggestions"], list)
        for name in (" ", "[]", '""'):  # names nothing: malformed, not unknown
            status, body = self.lineage(name)
            self.assertEqual((status, body["error"]), (400, "bad_request"), (name, body))
        status, body = self.lineage("a" * 1100)  # longer than a name can be
        self.assertEqual((status, body["error"]), (400, "bad_request"), body)
        status, _, raw = self.srv.request("GET", "/api/v1/lineage/%00")
        self.assertEqual(status, 400, raw)
        # a path that is not UTF-8 is malformed, as a query parameter that is not (it was 404 with no name)
        for path in ("/api/v1/lineage/%ff", "/api/v1/nodes/core.%c3", "/api/v1/ingestion/ing_%fe"):
            status, _, raw = self.srv.request("GET", path)
            self.assertEqual((status, json.loads(raw)["detail"]), (400, "the request path is not valid UTF-8 text"),
                             path)
        # an empty kind names none, as an empty level or collapse (it searched every kind)
        status, body = self.get("/api/v1/search", q="core", kind="")
        self.assertEqual((status, body["error"]), (400, "bad_request"), body)
        status, body = self.lineage("ch.t0", direction="sideways")
        self.assertEqual(status, 400)


if __name__ == "__main__":
    main()

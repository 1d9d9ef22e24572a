"""Names holding control characters (C0, DEL, C1), stored from quoted identifiers, are data: every
route that takes a name finds them when percent-encoded (%01, %C2%85), raw control bytes on the wire
are still refused, and answers, events and the log carry them escaped (\\u0085, \\x01), never raw."""

import json
import os
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, main  # noqa: E402
from ingest_helpers import Events, upload, wait_ingestion_status  # noqa: E402

TABLE = "c\x01a.t\x85x"  # SOH and NEL (U+0085)
COLUMN = TABLE + ".k\x1bq"  # ESC
SOURCE = "src.s\x1bz"
FILE = "ctl\x9bx.sql"  # CSI (U+009B) in the file node's name
SQL = ('INSERT INTO "c\x01a"."t\x85x" ("k\x1bq") SELECT "v\x9bw" FROM src."s\x1bz";\n'
       'INSERT INTO dst.final SELECT * FROM "c\x01a"."t\x85x";\n').encode()
RAW_CONTROLS = (b"\x01", b"\x1b", b"\x7f", b"\xc2\x85", b"\xc2\x9b")


def quote(name):
    return urllib.parse.quote(name, safe="")


class ControlNamesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server("--log-level", "debug")  # http.response lines name each path
        cls.srv.start()
        cls.events = Events(cls.srv)
        status, doc = upload(cls.srv, [(FILE, SQL)])
        assert status == 202, doc
        cls.ingestion = doc["ingestion_id"]
        cls.done = cls.events.complete(cls.ingestion)
        assert wait_ingestion_status(cls.srv, cls.ingestion)["status"] == "completed"
        cls.srv.wait_graph()

    @classmethod
    def tearDownClass(cls):
        cls.events.close()
        cls.srv.stop()
        cls.srv.tmp.cleanup()

    def get(self, path, status=200):
        code, headers, body = self.srv.request("GET", path)
        self.assertEqual(code, status, body[:300])
        self.assert_escaped(body)
        return body

    def assert_escaped(self, raw):
        for b in RAW_CONTROLS:
            self.assertNotIn(b, raw, raw[:300])

    def test_nodes_and_lineage_find_the_name_percent_encoded(self):
        # the request guard refused %01 and %C2%85 in any target: no stored name holding one could be asked for
        node = json.loads(self.get("/api/v1/nodes/" + quote(TABLE)))
        self.assertEqual(node["node"]["name"], TABLE)
        self.assertIn(COLUMN, [c["name"] for c in node["columns"]])
        self.assertEqual({u["file"] for u in node["used"]}, {FILE})
        self.assertEqual(json.loads(self.get("/api/v1/nodes/" + quote(COLUMN)))["node"]["name"], COLUMN)
        self.assertEqual(json.loads(self.get("/api/v1/nodes/" + quote(FILE)))["node"]["name"], FILE)
        body = self.get("/api/v1/lineage/" + quote(TABLE) + "?direction=both")
        self.assertIn(b"c\\u0001a.t\\u0085x", body)
        doc = json.loads(body)
        self.assertEqual(doc["root"]["name"], TABLE)
        self.assertEqual({n["name"] for n in doc["nodes"]}, {TABLE, SOURCE, "dst.final"})
        self.assertEqual({e["file"] for e in doc["edges"]}, {FILE})

    def test_path_and_search_take_the_name_in_the_query(self):
        doc = json.loads(self.get("/api/v1/lineage/path?" + urllib.parse.urlencode({"from": SOURCE, "to": "dst.final"})))
        self.assertEqual(doc["paths"], [[SOURCE, TABLE, "dst.final"]])
        doc = json.loads(self.get("/api/v1/lineage/path?" + urllib.parse.urlencode({"from": TABLE, "to": "dst.final"})))
        self.assertEqual(doc["paths"], [[TABLE, "dst.final"]])
        doc = json.loads(self.get("/api/v1/search?" + urllib.parse.urlencode({"q": "t\x85x"})))
        self.assertEqual(doc["results"][0]["name"], TABLE)

    def test_an_unknown_name_with_controls_is_a_404_that_names_it_escaped(self):
        body = self.get("/api/v1/nodes/" + quote("a\x7fb\x9bc"), status=404)
        self.assertIn(b'"name":"a\\u007Fb\\u009Bc"', body)

    def test_openlineage_export_carries_the_names_escaped(self):
        body = self.get("/api/v1/export/openlineage")
        self.assertIn(b"\\u0085", body)
        events = [json.loads(line) for line in body.splitlines()]
        outputs = {f"{o['namespace']}|{o['name']}" for e in events for o in e["outputs"]}
        self.assertTrue(any(o.endswith("|" + TABLE) for o in outputs), outputs)

    def test_chat_finds_a_quoted_name_holding_controls(self):
        # the question's words stopped at the SOH: "c" and "a.t\x85x" named nothing
        for question in (f'what feeds "c\x01a"."t\x85x"?', f'what feeds "{TABLE}"?', "what feeds [c\x01a].[t\x85x]?"):
            code, _, body = self.srv.request("POST", "/api/chat/graph", json.dumps({"query": question}),
                                             {"Content-Type": "application/json"})
            self.assertEqual(code, 200, body)
            self.assert_escaped(body)
            doc = json.loads(body)
            self.assertEqual(doc["query_type"], "lineage_upstream", doc)
            self.assertIn(SOURCE, doc["response"])
            self.assertEqual(doc["graph_data"]["nodes"][0]["name"], TABLE)

    def test_raw_control_bytes_on_the_wire_stay_refused(self):
        for target in (b"/api/v1/nodes/c\x01a.t", b"/api/v1/nodes/t\xc2\x85x", b"/api/v1/search?q=%C2\x85",
                       b"/api/v1/nodes/a%00b", b"/api/v1/nodes/a%0Ab"):
            out = self.srv.raw(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertTrue(out.startswith(b"HTTP/1.1 400 "), (target, out[:200]))
            self.assert_escaped(out)

    def test_events_and_the_log_escape_them(self):
        texts = [t for t in self.events.texts if self.ingestion in t]
        self.assertTrue(any('"current_file":"ctl\\u009Bx.sql"' in t for t in texts), texts[:3])
        for t in texts:
            self.assert_escaped(t.encode())
        self.assertEqual([f["file"] for f in self.done["data"]["files"]], [FILE])
        self.get("/api/v1/nodes/" + quote(TABLE))
        self.srv.raw(b"GET /api/v1/nodes/t\xc2\x85x HTTP/1.1\r\nHost: x\r\n\r\n")
        with open(self.srv.log_path, "rb") as f:
            log = f.read()
        self.assertIn(b'path="/api/v1/nodes/c\\x01a.t\\xc2\\x85x"', log)
        self.assertIn(b"(U+0085, UTF-8 C2 85) sent raw", log)
        self.assert_escaped(log)


if __name__ == "__main__":
    main()

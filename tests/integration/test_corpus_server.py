"""Other projects' test cases end to end: a sample of each corpus (tests/corpus/*_cases.json,
../shared/corpus/sqllineage_*_cases.json) goes in through POST /api/v1/files/upload and through
POST /api/v1/github/ingest from a file:// repository, one file per case in the case's dialect, and what
the server answers (/api/v1/lineage, /api/v1/nodes, the ingestion's files) must be what the engine
(`lineaged parse`) found in the same files: the same table names, the same column edges, the dialect kept.
test_sql_corpus scores the engine alone; this checks that the server stores and answers what it found."""

import glob
import json
import os
import subprocess
import sys
import tempfile
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from harness import BIN, Server, main  # noqa: E402
from ingest_helpers import upload, wait_ingestion_status  # noqa: E402
import test_github  # noqa: E402  (make_repo, git)

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS_DIR = os.environ.get("LINEAGED_CORPUS_DIR", os.path.join(HERE, "../../../shared/corpus"))
PER_CORPUS = 6
# Cases whose column is named by an unaliased expression with dots in it: the writer took the text
# before the last dot for the table ("tab1.a.col1 + a" for "tab1.a.col1 + a.col2 ..."), wrote no edge.
ALWAYS = {
    "test_column_select_expression:test_select_column_using_expression_with_table_qualifier_without_column_alias",
    "test_count():0",
}
ROUTINES = ("create_procedure", "create_function", "create_trigger", "create_package")


def sample():
    """Up to PER_CORPUS cases of each corpus, evenly spread, plus ALWAYS: [(file name, dialect, sql)]."""
    paths = sorted(glob.glob(os.path.join(HERE, "../corpus/*_cases.json")))
    paths += sorted(glob.glob(os.path.join(CORPUS_DIR, "sqllineage_*_cases.json")))
    out = []
    for path in paths:
        corpus = os.path.basename(path)[: -len("_cases.json")]
        with open(path) as f:
            cases = [c for c in json.load(f) if c.get("sql")]
        step = max(1, len(cases) // PER_CORPUS)
        for i, case in enumerate(cases):
            if i % step == 0 and i // step < PER_CORPUS or case.get("id") in ALWAYS:
                out.append((f"{corpus}_{i}.sql", case.get("dialect") or "auto", case["sql"]))
    return out


def engine(paths, dialect):
    """`lineaged parse --dialect D` of the files: one document per file, in order."""
    r = subprocess.run([BIN, "parse", "--dialect", dialect, *paths], capture_output=True, text=True, timeout=300)
    doc = json.loads(r.stdout)
    return doc if isinstance(doc, list) else [doc]


def written_table(statement, target):
    """The written table a column target belongs to (the longest that prefixes it), else None."""
    best = None
    for t in statement.get("writes") or []:
        if target.lower().startswith(t.lower() + ".") and len(target) > len(t) + 1 and (not best or len(t) > len(best)):
            best = t
    return best


def column_edges(doc):
    """The column edges the server is documented to keep (docs/graph.md, docs/queries.md): targets in a
    written table, sources named with their table; no self-loops; stars and bare names are left to the
    index's catalog, which expands or attributes them across files."""
    edges = set()
    for st in doc["statements"]:
        for col in st.get("columns") or []:
            target = col["target"]
            if not written_table(st, target) or target.endswith(".*"):
                continue
            for source in col.get("sources") or []:
                if "." in source and not source.endswith(".*") and source.lower() != target.lower():
                    edges.add((source, target))
    return edges


def quote(name):
    return urllib.parse.quote(name, safe="")


class CorpusThroughServerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="lineaged-corpus-")
        cls.cases = sample()
        cls.by_dialect = {}
        for name, dialect, sql in cls.cases:
            folder = os.path.join(cls.tmp.name, "repo", dialect)
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, name), "w") as f:
                f.write(sql)
            cls.by_dialect.setdefault(dialect, []).append(name)
        cls.docs = {}
        for dialect, names in cls.by_dialect.items():
            docs = engine([os.path.join(cls.tmp.name, "repo", dialect, n) for n in names], dialect)
            cls.docs.update(zip(names, docs))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def get(self, srv, path):
        status, _, body = srv.request("GET", path, timeout=120)
        return status, json.loads(body)

    def check_server(self, srv, ingestions):
        """The server's answers for every sampled file against the engine's; returns the edges compared."""
        for ingestion_id in ingestions:
            doc = wait_ingestion_status(srv, ingestion_id, timeout=300)
            status, files = self.get(srv, f"/api/v1/ingestion/{ingestion_id}")
            for f in files["files"]:
                name = os.path.basename(f["file"])
                with self.subTest(file=f["file"]):
                    self.assertEqual(f["dialect"], self.docs[name]["dialect"], f"dialect of {f['file']} ({doc['status']})")
                    self.assertEqual(f["status"], "error" if self.docs[name]["errors"] else "processed", f)
        wanted = set()
        for name, doc in self.docs.items():
            wanted |= column_edges(doc)
            if any(st["kind"] in ROUTINES for st in doc["statements"]):
                continue  # a routine's tables hang off its procedure node, whose name other cases share
            reads = {t for st in doc["statements"] for t in st.get("reads") or []}
            writes = {t for st in doc["statements"] for t in st.get("writes") or []}
            status, lin = self.get(srv, "/api/v1/lineage/" + quote(name) + "?direction=both&depth=1&limit=10000")
            if not reads and not writes:
                continue
            self.assertEqual(status, 200, (name, lin))
            nodes = {n["id"]: n for n in lin["nodes"]}
            got_reads = {nodes[e["source"]]["name"] for e in lin["edges"] if nodes[e["target"]]["type"] == "file"}
            got_writes = {nodes[e["target"]]["name"] for e in lin["edges"] if nodes[e["source"]]["type"] == "file"}
            with self.subTest(file=name):
                self.assertEqual((got_reads, got_writes), (reads, writes), f"tables of {name}: server, engine")
        targets = {t for _, t in wanted}
        have = set()
        for target in sorted(targets):
            status, lin = self.get(srv, "/api/v1/lineage/" + quote(target) + "?direction=upstream&depth=1&level=column&limit=10000")
            with self.subTest(column=target):
                self.assertEqual(status, 200, (target, lin))
                self.assertEqual(lin["root"]["name"], target)
            if status != 200:
                continue
            nodes = {n["id"]: n["name"] for n in lin["nodes"]}
            have |= {(nodes[e["source"]], target) for e in lin["edges"] if nodes[e["target"]] == target}
        self.assertEqual(sorted(wanted - have), [], "column edges the engine found and the server does not answer")
        return wanted

    def test_uploads_answer_what_the_engine_found(self):
        with Server("--max-upload-mb", "64") as srv:
            ingestions = []
            for dialect, names in sorted(self.by_dialect.items()):
                files = []
                for n in names:
                    with open(os.path.join(self.tmp.name, "repo", dialect, n), "rb") as f:
                        files.append((n, f.read()))
                status, body = upload(srv, files, {"dialect": dialect}, timeout=120)
                self.assertEqual(status, 202, body)
                ingestions.append(body["ingestion_id"])
            edges = self.check_server(srv, ingestions)
            self.assertGreater(len(edges), 100, "column edges compared")
            # the expression-named column of ALWAYS, by the name the engine gave it
            status, node = self.get(srv, "/api/v1/nodes/tab1")
            self.assertIn("tab1.a.col1 + a.col2 + a.col3 + a.col4", [c["name"] for c in node["columns"]])

    def test_github_ingestions_answer_what_the_engine_found(self):
        remote = os.path.join(self.tmp.name, "remote")
        files = {}
        for dialect, names in self.by_dialect.items():
            for n in names:
                with open(os.path.join(self.tmp.name, "repo", dialect, n), "rb") as f:
                    files[f"{dialect}/{n}"] = f.read()
        test_github.make_repo(remote, "corpus", "cases", {"main": files})
        with Server("--github-url", "file://" + remote) as srv:
            ingestions = []
            for dialect in sorted(self.by_dialect):
                body = json.dumps({"repo": "corpus/cases", "items": [{"path": dialect, "type": "dir"}], "dialect": dialect})
                status, _, raw = srv.request("POST", "/api/v1/github/ingest", body, {"Content-Type": "application/json"})
                self.assertEqual(status, 202, raw)
                ingestions.append(json.loads(raw)["ingestion_id"])
                # one at a time: an address may have 4 waiting or cloning (--github-max-per-ip)
                wait_ingestion_status(srv, ingestions[-1], timeout=300)
            self.check_server(srv, ingestions)


if __name__ == "__main__":
    main()

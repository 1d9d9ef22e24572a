"""`lineaged ingest`: exit codes, summary, persistence across runs, new versions; SIGKILL mid-ingest and restart."""

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import BIN, Server, main, run_cli  # noqa: E402
from ingest_helpers import FLOW_LIMIT_WARNING, past_the_flow_limit  # noqa: E402

SUMMARY = re.compile(r"ingested (\d+) files? in [\d.]+ s: (\d+) processed(?: \((\d+) with a warning\))?, (\d+) failed, (\d+) skipped, (\d+) ignored; "
                     r"graph ([+-]\d+) nodes, ([+-]\d+) edges \(now (\d+) nodes?, (\d+) edges?, (\d+) files?\)")


def summary(out):
    m = SUMMARY.search(out)
    assert m, f"no summary line in {out!r}"
    keys = ("added", "processed", "warned", "failed", "skipped", "ignored", "d_nodes", "d_edges", "nodes", "edges", "files")
    return dict(zip(keys, (int(g or 0) for g in m.groups())))


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def generated_file(i, statements=30):
    """A file of INSERT ... SELECT statements over a few hundred distinct tables and columns."""
    lines = []
    for s in range(statements):
        src, dst = f"stg.t{(i * 7 + s) % 300}", f"core.t{(i * 13 + s * 3) % 300}"
        lines.append(f"INSERT INTO {dst} (id, amount, label)\nSELECT a.id, sum(a.amount) AS amount, max(b.name)\n"
                     f"FROM {src} a JOIN ref.r{s % 17} b ON b.id = a.ref_id\nWHERE a.amount > {s}\nGROUP BY a.id;\n")
    return "\n".join(lines)


class IngestCliTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="lineaged-ingest-")
        self.dir = self.tmp.name
        self.db = os.path.join(self.dir, "db", "lineage.duckdb")
        self.src = os.path.join(self.dir, "sql")
        write(os.path.join(self.src, "staging", "orders.sql"),
              "CREATE TABLE stg.orders AS SELECT id, amount FROM raw.orders;\n")
        write(os.path.join(self.src, "core", "fact.sql"),
              "INSERT INTO core.fact (id, amount) SELECT o.id, o.amount FROM stg.orders o;\n")
        write(os.path.join(self.src, "README.md"), "not sql\n")
        write(os.path.join(self.src, ".git", "hidden.sql"), "INSERT INTO x SELECT 1 FROM y;\n")

    def tearDown(self):
        self.tmp.cleanup()

    def ingest(self, *paths, extra=()):
        return run_cli("ingest", "--db", self.db, *extra, *paths, timeout=120)

    def test_usage_errors_exit_2(self):
        for args in ([], ["--dialect", "klingon", self.src], ["--bogus", self.src], ["--workers", "0", self.src],
                     ["--db"], ["--max-file-mb", "0", self.src], ["--max-file-mb", "257", self.src],
                     ["--max-file-mb=1.5", self.src], ["--max-file-mb", " 8", self.src]):
            r = run_cli("ingest", *args)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
            self.assertTrue(r.stderr.startswith("lineaged ingest: "), r.stderr)
            self.assertEqual(r.stderr.count("\n"), 1, r.stderr)
        self.assertEqual(run_cli("ingest", "--help").returncode, 0)

    def test_folder_ingest_then_rerun_is_all_duplicates(self):
        r = self.ingest(self.src)
        self.assertEqual(r.returncode, 0, r.stderr)
        s = summary(r.stdout)
        self.assertEqual((s["added"], s["processed"], s["failed"], s["skipped"], s["ignored"]), (2, 2, 0, 0, 1))
        self.assertEqual(s["files"], 2)
        self.assertGreater(s["nodes"], 0)
        self.assertEqual(s["d_nodes"], s["nodes"])
        self.assertNotIn("hidden.sql", r.stderr, "hidden folders are not entered")
        self.assertIn("processed staging/orders.sql", r.stderr.replace(self.src + "/", ""))

        again = self.ingest(self.src)
        self.assertEqual(again.returncode, 0, again.stderr)
        s2 = summary(again.stdout)
        self.assertEqual((s2["processed"], s2["skipped"], s2["d_nodes"], s2["d_edges"]), (0, 2, 0, 0))
        self.assertEqual((s2["nodes"], s2["edges"], s2["files"]), (s["nodes"], s["edges"], s["files"]))
        self.assertIn("duplicate", again.stderr)

    def file_names(self):
        with Server(db=self.db) as srv:
            status, doc = srv.get_json("/api/v1/files?status=processed&limit=100")
        self.assertEqual(status, 200, doc)
        return sorted(f["path"] for f in doc["files"])

    def test_names_are_relative_to_the_folder_given_wherever_it_is_run(self):
        r = self.ingest(os.path.abspath(self.src))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.file_names(), ["core/fact.sql", "staging/orders.sql"])
        # the same folder named relatively, from its parent: the same names, so nothing new
        again = run_cli("ingest", "--db", self.db, "sql/", cwd=self.dir, timeout=120)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertEqual(summary(again.stdout)["skipped"], 2, again.stderr)
        self.assertEqual(self.file_names(), ["core/fact.sql", "staging/orders.sql"])

    def test_files_given_one_by_one_keep_their_base_name_unless_ambiguous(self):
        a, b = os.path.join(self.dir, "a", "q.sql"), os.path.join(self.dir, "b", "q.sql")
        write(a, "INSERT INTO t.a SELECT x FROM s.a;\n")
        write(b, "INSERT INTO t.b SELECT x FROM s.b;\n")
        fact = os.path.join(self.src, "core", "fact.sql")
        r = self.ingest(a, fact, fact, b)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(f"lineaged ingest: {b}: its name 'q.sql' is already that of {a} in this run", r.stderr)
        s = summary(r.stdout)
        self.assertEqual((s["added"], s["processed"], s["failed"]), (2, 2, 1), "the same file twice is one file")
        self.assertEqual(self.file_names(), ["fact.sql", "q.sql"])

    def test_new_version_replaces_old_lineage(self):
        fact = os.path.join(self.src, "core", "fact.sql")
        r = self.ingest(fact)
        self.assertRegex(r.stdout, r"^ingested 1 file in .*, \d+ edges, 1 file\)\n$")
        first = summary(r.stdout)
        write(fact, "INSERT INTO core.fact (id, amount) SELECT p.id, p.amount FROM stg.payments p;\n")
        r = self.ingest(fact)
        self.assertEqual(r.returncode, 0, r.stderr)
        second = summary(r.stdout)
        self.assertEqual(second["processed"], 1)
        self.assertEqual(second["files"], 1, "the old version is no longer counted")
        # stg.orders (and its columns) went with the old version; stg.payments (and its columns) came in.
        self.assertEqual(second["nodes"], first["nodes"])
        self.assertEqual(second["edges"], first["edges"])

    def test_failures_exit_1_and_are_reported_per_file(self):
        bad = os.path.join(self.dir, "bad.sql")
        write(bad, "INSERT INTO t SELECT a FROM s;\nSELECT * FROM ;\n")
        binary = os.path.join(self.dir, "blob.sql")
        with open(binary, "wb") as f:
            f.write(b"SELECT \x00\x01\x02")
        notsql = os.path.join(self.dir, "notes.txt")
        write(notsql, "hello\n")
        r = self.ingest(bad, binary, notsql, os.path.join(self.dir, "missing.sql"))
        self.assertEqual(r.returncode, 1, r.stderr)
        s = summary(r.stdout)
        self.assertEqual((s["added"], s["processed"], s["skipped"]), (3, 0, 1))
        self.assertEqual(s["failed"], 3)  # parse error, binary, missing
        self.assertRegex(r.stderr, r"bad\.sql:2:\d+: ")
        self.assertIn("binary file", r.stderr)
        self.assertIn("missing.sql: No such file or directory", r.stderr)
        self.assertIn("unsupported extension", r.stderr)
        # the skipped file is listed with its size, as an upload's is (it was null)
        with Server(db=self.db) as srv:
            status, doc = srv.get_json("/api/v1/files?status=skipped")
        self.assertEqual(status, 200, doc)
        self.assertEqual([(f["path"], f["size_bytes"]) for f in doc["files"]], [("notes.txt", 6)], doc)

    def test_the_per_file_limit_is_the_servers_32_mib_unless_raised(self):
        # It was 256 MiB where the server and lineaged parse refuse over 32 MiB.
        big = os.path.join(self.dir, "big.sql")
        with open(big, "wb") as f:
            f.truncate((32 << 20) + 1)  # sparse: 32 MiB of NUL bytes to whoever reads it
        r = self.ingest(big)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual(summary(r.stdout)["failed"], 1)
        self.assertIn("big.sql: file is larger than the 32 MiB per-file limit", r.stderr)
        # raised, by flag or environment, it is read (and skipped: its bytes are NULs)
        for extra, env in ((["--max-file-mb", "33"], None), ([], {"LINEAGED_MAX_FILE_MB": "33"})):
            with self.subTest(extra=extra, env=env):
                r = run_cli("ingest", "--db", self.db, *extra, big, env=env, timeout=120)
                self.assertIn("binary file", r.stderr)
                self.assertNotIn("per-file limit", r.stderr)
        self.assertIn("--max-file-mb N", run_cli("ingest", "--help").stdout)

    def test_a_procedure_past_the_flow_limit_is_processed_with_a_warning_saying_what_was_cut(self):
        proc = os.path.join(self.dir, "gen", "load_all.sql")
        write(proc, past_the_flow_limit())
        r = self.ingest(proc, extra=("--dialect", "tsql"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual((summary(r.stdout)["processed"], summary(r.stdout)["warned"]), (1, 1), r.stdout)
        want = "load_all.sql" + FLOW_LIMIT_WARNING
        self.assertRegex(r.stderr, want)
        with Server(db=self.db) as srv:
            status, files = srv.get_json("/api/v1/files")
            self.assertEqual(status, 200, files)
            f = files["files"][0]
            self.assertEqual((f["status"], f["error"]), ("processed", None), f)
            self.assertRegex(f["warning"], want)
            status, ing = srv.get_json("/api/v1/ingestion/" + f["ingestion_id"])
            self.assertEqual((ing["status"], ing["files"][0]["warning"]), ("completed", f["warning"]), ing)
            self.assertEqual(ing["files_warned"], 1, ing)
            status, listed = srv.get_json("/api/v1/ingestions")
            self.assertEqual([i["files_warned"] for i in listed["ingestions"]], [1], listed)
        # a run of a plain file says no warning, and the first run's count stays with its ingestion
        write(os.path.join(self.dir, "plain", "p.sql"), "INSERT INTO p.t SELECT a FROM p.s;\n")
        r = self.ingest(os.path.join(self.dir, "plain"))
        self.assertEqual((summary(r.stdout)["processed"], summary(r.stdout)["warned"]), (1, 0), r.stdout)
        self.assertNotIn("warning", r.stdout)
        with Server(db=self.db) as srv:
            status, listed = srv.get_json("/api/v1/ingestions")
            self.assertEqual([i["files_warned"] for i in listed["ingestions"]], [0, 1], listed)
        with Server(db=self.db) as srv:

            def upstream(name):
                status, doc = srv.get_json(f"/api/v1/lineage/{name}?direction=upstream&depth=1&limit=200")
                self.assertEqual(status, 200, doc)
                return {n["name"] for n in doc["nodes"]} - {name}
            sources = {f"src.s{i}" for i in range(100)}
            self.assertEqual(upstream("out.t0"), sources)
            self.assertEqual(upstream("out.t80"), sources)  # the last inner statement kept whole
            self.assertEqual(upstream("out.t99"), set())  # cut, as the warning says
            self.assertEqual(upstream("other.after"), {"other.before"})

    def test_locked_database_exits_1(self):
        with Server(db=self.db):
            r = self.ingest(self.src)
        self.assertEqual(r.returncode, 1)
        self.assertIn("in use by another process", r.stderr)

    def test_server_sees_what_the_cli_ingested(self):
        s = summary(self.ingest(self.src).stdout)
        with Server(db=self.db) as srv:
            status, stats = srv.get_json("/api/v1/stats")
        self.assertEqual(status, 200)
        self.assertEqual((stats["totalNodes"], stats["totalEdges"], stats["filesProcessed"]),
                         (s["nodes"], s["edges"], s["files"]))
        self.assertGreater(stats["databaseTables"], 0)


class RecoveryTest(unittest.TestCase):
    FILES = 200

    def test_sigkill_mid_ingest_then_restart_matches_clean_ingest(self):
        with tempfile.TemporaryDirectory(prefix="lineaged-recover-") as tmp:
            src = os.path.join(tmp, "big")
            for i in range(self.FILES):
                write(os.path.join(src, f"f{i:04d}.sql"), generated_file(i))
            clean_db, killed_db = os.path.join(tmp, "clean.duckdb"), os.path.join(tmp, "killed.duckdb")
            clean = run_cli("ingest", "--db", clean_db, "--dialect", "ansi", src, timeout=240)
            self.assertEqual(clean.returncode, 0, clean.stderr)
            want = summary(clean.stdout)
            self.assertEqual(want["files"], self.FILES)

            proc = subprocess.Popen([BIN, "ingest", "--db", killed_db, "--dialect", "ansi", "--workers", "1", src],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=tmp)
            done = 0
            deadline = time.monotonic() + 120
            while done < 10 and time.monotonic() < deadline:
                line = proc.stderr.readline()
                if not line:
                    break
                done += line.startswith("processed ")
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            proc.stderr.close()
            self.assertEqual(done, 10, "the ingest ended before it could be killed")

            with Server(db=killed_db) as srv:
                deadline = time.monotonic() + 180
                stats = {}
                while time.monotonic() < deadline:
                    stats = srv.get_json("/api/v1/stats")[1]
                    if stats.get("activeIngestions") == 0 and "ingest.completed" in srv.log():
                        break
                    time.sleep(0.2)
                log = srv.log()
            m = re.search(r"ingest\.resumed ingestion=\S+ files=(\d+) requeued=(\d+) lost=(\d+)", log)
            self.assertIsNotNone(m, log)
            self.assertGreater(int(m.group(2)), 0, "nothing was left to resume")
            self.assertEqual(int(m.group(3)), 0)
            self.assertEqual((stats["totalNodes"], stats["totalEdges"], stats["filesProcessed"]),
                             (want["nodes"], want["edges"], want["files"]))


if __name__ == "__main__":
    main()

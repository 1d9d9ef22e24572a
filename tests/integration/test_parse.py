"""`lineaged parse` end to end: the JSON of fixture files, several dialects and files, errors, exit codes.

Expected documents are in fixtures/parse/*.expected.json. They are compared key by key: every key
there must be present with exactly that value (lists element by element, same length), so a field
added later does not break the comparison while a changed or missing one does.
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import BIN, main, run_cli  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "parse")


def differences(expected, actual, where="$"):
    """Where `actual` departs from `expected` (extra keys in actual objects are allowed)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where}: expected an object, got {actual!r}"]
        out = []
        for key, value in expected.items():
            if key not in actual:
                out.append(f"{where}.{key}: missing")
            else:
                out += differences(value, actual[key], f"{where}.{key}")
        return out
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{where}: expected {json.dumps(expected)}, got {json.dumps(actual)}"]
        out = []
        for i, (e, a) in enumerate(zip(expected, actual)):
            out += differences(e, a, f"{where}[{i}]")
        return out
    if type(expected) is not type(actual) or expected != actual:
        return [f"{where}: expected {expected!r}, got {actual!r}"]
    return []


def expected(name):
    with open(os.path.join(FIXTURES, name)) as f:
        return json.load(f)


class ParseTest(unittest.TestCase):
    def parse(self, *args):
        r = run_cli("parse", *args, cwd=FIXTURES)
        return r, (json.loads(r.stdout) if r.returncode == 0 else None)

    def assert_matches(self, want, got):
        diffs = differences(want, got)
        self.assertEqual(diffs, [], "\n".join(diffs[:20]))

    def test_one_file_per_dialect(self):
        for dialect, name in (("postgres", "postgres_etl"), ("tsql", "tsql_proc"), ("bigquery", "bigquery_view"),
                              ("snowflake", "snowflake_pipeline")):
            with self.subTest(dialect=dialect):
                r, doc = self.parse("--dialect", dialect, f"{name}.sql")
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(r.stderr, "")
                self.assert_matches(expected(f"{name}.expected.json"), doc)

    def test_file_roles_are_not_interchangeable(self):
        # The summary roles of the Postgres fixture, stated here as well as in its expected file.
        _, doc = self.parse("--dialect", "postgres", "postgres_etl.sql")
        self.assertEqual(doc["sources"], ["crm.customers", "staging.orders"])
        self.assertEqual(doc["targets"], ["mart.customer_totals"])
        self.assertEqual(doc["intermediates"], [])  # created, read, then dropped: gone
        self.assertEqual([s["kind"] for s in doc["statements"]], ["create_table", "insert", "drop"])
        _, doc = self.parse("--dialect", "snowflake", "snowflake_pipeline.sql")
        self.assertEqual(doc["sources"], ["raw.events", "raw.users"])
        self.assertEqual(doc["targets"], ["analytics.active_users"])
        self.assertEqual(doc["intermediates"], ["analytics.stage_users"])  # written, then read

    def test_several_files_give_an_array_in_order_with_detected_dialects(self):
        r, doc = self.parse("bigquery_view.sql", "broken.sql", "tsql_proc.sql")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIsInstance(doc, list)
        self.assert_matches(expected("several.expected.json"), doc)

    def test_errors_carry_line_and_column_and_parsing_goes_on(self):
        _, doc = self.parse("broken.sql")
        self.assertEqual(doc["errors"], [
            {"line": 2, "column": 11, "message": "expected SET in UPDATE near ';'"},
            {"line": 4, "column": 35, "message": "expected ')' after subquery near ';'"},
        ])
        self.assertEqual([(s["line"], s["column"]) for s in doc["statements"]], [(1, 1), (2, 1), (3, 1), (4, 5)])
        self.assertIn("good.after", doc["targets"])  # the statement after the first error still counts

    def test_missing_file_exits_1_with_one_line_and_no_output(self):
        r, _ = self.parse("postgres_etl.sql", "missing.sql")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, "")
        self.assertEqual(r.stderr, "lineaged parse: cannot read missing.sql: No such file or directory\n")

    def test_a_folder_exits_1_with_one_line_and_no_output(self):
        # it was a bare "read error", after the files before it had been printed (an unclosed array)
        r, _ = self.parse("postgres_etl.sql", ".")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, "")
        self.assertEqual(r.stderr, "lineaged parse: cannot read .: it is a folder (lineaged ingest takes folders)\n")

    def test_a_file_over_32_mib_exits_1_with_one_line_and_no_output(self):
        with tempfile.TemporaryDirectory() as d:
            big = os.path.join(d, "big.sql")
            with open(big, "wb") as f:
                f.truncate((32 << 20) + 1)  # sparse: nothing is written
            r, _ = self.parse("postgres_etl.sql", big)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, "")
        self.assertEqual(r.stderr, f"lineaged parse: cannot read {big}: larger than the 32 MiB per-file limit (--max-file-mb raises it)\n")

    def test_an_endless_stream_stops_at_the_limit(self):
        # a pipe has no size to check up front; it was read for ever
        with subprocess.Popen(["yes", ""], stdout=subprocess.PIPE) as blank_lines:
            r = subprocess.run([BIN, "parse", "--max-file-mb", "1", "-"], stdin=blank_lines.stdout,
                               capture_output=True, text=True, timeout=60)
            blank_lines.kill()
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr, "lineaged parse: cannot read -: larger than the 1 MiB per-file limit\n")
        self.assertEqual(json.loads(r.stdout), {"file": "-", "dialect": "ansi", "statements": [],
                                                "error": "larger than the 1 MiB per-file limit"})

    def stream(self, args, data):
        """`lineaged parse ARGS` reading `data` from a pipe (a redirected file would be sized up front)."""
        with subprocess.Popen([BIN, "parse", *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, cwd=FIXTURES) as p:
            out, err = p.communicate(data, timeout=120)  # a pipe closed at the limit is no error here
        return p.returncode, out.decode(), err.decode()

    def test_a_stream_cut_after_its_statements_prints_a_closed_document(self):
        # the statements went out as they were parsed, and the document stopped at "statements": [
        # with exit 1: `| jq` saw a syntax error instead of the reason
        rc, out, err = self.stream(["--max-file-mb", "1", "-"], b"INSERT INTO t SELECT a FROM s;\n" * 50000)
        self.assertEqual((rc, err), (1, "lineaged parse: cannot read -: larger than the 1 MiB per-file limit\n"))
        doc = json.loads(out)
        self.assertEqual(doc["error"], "larger than the 1 MiB per-file limit")
        self.assertGreater(len(doc["statements"]), 1000)
        self.assertEqual(doc["statements"][0]["writes"], ["t"])

    def test_a_nul_in_the_second_stream_closes_the_document_and_the_array(self):
        rc, out, err = self.stream(["postgres_etl.sql", "-"], b"INSERT INTO t SELECT a FROM s;\n" * 130000 + b"\0")
        self.assertEqual((rc, err),
                         (1, "lineaged parse: cannot read -: binary file (it contains NUL bytes), not SQL text\n"))
        docs = json.loads(out)
        self.assertEqual([d["file"] for d in docs], ["postgres_etl.sql", "-"])
        self.assertNotIn("error", docs[0])
        self.assertEqual(docs[1]["error"], "binary file (it contains NUL bytes), not SQL text")
        self.assertGreater(len(docs[1]["statements"]), 1000)

    def test_a_stream_refused_before_its_first_statement_prints_nothing(self):
        rc, out, err = self.stream(["-", "postgres_etl.sql"], b"\0SELECT 1;")
        self.assertEqual((rc, out), (1, ""))
        self.assertIn("binary file", err)

    def test_a_binary_stream_is_refused_at_its_first_nul(self):
        # /dev/zero was lexed up to the limit (seconds under ASan); ingest refuses NUL bytes too
        r, _ = self.parse("/dev/zero")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr,
                         "lineaged parse: cannot read /dev/zero: binary file (it contains NUL bytes), not SQL text\n")

    def test_max_file_mb_sets_the_limit(self):
        with tempfile.TemporaryDirectory() as d:
            one = os.path.join(d, "one.sql")
            with open(one, "w") as f:
                f.write("INSERT INTO t SELECT a FROM s;\n" + " " * (1 << 20))
            r, _ = self.parse("--max-file-mb", "1", one)
            self.assertEqual((r.returncode, r.stdout), (1, ""))
            self.assertEqual(r.stderr, f"lineaged parse: cannot read {one}: larger than the 1 MiB per-file limit\n")
            for args, env in ((["--max-file-mb=2", one], None), ([one], {"LINEAGED_MAX_FILE_MB": "2"})):
                r = run_cli("parse", *args, env=env)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(json.loads(r.stdout)["sources"], ["s"])
        for args, env in ((["--max-file-mb", "0", "x.sql"], None), (["--max-file-mb", "257", "x.sql"], None),
                          (["--max-file-mb"], None), (["x.sql"], {"LINEAGED_MAX_FILE_MB": "-1"})):
            r = run_cli("parse", *args, env=env)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
            self.assertEqual(r.stderr.count("\n"), 1, r.stderr)

    def test_unknown_dialect_exits_2(self):
        r, _ = self.parse("--dialect", "cobol", "broken.sql")
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr, "lineaged parse: unknown dialect 'cobol'\n")


if __name__ == "__main__":
    main()

"""The DuckDB file: created with its folders, migrated once, locked against a second server; a taken port."""

import os
import socket
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, free_port, main, migrations_logged, run_cli  # noqa: E402


class StoreTest(unittest.TestCase):
    def test_second_server_on_same_file_fails_clearly(self):
        with Server() as first:
            second = run_cli("serve", "--port", str(free_port()), "--db", first.db, timeout=20)
            self.assertEqual(second.returncode, 1, second.stderr)
            self.assertIn("in use by another process", second.stderr)
            self.assertIn(f"PID {first.proc.pid}", second.stderr)
            self.assertEqual(first.get_json("/health")[0], 200)

    def test_second_server_on_same_port_fails_clearly(self):
        with Server() as first:
            with tempfile.TemporaryDirectory() as tmp:
                second = run_cli("serve", "--port", str(first.port), "--db", os.path.join(tmp, "other.duckdb"),
                                 timeout=20)
            self.assertEqual(second.returncode, 1, second.stderr)
            self.assertIn("server.listen_failed", second.stderr)
            self.assertIn("the port is in use by another process", second.stderr)
            self.assertNotIn("server.listening", second.stderr)
            self.assertEqual(first.get_json("/health")[0], 200)

    def test_harness_moves_to_another_port_when_its_port_is_taken(self):
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            srv = Server()
            srv.port = port
            srv.args[srv.args.index("--port") + 1] = str(port)
            with srv:
                self.assertNotEqual(srv.port, port)
                self.assertEqual(srv.get_json("/health")[0], 200)

    def test_nested_folders_are_created_and_schema_survives_restart(self):
        with tempfile.TemporaryDirectory() as tmp:
            db = os.path.join(tmp, "a", "b", "c", "lineage.duckdb")
            versions = []
            for _ in range(2):
                with Server(db=db) as srv:
                    status, body = srv.get_json("/health")
                    log = srv.log()
                    versions = versions or migrations_logged(log)
                    # every migration once, in order, and the version reported is the last one
                    self.assertEqual(versions, list(range(1, len(versions) + 1)))
                    self.assertEqual(body["database"]["schema_version"], versions[-1])
                self.assertTrue(os.path.isfile(db))
            self.assertNotIn("store.migrated", log, "second start must not migrate again")

    def test_in_memory_database(self):
        with Server(db=":memory:") as srv:
            self.assertEqual(srv.get_json("/health")[0], 200)

    def test_unusable_path_fails_clearly(self):
        with tempfile.TemporaryDirectory() as tmp:
            r = run_cli("serve", "--port", str(free_port()), "--db", tmp, timeout=20)  # a folder, not a file
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn("cannot open database", r.stderr)
            blocker = os.path.join(tmp, "file")
            open(blocker, "w").close()
            r = run_cli("serve", "--port", str(free_port()), "--db", os.path.join(blocker, "x.duckdb"), timeout=20)
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn("cannot create folder", r.stderr)

    def test_not_a_duckdb_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            db = os.path.join(tmp, "junk.duckdb")
            with open(db, "wb") as f:
                f.write(b"this is not a database" * 1000)
            r = run_cli("serve", "--port", str(free_port()), "--db", db, timeout=20)
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn("cannot open database", r.stderr)


if __name__ == "__main__":
    main()

"""The DuckDB file: created with its folders, migrated once, locked against a second server; a taken port;
writes it refuses."""

import ctypes
import os
import resource
import signal
import socket
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, free_port, main, migrations_logged, run_cli  # noqa: E402
from ingest_helpers import upload  # noqa: E402


def files_no_larger_than(limit):
    """In the server: no file may grow past `limit` bytes (RLIMIT_FSIZE binds root too, unlike
    permissions), and a write past it fails with EFBIG instead of killing it (SIGXFSZ ignored)."""
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


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


LIBDUCKDB = os.path.join(os.path.dirname(__file__), "../../deps/duckdb/lib/libduckdb.so")


def duckdb_exec(path, sql):
    """Runs SQL on a database file through DuckDB's C API (the library lineaged links), as another
    program or a newer lineaged would have."""
    lib = ctypes.CDLL(LIBDUCKDB)
    db, conn = ctypes.c_void_p(), ctypes.c_void_p()
    assert lib.duckdb_open(path.encode(), ctypes.byref(db)) == 0, path
    try:
        assert lib.duckdb_connect(db, ctypes.byref(conn)) == 0
        try:
            assert lib.duckdb_query(conn, sql.encode(), None) == 0, sql
        finally:
            lib.duckdb_disconnect(ctypes.byref(conn))
    finally:
        lib.duckdb_close(ctypes.byref(db))


class WriteFailureTest(unittest.TestCase):
    """The database refusing the writer's writes for real: its write-ahead log may not grow past 64 KiB."""

    def test_health_and_stats_say_degraded_while_writes_fail(self):
        with Server("--stats-interval", "1", preexec_fn=files_no_larger_than(64 << 10)) as srv:
            status, health = srv.get_json("/health")
            self.assertEqual((status, health["status"], health["database"]["status"]), (200, "healthy", "ok"))
            self.assertEqual(health["database"]["write_failures"], 0)
            self.assertEqual(srv.get_json("/api/v1/stats")[1]["health"], "healthy")
            # 18 files of 3 KiB (the request's spool stays under 64 KiB): their texts and rows outgrow the log's 64 KiB
            files = [(f"f{i}.sql", "".join(f"INSERT INTO mart.t{i}_{k} SELECT a, b, c FROM raw.s{i}_{k} WHERE a > {k};\n"
                                          for k in range(48)).encode()) for i in range(18)]
            status, doc = upload(srv, files)
            self.assertEqual(status, 202, doc)
            deadline = time.monotonic() + 60
            while health["status"] != "degraded" and time.monotonic() < deadline:
                time.sleep(0.1)
                health = srv.get_json("/health")[1]
            self.assertEqual(health["status"], "degraded", srv.log())
            self.assertEqual(health["database"]["status"], "failing")
            self.assertGreaterEqual(health["database"]["write_failures"], 1)
            self.assertIn("not stored", health["database"]["detail"])
            stats = srv.get_json("/api/v1/stats")[1]
            self.assertEqual(stats["health"], "degraded")
            self.assertGreaterEqual(stats["databaseWriteFailures"], 1)
            self.assertIn("File too large", srv.log())  # EFBIG from the kernel, not a simulation


class StoreOpenErrorTest(unittest.TestCase):
    """A --db that cannot be used: `serve` and `ingest` exit 1 with one line naming why, nothing else
    (no crash, no sanitizer report, no log of a start that did not happen)."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="lineaged-storeerr-")
        self.sql = os.path.join(self.tmp.name, "q.sql")
        with open(self.sql, "w") as f:
            f.write("INSERT INTO t.a SELECT x FROM s.b;\n")

    def tearDown(self):
        self.tmp.cleanup()

    def assert_refused(self, db, says):
        for command, args in (("serve", ["--port", str(free_port())]), ("ingest", [self.sql])):
            r = run_cli(command, "--db", db, *args, timeout=30)
            self.assertEqual(r.returncode, 1, (command, r.stderr))
            self.assertEqual(r.stderr.count("\n"), 1, (command, r.stderr))
            self.assertTrue(r.stderr.startswith(f"lineaged {command}: "), (command, r.stderr))
            self.assertIn(says, r.stderr, command)
            self.assertEqual(r.stdout, "", command)

    def test_parent_that_cannot_hold_files(self):
        # /proc takes no new files, whoever runs the test (root included)
        self.assert_refused("/proc/lineage.duckdb", "cannot open database /proc/lineage.duckdb: ")
        if os.geteuid() != 0:  # root writes anywhere: only others are stopped by permissions
            ro = os.path.join(self.tmp.name, "ro")
            os.mkdir(ro, 0o555)
            self.assert_refused(os.path.join(ro, "lineage.duckdb"), "cannot open database")
            self.assert_refused(os.path.join(ro, "sub", "lineage.duckdb"), "cannot create folder")

    def test_parent_that_is_a_file(self):
        blocker = os.path.join(self.tmp.name, "file")
        open(blocker, "w").close()
        self.assert_refused(os.path.join(blocker, "deeper", "x.duckdb"),
                            f"cannot create folder {blocker}: a file is in the way")

    def test_database_that_is_a_folder(self):
        self.assert_refused(self.tmp.name, "cannot open database")

    def test_file_that_is_not_duckdb(self):
        db = os.path.join(self.tmp.name, "junk.duckdb")
        with open(db, "wb") as f:
            f.write(b"not a database\n" * 4096)
        self.assert_refused(db, "is not a valid DuckDB database file")
        with open(db, "rb") as f:
            self.assertEqual(f.read(), b"not a database\n" * 4096, "a file that is not ours is left as it was")

    def test_database_of_a_newer_schema(self):
        db = os.path.join(self.tmp.name, "newer.duckdb")
        r = run_cli("ingest", "--db", db, self.sql, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        duckdb_exec(db, "INSERT INTO schema_version (version) VALUES (999)")
        self.assert_refused(db, "schema version 999 is newer than this lineaged knows")


if __name__ == "__main__":
    main()

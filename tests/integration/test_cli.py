"""Command line: subcommands, flag and environment errors (exit 2, one line on stderr)."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, free_port, main, run_cli  # noqa: E402


class CliTest(unittest.TestCase):
    def assert_usage_error(self, result, *fragments):
        self.assertEqual(result.returncode, 2, result.stderr)
        lines = result.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, f"expected one line on stderr, got {lines!r}")
        for fragment in fragments:
            self.assertIn(fragment, lines[0])

    def test_version(self):
        r = run_cli("--version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^lineaged \d+\.\d+\.\d+\n$")

    def test_help(self):
        r = run_cli("--help")
        self.assertEqual(r.returncode, 0)
        for word in ("serve", "parse", "ingest"):
            self.assertIn(word, r.stdout)
        r = run_cli("serve", "--help")
        self.assertEqual(r.returncode, 0)
        for flag in ("--host", "--port", "--db", "--data-dir", "--stats-interval", "--allowed-origin",
                     "--max-conn-per-ip", "--max-connections", "--github-url", "--max-upload-mb"):
            self.assertIn(flag, r.stdout)
        # a switch takes no value: it has no default to show
        switch = [line for line in r.stdout.splitlines() if line.strip().startswith("--debug-events ")]
        self.assertEqual(len(switch), 1, r.stdout)
        self.assertNotIn("default", switch[0])

    def test_no_command(self):
        r = run_cli()
        self.assertEqual(r.returncode, 2)

    def test_unknown_command(self):
        self.assert_usage_error(run_cli("frobnicate"), "frobnicate")

    def test_bad_flags(self):
        cases = [
            (("serve", "--bogus"), "--bogus"),
            (("serve", "--port", "abc"), "--port"),
            (("serve", "--port", "70000"), "--port"),
            (("serve", "--port"), "--port"),
            (("serve", "--stats-interval", "0"), "--stats-interval"),
            (("serve", "--stats-interval", "nan"), "--stats-interval"),
            (("serve", "--max-conn-per-ip", "-1"), "--max-conn-per-ip"),
            (("serve", "--allowed-origin", "example.com"), "--allowed-origin"),
            (("serve", "--log-level", "loud"), "--log-level"),
            (("serve", "stray"), "stray"),
        ]
        for args, fragment in cases:
            with self.subTest(args=args):
                self.assert_usage_error(run_cli(*args), fragment)

    def test_bad_environment_value_names_the_variable(self):
        self.assert_usage_error(run_cli("serve", env={"LINEAGED_PORT": "eighty"}), "LINEAGED_PORT")
        self.assert_usage_error(run_cli("serve", env={"LINEAGED_MAX_CONNECTIONS": "0"}), "LINEAGED_MAX_CONNECTIONS")

    def test_environment_sets_flags_and_flags_win(self):
        port = free_port()
        with Server(env={"LINEAGED_PORT": "1"}) as srv:  # the harness passes --port, which wins
            status, body = srv.get_json("/health")
            self.assertEqual(status, 200)
        srv = Server(env={"LINEAGED_PORT": str(port)})
        srv.args.remove("--port")
        srv.args.remove(str(srv.port))
        srv.port = port
        with srv:
            status, body = srv.get_json("/health")
            self.assertEqual((status, body["status"]), (200, "healthy"))

    def test_flag_equals_form(self):
        srv = Server()
        i = srv.args.index("--port")
        srv.args[i:i + 2] = [f"--port={srv.port}"]
        with srv:
            self.assertEqual(srv.get_json("/health")[0], 200)


if __name__ == "__main__":
    main()

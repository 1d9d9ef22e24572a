"""What README, docs/design.md and docs/websocket.md state and no other test checked: the log line
format and --log-level, an address that is not this machine's, --trend-window, connection_ack."""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, free_port, main, run_cli  # noqa: E402
from ws_helpers import RawWS, metric  # noqa: E402

# "<UTC time> <level> <event> key=value ..." (design.md: events are area.what)
LINE_RE = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (debug|info |warn |error) [a-z0-9_]+(\.[a-z0-9_]+)*'
                     r'( [a-z0-9_]+=("([^"\\]|\\.)*"|[^ "]*))*$')


class LogFormatTest(unittest.TestCase):
    def test_every_line_is_one_event_in_the_documented_form(self):
        with Server("--log-level", "debug") as srv:
            srv.request("GET", "/health")
            srv.request("GET", "/nope")
            ws = RawWS(srv.host, srv.port)
            ws.recv_json()
            ws.close()
            srv.stop()
            log = srv.log()
        lines = log.splitlines()
        self.assertTrue(log.endswith("\n"))
        for line in lines:
            self.assertRegex(line, LINE_RE)
        events = [line.split()[2] for line in lines]
        for event in ("store.opened", "server.listening", "http.response", "ws.connected", "server.stopped"):
            self.assertIn(event, events)
        self.assertTrue(any(line.split()[1] == "debug" for line in lines))

    def test_log_level_hides_lower_levels_from_flag_and_environment(self):
        for how in ("flag", "env"):
            with self.subTest(how=how):
                args, env = (("--log-level", "warn"), None) if how == "flag" else ((), {"LINEAGED_LOG_LEVEL": "warn"})
                with Server(*args, "--allowed-origin", "https://dash.example.com", env=env) as srv:
                    srv.request("GET", "/health")
                    srv.request("POST", "/api/v1/stats", body=b"", headers={"Origin": "https://evil.example.net"})
                    srv.stop()
                    log = srv.log()
                levels = {line.split()[1] for line in log.splitlines()}
                self.assertEqual(levels, {"warn"}, log)  # the refused POST, and nothing at info or debug
                self.assertIn(" http.rejected ", log)


class ListenAddressTest(unittest.TestCase):
    def test_an_address_that_is_not_this_machines_exits_1_with_a_reason(self):
        # 192.0.2.1 is TEST-NET-1 (RFC 5737): never assigned to a real host; nothing is sent to it.
        r = run_cli("serve", "--host", "192.0.2.1", "--port", str(free_port()), "--db", ":memory:", timeout=20)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("server.listen_failed", r.stderr)
        self.assertIn("192.0.2.1", r.stderr)
        self.assertNotIn("server.listening", r.stderr)


class StatsSettingsTest(unittest.TestCase):
    def test_trend_window_is_the_flag(self):
        with Server("--trend-window", "120", "--stats-interval", "30") as srv:
            status, stats = srv.get_json("/api/v1/stats")
            self.assertEqual(status, 200)
            self.assertEqual(stats["trendWindowSeconds"], 120)
            ws = RawWS(srv.host, srv.port)
            ws.recv_json()
            self.assertEqual(ws.recv_json()["data"]["trendWindowSeconds"], 120)
            ws.close()
        with Server("--stats-interval", "30") as srv:
            self.assertEqual(srv.get_json("/api/v1/stats")[1]["trendWindowSeconds"], 3600)  # the default

    def test_connection_ack_fields(self):
        version = run_cli("--version").stdout.split()[-1]
        with Server("--stats-interval", "0.75") as srv:
            acks = []
            for _ in range(2):
                ws = RawWS(srv.host, srv.port)
                acks.append(ws.recv_json())
                ws.close()
            _, _, text = srv.request("GET", "/metrics")
        for ack in acks:
            self.assertEqual(ack["type"], "connection_ack")
            self.assertEqual(set(ack["data"]), {"client_id", "server_version", "stats_interval_seconds",
                                                "max_message_bytes"})
            self.assertEqual(ack["data"]["server_version"], version)
            self.assertEqual(ack["data"]["stats_interval_seconds"], 0.75)
            self.assertEqual(ack["data"]["max_message_bytes"], 65536)
        self.assertEqual([a["data"]["client_id"] for a in acks], [1, 2])
        # the inbox bound's counter is exported (its overflow is covered by tests/unit/test_bus.c)
        self.assertEqual(metric(text.decode(), "lineaged_events_dropped_total"), 0)


if __name__ == "__main__":
    main()

"""Rate limits: progress coalesced per ingestion (final always delivered), query_complete capped,
stats_update once per tick, critical events never throttled; counted and logged in aggregate."""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, main  # noqa: E402
from ws_helpers import RawWS, error_event, metric, post_events, progress, query, started  # noqa: E402


def collect_until(ws, done, timeout=15.0):
    """Non-stats messages until `done(messages)` holds; fails after `timeout` (a bound, not a window)."""
    got = []
    deadline = time.monotonic() + timeout
    ws.sock.settimeout(0.2)
    while not done(got):
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout} s with {got}")
        try:
            m = ws.recv_json()
        except (TimeoutError, OSError):
            continue
        if m["type"] != "stats_update":
            got.append(m)
    return got


def nothing_more(ws, quiet=1.0):
    """Non-stats messages arriving within `quiet` s: a slow machine can only make this pass, not fail."""
    got = []
    deadline = time.monotonic() + quiet
    ws.sock.settimeout(0.1)
    while time.monotonic() < deadline:
        try:
            m = ws.recv_json()
        except (TimeoutError, OSError):
            continue
        if m["type"] != "stats_update":
            got.append(m)
    return got


class RateLimitTest(unittest.TestCase):
    def open(self, srv):
        ws = RawWS(srv.host, srv.port)
        ws.recv_json()
        ws.recv_json()
        return ws

    def test_progress_coalesced_latest_wins_final_always_delivered(self):
        with Server("--debug-events", "--stats-interval", "30", "--progress-rate", "4") as srv:
            ws = self.open(srv)
            post_events(srv, [progress("A", i, 100) for i in range(1, 51)])
            got = collect_until(ws, lambda got: any(m["data"]["files_processed"] == 50 for m in got))
            # the first goes out at once; 2..49 are superseded; the latest follows once its slot comes
            self.assertEqual([m["data"]["files_processed"] for m in got], [1, 50], got)
            time.sleep(0.5)  # past 50's 250 ms slot (a slower machine only waits longer): 51 may go at once
            post_events(srv, [progress("A", i, 100) for i in range(51, 101)])
            got = collect_until(ws, lambda got: any(m["data"]["files_processed"] == 100 for m in got))
            # 51 opens a new slot; 52..99 are superseded; the final one goes out at once
            self.assertEqual([m["data"]["files_processed"] for m in got], [51, 100], got)
            # two ingestions are limited independently
            post_events(srv, [progress("B", 1, 10), progress("C", 1, 10), progress("B", 2, 10), progress("C", 2, 10)])
            got = collect_until(ws, lambda got: len(got) >= 4)
            self.assertEqual(sorted((m["data"]["ingestion_id"], m["data"]["files_processed"]) for m in got),
                             [("B", 1), ("B", 2), ("C", 1), ("C", 2)])
            self.assertEqual(nothing_more(ws), [])
            _, _, body = srv.request("GET", "/metrics")
            self.assertGreaterEqual(metric(body.decode(), "lineaged_ws_messages_throttled_total"), 48 + 48)
            deadline = time.monotonic() + 30  # logged every 5 s when something was throttled
            while "ws.throttled" not in srv.log() and time.monotonic() < deadline:
                time.sleep(0.2)
            lines = [line for line in srv.log().splitlines() if "ws.throttled" in line]
            self.assertEqual(len(lines), 1, lines)  # one aggregate line, not one per message
            self.assertIn("ingestion_progress=", lines[0])
            ws.close()

    def test_query_complete_capped_stats_once_per_tick(self):
        with Server("--debug-events", "--stats-interval", "30", "--query-event-rate", "5") as srv:
            ws = self.open(srv)
            post_events(srv, [query(i) for i in range(30)])
            stats = {"type": "stats_update", "data": {
                "totalNodes": 1, "totalEdges": 1, "filesProcessed": 1, "databaseTables": 1, "activeQueries": 0,
                "trends": {"nodes": {"value": 0, "isPositive": True}, "files": {"value": 0, "isPositive": True}}}}
            post_events(srv, [stats] * 5)
            # the stats come in the same way as the rest: count them as well
            got = []
            deadline = time.monotonic() + 15
            ws.sock.settimeout(0.2)
            while len(got) < 6 and time.monotonic() < deadline:
                try:
                    got.append(ws.recv_json())
                except (TimeoutError, OSError):
                    pass
            ws.sock.settimeout(0.1)
            deadline = time.monotonic() + 1.0
            while time.monotonic() < deadline:
                try:
                    got.append(ws.recv_json())
                except (TimeoutError, OSError):
                    pass
            # the bucket holds 5: all 30 arrive at once, so 5 go and 25 are dropped; one stats per tick
            queries = [m for m in got if m["type"] == "query_complete"]
            self.assertEqual(len(queries), 5, got)
            self.assertEqual(len([m for m in got if m["type"] == "stats_update"]), 1, got)
            _, _, body = srv.request("GET", "/metrics")
            self.assertEqual(metric(body.decode(), "lineaged_ws_messages_throttled_total"), 25 + 4)
            ws.close()

    def test_critical_events_never_throttled(self):
        with Server("--debug-events", "--stats-interval", "30", "--query-event-rate", "1",
                    "--progress-rate", "1") as srv:
            ws = self.open(srv)
            events = []
            for i in range(100):
                events += [started(f"ing-{i}", 3), error_event(f"Upload number {i} failed.")]
            post_events(srv, events)
            got = collect_until(ws, lambda got: len(got) >= 200)
            self.assertEqual(nothing_more(ws), [])
            self.assertEqual(len([m for m in got if m["type"] == "ingestion_started"]), 100)
            self.assertEqual([m["data"]["message"] for m in got if m["type"] == "error"],
                             [f"Upload number {i} failed." for i in range(100)])
            _, _, body = srv.request("GET", "/metrics")
            self.assertEqual(metric(body.decode(), "lineaged_ws_messages_throttled_total"), 0)
            ws.close()


if __name__ == "__main__":
    main()

"""The attacker's second pass (harden15): raw sockets on loopback, every wait bounded."""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, main  # noqa: E402
from ws_helpers import RawWS, frame, metric  # noqa: E402

WS_RX_BUDGET = 4 * 1024 * 1024  # src/server/ws.h


def wait_metric(srv, name, at_least, timeout=10.0):
    """Polls /metrics until `name` reaches `at_least`; returns its last value."""
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = metric(srv.request("GET", "/metrics")[2].decode(), name) or 0
        if value >= at_least:
            return value
        time.sleep(0.05)
    return value


class WsReceiveBudgetTest(unittest.TestCase):
    """Unfinished messages share one budget: 70 slow fragmented senders cannot each hold 64 KiB."""

    def test_fragmented_senders_past_the_budget_get_1013_the_rest_complete(self):
        n = 70  # each holds a 65,536-byte buffer: 64 of them fill the budget
        over = n - WS_RX_BUDGET // 65536
        with Server("--stats-interval", "30", "--max-conn-per-ip", "100") as srv:
            clients = []
            try:
                for _ in range(n):
                    ws = RawWS(srv.host, srv.port, timeout=10)
                    clients.append(ws)
                    ws.recv_json()  # connection_ack
                    ws.recv_json()  # the newcomer's stats_update
                for ws in clients:
                    ws.send(frame(0x1, b" " * 40000, fin=False))
                name = 'lineaged_ws_client_messages_total{result="over_budget"}'
                self.assertGreaterEqual(wait_metric(srv, name, over), over, srv.log()[-2000:])
                for ws in clients:
                    ws.send(frame(0x0, b'{"type":"get_stats"}'))
                refused, survivors = [], []
                for ws in clients:
                    try:
                        while ws.recv_json()["type"] != "stats_update":
                            pass
                        survivors.append(ws)
                    except ConnectionError as e:
                        refused.append(str(e))
                self.assertGreaterEqual(len(refused), over)
                self.assertLessEqual(len(refused), over + 4)
                self.assertEqual(set(refused), {"close frame 1013"})
                self.assertEqual(metric(srv.request("GET", "/metrics")[2].decode(), name), len(refused))
                self.assertIn("error=receive_budget", srv.log())
                # what the finished messages held is free again: all survivors' next ones fit
                for ws in survivors:
                    ws.send(frame(0x1, b" " * 40000, fin=False))
                for ws in survivors:
                    ws.send(frame(0x0, b'{"type":"get_stats"}'))
                for ws in survivors:
                    while ws.recv_json()["type"] != "stats_update":
                        pass
            finally:
                for ws in clients:
                    ws.close()


if __name__ == "__main__":
    main()

"""Handshake policy: Origin allow-list, per-IP limit, trusted proxy, global capacity with eviction."""

import asyncio
import json
import os
import socket
import sys
import threading
import time
import unittest

import websockets

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, main  # noqa: E402
from ws_helpers import RawWS, error_event, handshake_bytes, metric  # noqa: E402


def raw_handshake(srv, **kw):
    ws = RawWS(srv.host, srv.port, **kw)
    body = b""
    if ws.status != 101:
        ws.sock.settimeout(2)
        body = ws.buf
        try:
            while True:
                chunk = ws.sock.recv(65536)
                if not chunk:
                    break
                body += chunk
        except OSError:
            pass
    return ws, body


class OriginTest(unittest.TestCase):
    def test_unknown_origin_403_before_upgrade_and_logged(self):
        with Server("--allowed-origin", "https://dash.example.com") as srv:
            ws, body = raw_handshake(srv, origin="https://evil.example.net")
            self.assertTrue(ws.status_line.startswith("HTTP/1.1 403"), ws.status_line)
            self.assertEqual(json.loads(body)["error"], "forbidden_origin")
            ws.close()
            self.assertIn('reason=origin origin="https://evil.example.net"', srv.log())
            _, _, m = srv.request("GET", "/metrics")
            self.assertEqual(metric(m.decode(), 'lineaged_ws_rejected_total{reason="origin"}'), 1)
            # allowed: configured, the server's own origin and its loopback aliases, and no Origin at all
            for origin in ("https://dash.example.com", srv.base, f"http://localhost:{srv.port}", None):
                ok = RawWS(srv.host, srv.port, origin=origin)
                self.assertEqual(ok.status, 101, origin)
                self.assertEqual(ok.recv_json()["type"], "connection_ack")
                ok.close()
            for origin in ("null", f"http://127.0.0.1:{srv.port + 1}", "https://dash.example.com.evil.net",
                           "https://dash.example.co"):
                bad, _ = raw_handshake(srv, origin=origin)
                self.assertEqual(bad.status, 403, origin)
                bad.close()

    def test_other_websocket_paths_404(self):
        with Server() as srv:
            async def scenario():
                with self.assertRaises(websockets.InvalidStatusCode) as cm:
                    async with websockets.connect(f"ws://{srv.host}:{srv.port}/admin/ws/other"):
                        pass
                return cm.exception.status_code
            self.assertEqual(asyncio.run(scenario()), 404)

    def test_rest_shares_origin_policy(self):
        with Server("--debug-events", "--allowed-origin", "https://dash.example.com") as srv:
            body = json.dumps({"events": [error_event()]}).encode()
            hdr = {"Content-Type": "application/json"}
            status, _, resp = srv.request("POST", "/api/v1/debug/events", body=body,
                                          headers={**hdr, "Origin": "https://evil.example.net"})
            self.assertEqual(status, 403)
            self.assertEqual(json.loads(resp)["error"], "forbidden_origin")
            status, headers, _ = srv.request("POST", "/api/v1/debug/events", body=body,
                                             headers={**hdr, "Origin": "https://dash.example.com"})
            self.assertEqual(status, 202)
            self.assertEqual(headers.get("access-control-allow-origin"), "https://dash.example.com")
            status, _, _ = srv.request("POST", "/api/v1/debug/events", body=body, headers=hdr)
            self.assertEqual(status, 202)
            # reads stay open to any origin, without CORS permission for unknown ones
            status, headers, _ = srv.request("GET", "/api/v1/stats", headers={"Origin": "https://evil.example.net"})
            self.assertEqual(status, 200)
            self.assertNotIn("access-control-allow-origin", headers)
            status, headers, _ = srv.request("OPTIONS", "/api/v1/debug/events",
                                             headers={"Origin": "https://dash.example.com",
                                                      "Access-Control-Request-Method": "POST"})
            self.assertEqual(status, 204)
            self.assertIn("POST", headers.get("access-control-allow-methods", ""))
            status, _, _ = srv.request("OPTIONS", "/api/v1/debug/events",
                                       headers={"Origin": "https://evil.example.net"})
            self.assertEqual(status, 403)


class PerIpTest(unittest.TestCase):
    def test_30_simultaneous_handshakes_open_exactly_10(self):
        with Server("--stats-interval", "30") as srv:
            results = [None] * 30
            barrier = threading.Barrier(30)

            def attempt(i):
                barrier.wait()
                ws, body = raw_handshake(srv)
                results[i] = (ws, body)

            threads = [threading.Thread(target=attempt, args=(i,)) for i in range(30)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(10)
            opened = [ws for ws, _ in results if ws.status == 101]
            refused = [(ws, body) for ws, body in results if ws.status != 101]
            self.assertEqual(len(opened), 10)
            self.assertEqual(len(refused), 20)
            for ws, body in refused:
                self.assertTrue(ws.status_line.startswith("HTTP/1.1 503"), ws.status_line)
                doc = json.loads(body)
                self.assertEqual(doc["limit"], 10)
                self.assertIn("10", doc["detail"])
            # existing connections untouched: each still gets its messages
            for ws in opened:
                self.assertEqual(ws.recv_json()["type"], "connection_ack")
            # after closing one, a retry gets in
            opened[0].close()
            deadline = time.monotonic() + 5
            while True:
                again, _ = raw_handshake(srv)
                if again.status == 101 or time.monotonic() > deadline:
                    break
                again.close()
                time.sleep(0.05)
            self.assertEqual(again.status, 101)
            for ws in opened[1:] + [again]:
                ws.close()
            _, _, m = srv.request("GET", "/metrics")
            self.assertGreaterEqual(metric(m.decode(), 'lineaged_ws_rejected_total{reason="ip_limit"}'), 20)

    def test_other_addresses_have_their_own_budget(self):
        with Server("--max-conn-per-ip", "2", "--stats-interval", "30") as srv:
            a = [RawWS(srv.host, srv.port, source="127.0.0.1") for _ in range(2)]
            self.assertEqual(raw_handshake(srv, source="127.0.0.1")[0].status, 503)
            b = [RawWS(srv.host, srv.port, source="127.0.0.2") for _ in range(2)]
            self.assertTrue(all(ws.status == 101 for ws in a + b))
            for ws in a + b:
                ws.close()

    def test_ipv6_mapped_ipv4_counts_as_ipv4(self):
        with Server("--max-conn-per-ip", "2", "--stats-interval", "30", host="::") as srv:
            first = RawWS("127.0.0.1", srv.port)
            mapped = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            mapped.settimeout(5)
            mapped.connect(("::ffff:127.0.0.1", srv.port))
            mapped.sendall(handshake_bytes("127.0.0.1", srv.port))
            self.assertIn(b" 101 ", mapped.recv(4096).split(b"\r\n")[0])
            third = RawWS("127.0.0.1", srv.port)
            self.assertEqual(third.status, 503)
            log = srv.log()
            self.assertNotIn("::ffff:", log)
            self.assertIn("peer=127.0.0.1", log)
            for s in (first, third):
                s.close()
            mapped.close()

    def test_ipv6_clients_counted_per_64(self):
        # Addresses come through a trusted proxy: loopback offers no second IPv6 address to connect from.
        with Server("--max-conn-per-ip", "2", "--trusted-proxy", "127.0.0.1", "--stats-interval", "30") as srv:
            xff = lambda ip: {"X-Forwarded-For": ip}  # noqa: E731
            a = [RawWS(srv.host, srv.port, extra=xff(ip)) for ip in ("2001:db8:1:2::1", "2001:DB8:1:2:ffff::9")]
            self.assertTrue(all(ws.status == 101 for ws in a))
            refused, body = raw_handshake(srv, extra=xff("2001:db8:1:2:abcd::1"))
            self.assertEqual(refused.status, 503)
            self.assertEqual(json.loads(body)["limit"], 2)
            other = RawWS(srv.host, srv.port, extra=xff("2001:db8:1:3::1"))
            self.assertEqual(other.status, 101)
            for ws in a + [other, refused]:
                ws.close()
        with Server("--max-conn-per-ip", "2", "--trusted-proxy", "127.0.0.1", "--ipv6-prefix", "128",
                    "--stats-interval", "30") as srv:
            a = [RawWS(srv.host, srv.port, extra=xff(f"2001:db8:1:2::{i}")) for i in range(1, 4)]
            self.assertTrue(all(ws.status == 101 for ws in a))
            for ws in a:
                ws.close()

    def test_forwarded_for_only_from_trusted_proxy(self):
        with Server("--max-conn-per-ip", "2", "--trusted-proxy", "127.0.0.1", "--stats-interval", "30") as srv:
            xff = lambda ip: {"X-Forwarded-For": f"203.0.113.9, {ip}"}  # noqa: E731
            a = [RawWS(srv.host, srv.port, extra=xff("10.0.0.1")) for _ in range(2)]
            self.assertTrue(all(ws.status == 101 for ws in a))
            self.assertEqual(raw_handshake(srv, extra=xff("10.0.0.1"))[0].status, 503)
            b = RawWS(srv.host, srv.port, extra=xff("10.0.0.2"))
            self.assertEqual(b.status, 101)
            # from another (untrusted) address the header is ignored: that address is the key
            c = [RawWS(srv.host, srv.port, source="127.0.0.3", extra=xff("10.0.0.%d" % i)) for i in range(5, 7)]
            self.assertTrue(all(ws.status == 101 for ws in c))
            self.assertEqual(raw_handshake(srv, source="127.0.0.3", extra=xff("10.0.0.9"))[0].status, 503)
            self.assertIn("addr=10.0.0.1", srv.log())
            for ws in a + [b] + c:
                ws.close()


class CapacityTest(unittest.TestCase):
    def test_newcomer_evicts_longest_idle_with_1013(self):
        with Server("--max-connections", "3", "--stats-interval", "30") as srv:
            clients = []
            for _ in range(3):
                ws = RawWS(srv.host, srv.port)
                ws.recv_json()
                ws.recv_json()
                clients.append(ws)
                time.sleep(0.05)
            clients[0].send_text('{"type":"hello"}')  # the first becomes the most recently active
            time.sleep(0.2)
            newcomer = RawWS(srv.host, srv.port)
            self.assertEqual(newcomer.status, 101)
            self.assertEqual(newcomer.recv_json()["type"], "connection_ack")
            code, reason = clients[1].wait_close()
            self.assertEqual(code, 1013)
            self.assertIn("max-connections=3", reason)
            for survivor in (clients[0], clients[2], newcomer):
                survivor.send_text('{"type":"get_stats"}')
                msg = survivor.recv_json()
                while msg["type"] != "stats_update":
                    msg = survivor.recv_json()
            log = srv.log()
            self.assertIn("ws.evicted", log)
            self.assertIn("max_connections=3", log)
            _, _, m = srv.request("GET", "/metrics")
            text = m.decode()
            self.assertEqual(metric(text, "lineaged_ws_evicted_total"), 1)
            self.assertEqual(metric(text, "lineaged_ws_connections"), 3)
            for ws in clients + [newcomer]:
                ws.close()


if __name__ == "__main__":
    main()

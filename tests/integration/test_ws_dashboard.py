"""Dashboard WebSocket: connection_ack, stats_update, envelope, broadcasts, validation, client messages."""

import asyncio
import json
import os
import sys
import tempfile
import time
import unittest
from datetime import datetime

import websockets

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, main, run_cli  # noqa: E402
from ws_helpers import (ISO_RE, RawWS, complete, error_event, metric, post_events, progress, query,  # noqa: E402
                        started)

PARSE_FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "parse")


async def recv_json(ws, timeout=5):
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def recv_until(ws, wanted, timeout=5):
    """Messages up to and including the first of type `wanted`."""
    got = []
    deadline = time.monotonic() + timeout
    while True:
        msg = await recv_json(ws, max(0.05, deadline - time.monotonic()))
        got.append(msg)
        if msg["type"] == wanted:
            return got


class DashboardTest(unittest.TestCase):
    def test_ack_first_then_stats_with_envelope(self):
        with Server("--stats-interval", "30") as srv:
            async def scenario():
                async with websockets.connect(srv.ws_url) as ws:
                    return [await recv_json(ws) for _ in range(2)]
            ack, stats = asyncio.run(scenario())
            self.assertEqual(ack["type"], "connection_ack")
            self.assertEqual(stats["type"], "stats_update")
            for msg in (ack, stats):
                self.assertEqual(set(msg), {"type", "data", "timestamp"})
                self.assertRegex(msg["timestamp"], ISO_RE)
            self.assertLessEqual(ack["timestamp"], stats["timestamp"])
            for key in ("totalNodes", "totalEdges", "filesProcessed", "databaseTables", "activeQueries"):
                self.assertIsInstance(stats["data"][key], int)
            self.assertEqual(set(stats["data"]["trends"]["nodes"]), {"value", "isPositive"})
            self.assertIn("trendWindowSeconds", stats["data"])

    def test_stats_every_interval_and_equal_to_rest(self):
        with Server("--stats-interval", "0.5") as srv:
            async def scenario():
                async with websockets.connect(srv.ws_url) as ws:
                    msgs = []
                    while len([m for m in msgs if m["type"] == "stats_update"]) < 5:
                        msgs.append(await recv_json(ws, timeout=30))
                    return msgs
            msgs = asyncio.run(scenario())
            stats = [m for m in msgs if m["type"] == "stats_update"]
            self.assertEqual([m["type"] for m in msgs], ["connection_ack"] + ["stats_update"] * 5)
            # the welcome snapshot, then ticks on a fixed-rate grid: a tick that fired late may be
            # followed sooner by an on-time one, but never within half an interval (server time, taken
            # when the tick fires); their rate is measured in bench/ (bench_ws), not here
            stamps = [datetime.strptime(m["timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ") for m in stats[1:]]
            for a, b in zip(stamps, stamps[1:]):
                self.assertGreaterEqual((b - a).total_seconds(), 0.2, stats)
            status, rest = srv.get_json("/api/v1/stats")
            self.assertEqual(status, 200)
            self.assertEqual(rest, stats[-1]["data"])

    def test_clients_share_one_snapshot_per_tick(self):
        with Server("--stats-interval", "0.4") as srv:
            seen = [dict() for _ in range(3)]  # per client: tick timestamp -> data

            def common():
                return set.intersection(*(set(s) for s in seen))

            async def one(i, connected, all_in):
                async with websockets.connect(srv.ws_url) as ws:
                    await recv_json(ws)
                    await recv_json(ws)  # the welcome snapshot is per connection
                    connected.release()
                    await all_in.wait()
                    # ticks sent before the last client joined reach only some: read until two reached all
                    while len(common()) < 2:
                        msg = await recv_json(ws, timeout=15)
                        self.assertEqual(msg["type"], "stats_update")
                        seen[i][msg["timestamp"]] = msg["data"]

            async def scenario():
                connected, all_in = asyncio.Semaphore(0), asyncio.Event()
                tasks = [asyncio.create_task(one(i, connected, all_in)) for i in range(3)]
                for _ in tasks:
                    await connected.acquire()
                all_in.set()
                await asyncio.wait_for(asyncio.gather(*tasks), 30)
            asyncio.run(scenario())
            for stamp in common():
                self.assertEqual(seen[0][stamp], seen[1][stamp])
                self.assertEqual(seen[0][stamp], seen[2][stamp])

    def test_stats_of_an_ingested_database_are_the_same_over_rest_and_websocket(self):
        names = [f for f in sorted(os.listdir(PARSE_FIXTURES)) if f.endswith(".sql")]
        paths = [os.path.join(PARSE_FIXTURES, f) for f in names]
        # What the stats must say, worked out from `lineaged parse` rather than from the graph itself.
        docs = json.loads(run_cli("parse", *paths).stdout)
        tables = {n for d in docs for st in d["statements"] for n in st["reads"] + st["writes"]}
        clean = [d for d in docs if not d["errors"]]
        self.assertTrue(0 < len(clean) < len(docs), "the fixtures include a file with errors")
        with tempfile.TemporaryDirectory() as tmp:
            db = os.path.join(tmp, "seeded.duckdb")
            r = run_cli("ingest", "--db", db, *paths)
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)  # 1: broken.sql has parse errors
            with Server("--stats-interval", "0.5", db=db) as srv:
                async def scenario():
                    async with websockets.connect(srv.ws_url) as ws:
                        return await recv_until(ws, "stats_update", timeout=15)
                welcome = asyncio.run(scenario())[-1]["data"]
                status, rest = srv.get_json("/api/v1/stats")
        self.assertEqual(status, 200)
        self.assertEqual(rest, welcome)
        self.assertEqual(rest["filesProcessed"], len(clean))
        self.assertEqual(rest["databaseTables"], len(tables))
        # each count is its own: columns and files are nodes, but not tables
        self.assertGreater(rest["totalNodes"], rest["databaseTables"])
        self.assertGreater(rest["totalEdges"], 0)
        self.assertEqual(len({rest[k] for k in ("totalNodes", "totalEdges", "filesProcessed", "databaseTables")}), 4)

    def test_broadcast_every_type_in_order_with_non_decreasing_timestamps(self):
        with Server("--debug-events", "--stats-interval", "0.3") as srv:
            events = [started("ing-1", 2), progress("ing-1", 1, 2), progress("ing-1", 2, 2), complete("ing-1", 2),
                      query(), error_event()]
            async def client(connected):
                async with websockets.connect(srv.ws_url) as ws:
                    await recv_json(ws)
                    await recv_json(ws)
                    connected.release()
                    got = []
                    while len([m for m in got if m["type"] != "stats_update"]) < 6:
                        got.append(await recv_json(ws, timeout=15))
                    return got
            async def scenario():
                connected = asyncio.Semaphore(0)
                tasks = [asyncio.create_task(client(connected)) for _ in range(2)]
                for _ in tasks:  # both subscribed before anything is published
                    await connected.acquire()
                await asyncio.get_running_loop().run_in_executor(None, post_events, srv, events)
                return await asyncio.gather(*tasks)
            results = asyncio.run(scenario())
            for got in results:
                stamps = [m["timestamp"] for m in got]
                self.assertEqual(stamps, sorted(stamps))
                for m in got:
                    self.assertRegex(m["timestamp"], ISO_RE)
                types = [m["type"] for m in got if m["type"] != "stats_update"]
                self.assertEqual(types, ["ingestion_started", "ingestion_progress", "ingestion_progress",
                                         "ingestion_complete", "query_complete", "error"])
                err = [m for m in got if m["type"] == "error"][0]["data"]
                self.assertEqual(err["severity"], "error")
                self.assertEqual(err["error_type"], "ingestion_failed")
            other = [m for m in results[1] if m["type"] != "stats_update"]
            self.assertEqual([m["data"] for m in results[0] if m["type"] != "stats_update"], [m["data"] for m in other])

    def test_invalid_events_are_counted_logged_and_skipped(self):
        with Server("--debug-events", "--stats-interval", "30") as srv:
            bad = [
                {"type": "ingestion_started", "data": {"source": "upload", "total_files": 1, "project_id": None}},
                {"type": "ingestion_started", "data": {"ingestion_id": "x", "source": "ftp", "total_files": 1,
                                                       "project_id": None}},
                {"type": "query_complete", "data": {"query_type": "graph", "latency_ms": "slow", "status": "ok"}},
                {"type": "query_complete", "data": {"query_type": "graph", "latency_ms": 3, "status": "ok",
                                                    "query": "SELECT secret FROM t"}},
                error_event("Segfault at 0x7ffd5e8a1c20 in /src/server/ws.c:120"),
                error_event("Query failed: SELECT * FROM users WHERE 1=1"),
                {"type": "error", "data": {"error_type": "x", "severity": "fatal", "message": "Bad."}},
                {"type": "no_such_type", "data": {}},
                {"type": "connection_ack", "data": {"client_id": 1}},
                {"type": "ingestion_complete", "data": "not an object"},
            ]
            async def scenario():
                async with websockets.connect(srv.ws_url) as ws:
                    await recv_json(ws)
                    await recv_json(ws)
                    await asyncio.get_running_loop().run_in_executor(None, post_events, srv, bad + [error_event()])
                    msg = await recv_json(ws)
                    return msg
            msg = asyncio.run(scenario())
            self.assertEqual(msg["type"], "error")
            self.assertEqual(msg["data"]["message"], "The upload could not be read.")
            _, _, body = srv.request("GET", "/metrics")
            self.assertEqual(metric(body.decode(), "lineaged_ws_messages_invalid_total"), len(bad))
            self.assertEqual(srv.log().count("ws.event_invalid"), len(bad))

    def test_client_messages_accepted_junk_counted(self):
        with Server("--stats-interval", "30") as srv:
            async def scenario():
                async with websockets.connect(srv.ws_url) as ws:
                    await recv_json(ws)
                    await recv_json(ws)
                    await ws.send(json.dumps({"type": "hello", "page": "dashboard"}))
                    await ws.send("not json {")
                    await ws.send(b"\x00\x01binary")
                    await ws.send("[1, 2, 3]")
                    await ws.send(json.dumps({"type": "get_stats"}))
                    reply = await recv_json(ws)
                    pong = await ws.ping()
                    await asyncio.wait_for(pong, 5)
                    return reply
            reply = asyncio.run(scenario())
            self.assertEqual(reply["type"], "stats_update")
            _, _, body = srv.request("GET", "/metrics")
            text = body.decode()
            self.assertEqual(metric(text, 'lineaged_ws_client_messages_total{result="ok"}'), 3)
            self.assertEqual(metric(text, 'lineaged_ws_client_messages_total{result="junk"}'), 2)

    def test_message_size_limit_64k(self):
        with Server("--stats-interval", "30") as srv:
            async def scenario(size):
                async with websockets.connect(srv.ws_url, max_size=None) as ws:
                    await recv_json(ws)
                    await recv_json(ws)
                    await ws.send(json.dumps({"type": "get_stats", "pad": "x" * (size - 33)}).ljust(size))
                    try:
                        reply = await recv_json(ws)
                        return "open", reply["type"]
                    except websockets.ConnectionClosed as closed:
                        return closed.code, closed.reason
            just_under = asyncio.run(scenario(65536))
            self.assertEqual(just_under, ("open", "stats_update"))
            code, reason = asyncio.run(scenario(65537))
            self.assertEqual(code, 1009)
            self.assertIn("65536", reason)
            self.assertIn("error=message_too_big", srv.log())

    def test_disconnect_logged_tracking_released_reconnect(self):
        with Server("--stats-interval", "30", "--max-conn-per-ip", "1") as srv:
            async def once():
                async with websockets.connect(srv.ws_url, origin=srv.base) as ws:
                    ack = await recv_json(ws)
                    await recv_json(ws)
                    return ack
            for _ in range(3):  # per-IP limit 1: each reconnect works only if the last one was released
                self.assertEqual(asyncio.run(once())["type"], "connection_ack")
            # a client that vanishes without a close frame is cleaned up too
            raw = RawWS(srv.host, srv.port)
            self.assertEqual(raw.status, 101)
            raw.recv_json()
            raw.close()
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                _, health = srv.get_json("/health")
                if health["websocket"]["connections"] == 0:
                    break
                time.sleep(0.05)
            self.assertEqual(health["websocket"]["connections"], 0)
            self.assertEqual(asyncio.run(once())["type"], "connection_ack")
            # the last client's close handshake is over for the client before the server logs it
            deadline = time.monotonic() + 5
            while True:
                log = srv.log()
                lines = [line for line in log.splitlines() if "ws.disconnected" in line]
                if len(lines) >= 5 or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            self.assertEqual(len(lines), 5, log)
            for key in ("id=", "peer=127.0.0.1", "duration_s=", "messages_sent=", "close_code="):
                self.assertIn(key, lines[0])
            self.assertIn(f'origin="{srv.base}"', lines[0])
            self.assertIn("close_code=1000", lines[0])
            self.assertIn("close_code=1006", lines[3])

    def test_dead_peer_found_by_ping_policy(self):
        with Server("--stats-interval", "30", "--ws-ping-interval", "1", "--ws-idle-timeout", "2") as srv:
            async def live_client():
                # websockets answers pings by itself: this client never sends a message of its own
                async with websockets.connect(srv.ws_url, ping_interval=None) as ws:
                    await recv_json(ws)
                    await recv_json(ws)
                    await asyncio.sleep(4)
                    await ws.send('{"type":"get_stats"}')
                    return (await recv_until(ws, "stats_update"))[-1]

            t0 = time.monotonic()  # before the connection: the server's clocks start later
            raw = RawWS(srv.host, srv.port, timeout=15)
            raw.recv_json()
            raw.recv_json()
            # the silent peer is pinged after 1 s of silence and, never answering, closed after 2 s with 1001
            op, payload = raw.recv_frame()
            self.assertEqual(op, 0x9)
            self.assertGreaterEqual(time.monotonic() - t0, 0.9)  # not before its interval (timer slack aside)
            code, reason = raw.wait_close(timeout=15)
            self.assertEqual(code, 1001)
            self.assertIn("no answer to pings", reason)
            self.assertGreaterEqual(time.monotonic() - t0, 1.9)
            raw.close()
            # a peer that answers the pings outlives the idle timeout
            self.assertEqual(asyncio.run(live_client())["type"], "stats_update")
            log = srv.log()
            self.assertEqual(log.count("ws.idle_timeout"), 1, log)
            _, health = srv.get_json("/health")
            self.assertEqual(health["websocket"]["connections"], 0)

    def test_websocket_config_and_debug_route_off_by_default(self):
        with Server() as srv:
            status, body = srv.get_json("/api/v1/config/websocket")
            self.assertEqual(status, 200)
            self.assertEqual(body, {"websocket_url": f"ws://127.0.0.1:{srv.port}/admin/ws/dashboard"})
            status, _, _ = srv.request("POST", "/api/v1/debug/events", body=b"{}",
                                       headers={"Content-Type": "application/json"})
            self.assertEqual(status, 404)


if __name__ == "__main__":
    main()

"""A dashboard on a slow link: one large message (an ingestion_complete of 1,500 failed files, ~330 KB)
takes longer than --ws-idle-timeout to arrive, and the client sends nothing meanwhile (the server's ping
waits behind the message). The server dropped it as idle ("no answer to pings") while its bytes were
still being taken; a client whose TCP acknowledges them at --min-rate is alive. One that takes nothing
is still dropped, and so is one taking them below --min-rate."""

import contextlib
import os
import re
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import WAIT_S, Server, main  # noqa: E402
from ws_helpers import RawWS, frame, post_events  # noqa: E402

FILES = 1500
IDLE_ARGS = ("--debug-events", "--stats-interval", "1", "--ws-ping-interval", "2", "--ws-idle-timeout", "5", "--min-rate", "1024")


def failed_ingestion():
    names = [f"models/staging/some/deeper/folder/stg_file_{i:05d}.sql" for i in range(FILES)]
    return {"type": "ingestion_complete", "data": {
        "ingestion_id": "ing_00000000slowlink", "source": "upload", "status": "failed",
        "files": [{"file": n, "status": "error"} for n in names], "files_processed": 0, "files_failed": FILES,
        "total_nodes_created": 0, "duration_seconds": 3.0,
        "errors": [{"file": n, "error": f"{n}:1:1: syntax error: unexpected token at the start of a statement"}
                   for n in names]}}


class PacedWS(RawWS):
    """Reads `chunk` bytes every `pause` seconds through a small receive buffer, so that the bytes wait
    on the server's side as on a slow link, and answers pings as a browser does."""

    def __init__(self, srv, chunk, pause):
        self.chunk, self.pause = chunk, pause
        super().__init__(srv.host, srv.port, rcvbuf=4096, timeout=WAIT_S)

    def _need(self, n):
        while len(self.buf) < n:
            time.sleep(self.pause)
            data = self.sock.recv(self.chunk)
            if not data:
                raise ConnectionError("closed")
            self.buf += data

    def take_published(self, srv):
        """The failed ingestion, published meanwhile: until it begins the client answers the pings (a
        publish of ~330 KB takes seconds under ASan, longer than the idle timeout)."""
        publish = threading.Thread(target=post_events, args=(srv, [failed_ingestion()]))
        publish.start()
        try:
            while True:
                payload = self.next_message()
                if b'"ingestion_complete"' in payload[:40]:
                    return payload
        finally:
            publish.join()

    def next_message(self):
        while True:
            op, payload = self.recv_frame()
            if op == 0x9:
                self.send(frame(0xA, payload))
            elif op == 0x8:
                raise ConnectionError(f"closed by the server: {payload[2:]!r}")
            elif op == 0x1:
                return payload


def client_ids(log, event):
    return re.findall(rf"{event} id=(\d+)", log)


class SlowLinkTest(unittest.TestCase):
    def test_a_large_message_taken_slowly_is_not_idleness(self):
        with Server(*IDLE_ARGS) as srv:
            ws = PacedWS(srv, 2048, 0.1)  # ~20 KB/s: ~16 s for the message, 3 idle timeouts
            try:
                self.assertEqual(ws.status, 101)
                payload = ws.take_published(srv)
                self.assertGreater(len(payload), 300_000)
                self.assertIn(f'"files_failed":{FILES}'.encode(), payload)
                self.assertIn(b'"stats_update"', ws.next_message()[:40], "the connection lives on")
                self.assertEqual(client_ids(srv.log(), "ws.idle_timeout"), [])
            finally:
                ws.close()

    def idle_dropped(self, srv):
        """The ids of the clients the server dropped as idle, once client 1 is one of them (or WAIT_S passed)."""
        deadline = time.monotonic() + WAIT_S
        while "1" not in client_ids(srv.log(), "ws.idle_timeout") and time.monotonic() < deadline:
            time.sleep(0.1)
        return client_ids(srv.log(), "ws.idle_timeout")

    def test_a_client_that_takes_nothing_is_still_dropped(self):
        with Server(*IDLE_ARGS) as srv:
            still = RawWS(srv.host, srv.port, rcvbuf=4096)
            try:
                post_events(srv, [failed_ingestion()])
                self.assertEqual(self.idle_dropped(srv), ["1"])
            finally:
                still.close()

    def test_a_client_taking_bytes_below_min_rate_is_dropped(self):
        args = list(IDLE_ARGS)
        args[args.index("--min-rate") + 1] = "400000"
        with Server(*args) as srv:
            ws = PacedWS(srv, 2048, 0.1)  # ~20 KB/s, a twentieth of --min-rate
            try:
                # what the socket already held still arrives after the drop; the log says it came first
                with contextlib.suppress(ConnectionError, OSError):
                    ws.take_published(srv)
                self.assertEqual(client_ids(srv.log(), "ws.idle_timeout"), ["1"], "dropped while the message came")
            finally:
                ws.close()

if __name__ == "__main__":
    main()

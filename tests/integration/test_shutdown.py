"""SIGTERM/SIGINT: clients get close 1001, the server exits 0 and says so in its log, without waiting
out its close grace for clients that answer. The README's "within two seconds" is a timing target:
bench/scenario_shutdown.py measures it; here the bounds only catch a hang, so load cannot fail them."""

import asyncio
import os
import signal
import sys
import unittest

import websockets

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, main  # noqa: E402
from ws_helpers import RawWS  # noqa: E402

HANG_S = 30  # far above the 1.5 s close grace: only a server that waits for nothing in particular fails it


class ShutdownTest(unittest.TestCase):
    def shutdown_with_client(self, sig):
        with Server() as srv:
            async def scenario():
                async with websockets.connect(srv.ws_url, open_timeout=HANG_S) as ws:
                    await asyncio.wait_for(ws.recv(), timeout=HANG_S)  # connection_ack: it is registered
                    srv.proc.send_signal(sig)
                    try:
                        while True:
                            await asyncio.wait_for(ws.recv(), timeout=HANG_S)
                    except websockets.ConnectionClosed as closed:
                        return closed.code
            self.assertEqual(asyncio.run(scenario()), 1001)
            self.assertEqual(srv.proc.wait(HANG_S), 0, srv.log())
            log = srv.log()
            # in this order: the stop, the client gone, the end; the client answered the close, so
            # the server went on at once instead of waiting out its grace and dropping it
            order = [log.find(e) for e in ("server.stopping", "ws.disconnected", "server.stopped")]
            self.assertTrue(-1 < order[0] < order[1] < order[2], (order, log[-2000:]))
            self.assertIn("server.stopped clients_left=0 clients_dropped=0", log)

    def test_sigterm_with_client(self):
        self.shutdown_with_client(signal.SIGTERM)

    def test_sigint_with_client(self):
        self.shutdown_with_client(signal.SIGINT)

    def test_a_client_that_never_answers_the_close_is_dropped_after_the_grace(self):
        with Server() as srv:
            silent = RawWS(srv.host, srv.port, timeout=HANG_S)
            self.assertEqual(silent.status, 101)
            silent.recv_json()  # connection_ack; then it reads and answers nothing
            code, _ = srv.stop(timeout=HANG_S)
            self.assertEqual(code, 0, srv.log())
            self.assertIn("server.stopped clients_left=0 clients_dropped=1", srv.log())
            silent.sock.close()

    def test_sigterm_idle(self):
        with Server() as srv:
            code, _ = srv.stop(timeout=HANG_S)
            self.assertEqual(code, 0, srv.log())
            self.assertIn("server.stopped clients_left=0 clients_dropped=0", srv.log())

    def test_wrong_websocket_path_is_404(self):
        with Server() as srv:
            async def scenario():
                with self.assertRaises(websockets.InvalidStatusCode) as cm:
                    async with websockets.connect(f"ws://{srv.host}:{srv.port}/other", open_timeout=5):
                        pass
                return cm.exception.status_code
            self.assertEqual(asyncio.run(scenario()), 404)


if __name__ == "__main__":
    main()

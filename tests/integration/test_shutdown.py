"""SIGTERM/SIGINT: clients get close 1001, the server exits 0 within 2 s and says so in its log."""

import asyncio
import os
import signal
import sys
import time
import unittest

import websockets

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, main  # noqa: E402


class ShutdownTest(unittest.TestCase):
    def shutdown_with_client(self, sig):
        with Server() as srv:
            async def scenario():
                async with websockets.connect(srv.ws_url, open_timeout=5) as ws:
                    await asyncio.sleep(0.2)
                    t0 = time.monotonic()
                    srv.proc.send_signal(sig)
                    try:
                        while True:
                            await asyncio.wait_for(ws.recv(), timeout=5)
                    except websockets.ConnectionClosed as closed:
                        return closed.code, time.monotonic() - t0
            code, close_after = asyncio.run(scenario())
            self.assertEqual(code, 1001)
            t0 = time.monotonic()
            exit_code = srv.proc.wait(5)
            self.assertEqual(exit_code, 0, srv.log())
            self.assertLess(close_after + (time.monotonic() - t0), 2.0)
            log = srv.log()
            self.assertIn("server.stopping", log)
            self.assertIn("server.stopped", log)
            self.assertIn("ws.disconnected", log)

    def test_sigterm_with_client(self):
        self.shutdown_with_client(signal.SIGTERM)

    def test_sigint_with_client(self):
        self.shutdown_with_client(signal.SIGINT)

    def test_sigterm_idle(self):
        with Server() as srv:
            code, took = srv.stop()
            self.assertEqual(code, 0, srv.log())
            self.assertLess(took, 2.0)

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

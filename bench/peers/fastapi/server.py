"""bench_ws fan-out peer: the broadcast server a FastAPI user would write (Debian's python3-fastapi on
python3-uvicorn, with uvloop and httptools as uvicorn picks them up), serving the three routes bench_ws
drives on lineaged and raw_broadcast:
  GET  /health                -> 200
  GET  /admin/ws/dashboard    -> WebSocket; connection_ack, then stats_update
  POST /api/v1/debug/events   -> 202 after {"type","data","timestamp"} went to every client
The broadcast is FastAPI's documented pattern (a set of connections, send_text to each in turn), with
the event serialised once.
usage: /usr/bin/python3 server.py PORT   (listens on 127.0.0.1; SIGTERM or SIGINT exits 0)
"""
import datetime
import json
import sys

import uvicorn
from fastapi import FastAPI, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse

BODY_MAX = 64 * 1024  # what lineaged and raw_broadcast take too

app = FastAPI()
clients = set()


def iso_now():
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (now.microsecond // 1000)


def dumps(obj):
    return json.dumps(obj, separators=(",", ":"))


@app.get("/health")
async def health():
    return {"status": "ok"}


@app.websocket("/admin/ws/dashboard")
async def dashboard(ws: WebSocket):
    await ws.accept()
    clients.add(ws)
    try:
        stamp = iso_now()
        await ws.send_text(dumps({"type": "connection_ack", "data": {"server": "fastapi"}, "timestamp": stamp}))
        await ws.send_text(dumps({"type": "stats_update", "data": {"connections": len(clients)}, "timestamp": stamp}))
        while True:
            await ws.receive()  # client frames are not needed; a close ends the loop
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        clients.discard(ws)


@app.post("/api/v1/debug/events")
async def publish(request: Request):
    declared = request.headers.get("content-length", "")
    if not declared.isdigit() or int(declared) > BODY_MAX:
        return JSONResponse({"error": "too_large"}, status_code=413)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > BODY_MAX:
            return JSONResponse({"error": "too_large"}, status_code=413)
    try:
        ev = json.loads(body)
    except ValueError:
        ev = None
    if not isinstance(ev, dict) or not isinstance(ev.get("type"), str) or not isinstance(ev.get("data"), dict):
        return JSONResponse({"error": "bad_event"}, status_code=400)
    message = dumps({"type": ev["type"], "data": ev["data"], "timestamp": iso_now()})
    for ws in list(clients):
        try:
            await ws.send_text(message)
        except Exception:  # a client that went away mid-broadcast; its own handler removes it
            clients.discard(ws)
    return JSONResponse({"published": 1, "refused": 0}, status_code=202)


def main():
    port = int(sys.argv[1]) if len(sys.argv) == 2 and sys.argv[1].isdigit() else 0
    if not 0 < port <= 65535:
        sys.stderr.write("usage: server.py PORT\n")
        sys.exit(2)
    # No pings: the load client does not answer them (lineaged runs with --ws-ping-interval 3600 there).
    # uvicorn's default backlog: with 4096 pending, a 20,000-client connect storm ended with none
    # accepted (every handshake waited behind the accepts until the client gave up).
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", backlog=2048, ws_max_size=BODY_MAX,
                ws_per_message_deflate=False, ws_ping_interval=None, ws_ping_timeout=None, timeout_keep_alive=5)


if __name__ == "__main__":
    main()

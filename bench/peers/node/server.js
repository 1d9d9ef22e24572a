// bench_ws fan-out peer: the broadcast server a Node user would write with npm `ws`, serving the
// same three routes bench_ws drives on lineaged and raw_broadcast:
//   GET  /health                -> 200
//   GET  /admin/ws/dashboard    -> WebSocket; connection_ack, then stats_update
//   POST /api/v1/debug/events   -> 202, then {"type","data","timestamp"} sent to every client
// The event is serialised once per broadcast and the same Buffer handed to every client.
// usage: node server.js PORT   (listens on 127.0.0.1; SIGTERM or SIGINT exits 0)
'use strict';
const http = require('http');
const { WebSocketServer } = require('ws');

const BODY_MAX = 64 * 1024; // what lineaged and raw_broadcast take too
const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  process.stderr.write('usage: node server.js PORT\n');
  process.exit(2);
}

function reply(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), Connection: 'close' });
  res.end(text);
}

function broadcast(body) {
  let ev;
  try {
    ev = JSON.parse(body);
  } catch {
    return false;
  }
  if (!ev || typeof ev.type !== 'string' || typeof ev.data !== 'object' || ev.data === null) return false;
  const frame = Buffer.from(JSON.stringify({ type: ev.type, data: ev.data, timestamp: new Date().toISOString() }));
  for (const client of wss.clients) client.send(frame, { binary: false });
  return true;
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') return reply(res, 200, { status: 'ok' });
  if (req.method !== 'POST' || req.url !== '/api/v1/debug/events') return reply(res, 404, { error: 'not_found' });
  const declared = Number(req.headers['content-length']);
  if (!Number.isInteger(declared) || declared > BODY_MAX) return reply(res, 413, { error: 'too_large' });
  const parts = [];
  let got = 0;
  req.on('data', (chunk) => {
    got += chunk.length;
    if (got > BODY_MAX) {
      reply(res, 413, { error: 'too_large' });
      req.destroy();
      return;
    }
    parts.push(chunk);
  });
  req.on('end', () => {
    if (got > BODY_MAX) return;
    if (!broadcast(Buffer.concat(parts).toString('utf8'))) return reply(res, 400, { error: 'bad_event' });
    reply(res, 202, { published: 1, refused: 0 });
  });
});
server.headersTimeout = 10000;
server.requestTimeout = 10000;

const wss = new WebSocketServer({ server, path: '/admin/ws/dashboard', maxPayload: BODY_MAX, perMessageDeflate: false });
wss.on('connection', (ws) => {
  const timestamp = new Date().toISOString();
  ws.send(JSON.stringify({ type: 'connection_ack', data: { server: 'node-ws' }, timestamp }));
  ws.send(JSON.stringify({ type: 'stats_update', data: { connections: wss.clients.size }, timestamp }));
  ws.on('error', () => ws.terminate());
});

server.listen({ host: '127.0.0.1', port, backlog: 65535 });
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));

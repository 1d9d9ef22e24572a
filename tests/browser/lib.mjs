// Shared helpers for the browser tests: chromium via playwright-core, the real server, a minimal
// HTTP + WebSocket server for scripted events, and a tiny test runner.
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(here, '../..');
export const INDEX_HTML = path.join(REPO, 'web/index.html');
export const WS_PATH = '/admin/ws/dashboard';

/* How long a wait for something that will happen may take before it counts as a hang: generous, since
   it ends as soon as the condition holds. Chromium and an ASan server on a machine at load 15-28 took
   more than the 5 s this was. What a test says about speed goes in its own assertion, never here. */
export const WAIT_MS = 30000;

// NODE_PATH is ignored by ESM `import`; resolve playwright-core through require instead.
function loadPlaywright() {
  const bases = [process.env.NODE_PATH, path.join(REPO, 'node_modules')].filter(Boolean);
  let lastError;
  for (const base of bases) {
    for (const dir of base.split(path.delimiter).filter(Boolean)) {
      try {
        return createRequire(path.join(path.resolve(dir), '/'))('playwright-core');
      } catch (e) {
        lastError = e;
      }
    }
  }
  throw new Error(`playwright-core not found (run: bash scripts/setup.sh --test): ${lastError && lastError.message}`);
}

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];

// A fresh profile per run; returns { context, close }. `args`: more chromium flags.
export async function launchBrowser({ viewport = { width: 1280, height: 800 }, args = [] } = {}) {
  const { chromium } = loadPlaywright();
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'lineaged-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [...CHROMIUM_ARGS, ...args],
    viewport,
  });
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

// Opens a page that records uncaught exceptions and CSP violations, which every test treats as failures.
/* The `before` of most browser tests: the server started (disposed of if that fails), then a page. */
export async function startWithPage(server, { viewport } = {}) {
  try {
    await server.start();
  } catch (e) {
    await server.dispose();
    throw e;
  }
  const browser = await launchBrowser({ viewport });
  return { server, browser, page: await openPage(browser.context) };
}

/* The matching `after`. */
export async function closeWithPage(ctx) {
  await ctx.browser.close();
  await ctx.server.dispose();
}

export async function openPage(context) {
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`uncaught: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) page.problems.push(`csp: ${m.text()}`);
  });
  return page;
}

export function assertNoProblems(page) {
  if (page.problems.length) throw new Error(`page problems:\n  ${page.problems.join('\n  ')}`);
}

// A port below the ephemeral range (32768+), like the Python harness: a port the OS hands out for
// listen(0) can be taken next by an outgoing connection of a test running in parallel.
export async function freePort() {
  for (let i = 0; i < 200; i++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    const free = await new Promise((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port in 20000-31999');
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(fn, { timeout = WAIT_MS, interval = 50, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    }
    await sleep(interval);
  }
}

// Each request on a connection of its own (agent: false). Node 20's global agent keeps connections
// alive: a test's first request went out on the one /health had used before the browser started, and
// under ASan at load 17 it failed once with "socket hang up": the server ends an idle connection after
// about 5 s (4.5 s measured), about when a loaded machine had the browser up. No test here is about
// reusing connections.
export function httpGet(url) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let json;
        try { json = JSON.parse(body); } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, body, json });
      });
    });
    req.on('error', reject);
    req.setTimeout(WAIT_MS, () => req.destroy(new Error(`GET ${url} timed out`)));
  });
}

export function httpPostJson(url, body) {
  return new Promise((resolve, reject) => {
    const payload = Buffer.from(JSON.stringify(body));
    const req = http.request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': payload.length } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode, body: text, json });
      });
    });
    req.on('error', reject);
    req.setTimeout(WAIT_MS, () => req.destroy(new Error(`POST ${url} timed out`)));
    req.end(payload);
  });
}

// Every server a test started and has not disposed of: each way out of the run stops them (see run()).
const live = new Set();

// A synchronous last resort for exits nobody awaited (process.exit, an uncaught exception).
process.on('exit', () => {
  for (const server of live) {
    if (server.proc && server.proc.exitCode === null && server.proc.signalCode === null) server.proc.kill('SIGKILL');
    fs.rmSync(server.tmp, { recursive: true, force: true });
  }
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => finish(1));

// `lineaged serve` on a free loopback port with a throw-away database, as the brief prescribes.
export class Lineaged {
  // `ingest`: SQL files put into the database with `lineaged ingest` before the first start.
  // `maxFileBytes`: no file of the server may grow past it (RLIMIT_FSIZE through prlimit, which binds
  // root too; SIGXFSZ ignored, so a write past it fails with EFBIG): its database refuses writes for real.
  constructor({ bin = process.env.LINEAGED_BIN || path.join(REPO, 'build/lineaged'), args = [], ingest = [], maxFileBytes = 0 } = {}) {
    this.bin = path.resolve(bin);
    this.extra = args;
    this.ingest = ingest;
    this.maxFileBytes = maxFileBytes;
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lineaged-browser-'));
    this.log = '';
    this.proc = null;
  }

  get base() { return `http://127.0.0.1:${this.port}`; }

  // A free port can be taken by another process before the server binds it: then try another one
  // (or, on a restart that must keep its port, the same one again a little later).
  async start() {
    if (!fs.existsSync(this.bin)) throw new Error(`server binary not found: ${this.bin} (set LINEAGED_BIN or run make)`);
    live.add(this);
    if (this.ingest.length) {
      const files = this.ingest;
      this.ingest = [];
      const r = spawnSync(this.bin, ['ingest', '--db', path.join(this.tmp, 'l.duckdb'), ...files],
        { cwd: this.tmp, encoding: 'utf8', timeout: 60000 });
      // 1 only says that some file had errors; anything else means no usable database
      if (r.status !== 0 && r.status !== 1) throw new Error(`lineaged ingest exited with ${r.status}:\n${r.stdout}${r.stderr}`);
    }
    const keepPort = Boolean(this.port);
    for (let attempt = 1; ; attempt++) {
      if (!keepPort) this.port = await freePort();
      const exit = await this.launch();
      if (exit === null) return;
      if (!/listen/i.test(this.log) || attempt >= 5) throw new Error(`server exited with ${exit}:\n${this.log}`);
      await sleep(200 * attempt);
    }
  }

  // Resolves null once /health answers 200, or the exit code if the process ended first.
  async launch() {
    const args = ['serve', '--host', '127.0.0.1', '--port', String(this.port),
      '--db', path.join(this.tmp, 'l.duckdb'), '--data-dir', path.join(this.tmp, 'data'),
      '--stats-interval', '1', ...this.extra];
    this.log = '';
    const proc = this.maxFileBytes
      ? spawn('/bin/sh', ['-c', `trap '' XFSZ; exec prlimit --fsize=${this.maxFileBytes} -- "$@"`, 'sh', this.bin, ...args],
        { cwd: this.tmp, stdio: ['ignore', 'ignore', 'pipe'] })
      : spawn(this.bin, args, { cwd: this.tmp, stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc = proc;
    proc.on('error', (e) => { this.log += `spawn failed: ${e.message}\n`; });
    proc.stderr.on('data', (d) => { this.log = (this.log + d.toString()).slice(-20000); });
    const deadline = Date.now() + 20000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        this.proc = null;
        // its last log lines may still be in the pipe: they decide whether to retry
        if (proc.stderr.readable) await new Promise((r) => proc.stderr.once('close', r));
        return proc.exitCode ?? proc.signalCode;
      }
      const r = await httpGet(`${this.base}/health`).catch(() => null);
      if (r && r.status === 200) return null;
      await sleep(50);
    }
    throw new Error(`server not ready within 20 s:\n${this.log}`);
  }

  // SIGTERM; resolves with the exit status (a number, or the signal name if it died of one).
  async stop() {
    const proc = this.proc;
    if (!proc) return null;
    this.proc = null;
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10000);
      await exited;
      clearTimeout(timer);
    }
    return proc.exitCode ?? proc.signalCode;
  }

  async dispose() {
    await this.stop();
    fs.rmSync(this.tmp, { recursive: true, force: true });
    live.delete(this);
  }
}

// ---- Minimal RFC 6455 server side: handshake, unmasked server frames, masked client frames ----

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export function encodeFrame(opcode, payload) {
  const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload ?? '', 'utf8');
  let header;
  if (data.length < 126) {
    header = Buffer.from([0x80 | opcode, data.length]);
  } else if (data.length < 65536) {
    header = Buffer.alloc(4);
    header[0] = 0x80 | opcode;
    header[1] = 126;
    header.writeUInt16BE(data.length, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = 0x80 | opcode;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(data.length), 2);
  }
  return Buffer.concat([header, data]);
}

class WsClient {
  constructor(socket, req) {
    this.socket = socket;
    this.path = req.url;
    this.origin = req.headers.origin;
    this.received = [];
    this.closed = false;
    this.buf = Buffer.alloc(0);
    socket.on('data', (d) => this.onData(d));
    socket.on('close', () => { this.closed = true; });
    socket.on('error', () => { this.closed = true; });
  }

  onData(chunk) {
    this.buf = Buffer.concat([this.buf, chunk]);
    for (;;) {
      if (this.buf.length < 2) return;
      const opcode = this.buf[0] & 0x0f;
      const masked = (this.buf[1] & 0x80) !== 0;
      let len = this.buf[1] & 0x7f;
      let off = 2;
      if (len === 126) {
        if (this.buf.length < 4) return;
        len = this.buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (this.buf.length < 10) return;
        len = Number(this.buf.readBigUInt64BE(2));
        off = 10;
      }
      const maskOff = off;
      if (masked) off += 4;
      if (this.buf.length < off + len) return;
      const payload = Buffer.from(this.buf.subarray(off, off + len));
      if (masked) for (let i = 0; i < len; i++) payload[i] ^= this.buf[maskOff + (i & 3)];
      this.buf = this.buf.subarray(off + len);
      if (opcode === 0x8) {
        if (!this.closed) this.socket.end(encodeFrame(0x8, payload.subarray(0, 2)));
        this.closed = true;
      } else if (opcode === 0x9) {
        this.write(encodeFrame(0xA, payload));
      } else if (opcode === 0x1) {
        this.received.push(payload.toString('utf8'));
      }
    }
  }

  write(bytes) { if (!this.closed) this.socket.write(bytes); }

  // An object is sent as a contract envelope unless it already has `type` at top level.
  send(msg) { this.write(encodeFrame(0x1, typeof msg === 'string' ? msg : JSON.stringify(msg))); }

  sendBinary(buf) { this.write(encodeFrame(0x2, buf)); }

  close(code = 1000, reason = '') {
    const body = Buffer.alloc(2 + Buffer.byteLength(reason));
    body.writeUInt16BE(code, 0);
    body.write(reason, 2);
    this.write(encodeFrame(0x8, body));
    this.closed = true;
    setTimeout(() => this.socket.destroy(), 200);
  }

  // Abrupt loss: no close frame, just the TCP connection gone.
  drop() {
    this.closed = true;
    this.socket.destroy();
  }
}

export function envelope(type, data, timestamp = new Date().toISOString()) {
  return { type, data, timestamp };
}

/*
 * Serves web/index.html (read from disk on every request) plus the two JSON endpoints the page uses,
 * and accepts WebSocket upgrades at `wsPath`. Options may be changed on the returned object while it runs:
 *   stats: object for GET /api/v1/stats, or null for 404
 *   configPath: WebSocket path announced by GET /api/v1/config/websocket, or null for 404
 *   refuseUpgrades: answer upgrades with 503 instead of accepting
 *   ingestions: the list for GET /api/v1/ingestions?..., or null for 404
 *   ingestionDetails: { id: body } for GET /api/v1/ingestion/{id} (404 for others), whose files GET
 *     /api/v1/files?ingestion_id=id&status=&limit= lists too (each one's `file` as its `path`)
 *   answers: { path: [{ status, headers, body }, ...] }, taken in turn for that exact path (the last one stays);
 *     { chunks: [...], everyMs } instead of a body sends it in pieces, { stall: true } leaves it unfinished
 */
export async function startMockServer({ stats = null, configPath = null, wsPath = WS_PATH, ingestions = null, ingestionDetails = {}, answers = {} } = {}) {
  const state = {
    stats, configPath, wsPath, refuseUpgrades: false, ingestions, ingestionDetails, answers,
    clients: [], attempts: [], requests: [], listeners: [],
  };
  const server = http.createServer((req, res) => {
    state.requests.push(req.url);
    const json = (status, body) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    const scripted = state.answers[req.url];
    if (scripted && scripted.length) {
      const a = scripted.length > 1 ? scripted.shift() : scripted[0];
      res.writeHead(a.status, { 'cache-control': 'no-store', ...a.headers });
      if (!a.chunks) {
        res.end(a.body);
        return;
      }
      // a body that comes in pieces, one every `everyMs` (a slow network); `stall`: it stops after them
      let i = 0;
      const next = () => {
        if (res.destroyed) return;
        if (i < a.chunks.length) {
          res.write(a.chunks[i++]);
          setTimeout(next, a.everyMs);
        } else if (!a.stall) res.end();
      };
      next();
    } else if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(fs.readFileSync(INDEX_HTML));
    } else if (req.url === '/api/v1/stats' && state.stats) {
      json(200, state.stats);
    } else if (req.url === '/api/v1/config/websocket' && state.configPath) {
      json(200, { websocket_url: `ws://127.0.0.1:${state.port}${state.configPath}` });
    } else if (req.url.startsWith('/api/v1/ingestions?') && state.ingestions) {
      json(200, { ingestions: state.ingestions, total: state.ingestions.length });
    } else if (req.url.startsWith('/api/v1/ingestion/') && state.ingestionDetails[decodeURIComponent(req.url.slice(18))]) {
      json(200, state.ingestionDetails[decodeURIComponent(req.url.slice(18))]);
    } else if (req.url.startsWith('/api/v1/files?')) {
      const q = new URL(req.url, 'http://x').searchParams;
      const all = (state.ingestionDetails[q.get('ingestion_id')] || { files: [] }).files
        .filter((f) => !q.get('status') || f.status === q.get('status'));
      const files = all.slice(0, Number(q.get('limit') || 20)).map(({ file, ...f }) => ({ path: file, ...f }));
      json(200, { files, total: all.length });
    } else {
      json(404, { error: 'not_found', detail: 'no such endpoint' });
    }
  });
  server.on('upgrade', (req, socket) => {
    state.attempts.push({ at: Date.now(), path: req.url });
    const key = req.headers['sec-websocket-key'];
    if (state.refuseUpgrades || req.url !== state.wsPath || !key || req.headers['sec-websocket-version'] !== '13') {
      const status = state.refuseUpgrades ? '503 Service Unavailable' : '404 Not Found';
      socket.end(`HTTP/1.1 ${status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
      return;
    }
    const accept = crypto.createHash('sha1').update(key + WS_GUID).digest('base64');
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${accept}\r\n\r\n`);
    socket.setNoDelay(true);
    const client = new WsClient(socket, req);
    state.clients.push(client);
    for (const fn of state.listeners.splice(0)) fn(client);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  state.port = server.address().port;
  state.base = `http://127.0.0.1:${state.port}`;
  // Resolves with the next client to connect (or the newest open one when `fresh` is false).
  state.nextClient = (timeout = WAIT_MS, fresh = true) => {
    const open = state.clients.filter((c) => !c.closed);
    if (!fresh && open.length) return Promise.resolve(open[open.length - 1]);
    const next = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no WebSocket connection within ${timeout} ms`)), timeout);
      state.listeners.push((c) => { clearTimeout(timer); resolve(c); });
    });
    next.catch(() => {}); // a test that failed earlier may never await it
    return next;
  };
  state.close = () => new Promise((r) => {
    for (const c of state.clients) c.socket.destroy();
    server.close(() => r());
    server.closeAllConnections?.();
  });
  return state;
}

// ---- test runner ----

const cases = [];
export function test(name, fn) { cases.push({ name, fn }); }

// Stops every server still running, removes its files and exits: the one way out of run().
async function finish(code) {
  await Promise.all([...live].map((server) => server.dispose().catch(() => {})));
  process.exit(code);
}

export async function run({ before, after } = {}) {
  process.on('unhandledRejection', (e) => console.log(`unhandled rejection: ${e && e.stack ? e.stack : e}`));
  const only = process.env.BROWSER_TEST_FILTER;
  const chosen = cases.filter((x) => !only || x.name.includes(only));
  if (!chosen.length) {
    console.log(`BROWSER_TEST_FILTER=${JSON.stringify(only)} matches none of the ${cases.length} tests`);
    await finish(1);
  }
  let passed = 0;
  let failed = 0;
  let ctx;
  try {
    ctx = before ? await before() : undefined;
  } catch (e) {
    console.log(`setup failed: ${e.stack || e}`);
    console.log(`0 passed, ${chosen.length} failed`);
    await finish(1);
  }
  for (const c of chosen) {
    const started = Date.now();
    try {
      await c.fn(ctx);
      passed++;
      console.log(`ok   ${c.name} (${Date.now() - started} ms)`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${c.name} (${Date.now() - started} ms)\n     ${String(e.stack || e).split('\n').join('\n     ')}`);
    }
  }
  if (after) await after(ctx).catch((e) => console.log(`teardown: ${e}`));
  console.log(`${passed} passed, ${failed} failed`);
  await finish(failed ? 1 : 0);
}

export function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

export function assertEqual(actual, expected, what) {
  if (actual !== expected) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

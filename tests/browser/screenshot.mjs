// Renders the dashboard at 1280x800 and saves docs/dashboard.png.
//   node tests/browser/screenshot.mjs          scripted events from the in-test server (the page state of the events test)
//   node tests/browser/screenshot.mjs --real   the real server (LINEAGED_BIN or build/lineaged): the example
//                                              warehouse uploaded, a failed GitHub clone, chat queries
//   node tests/browser/screenshot.mjs --make-run   what `make run` shows: make's own command, on a free port
//                                              and a scratch database instead of 8000 and ./data
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import {
  REPO, launchBrowser, openPage, startMockServer, envelope, waitFor, sleep, Lineaged, assertNoProblems, freePort, httpGet,
} from './lib.mjs';

const out = path.join(REPO, 'docs/dashboard.png');
const real = process.argv.includes('--real');
const makeRun = process.argv.includes('--make-run');

function ago(seconds) { return new Date(Date.now() - seconds * 1000).toISOString(); }

export const DEMO_STATS = {
  totalNodes: 48213, totalEdges: 91877, filesProcessed: 1284, databaseTables: 612, activeQueries: 3,
  activeIngestions: 1,
  trends: { nodes: { value: 1840, isPositive: true }, files: { value: 18, isPositive: true } },
  trendWindowSeconds: 3600,
};

async function scripted(page) {
  const srv = await startMockServer({ configPath: '/admin/ws/dashboard' });
  await page.goto(srv.base + '/');
  const ws = await srv.nextClient(10000, false);
  ws.send(envelope('connection_ack', { client_id: 7, server_version: '0.1.0', stats_interval_seconds: 5 }));
  ws.send(envelope('stats_update', DEMO_STATS));
  const events = [
    envelope('ingestion_started', { ingestion_id: 'gh-7f3a21', source: 'github', total_files: 12, project_id: 'acme/analytics-dbt' }, ago(95)),
    envelope('ingestion_complete', {
      ingestion_id: 'gh-7f3a21', source: 'github', status: 'completed', files_processed: 12, files_failed: 0,
      total_nodes_created: 1840, duration_seconds: 8.4, files: [], errors: [],
    }, ago(86)),
    envelope('ingestion_started', { ingestion_id: 'up-52c9e0', source: 'upload', total_files: 6, project_id: 'finance-warehouse' }, ago(60)),
    envelope('ingestion_complete', {
      ingestion_id: 'up-52c9e0', source: 'upload', status: 'completed_with_errors', files_processed: 4, files_failed: 2,
      total_nodes_created: 412, duration_seconds: 3.2,
      files: [{ file: 'marts/revenue.sql', status: 'completed' }, { file: 'staging/stg_payments.sql', status: 'failed' }],
      errors: [
        { file: 'staging/stg_payments.sql', error: 'syntax error at line 14: unexpected token ")"' },
        { file: 'legacy/proc_refresh.sql', error: 'unsupported statement: CREATE PROCEDURE' },
      ],
    }, ago(56)),
    envelope('ingestion_started', { ingestion_id: 'gh-b81d04', source: 'github', total_files: 40, project_id: 'acme/data-platform' }, ago(20)),
    envelope('ingestion_progress', {
      ingestion_id: 'gh-b81d04', current_file: 'models/marts/finance/fct_orders.sql', status: 'parsing',
      files_processed: 25, total_files: 40, percentage: 62.5, nodes_created: 3127, error: null,
    }, ago(1)),
    envelope('query_complete', { query_type: 'graph', latency_ms: 184, status: 'success' }, ago(70)),
    envelope('error', { error_type: 'parse_error', severity: 'warning', message: 'staging/stg_payments.sql could not be parsed; the other files were ingested.' }, ago(57)),
    envelope('query_complete', { query_type: 'text', latency_ms: 96, status: 'success' }, ago(44)),
    envelope('query_complete', { query_type: 'lineage', latency_ms: 23, status: 'success' }, ago(31)),
    envelope('error', { error_type: 'github_clone_failed', severity: 'error', message: 'Repository acme/old-etl could not be cloned: not found.' }, ago(26)),
    envelope('query_complete', { query_type: 'graph', latency_ms: 1210, status: 'timeout' }, ago(12)),
    envelope('error', { error_type: 'database_unavailable', severity: 'critical', message: 'The metadata database stopped answering; retrying in 5 seconds.' }, ago(9)),
    envelope('query_complete', { query_type: 'graph', latency_ms: 142, status: 'success' }, ago(3)),
    envelope('query_complete', { query_type: 'text', latency_ms: 88, status: 'success' }, ago(1)),
  ];
  for (const e of events) ws.send(e);
  await waitFor(() => page.locator('#feed > li').count().then((n) => n === 9), { what: 'feed items' });
  return () => srv.close();
}

// Every file of the example warehouse (examples/finance), with its path inside it.
function exampleFiles(dir = path.join(REPO, 'examples/finance'), prefix = '') {
  const out = {};
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix + e.name;
    if (e.isDirectory()) Object.assign(out, exampleFiles(path.join(dir, e.name), rel + '/'));
    else out[rel] = fs.readFileSync(path.join(dir, e.name));
  }
  return out;
}

function multipart(files, project) {
  const boundary = '----lineaged' + Date.now().toString(16);
  const parts = [];
  for (const [name, body] of Object.entries(files)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${name}"\r\nContent-Type: application/sql\r\n\r\n`), body, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="project_id"\r\n\r\n${project}\r\n--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), type: `multipart/form-data; boundary=${boundary}` };
}

function post(url, body, type) {
  return new Promise((resolve) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': type, 'content-length': body.length } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end(body);
  });
}
const postJson = (url, obj) => post(url, Buffer.from(JSON.stringify(obj)), 'application/json');

// Only real producers: the example warehouse uploaded, a GitHub ingestion of a repository the
// (empty, local) mirror does not have, and chat queries.
async function live(page) {
  const remote = fs.mkdtempSync(path.join(os.tmpdir(), 'lineaged-shot-remote-'));
  const server = new Lineaged({ args: ['--github-url', 'file://' + remote] });
  await server.start();
  await page.goto(server.base + '/');
  await waitFor(() => page.getAttribute('#conn-status', 'data-state').then((s) => s === 'live'), { timeout: 15000, what: 'live status' });
  const gh = await postJson(server.base + '/api/v1/github/ingest', { repo: 'acme/old-etl', project_id: 'acme' });
  console.log(`github: ${gh.status}`);
  await sleep(1000);
  const files = exampleFiles();
  const upload = multipart(files, 'finance');
  const up = await post(server.base + '/api/v1/files/upload', upload.body, upload.type);
  console.log(`upload of ${Object.keys(files).length} files: ${up.status}`);
  const id = JSON.parse(up.body).ingestion_id;
  await waitFor(() => page.getAttribute(`#ingestions > li[data-ingestion-id="${id}"]`, 'data-status').then((s) => s !== 'running'),
    { timeout: 60000, what: 'the upload ingested' });
  let chatted = 0;
  for (const [mode, query] of [['graph', 'What feeds core.fct_ledger?'], ['text', 'Which files use staging.stg_gl_entries?'], ['graph', 'What is downstream of core.fct_invoices?']]) {
    const r = await postJson(`${server.base}/api/chat/${mode}`, { query });
    if (r.status === 200) chatted++;
  }
  console.log(`chat queries answered: ${chatted}`);
  await sleep(2500);
  return async () => {
    await server.dispose();
    fs.rmSync(remote, { recursive: true, force: true });
  };
}

// `make run` itself (set-up, build, then the server seeding the example warehouse into an empty
// database), the page opened once it serves and its seed ingestion has ended: what a newcomer sees.
async function afterMakeRun(page) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lineaged-shot-make-'));
  const port = await freePort();
  const make = spawn('make', ['-s', 'run', `RUN_ARGS=--port ${port} --db ${tmp}/lineage.duckdb --data-dir ${tmp}/data`],
    { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let log = '';
  make.stderr.on('data', (d) => { log = (log + d.toString()).slice(-4000); });
  const exited = new Promise((r) => make.once('exit', r));
  const base = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await httpGet(base + '/health').catch(() => null))?.status === 200,
    { timeout: 600000, interval: 250, what: `make run serving on ${port} (${log.slice(-300)})` });
  await page.goto(base + '/');
  await waitFor(() => page.getAttribute('#conn-status', 'data-state').then((s) => s === 'live'), { timeout: 15000, what: 'live status' });
  const rows = page.locator('#ingestions > li');
  await waitFor(async () => (await rows.count()) > 0 && (await rows.first().getAttribute('data-status')) !== 'running',
    { timeout: 120000, what: 'the seed ingestion ended' });
  console.log(`after make run: ${await rows.count()} ingestion(s), the newest ${await rows.first().getAttribute('data-status')}`);
  await sleep(6000); // a stats_update after the page's own first read
  return async () => {
    process.kill(-make.pid, 'SIGTERM'); // make and the server it started: the group this script made
    await exited;
    fs.rmSync(tmp, { recursive: true, force: true });
  };
}

const browser = await launchBrowser({ viewport: { width: 1280, height: 800 } });
let cleanup = async () => {};
try {
  const page = await openPage(browser.context);
  cleanup = makeRun ? await afterMakeRun(page) : real ? await live(page) : await scripted(page);
  await sleep(1500);
  assertNoProblems(page);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  await page.screenshot({ path: out });
  console.log(`wrote ${path.relative(REPO, out)}`);
} finally {
  await cleanup();
  await browser.close();
}

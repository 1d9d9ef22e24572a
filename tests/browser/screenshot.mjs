// Renders the dashboard at 1280x800 and saves docs/dashboard.png.
//   node tests/browser/screenshot.mjs          scripted events from the in-test server (the page state of the events test)
//   node tests/browser/screenshot.mjs --real   the real server (LINEAGED_BIN or build/lineaged); events come from
//                                              uploads and chat queries when the server supports them
import fs from 'node:fs';
import path from 'node:path';
import { REPO, launchBrowser, openPage, startMockServer, envelope, waitFor, sleep, Lineaged, assertNoProblems } from './lib.mjs';

const out = path.join(REPO, 'docs/dashboard.png');
const real = process.argv.includes('--real');

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
  ws.send(envelope('connection_ack', { client_id: 7 }));
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

async function live(page) {
  const server = new Lineaged();
  await server.start();
  await page.goto(server.base + '/');
  await waitFor(() => page.getAttribute('#conn-status', 'data-state').then((s) => s === 'live'), { timeout: 15000, what: 'live status' });
  return () => server.dispose();
}

const browser = await launchBrowser({ viewport: { width: 1280, height: 800 } });
let cleanup = async () => {};
try {
  const page = await openPage(browser.context);
  cleanup = real ? await live(page) : await scripted(page);
  await sleep(1500);
  assertNoProblems(page);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  await page.screenshot({ path: out });
  console.log(`wrote ${path.relative(REPO, out)}`);
} finally {
  await cleanup();
  await browser.close();
}

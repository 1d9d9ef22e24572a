// The dashboard page (web/index.html from disk) against an in-test HTTP + WebSocket server that sends
// contract-shaped messages (docs/contract.md §6), malformed ones, and drops connections.
import {
  test, run, assert, assertEqual, launchBrowser, openPage, assertNoProblems, startMockServer, envelope,
  encodeFrame, waitFor, sleep, WAIT_MS,
} from './lib.mjs';
import fs from 'node:fs';

const state = (page) => page.getAttribute('#conn-status', 'data-state');
const text = (page, sel) => page.locator(sel).first().textContent().then((t) => t.trim());
const count = (page, sel) => page.locator(sel).count();
const num = async (page, sel) => Number((await text(page, sel)).replace(/,/g, ''));

async function waitState(page, want, timeout = WAIT_MS) {
  await waitFor(async () => (await state(page)) === want, { timeout, what: `connection state "${want}" (now "${await state(page)}")` });
}

async function waitText(page, sel, want, timeout = WAIT_MS) {
  await waitFor(async () => (await count(page, sel)) > 0 && (await text(page, sel)) === want,
    { timeout, what: `${sel} to read ${JSON.stringify(want)}` });
}

async function stat(page, key) {
  const value = page.locator(`.card[data-stat="${key}"] .value`);
  return { raw: await value.getAttribute('value'), shown: (await value.textContent()).trim() };
}

// Opens the page on a fresh in-test server, acknowledges the socket, and hands both to `fn`.
// opts: ack (false: leave the socket unacknowledged), clock (true: the page's time held once it is
// connected, see page.clock; the test moves it itself).
async function withDashboard(ctx, opts, fn) {
  const srv = await startMockServer(opts);
  const page = await openPage(ctx.context);
  try {
    if (opts.clock) await page.clock.install(); // fake timers, still running with real time
    await page.goto(srv.base + '/');
    const ws = await srv.nextClient(WAIT_MS, false);
    if (opts.ack !== false) {
      ws.send(envelope('connection_ack', { client_id: 1 }));
      await waitState(page, 'live');
    }
    // Held, a retry the page scheduled fires when the test says and never while a loaded machine is slow
    // to get to the next step (it raced the test's own "Retry now").
    if (opts.clock) await page.clock.pauseAt((await page.evaluate(() => Date.now())) + 1000);
    await fn(page, ws, srv);
    assertNoProblems(page);
  } finally {
    await page.close();
    await srv.close();
  }
}

test('page structure: title, heading, labelled cards and panels', async (ctx) => {
  await withDashboard(ctx, { ack: false }, async (page) => {
    assert(/lineaged/i.test(await page.title()), `title: ${await page.title()}`);
    assertEqual(await text(page, 'h1'), 'lineaged', 'heading');
    for (const key of ['totalNodes', 'totalEdges', 'filesProcessed', 'databaseTables', 'activeQueries']) {
      const card = page.locator(`.card[data-stat="${key}"]`);
      assertEqual(await card.count(), 1, `card ${key}`);
      const label = await page.locator(`#${await card.getAttribute('aria-labelledby')}`).textContent();
      assert(label && label.length > 3, `card ${key} has a visible label`);
      assertEqual((await stat(page, key)).shown, '—', `${key} before any stats`);
    }
    assertEqual(await text(page, '#ingestions-title'), 'Ingestions', 'ingestions panel');
    assertEqual(await text(page, '#feed-title'), 'Activity', 'activity panel');
    assert(await page.locator('#ingestions-empty').isVisible(), 'ingestions empty state visible');
    assert(await page.locator('#feed-empty').isVisible(), 'feed empty state visible');
  });
});

test('uses websocket_url from /api/v1/config/websocket; live only after connection_ack', async (ctx) => {
  await withDashboard(ctx, { ack: false, configPath: '/custom/ws/path', wsPath: '/custom/ws/path' }, async (page, ws, srv) => {
    assertEqual(ws.path, '/custom/ws/path', 'socket path from the config endpoint');
    assertEqual(ws.origin, srv.base, 'browser Origin header');
    await sleep(300);
    assertEqual(await state(page), 'connecting', 'state while the socket is open but not acknowledged');
    ws.send(envelope('connection_ack', { client_id: 1, server_version: '9.8.7', stats_interval_seconds: 0.5 }));
    await waitState(page, 'live');
    assertEqual(await text(page, '#conn-label'), 'Live', 'status label');
    assertEqual(await text(page, '#server-version'), '9.8.7', 'server version');
    assertEqual(await text(page, '#ws-url'), `ws://127.0.0.1:${srv.port}/custom/ws/path`, 'endpoint shown');
  });
});

test('derives ws://host/admin/ws/dashboard when the config endpoint 404s; first load reads GET /api/v1/stats', async (ctx) => {
  const stats = { totalNodes: 1234567, totalEdges: 89, filesProcessed: 3, databaseTables: 0, activeQueries: 2, trends: {} };
  await withDashboard(ctx, { ack: false, stats }, async (page, ws, srv) => {
    assertEqual(ws.path, '/admin/ws/dashboard', 'derived socket path');
    assert(srv.requests.includes('/api/v1/config/websocket'), 'config endpoint was asked');
    assert(srv.requests.includes('/api/v1/stats'), 'stats endpoint was asked');
    await waitFor(async () => (await stat(page, 'totalNodes')).raw === '1234567', { what: 'stats from GET /api/v1/stats' });
    assertEqual((await stat(page, 'totalNodes')).shown, '1,234,567', 'totalNodes shown');
    assertEqual((await stat(page, 'totalEdges')).shown, '89', 'totalEdges shown');
    assertEqual((await stat(page, 'filesProcessed')).shown, '3', 'filesProcessed shown');
    assertEqual((await stat(page, 'databaseTables')).shown, '0', 'databaseTables shown (zero is a value)');
    assertEqual((await stat(page, 'activeQueries')).shown, '2', 'activeQueries shown');
    assertEqual(await state(page), 'connecting', 'no ack yet');
  });
});

test('stats_update: cards, trends, extra fields; an older snapshot never replaces a newer one', async (ctx) => {
  await withDashboard(ctx, {}, async (page, ws) => {
    const t0 = Date.now();
    ws.send(envelope('stats_update', {
      totalNodes: 48213, totalEdges: 91877, filesProcessed: 1284, databaseTables: 612, activeQueries: 3,
      trends: { nodes: { value: 213, isPositive: true }, files: { value: 16, isPositive: false } },
      trendWindowSeconds: 3600, nodesByType: { table: 540, view: 72 }, connections: 4,
    }, new Date(t0).toISOString()));
    await waitFor(async () => (await stat(page, 'totalNodes')).raw === '48213', { what: 'stats_update applied' });
    assertEqual((await stat(page, 'totalNodes')).shown, '48,213', 'totalNodes');
    assertEqual((await stat(page, 'totalEdges')).shown, '91,877', 'totalEdges');
    assertEqual((await stat(page, 'filesProcessed')).shown, '1,284', 'filesProcessed');
    assertEqual((await stat(page, 'databaseTables')).shown, '612', 'databaseTables');
    assertEqual((await stat(page, 'activeQueries')).shown, '3', 'activeQueries');

    const nodesTrend = page.locator('.card[data-stat="totalNodes"] .trend');
    assert(await nodesTrend.isVisible(), 'nodes trend visible');
    assertEqual(await nodesTrend.getAttribute('data-direction'), 'up', 'nodes trend direction');
    // 48213 now, 213 more than an hour ago (48000): +0.4 %.
    assertEqual((await nodesTrend.textContent()).trim(), '▲ 213 · 0.4%', 'nodes trend text');
    assertEqual(await text(page, '.card[data-stat="totalNodes"] .hint'), 'vs 1 h ago', 'trend window');
    assertEqual(await nodesTrend.getAttribute('aria-label'), 'Up 213 compared with 1 h ago', 'trend label');
    const filesTrend = page.locator('.card[data-stat="filesProcessed"] .trend');
    assertEqual(await filesTrend.getAttribute('data-direction'), 'down', 'files trend direction');
    // 1284 now, 16 fewer than before (1300): -1.2 %.
    assertEqual((await filesTrend.textContent()).trim(), '▼ 16 · 1.2%', 'files trend text');
    assert(!(await page.locator('.card[data-stat="totalEdges"] .trend').isVisible()), 'no trend where none is sent');
    assertEqual(await text(page, '.card[data-stat="totalEdges"] .hint'), 'lineage relations', 'default hint');
    assertEqual(await page.locator('#extras [data-key="trendWindowSeconds"]').count(), 0, 'window is not an extra stat');

    assert(await page.locator('#extras').isVisible(), 'extra stats visible');
    assertEqual(await text(page, '#extras [data-group="nodesByType"] .glabel'), 'Nodes by type', 'group label');
    assertEqual(await text(page, '#extras [data-key="table"]'), 'Table540', 'per-type chip');
    assertEqual(await text(page, '#extras [data-key="connections"]'), 'Connections4', 'connections chip');
    assert((await text(page, '#last-update-time')) !== '—', 'last update time set');

    const ignoredBefore = await num(page, '#ignored-count');
    ws.send(envelope('stats_update', { totalNodes: 1, totalEdges: 1, filesProcessed: 1, databaseTables: 1, activeQueries: 1, trends: {} },
      new Date(t0 - 60000).toISOString()));
    await waitFor(async () => (await num(page, '#ignored-count')) === ignoredBefore + 1, { what: 'stale snapshot counted as ignored' });
    assertEqual((await stat(page, 'totalNodes')).raw, '48213', 'stale snapshot ignored');

    ws.send(envelope('stats_update', { totalNodes: 50000, totalEdges: 92000, filesProcessed: 1300, databaseTables: 620, activeQueries: 0,
      trends: { nodes: { value: 0, isPositive: true } } }, new Date(t0 + 1000).toISOString()));
    await waitFor(async () => (await stat(page, 'totalNodes')).raw === '50000', { what: 'newer snapshot applied' });
    assertEqual((await stat(page, 'activeQueries')).shown, '0', 'activeQueries updated to zero');
    assertEqual(await nodesTrend.getAttribute('data-direction'), 'flat', 'no change');
    assertEqual((await nodesTrend.textContent()).trim(), '±0', 'no change text');
    assert(!(await filesTrend.isVisible()), 'trend hidden once the server stops sending it');
    assertEqual(await text(page, '.card[data-stat="filesProcessed"] .hint'), 'ingested successfully', 'hint restored');
    assert(!(await page.locator('#extras').isVisible()), 'extras hidden when no extra fields');
  });
});

test('ingestion_started / ingestion_progress / ingestion_complete drive one row each', async (ctx) => {
  await withDashboard(ctx, {}, async (page, ws) => {
    const row = (id) => `#ingestions > li[data-ingestion-id="${id}"]`;
    ws.send(envelope('ingestion_started', { ingestion_id: 'ing-1', source: 'upload', total_files: 4, project_id: 'demo' }));
    await waitFor(() => count(page, row('ing-1')).then((n) => n === 1), { what: 'ingestion row' });
    assertEqual(await text(page, `${row('ing-1')} .ing-id`), 'ing-1', 'id');
    assertEqual(await text(page, `${row('ing-1')} .ing-source`), 'Upload', 'source');
    assertEqual(await text(page, `${row('ing-1')} .ing-project`), 'demo', 'project');
    assertEqual(await text(page, `${row('ing-1')} .ing-files`), '0 / 4 files', 'total files');
    assertEqual(await text(page, `${row('ing-1')} .ing-status`), 'Running', 'running badge');
    assert(!(await page.locator('#ingestions-empty').isVisible()), 'empty state hidden');

    ws.send(envelope('ingestion_progress', {
      ingestion_id: 'ing-1', current_file: 'models/orders.sql', status: 'parsing', files_processed: 1,
      total_files: 4, percentage: 25, nodes_created: 10, error: null,
    }));
    await waitText(page, `${row('ing-1')} .ing-pct`, '25%');
    assertEqual(await page.getAttribute(`${row('ing-1')} .progress`, 'aria-valuenow'), '25', 'aria-valuenow');
    const width = await page.$eval(`${row('ing-1')} .progress .bar`, (b) => b.style.width);
    assertEqual(width, '25%', 'bar width');
    assertEqual(await text(page, `${row('ing-1')} .ing-files`), '1 / 4 files', 'files processed');
    assertEqual(await text(page, `${row('ing-1')} .ing-nodes`), '10 nodes', 'nodes created');
    assertEqual(await text(page, `${row('ing-1')} .ing-file`), 'models/orders.sql', 'current file');
    assertEqual(await text(page, `${row('ing-1')} .ing-file-status`), 'parsing', 'file status');
    assert(!(await page.locator(`${row('ing-1')} .ing-error`).isVisible()), 'no error shown');

    ws.send(envelope('ingestion_progress', {
      ingestion_id: 'ing-1', current_file: 'models/bad.sql', status: 'failed', files_processed: 2,
      total_files: 4, percentage: 50, nodes_created: 10, error: 'syntax error at line 3',
    }));
    await waitText(page, `${row('ing-1')} .ing-pct`, '50%');
    assert(await page.locator(`${row('ing-1')} .ing-error`).isVisible(), 'progress error shown');
    assertEqual(await text(page, `${row('ing-1')} .ing-error`), 'models/bad.sql: syntax error at line 3', 'progress error text');

    ws.send(envelope('ingestion_complete', {
      ingestion_id: 'ing-1', source: 'upload', status: 'completed_with_errors',
      files: [{ file: 'models/orders.sql', status: 'completed' }, { file: 'models/bad.sql', status: 'failed' },
        { file: 'models/c.sql', status: 'completed' }, { file: 'models/gone.sql', status: 'failed' }],
      files_processed: 2, files_failed: 2, total_nodes_created: 42, duration_seconds: 2.5,
      errors: [{ file: 'models/bad.sql', error: 'syntax error at line 3' }],
    }));
    await waitText(page, `${row('ing-1')} .ing-status`, 'Completed with errors');
    assertEqual(await page.getAttribute(row('ing-1'), 'data-status'), 'completed_with_errors', 'row status');
    assertEqual(await text(page, `${row('ing-1')} .ing-pct`), '100%', 'finished bar');
    assertEqual(await text(page, `${row('ing-1')} .ing-nodes`), '42 nodes', 'total nodes created');
    assertEqual(await text(page, `${row('ing-1')} .ing-duration`), 'took 2.5 s', 'duration');
    assertEqual(await text(page, `${row('ing-1')} .ing-failures summary`), '2 failed files', 'failed count');
    const failures = await page.locator(`${row('ing-1')} .ing-failures li`).allTextContents();
    assertEqual(failures.length, 2, 'failed files listed');
    assert(failures[0].includes('models/bad.sql') && failures[0].includes('syntax error at line 3'), `failure 1: ${failures[0]}`);
    assert(failures[1].includes('models/gone.sql'), `failure 2: ${failures[1]}`);
    assert(await page.locator(`${row('ing-1')} .ing-failures li`).first().isVisible(), 'short failure list open');
    assert(!(await page.locator(`${row('ing-1')} .ing-current`).isVisible()), 'current file cleared');
    assert(!(await page.locator(`${row('ing-1')} .ing-error`).isVisible()), 'transient error cleared');

    // Progress for an ingestion this page never saw start still gets a row; later rows go on top.
    ws.send(envelope('ingestion_progress', { ingestion_id: 'gh-2', current_file: 'a.sql', status: 'parsing', files_processed: 3, total_files: 10, percentage: 30, nodes_created: 5, error: null }));
    // a failed clone's own error names the repository, not a file of it: the row's note, not a failed file
    ws.send(envelope('ingestion_complete', { ingestion_id: 'gh-2', source: 'github', status: 'failed', files: [], files_processed: 3, files_failed: 0, total_nodes_created: 5, duration_seconds: 75, errors: [{ file: 'acme/missing', error: 'Repository acme/missing was not found.' }] }));
    ws.send(envelope('ingestion_started', { ingestion_id: 'ok-3', source: 'github', total_files: 2, project_id: 'acme/dbt' }));
    // a file processed with its lineage cut at a bound is a warning: listed apart, never as a failure
    const cut = 'y.sql:84:5: warning: more than 8192 table flows in one statement: the first 8192 are kept';
    ws.send(envelope('ingestion_complete', { ingestion_id: 'ok-3', source: 'github', status: 'completed', files: [{ file: 'x.sql', status: 'processed' }, { file: 'y.sql', status: 'processed', warning: cut }], files_processed: 2, files_failed: 0, total_nodes_created: 7, duration_seconds: 0.4, errors: [], files_warned: 1, warnings: [{ file: 'y.sql', warning: cut }] }));
    await waitText(page, `${row('ok-3')} .ing-status`, 'Completed');
    assertEqual(await text(page, `${row('gh-2')} .ing-status`), 'Failed', 'failed badge');
    assertEqual(await text(page, `${row('gh-2')} .ing-pct`), '30%', 'failed ingestion keeps its progress');
    assertEqual(await text(page, `${row('gh-2')} .ing-duration`), 'took 1 min 15 s', 'long duration');
    assertEqual(await text(page, `${row('gh-2')} .ing-error`), 'Repository acme/missing was not found.', 'the clone failure as the note');
    assert(!(await page.locator(`${row('gh-2')} .ing-failures`).isVisible()), 'the repository is not listed as a failed file');
    assert(!(await page.locator(`${row('ok-3')} .ing-failures`).isVisible()), 'no failure list when none failed');
    assertEqual(await text(page, `${row('ok-3')} .ing-warnings summary`), '1 file with a warning', 'warned count');
    const warned = await page.locator(`${row('ok-3')} .ing-warnings li`).allTextContents();
    assert(warned.length === 1 && warned[0].includes('y.sql') && warned[0].includes('8192 table flows'), `warned: ${warned}`);
    assert(await page.locator(`${row('ok-3')} .ing-warnings li`).first().isVisible(), 'short warning list open');
    assert(!(await page.locator(`${row('ing-1')} .ing-warnings`).isVisible()), 'no warning list when none was cut');
    assertEqual(await text(page, `${row('ok-3')} .ing-files`), '2 / 2 files', 'completed files');
    const order = await page.locator('#ingestions > li').evaluateAll((lis) => lis.map((li) => li.dataset.ingestionId));
    assertEqual(order.join(','), 'ok-3,gh-2,ing-1', 'newest first');
    assertEqual(await text(page, '#ingestions-count'), '0 active · 3 shown', 'panel count');
    ws.send(envelope('stats_update', { totalNodes: 1, totalEdges: 1, filesProcessed: 1, databaseTables: 1, activeQueries: 0, activeIngestions: 2, trends: {} }));
    await waitText(page, '#ingestions-count', '2 active · 3 shown');
    // a GitHub ingestion is announced before its clone: no total yet, then the selection's
    ws.send(envelope('ingestion_started', { ingestion_id: 'gh-4', source: 'github', total_files: 0, project_id: 'acme', repository: 'acme/dbt' }));
    await waitText(page, `${row('gh-4')} .ing-files`, '0 / ? files');
    ws.send(envelope('ingestion_progress', { ingestion_id: 'gh-4', current_file: null, status: 'cloning', files_processed: 0, files_failed: 0, files_skipped: 0, total_files: 0, percentage: 40, nodes_created: 0, error: null, note: 'cloning acme/dbt: 4 of 10 objects' }));
    await waitText(page, `${row('gh-4')} .ing-pct`, '40%');
    assertEqual(await text(page, `${row('gh-4')} .ing-files`), '0 / ? files', 'no total while cloning');
    ws.send(envelope('ingestion_progress', { ingestion_id: 'gh-4', current_file: 'm/a.sql', status: 'processed', files_processed: 1, files_failed: 0, files_skipped: 0, total_files: 3, percentage: 33.3, nodes_created: 2, error: null }));
    await waitText(page, `${row('gh-4')} .ing-files`, '1 / 3 files');
    ws.send(envelope('ingestion_complete', { ingestion_id: 'gh-4', source: 'github', status: 'completed', files: [], files_processed: 3, files_failed: 0, total_files: 3, total_nodes_created: 6, duration_seconds: 1, errors: [] }));
    await waitText(page, `${row('gh-4')} .ing-files`, '3 / 3 files');
  });
});

test('a row the page never saw start shows no empty source badge; skipped files are counted, not lost', async (ctx) => {
  await withDashboard(ctx, {}, async (page, ws) => {
    const row = '#ingestions > li[data-ingestion-id="late-1"]';
    // progress counts as ingestion_complete does: the files done are processed + failed + skipped
    ws.send(envelope('ingestion_progress', { ingestion_id: 'late-1', current_file: 'a.sql', status: 'processed', files_processed: 2, files_failed: 1, files_skipped: 2, total_files: 6, percentage: 83.3, nodes_created: 4, error: null }));
    await waitText(page, `${row} .ing-files`, '5 / 6 files');
    assert(!(await page.locator(`${row} .ing-source`).isVisible()), 'a source badge with no source is not drawn (an empty pill)');
    ws.send(envelope('ingestion_complete', {
      ingestion_id: 'late-1', source: 'upload', status: 'completed_with_errors', files: [], files_processed: 2, files_failed: 1,
      files_skipped: 3, total_files: 6, total_nodes_created: 4, duration_seconds: 0.1, errors: [{ file: 'b.sql', error: 'bad' }],
    }));
    await waitText(page, `${row} .ing-status`, 'Completed with errors');
    assertEqual(await text(page, `${row} .ing-files`), '2 / 6 files', 'processed of total');
    assertEqual(await text(page, `${row} .ing-skipped`), '3 skipped', 'the skipped files are said');
    assertEqual(await text(page, `${row} .ing-failures summary`), '1 failed file', 'and the failed one');
  });
});

test('on connect and on every reconnect the panel shows GET /api/v1/ingestions; failed files load when opened', async (ctx) => {
  const at = (minutesAgo) => new Date(Date.now() - minutesAgo * 60000).toISOString();
  const listed = (over) => ({
    source: 'upload', project_id: 'default', repository: null, status: 'completed', total_files: 1, files_processed: 1,
    files_failed: 0, files_skipped: 0, nodes_created: 1, duration_seconds: 1, error: null, ...over,
  });
  const ingestions = [
    listed({ ingestion_id: 'run-4', started_at: at(1), status: 'running', total_files: 10, files_processed: 3, files_failed: 1, nodes_created: 12 }),
    listed({ ingestion_id: 'gh-3', started_at: at(5), source: 'github', project_id: 'acme/missing', status: 'failed', total_files: 0, files_processed: 0, error: 'Repository acme/missing was not found.' }),
    listed({ ingestion_id: 'up-2', started_at: at(9), project_id: 'walk', status: 'completed_with_errors', total_files: 6, files_processed: 2, files_failed: 1, files_skipped: 3, nodes_created: 11, duration_seconds: 0.03 }),
    listed({ ingestion_id: 'cli-1', started_at: at(60), source: 'cli', total_files: 36, files_processed: 36, nodes_created: 326, duration_seconds: 0.7 }),
  ];
  const ingestionDetails = { 'up-2': { ingestion_id: 'up-2', files: [
    { file: 'good.sql', status: 'processed', error: null }, { file: 'broken.sql', status: 'error', error: "broken.sql:1:1: unsupported statement near 'SELEC'" },
    { file: 'readme.md', status: 'skipped', error: 'unsupported file type' }] } };
  await withDashboard(ctx, { ingestions, ingestionDetails }, async (page, ws, srv) => {
    const row = (id) => `#ingestions > li[data-ingestion-id="${id}"]`;
    const ids = () => page.locator('#ingestions > li').evaluateAll((lis) => lis.map((li) => li.dataset.ingestionId));
    await waitFor(async () => (await ids()).length === 4, { what: `four listed ingestions (rows: ${(await ids()).join(',')})` });
    // a live event for an ingestion started now goes on top of the listed ones
    ws.send(envelope('ingestion_started', { ingestion_id: 'live-5', source: 'upload', total_files: 1, project_id: 'x' }));
    await waitFor(async () => (await ids()).join(',') === 'live-5,run-4,gh-3,up-2,cli-1', { what: `newest first (rows: ${(await ids()).join(',')})` });
    assertEqual(await text(page, `${row('cli-1')} .ing-source`), 'CLI', 'source of a `lineaged ingest`');
    assertEqual(await text(page, `${row('cli-1')} .ing-status`), 'Completed', 'completed');
    assertEqual(await text(page, `${row('cli-1')} .ing-files`), '36 / 36 files', 'files');
    assertEqual(await text(page, `${row('cli-1')} .ing-nodes`), '326 nodes', 'nodes');
    assertEqual(await text(page, `${row('run-4')} .ing-status`), 'Running', 'a running one');
    assertEqual(await text(page, `${row('run-4')} .ing-files`), '4 / 10 files', 'its finished files (processed and failed)');
    assertEqual(await text(page, `${row('run-4')} .ing-pct`), '40%', 'its progress');
    assertEqual(await text(page, `${row('gh-3')} .ing-status`), 'Failed', 'a failed clone');
    assertEqual(await text(page, `${row('gh-3')} .ing-error`), 'Repository acme/missing was not found.', 'with its reason');
    assertEqual(await text(page, `${row('up-2')} .ing-skipped`), '3 skipped', 'skipped');
    assertEqual(await text(page, `${row('up-2')} .ing-failures summary`), '1 failed file', 'failed count');
    await page.click(`${row('up-2')} .ing-failures summary`);
    await waitFor(async () => (await text(page, `${row('up-2')} .ing-failures li`)).includes("unsupported statement near 'SELEC'"),
      { what: 'the failed file and its error, read when the list is opened' });
    assertEqual(await count(page, `${row('up-2')} .ing-failures li`), 1, 'only the failed file');
    assertEqual(await text(page, `${row('up-2')} .fail-file`), 'broken.sql', 'its name');
    // only the failed files, not all of the ingestion's (6.5 MB at 20,000 files), to show at most 200
    const asked = srv.requests.filter((u) => u.includes('up-2'));
    assertEqual(asked.join(' '), '/api/v1/files?current=false&status=error&limit=200&ingestion_id=up-2', 'what was read');

    // while the page was away the running ingestion finished: the reconnect shows it
    srv.ingestions = [listed({ ...ingestions[0], status: 'completed', files_processed: 9, duration_seconds: 4 }), ...ingestions.slice(1)];
    ws.drop();
    const again = await srv.nextClient();
    again.send(envelope('connection_ack', { client_id: 2 }));
    await waitText(page, `${row('run-4')} .ing-status`, 'Completed');
    assertEqual(await text(page, `${row('run-4')} .ing-pct`), '100%', 'finished');
    assertEqual(await text(page, `${row('run-4')} .ing-files`), '9 / 10 files', 'its counts');
    assertEqual(await text(page, `${row('run-4')} .ing-failures summary`), '1 failed file', 'its failed file');
    assertEqual((await ids()).length, 5, 'no row twice');
  });
});

// A large ingestion's files on a slow network: the list came in for longer than the page's 5 s bound on a
// whole request and was cut every time, so its failed files could never be read. The bound is now on a
// pause: an answer that keeps coming is read whole, one that stops is said to have gone unanswered.
test("a failed-files list that takes longer than 5 s to arrive but keeps coming is shown; one that stops is said", async (ctx) => {
  const listed = (id) => ({ ingestion_id: id, source: 'upload', project_id: 'default', repository: null, status: 'completed_with_errors',
    started_at: new Date().toISOString(), total_files: 2, files_processed: 1, files_failed: 1, files_skipped: 0, nodes_created: 1,
    duration_seconds: 1, error: null });
  const body = JSON.stringify({ files: [{ path: 'late.sql', status: 'error', error: "late.sql:1:1: unsupported statement near 'SELEC'" }],
    total: 1 });
  const pieces = (text, n) => Array.from({ length: n }, (_, i) => text.slice(Math.floor(i * text.length / n), Math.floor((i + 1) * text.length / n)));
  const json = { 'content-type': 'application/json' };
  const failed = (id) => `/api/v1/files?current=false&status=error&limit=200&ingestion_id=${id}`;
  const answers = {
    // 14 pieces half a second apart: 7 s in all
    [failed('slow')]: [{ status: 200, headers: json, chunks: pieces(body, 14), everyMs: 500 }],
    [failed('stopped')]: [{ status: 200, headers: json, chunks: pieces(body, 2).slice(0, 1), everyMs: 500, stall: true }],
  };
  await withDashboard(ctx, { ingestions: [listed('slow'), listed('stopped')], answers }, async (page) => {
    const row = (id) => `#ingestions > li[data-ingestion-id="${id}"]`;
    await waitFor(async () => (await count(page, row('stopped'))) === 1, { what: 'the listed ingestions' });
    await page.click(`${row('slow')} .ing-failures summary`);
    await page.click(`${row('stopped')} .ing-failures summary`);
    await waitFor(async () => (await text(page, `${row('slow')} .ing-failures li`)) !== 'Loading…',
      { what: 'the slow list read' });
    assertEqual(await text(page, `${row('slow')} .fail-file`), 'late.sql', 'the failed file');
    assertEqual(await count(page, `${row('slow')} .ing-failures li`), 1, 'only the failed file');
    await waitFor(async () => (await text(page, `${row('stopped')} .ing-failures li`)) === 'The server did not answer.',
      { what: 'the stopped list said' });
    assertEqual(await count(page, `${row('stopped')} .fail-file`), 0, 'no file of the part that came');
  });
});

test('an interrupted ingestion (a restart found its input gone) stops its bar where it was, in red, with the reason', async (ctx) => {
  const ingestions = [{
    ingestion_id: 'int-1', source: 'upload', project_id: 'default', status: 'interrupted', started_at: new Date(Date.now() - 60000).toISOString(),
    total_files: 10, files_processed: 3, files_failed: 1, files_skipped: 0, nodes_created: 9, duration_seconds: 2,
    error: 'interrupted by a restart, and the input was no longer on disk',
  }];
  await withDashboard(ctx, { ingestions }, async (page) => {
    const row = '#ingestions > li[data-ingestion-id="int-1"]';
    await waitText(page, `${row} .ing-status`, 'Interrupted');
    assertEqual(await page.getAttribute(row, 'data-status'), 'interrupted', 'a status the page knows');
    assert((await page.getAttribute(`${row} .ing-status`, 'class')).includes('err'), 'a red badge');
    assertEqual(await text(page, `${row} .ing-pct`), '40%', 'the bar where it stopped');
    assertEqual(await text(page, `${row} .ing-error`), 'interrupted by a restart, and the input was no longer on disk', 'the reason');
    const bar = await page.locator(`${row} .progress .bar`).evaluate((e) => getComputedStyle(e).backgroundColor);
    assertEqual(bar, 'rgb(248, 113, 113)', 'the bar in the error colour');
  });
});

test('ingestions panel keeps 50 rows: finished ones leave first, then the oldest', async (ctx) => {
  await withDashboard(ctx, {}, async (page, ws) => {
    const ids = () => page.locator('#ingestions > li').evaluateAll((lis) => lis.map((li) => li.dataset.ingestionId));
    const start = (id) => ws.send(envelope('ingestion_started', { ingestion_id: id, source: 'upload', total_files: 1, project_id: null }));
    for (let i = 0; i < 50; i++) start(`ing-${i}`);
    ws.send(envelope('ingestion_complete', {
      ingestion_id: 'ing-30', source: 'upload', status: 'completed', files: [{ file: 'a.sql', status: 'completed' }],
      files_processed: 1, files_failed: 0, total_nodes_created: 1, duration_seconds: 1, errors: [],
    }));
    await waitText(page, '#ingestions > li[data-ingestion-id="ing-30"] .ing-status', 'Completed');
    assertEqual(await text(page, '#ingestions > li[data-ingestion-id="ing-30"] .ing-nodes'), '1 node', 'one node, not "1 nodes"');
    assertEqual((await ids()).length, 50, 'fifty rows');
    start('ing-50'); // the 51st: the finished row goes, though 30 others are older
    await waitFor(async () => (await ids())[0] === 'ing-50', { what: 'row ing-50' });
    let shown = await ids();
    assertEqual(shown.length, 50, 'still fifty rows');
    assert(!shown.includes('ing-30') && shown.includes('ing-0'), `finished row dropped first: ${shown.join(',')}`);
    start('ing-51'); // nothing finished left: the oldest goes
    await waitFor(async () => (await ids())[0] === 'ing-51', { what: 'row ing-51' });
    shown = await ids();
    assertEqual(shown.length, 50, 'fifty rows at most');
    assert(!shown.includes('ing-0') && shown.includes('ing-1'), `oldest row dropped: ${shown.slice(-3).join(',')}`);
  });
});

test('offline after 6 failed attempts in a row, reconnecting before that', async (ctx) => {
  await withDashboard(ctx, { clock: true }, async (page, ws, srv) => {
    srv.refuseUpgrades = true;
    ws.drop(); // failure 1
    await waitState(page, 'reconnecting');
    const states = [];
    for (let failures = 2; failures <= 7; failures++) {
      const before = srv.attempts.length;
      await page.clock.fastForward(40000); // past the longest backoff (30 s cap, +20% jitter); fires each due timer once
      await waitFor(() => srv.attempts.length === before + 1, { what: `attempt ${failures}` });
      await waitFor(async () => /retry in/.test(await text(page, '#conn-detail')), { what: `failure ${failures} handled` });
      states.push(await state(page));
    }
    // failures 2..5 still say reconnecting; from the 6th on the page says Offline
    assertEqual(states.join(','), 'reconnecting,reconnecting,reconnecting,reconnecting,offline,offline', 'states');
    assertEqual(await text(page, '#conn-label'), 'Offline', 'label');
    srv.refuseUpgrades = false;
    const next = srv.nextClient();
    await page.clock.fastForward(40000);
    const ws2 = await next;
    ws2.send(envelope('connection_ack', { client_id: 2 }));
    await waitState(page, 'live');
  });
});

test('activity feed: query_complete and error events, newest first, severity, text only', async (ctx) => {
  await withDashboard(ctx, {}, async (page, ws) => {
    const t = Date.now();
    ws.send(envelope('query_complete', { query_type: 'graph', latency_ms: 123, status: 'success' }, new Date(t).toISOString()));
    ws.send(envelope('error', { error_type: 'parse_error', severity: 'warning', message: 'File a.sql could not be parsed.' }, new Date(t + 1).toISOString()));
    ws.send(envelope('error', { error_type: 'db', severity: 'critical', message: '<img src=x onerror="window.__xss=1">Database down' }, new Date(t + 2).toISOString()));
    ws.send(envelope('query_complete', { query_type: 'text', latency_ms: 2000, status: 'error' }, new Date(t + 3).toISOString()));
    // Arrives last but happened first: sorted below the others.
    ws.send(envelope('error', { error_type: 'late', severity: 'error', message: 'Older event.' }, new Date(t - 5000).toISOString()));
    await waitFor(() => count(page, '#feed > li').then((n) => n === 5), { what: '5 feed items' });
    const items = page.locator('#feed > li');
    const kinds = await items.evaluateAll((lis) => lis.map((li) => `${li.dataset.kind}:${li.dataset.severity || li.dataset.status}`));
    assertEqual(kinds.join(','), 'query:bad,error:critical,error:warning,query:ok,error:error', 'order and classes');
    assertEqual(await items.nth(0).locator('.feed-title').textContent(), 'Text queryerror', 'failed query title');
    assertEqual(await items.nth(0).locator('.latency').textContent(), '2,000 ms', 'latency');
    assertEqual(await items.nth(3).locator('.feed-title').textContent(), 'Graph querysuccess', 'query title');
    assertEqual(await items.nth(3).locator('.latency').textContent(), '123 ms', 'latency');
    assertEqual(await items.nth(1).locator('.badge').textContent(), 'Critical', 'severity badge');
    assertEqual(await items.nth(1).locator('.feed-text').textContent(), '<img src=x onerror="window.__xss=1">Database down', 'markup shown as text');
    assertEqual(await page.locator('#feed img').count(), 0, 'no element created from server text');
    assertEqual(await page.evaluate(() => window.__xss), undefined, 'no script ran');
    assertEqual(await items.nth(2).locator('.feed-text').textContent(), 'File a.sql could not be parsed.', 'warning text');
    const critColor = await items.nth(1).locator('.rail').evaluate((e) => getComputedStyle(e).backgroundColor);
    const warnColor = await items.nth(2).locator('.rail').evaluate((e) => getComputedStyle(e).backgroundColor);
    assert(critColor !== warnColor, `severities coloured differently (${critColor} vs ${warnColor})`);
    assertEqual(await text(page, '#feed-summary'), 'avg latency 1,062 ms', 'latency summary');

    await page.click('.filters button[data-filter="error"]');
    assertEqual(await page.locator('#feed > li:visible').count(), 3, 'errors filter');
    assertEqual(await page.getAttribute('.filters button[data-filter="error"]', 'aria-pressed'), 'true', 'pressed state');
    await page.click('.filters button[data-filter="query"]');
    assertEqual(await page.locator('#feed > li:visible').count(), 2, 'queries filter');
    await page.click('.filters button[data-filter="all"]');
    assertEqual(await page.locator('#feed > li:visible').count(), 5, 'all');
  });
});

test('sub-millisecond latencies (chat answers take tens of microseconds) are not rounded to 0 ms', async (ctx) => {
  await withDashboard(ctx, {}, async (page, ws) => {
    const t = Date.now();
    ws.send(envelope('query_complete', { query_type: 'graph', latency_ms: 0.04, status: 'success' }, new Date(t).toISOString()));
    ws.send(envelope('query_complete', { query_type: 'graph', latency_ms: 0.08, status: 'success' }, new Date(t + 1).toISOString()));
    ws.send(envelope('query_complete', { query_type: 'text', latency_ms: 3.26, status: 'success' }, new Date(t + 2).toISOString()));
    await waitFor(() => count(page, '#feed > li').then((n) => n === 3), { what: '3 feed items' });
    const shown = await page.locator('#feed > li .latency').allTextContents();
    assertEqual(shown.join(' | '), '3.3 ms | 0.1 ms | < 0.1 ms', 'latencies, newest first');
    assertEqual(await text(page, '#feed-summary'), 'avg latency 1.1 ms', 'latency summary');
    ws.send(envelope('query_complete', { query_type: 'graph', latency_ms: 0, status: 'success' }, new Date(t + 3).toISOString()));
    await waitFor(() => count(page, '#feed > li').then((n) => n === 4), { what: '4 feed items' });
    assertEqual(await text(page, '#feed > li .latency'), '0 ms', 'a latency of zero');
  });
});

test("a skipped file's reason during progress is a note, a failed file's an error", async (ctx) => {
  await withDashboard(ctx, {}, async (page, ws) => {
    ws.send(envelope('ingestion_started', { ingestion_id: 'ing_skip', source: 'upload', total_files: 3 }));
    ws.send(envelope('ingestion_progress', { ingestion_id: 'ing_skip', files_processed: 1, total_files: 3, current_file: 'empty.sql', status: 'skipped', error: 'empty file' }));
    const note = '#ingestions > li[data-ingestion-id="ing_skip"] .ing-error';
    await waitText(page, note, 'empty.sql: empty file');
    assertEqual(await page.getAttribute(note, 'data-kind'), 'note', 'a skip is a note');
    const colours = async () => page.locator(note).evaluate((e) => getComputedStyle(e).backgroundColor);
    const noteColour = await colours();
    ws.send(envelope('ingestion_progress', { ingestion_id: 'ing_skip', files_processed: 2, total_files: 3, current_file: 'bad.sql', status: 'error', error: 'bad.sql:1:8: expected a table name' }));
    await waitText(page, note, 'bad.sql: bad.sql:1:8: expected a table name');
    assertEqual(await page.getAttribute(note, 'data-kind'), 'error', 'a failure is an error');
    assert(noteColour !== await colours(), `a note and an error look different (${noteColour})`);
  });
});

test('activity feed is bounded to 100 items', async (ctx) => {
  await withDashboard(ctx, {}, async (page, ws) => {
    const t = Date.now();
    for (let i = 0; i < 250; i++) {
      ws.send(envelope('query_complete', { query_type: 'graph', latency_ms: i, status: 'success' }, new Date(t + i).toISOString()));
    }
    await waitFor(async () => (await num(page, '#msg-count')) >= 251, { what: 'all messages received' });
    assertEqual(await count(page, '#feed > li'), 100, 'feed length');
    assertEqual(await page.locator('#feed > li').first().locator('.latency').textContent(), '249 ms', 'newest on top');
    assertEqual(await page.locator('#feed > li').last().locator('.latency').textContent(), '150 ms', 'oldest kept');
    assertEqual(await text(page, '.filters button[data-filter="query"]'), 'Queries 100', 'count follows the bound');
  });
});

test('malformed and unknown messages are ignored without breaking the page', async (ctx) => {
  await withDashboard(ctx, {}, async (page, ws) => {
    const bad = [
      'not json at all', '{"type":"stats_update","data":', '[1,2,3]', 'null', '42', '"stats_update"',
      '{"type":"unknown_type","data":{}}', '{"type":"stats_update"}', '{"type":"stats_update","data":null}',
      '{"type":"stats_update","data":[1]}', '{"type":5,"data":{}}', '{"data":{"totalNodes":5}}',
      '{"type":"ingestion_progress","data":{"percentage":50}}', '{"type":"ingestion_complete","data":{"ingestion_id":{}}}',
      '{"type":"error","data":{"severity":"error"}}', '{"type":"__proto__","data":{}}', '{"type":"toString","data":{}}',
    ];
    const before = await num(page, '#ignored-count');
    for (const b of bad) ws.send(b);
    ws.sendBinary(Buffer.from([1, 2, 3]));
    ws.send(envelope('stats_update', { totalNodes: 7, totalEdges: 8, filesProcessed: 9, databaseTables: 10, activeQueries: 11, trends: {} }));
    await waitFor(async () => (await stat(page, 'totalNodes')).raw === '7', { what: 'valid message after malformed ones' });
    assertEqual(await num(page, '#ignored-count'), before + bad.length + 1, 'every malformed message counted as ignored');
    assertEqual(await count(page, '#ingestions > li'), 0, 'no ingestion rows from invalid events');
    assertEqual(await count(page, '#feed > li'), 0, 'no feed items from invalid events');
    assertEqual(await state(page), 'live', 'still live');

    // Wrong field types are shown as missing, never as "NaN" or "undefined".
    ws.send(envelope('stats_update', { totalNodes: '12', totalEdges: null, filesProcessed: 3, databaseTables: 4, activeQueries: 5, trends: 'x' }));
    await waitFor(async () => (await stat(page, 'filesProcessed')).raw === '3', { what: 'partially typed stats' });
    assertEqual((await stat(page, 'totalNodes')).shown, '—', 'string count not shown as a number');
    assertEqual((await stat(page, 'totalEdges')).shown, '—', 'null count');
    ws.send(envelope('query_complete', { query_type: 7, latency_ms: 'fast', status: null }));
    await waitFor(() => count(page, '#feed > li').then((n) => n === 1), { what: 'query with odd fields' });
    const body = await page.locator('.app').innerText();
    assert(!/NaN|undefined|\[object/.test(body), 'no NaN/undefined/[object ...] on the page');
  });
});

test('keyboard focus stays on a control after "Retry now", never <body>', async (ctx) => {
  // the page's time held: no scheduled retry races the button
  await withDashboard(ctx, { clock: true }, async (page, ws, srv) => {
    const focused = () => page.evaluate(() => document.activeElement.id || document.activeElement.tagName);
    srv.refuseUpgrades = true;
    ws.drop();
    await waitState(page, 'reconnecting');
    await page.focus('#retry-now');
    // A retry that connects: the button stays while the socket opens and goes once the page is live;
    // focus then waits on the connection status, which says how the retry went.
    srv.refuseUpgrades = false;
    const next = srv.nextClient();
    await page.keyboard.press('Enter');
    const ws2 = await next;
    assertEqual(await focused(), 'retry-now', 'focus on the button while the retry connects');
    ws2.send(envelope('connection_ack', { client_id: 2 }));
    await waitState(page, 'live');
    assert(!(await page.locator('#retry-now').isVisible()), 'no retry button once live');
    assertEqual(await focused(), 'conn-status', 'focus on the connection status once live, not <body>');
    // The socket drops again: the button is offered, and focus left on the status goes back to it.
    srv.refuseUpgrades = true;
    ws2.drop();
    await waitState(page, 'reconnecting');
    assertEqual(await focused(), 'retry-now', 'focus back on the button offered again');
  });
});

test('reconnects after the server drops the socket, with growing backoff', async (ctx) => {
  // The page's clock is held while it backs off: each delay is measured in the page's own time. Measured
  // as gaps between arrivals at the server, each gap also held its attempt's fetches, which a loaded
  // machine stretched unevenly (a later gap came out shorter than an earlier one).
  await withDashboard(ctx, { clock: true }, async (page, ws, srv) => {
    ws.send(envelope('stats_update', { totalNodes: 1, totalEdges: 2, filesProcessed: 3, databaseTables: 4, activeQueries: 0, trends: {} }));
    await waitFor(async () => (await stat(page, 'totalNodes')).raw === '1', { what: 'stats' });

    srv.refuseUpgrades = true;
    const attemptsBefore = srv.attempts.length;
    ws.drop();
    await waitState(page, 'reconnecting');
    assert(await page.locator('#retry-now').isVisible(), 'retry button offered');
    assertEqual((await stat(page, 'totalNodes')).raw, '1', 'last known stats kept while reconnecting');
    assertEqual(await page.getAttribute('#last-update', 'data-stale'), 'true', 'last update marked stale');
    // backoff 0.5, 1, 2, 4 s (±20 %): no attempt before 80 % of each delay, the attempt by 120 %
    const detail = () => text(page, '#conn-detail');
    const attempts = () => srv.attempts.length - attemptsBefore;
    for (let k = 1; k <= 4; k++) {
      const delay = 500 * 2 ** (k - 1);
      await waitFor(async () => /retry in \d+ s$/.test(await detail()), { what: `the countdown after failure ${k} (${await detail()})` });
      await page.clock.runFor(0.8 * delay - 1);
      // an attempt shows "attempt N" from its start until its refusal, and reaches the server before that ends
      assert(/retry in \d+ s$/.test(await detail()) && attempts() === k - 1,
        `retry ${k} came before ${0.8 * delay} ms (${await detail()}, ${attempts()} attempts)`);
      await page.clock.runFor(0.4 * delay + 2);
      await waitFor(() => attempts() === k, { what: `retry ${k} by ${1.2 * delay} ms (${attempts()} attempts)` });
    }
    assertEqual(await state(page), 'reconnecting', 'still reconnecting');
    await waitFor(async () => /retry in \d+ s$/.test(await detail()), { what: `the countdown (${await detail()})` });
    await page.clock.resume();

    srv.refuseUpgrades = false;
    const next = srv.nextClient();
    await page.click('#retry-now');
    const ws2 = await next;
    ws2.send(envelope('connection_ack', { client_id: 2 }));
    await waitState(page, 'live');
    assertEqual(await text(page, '#reconnect-count'), '1', 'reconnect counted');
    // Snapshot order is per connection: a restarted server's clock may be behind the old one.
    ws2.send(envelope('stats_update', { totalNodes: 2, totalEdges: 2, filesProcessed: 3, databaseTables: 4, activeQueries: 0, trends: {} },
      new Date(Date.now() - 60000).toISOString()));
    await waitFor(async () => (await stat(page, 'totalNodes')).raw === '2', { what: 'first snapshot of the new connection' });

    // A close frame with a reason (the server's capacity eviction) is shown; the retry waits 5 s (±20 %),
    // not the 0.5 s the ack had reset the backoff to: a quick one would evict the next idle client.
    const third = srv.nextClient();
    const evictedAt = Date.now();
    ws2.close(1013, 'server connection limit reached');
    // read while the page counts down, before its next attempt says "attempt 2"
    await waitFor(async () => (await state(page)) === 'reconnecting'
      && /^server connection limit reached · retry in \d+ s$/.test(await text(page, '#conn-detail')),
    { what: `the close reason shown (${await text(page, '#conn-detail')})` });
    const ws3 = await third;
    const waited = srv.attempts[srv.attempts.length - 1].at - evictedAt;
    assert(waited >= 3500, `retry after an eviction waited ${waited} ms`);
    ws3.send(envelope('connection_ack', {}));
    await waitState(page, 'live');
    assertEqual(await text(page, '#reconnect-count'), '2', 'second reconnect counted');
  });
});

test('browser offline: shows offline, reconnects when the network returns', async (ctx) => {
  await withDashboard(ctx, {}, async (page, ws, srv) => {
    await ctx.context.setOffline(true);
    try {
      ws.drop();
      await waitState(page, 'offline');
      assert((await text(page, '#conn-detail')).includes('no network'), 'reason shown');
      const next = srv.nextClient();
      await ctx.context.setOffline(false);
      const ws2 = await next;
      ws2.send(envelope('connection_ack', {}));
      await waitState(page, 'live');
    } finally {
      await ctx.context.setOffline(false);
    }
  });
});

test('a socket that never sends connection_ack is abandoned and retried', async (ctx) => {
  await withDashboard(ctx, { ack: false }, async (page, ws, srv) => {
    const next = srv.nextClient();
    await sleep(1000);
    assertEqual(await state(page), 'connecting', 'not live without ack');
    const ws2 = await next;
    assertEqual(await state(page), 'reconnecting', 'counts as a failed attempt');
    ws2.send(envelope('connection_ack', {}));
    await waitState(page, 'live');
  });
});

test('a live socket that goes silent is replaced when the server does not answer either', async (ctx) => {
  await withDashboard(ctx, { ack: false }, async (page, ws, srv) => {
    await page.route('**/health', (route) => route.abort('connectionrefused'));
    ws.send(envelope('connection_ack', { client_id: 1, stats_interval_seconds: 1 }));
    await waitState(page, 'live');
    const next = srv.nextClient();
    const ws2 = await next;
    assert(Date.now() - srv.attempts[0].at >= 14000, 'kept the quiet socket for the stale limit');
    ws2.send(envelope('connection_ack', {}));
    await waitState(page, 'live');
  });
});

// A browser shows a WebSocket message only once its last byte is in: 1,500 failed files (~190 KB here)
// at 4 KB/s are ~50 s of silence, and the page said the server was gone at 15 s, before the truth came.
// The page asks the server over HTTP instead; with its clock held, each stale period is a step here.
test('a quiet socket is kept while the server answers: a large message on a slow link', async (ctx) => {
  await withDashboard(ctx, { clock: true }, async (page, ws, srv) => {
    const row = '#ingestions > li[data-ingestion-id="slow-1"]';
    ws.send(envelope('ingestion_started', { ingestion_id: 'slow-1', source: 'upload', total_files: 1500, project_id: 'p' }));
    await waitText(page, `${row} .ing-status`, 'Running');
    const files = [], errors = [];
    for (let i = 0; i < 1500; i++) {
      const file = `models/staging/stg_file_${String(i).padStart(4, '0')}.sql`;
      files.push({ file, status: 'error' });
      errors.push({ file, error: `${file}:1:1: binary file` });
    }
    const frame = encodeFrame(0x1, JSON.stringify(envelope('ingestion_complete', {
      ingestion_id: 'slow-1', source: 'upload', status: 'failed', files, files_processed: 0, files_failed: 1500,
      total_nodes_created: 0, duration_seconds: 3, errors,
    })));
    const half = frame.length >> 1;
    ws.write(frame.subarray(0, half));
    const probes = () => srv.requests.filter((u) => u === '/health').length;
    for (let k = 1; k <= 2; k++) {
      await page.clock.runFor(21000); // past max(15 s, 4 x the 5 s default interval)
      await waitFor(() => probes() === k, { what: `the server asked over HTTP (${probes()} times)` });
      await waitFor(async () => /no message for \d+ s; the server answers/.test(await text(page, '#conn-detail')),
        { what: `the wait explained (${await text(page, '#conn-detail')})` });
      assertEqual(await state(page), 'live', `still live after ${k} stale periods`);
    }
    assertEqual(srv.attempts.length, 1, 'sockets opened');
    ws.write(frame.subarray(half));
    await waitText(page, `${row} .ing-status`, 'Failed');
    assertEqual(await text(page, '#conn-detail'), '', 'the note goes once a message is in');
    assertEqual(await state(page), 'live', 'live');

    // A socket that died while the server lives on looks the same; it is replaced after 5 minutes.
    const next = srv.nextClient();
    for (let k = 0; k < 16 && (await state(page)) === 'live'; k++) {
      const before = probes();
      await page.clock.runFor(21000);
      await waitFor(async () => probes() > before || (await state(page)) !== 'live', { what: `probe ${before + 1}` });
    }
    assertEqual(probes(), 2 + 14, 'asked every stale period until 5 minutes');
    await waitFor(async () => /^no updates from server for 3\d\d s/.test(await text(page, '#conn-detail')),
      { what: `the reason (${await text(page, '#conn-detail')})` });
    await page.clock.resume();
    (await next).send(envelope('connection_ack', {}));
    await waitState(page, 'live');
  });
});

// While the graph still loads the server answers an export 503: saved by a plain link, that error body
// became the "export". The page says it is not ready, and saves the export once it is one.
test('export: a 503 while the graph loads is shown, not saved; the next click saves the export', async (ctx) => {
  const csv = 'source_table,source_column,target_table,target_column,transformation,file,line,procedure\n' +
    'raw.a,x,core.b,x,IDENTITY,a.sql,1,\n';
  const loading = {
    status: 503, headers: { 'content-type': 'application/json', 'retry-after': '2' },
    body: JSON.stringify({ error: 'loading', detail: 'the lineage graph is still being read from the database; try again shortly' }),
  };
  const answers = { '/api/v1/export/csv': [loading, { status: 200, headers: { 'content-type': 'text/csv; charset=utf-8' }, body: csv }] };
  await withDashboard(ctx, { answers }, async (page, ws, srv) => {
    const downloads = [];
    page.on('download', (d) => downloads.push(d));
    await page.getByRole('link', { name: /CSV/ }).focus();
    await page.keyboard.press('Enter');
    await waitFor(async () => /not ready yet/.test(await text(page, '#export-status')), { what: 'the export is not ready yet' });
    const said = await text(page, '#export-status');
    assert(/still being read/.test(said) && /about 2 s/.test(said), `status: ${said}`);
    await sleep(500);
    assertEqual(downloads.length, 0, 'downloads of the 503');
    await page.keyboard.press('Enter');
    await waitFor(() => downloads.length === 1, { what: 'the export downloaded' });
    assertEqual(downloads[0].suggestedFilename(), 'lineage.csv', 'file name');
    const saved = fs.readFileSync(await downloads[0].path(), 'utf8');
    assertEqual(saved, csv, 'the saved file');
    await waitFor(async () => (await text(page, '#export-status')) === '', { what: 'the status cleared' });
    assertEqual(srv.requests.filter((u) => u === '/api/v1/export/csv').length, 2, 'export requests');
  });
});

// With the server gone (stopped mid-session) the GitHub form said "Refused:", as if the server had said no.
test('a GitHub ingestion that gets no answer says so, not that the server refused it', async (ctx) => {
  await withDashboard(ctx, {}, async (page) => {
    await page.route('**/api/v1/github/ingest', (route) => route.abort('connectionrefused'));
    await page.fill('#gh-repo', 'acme/warehouse');
    await page.press('#gh-repo', 'Enter');
    await waitFor(async () => (await text(page, '#gh-status')) !== '' && !/Asking/.test(await text(page, '#gh-status')),
      { what: 'the GitHub form answered' });
    const said = await text(page, '#gh-status');
    assert(!/Refused/.test(said) && /No answer: The server could not be reached/.test(said), `status: ${said}`);
    assertEqual(await page.getAttribute('#gh-status', 'data-kind'), 'error', 'shown as an error');
    assert(!(await page.isDisabled('#gh-submit')), 'the form can be sent again');
  });
});

// A close reason of 120 characters (the most the page shows) at phone width: the header wraps it, the
// page does not scroll sideways and the Retry button stays on screen.
test('at 360 px a long close reason wraps inside the connection status', async (ctx) => {
  await withDashboard(ctx, {}, async (page, ws, srv) => {
    await page.setViewportSize({ width: 360, height: 640 });
    srv.refuseUpgrades = true;
    const reason = 'server connection limit reached: this idle page made room for a newer client; it retries in a few seconds, then longer';
    ws.close(1013, reason);
    await waitState(page, 'reconnecting');
    assert((await text(page, '#conn-detail')).startsWith(reason.slice(0, 100)), `reason shown: ${await text(page, '#conn-detail')}`);
    const m = await page.evaluate(() => ({
      page: document.documentElement.scrollWidth, vw: window.innerWidth,
      conn: document.getElementById('conn-status').getBoundingClientRect().right,
      retry: document.getElementById('retry-now').getBoundingClientRect().right,
    }));
    assert(m.page <= m.vw, `the page scrolls sideways: ${m.page} > ${m.vw}`);
    assert(m.conn <= m.vw && m.retry <= m.vw, `status ends at ${m.conn}, Retry at ${m.retry}, screen ${m.vw}`);
  });
});

test('layout: no overflow at 1280x800 with data, usable at phone width', async (ctx) => {
  await withDashboard(ctx, {}, async (page, ws) => {
    ws.send(envelope('stats_update', { totalNodes: 123456789, totalEdges: 987654321, filesProcessed: 123456, databaseTables: 654321, activeQueries: 12, trends: { nodes: { value: 100, isPositive: true } } }));
    for (let i = 0; i < 30; i++) {
      ws.send(envelope('ingestion_started', { ingestion_id: `ing-${i}-${'x'.repeat(40)}`, source: 'github', total_files: 10, project_id: 'org/' + 'y'.repeat(80) }));
      ws.send(envelope('error', { error_type: 'e', severity: 'error', message: 'z'.repeat(300) }));
    }
    await waitFor(() => count(page, '#feed > li').then((n) => n === 30), { what: 'feed filled' });
    const fits = () => page.evaluate(() => ({
      w: document.documentElement.scrollWidth, h: document.documentElement.scrollHeight,
      vw: window.innerWidth, vh: window.innerHeight,
    }));
    let m = await fits();
    assert(m.w <= m.vw && m.h <= m.vh, `1280x800: page ${m.w}x${m.h} in ${m.vw}x${m.vh} (panels scroll inside)`);
    await page.setViewportSize({ width: 390, height: 844 });
    m = await fits();
    assert(m.w <= m.vw, `phone: no horizontal scroll (${m.w} > ${m.vw})`);
    assert(await page.locator('#conn-status').isVisible(), 'status visible on phone');
  });
});

// One ingestion of 10,000 files (the most an ingestion_complete lists) whose names and errors carry markup,
// the first ones 10 KB long, each file's progress sent (the real server throttles them; this one does not),
// and a 10 KB error in the feed: the page keeps answering, lists at most 200 files of each kind and
// counts the rest, cuts long text, and nothing runs or leaves its panel.
test('10,000 files with markup and 10 KB names in one ingestion: bounded lists, cut text, nothing runs', async (ctx) => {
  await withDashboard(ctx, {}, async (page, ws) => {
    await page.evaluate(() => {
      window.__longest = 0;
      new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__longest = Math.max(window.__longest, e.duration); })
        .observe({ type: 'longtask', buffered: true });
    });
    const N = 10000, id = 'ing-10k';
    const wide = (n) => `<img src=x onerror=window.__pwned=${n}>` + 'w'.repeat(10240);
    const name = (i) => (i === 0 ? wide(1) : i === 1 ? `</script><script>window.__pwned=2</script>` + 'n'.repeat(10240)
      : `dir/"><svg onload=window.__pwned=3>/f_${i}.sql`);
    const row = `#ingestions > li[data-ingestion-id="${id}"]`;
    ws.send(envelope('ingestion_started', { ingestion_id: id, source: 'upload', total_files: N, project_id: wide(4) }));
    for (let i = 0; i < N; i++) {
      ws.send(envelope('ingestion_progress', { ingestion_id: id, current_file: name(i), status: i % 2 ? 'error' : 'processed',
        files_processed: i + 1, total_files: N, percentage: 100 * (i + 1) / N, nodes_created: i,
        error: i % 2 ? `javascript:window.__pwned=5 ${i < 4 ? wide(6) : 'unexpected end of input'}` : null }));
    }
    const files = [], errors = [], warnings = [];
    for (let i = 0; i < N; i++) {
      files.push({ file: name(i), status: i % 2 ? 'error' : 'processed' });
      const said = i < 4 ? wide(7) : `<svg onload=window.__pwned=8>`;
      if (i % 2) errors.push({ file: name(i), error: `${name(i)}:1:1: ${said}` });
      else warnings.push({ file: name(i), warning: `${name(i)}:1:1: warning: \u202e${said}` });
    }
    ws.send(envelope('ingestion_complete', { ingestion_id: id, source: 'upload', status: 'completed_with_errors', files,
      files_processed: N / 2, files_failed: N / 2, total_nodes_created: N, duration_seconds: 12.5, errors, warnings,
      files_warned: N / 2 }));
    ws.send(envelope('error', { error_type: 'ingest_failed', severity: 'error', message: wide(9) }));
    await waitFor(async () => (await page.getAttribute(row, 'data-status')) === 'completed_with_errors',
      { timeout: 60000, what: 'the 10,000-file ingestion completed in the panel' });
    await waitFor(() => count(page, '#feed > li[data-kind="error"]').then((n) => n === 1), { what: 'the 10 KB error in the feed' });
    assertEqual(await text(page, `${row} .ing-failures summary`), '5000 failed files', 'failed files counted');
    assertEqual(await text(page, `${row} .ing-warnings summary`), '5000 files with warnings', 'warned files counted');
    assertEqual(await count(page, `${row} .ing-failures li`), 200, 'failed files listed');
    assertEqual(await count(page, `${row} .ing-warnings li`), 200, 'warned files listed');
    const longest = await page.evaluate(() => Math.max(...[...document.querySelectorAll('#ingestions *, #feed *')]
      .filter((e) => !e.children.length).map((e) => e.textContent.length)));
    assert(longest <= 400, `a text of ${longest} characters shown whole`);
    const r = await page.evaluate(() => ({ pwned: window.__pwned ?? null, scripts: document.scripts.length,
      bad: document.querySelectorAll('#ingestions img, #ingestions svg, #feed img, #feed svg, #ingestions script, #feed script').length,
      w: document.documentElement.scrollWidth, vw: innerWidth, longest: window.__longest, elements: document.getElementsByTagName('*').length }));
    assertEqual(r.pwned, null, 'a handler ran');
    assertEqual(r.scripts, 3, "the page's own scripts only");
    assertEqual(r.bad, 0, 'markup inserted');
    assert(r.w <= r.vw, `the page scrolls sideways (${r.w} > ${r.vw})`);
    assert(r.elements < 4000, `${r.elements} elements`);
    console.log(`     10,000 files: ${r.elements} elements, longest task ${Math.round(r.longest)} ms`);
    // the page still answers: the explorer tab switches and back
    await page.click('.views button[data-view="explorer"]');
    await waitFor(async () => (await page.getAttribute('body', 'data-view')) === 'explorer', { what: 'explorer view' });
  });
});

await run({
  before: () => launchBrowser({ viewport: { width: 1280, height: 800 } }),
  after: (browser) => browser.close(),
});

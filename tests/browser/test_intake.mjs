// The upload and GitHub forms against the real server: a dropped file is uploaded, its ingestion
// shows progress and completion from the real events, the cards then equal /api/v1/stats, and the
// server's refusals are shown in its own words.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  test, run, assert, assertEqual, assertNoProblems, Lineaged, httpGet, waitFor, startWithPage, closeWithPage, openPage,
} from './lib.mjs';

const STAT_KEYS = ['totalNodes', 'totalEdges', 'filesProcessed', 'databaseTables', 'activeQueries'];
const text = (page, sel) => page.locator(sel).first().textContent().then((t) => t.trim());

async function dropFiles(page, files) {
  const dt = await page.evaluateHandle((list) => {
    const d = new DataTransfer();
    for (const f of list) d.items.add(new File([f.content], f.name, { type: 'application/octet-stream' }));
    return d;
  }, files);
  await page.dispatchEvent('#drop-zone', 'dragover', { dataTransfer: dt });
  await page.dispatchEvent('#drop-zone', 'drop', { dataTransfer: dt });
}

test('a dropped file is uploaded, shows progress and completion, and the cards equal /api/v1/stats', async ({ server, page }) => {
  await dropFiles(page, [
    { name: 'orders.sql', content: 'CREATE TABLE staging.orders (id INT, amount INT);\nINSERT INTO core.orders SELECT id, amount FROM staging.orders;\n' },
    { name: 'notes.txt', content: 'not sql' },
  ]);
  await waitFor(async () => (await text(page, '#drop-summary')).startsWith('2 files'), { what: 'drop summary' });
  await page.fill('#upload-project', 'browser');
  await page.selectOption('#upload-dialect', 'postgres');
  await page.click('#upload-submit');
  await waitFor(async () => (await page.getAttribute('#upload-status', 'data-kind')) === 'ok', {
    timeout: 15000, what: `upload accepted (status: ${await text(page, '#upload-status')})`,
  });
  const status = await text(page, '#upload-status');
  assert(/Accepted 1 of 2 files/.test(status), `upload status: ${status}`);
  assert(/notes\.txt: unsupported file type/.test(status), `skipped file reported: ${status}`);
  const id = await page.getAttribute('#upload-status', 'data-ingestion-id');
  assert(/^ing_/.test(id), `ingestion id ${id}`);

  const row = `#ingestions > li[data-ingestion-id="${id}"]`;
  await waitFor(async () => (await page.getAttribute(row, 'data-status')) === 'completed', {
    timeout: 30000, what: `ingestion ${id} completed in the panel`,
  });
  assertEqual(await page.getAttribute(`${row} .progress`, 'aria-valuenow'), '100', 'progress bar at 100');
  assertEqual(await text(page, `${row} .ing-source`), 'Upload', 'source badge');
  assert(/1\s*\/\s*2 files/.test(await text(page, `${row} .ing-files`)), `file counts: ${await text(page, `${row} .ing-files`)}`);

  // The commit moved the live counters; the next stats_update brings them to the cards.
  await waitFor(async () => {
    const r = await httpGet(server.base + '/api/v1/stats');
    if (r.json.filesProcessed < 1) return false;
    for (const k of STAT_KEYS) {
      if ((await page.getAttribute(`.card[data-stat="${k}"] .value`, 'value')) !== String(r.json[k])) return false;
    }
    return true;
  }, { timeout: 15000, what: 'cards equal to /api/v1/stats with the file counted' });
  assertNoProblems(page);
});

// The 202 comes once the server has recorded the files (seconds with a busy writer: 2.8 s of "Sending 100%"
// measured with --debug-slow-writer-ms 3000). The page said "Sending 100%" all that time, as if stuck.
test('a sent upload says the server is recording it until the answer comes', async ({ page }) => {
  await page.evaluate(() => {
    window.uploadSaid = [];
    const status = document.getElementById('upload-status');
    new MutationObserver(() => window.uploadSaid.push(status.textContent)).observe(status, { childList: true, subtree: true, characterData: true });
  });
  await dropFiles(page, [{ name: 'sent.sql', content: 'INSERT INTO sent.b SELECT x FROM sent.a;\n'.repeat(2000) }]);
  await page.click('#upload-submit');
  await waitFor(async () => (await page.getAttribute('#upload-status', 'data-kind')) === 'ok', {
    what: `upload accepted (status: ${await text(page, '#upload-status')})`,
  });
  const said = [...new Set(await page.evaluate(() => window.uploadSaid))].filter(Boolean);
  const sent = said.findIndex((t) => /^Sent \d+(\.\d+)? KiB; waiting for the server to record the file…$/.test(t));
  assert(sent >= 0, `said: ${said.join(' | ')}`);
  assert(/^Accepted 1 of 1 files/.test(said[said.length - 1]) && sent < said.length - 1, `said: ${said.join(' | ')}`);
  assertNoProblems(page);
});

test('the server refusal is shown in its own words', async ({ page }) => {
  await page.fill('#gh-repo', 'acme/warehouse');
  await page.fill('#gh-branch', 'bad..branch');
  await page.click('#gh-submit');
  await waitFor(async () => (await page.getAttribute('#gh-status', 'data-kind')) === 'error', { what: 'GitHub refusal' });
  assert(/branch is not a valid git branch name \(HTTP 400\)/.test(await text(page, '#gh-status')), await text(page, '#gh-status'));
  await page.fill('#gh-repo', 'not a repo');
  await page.click('#gh-submit');
  assertEqual(await text(page, '#gh-status'), 'Enter the repository as owner/name.', 'checked before sending');
  assertNoProblems(page);
});

test('a failed clone shows in the panel and its error in the activity feed', async ({ page }) => {
  await page.fill('#gh-repo', 'acme/missing');
  await page.fill('#gh-branch', '');
  await page.fill('#gh-paths', 'models/');
  await page.click('#gh-submit');
  await waitFor(async () => (await page.getAttribute('#gh-status', 'data-kind')) === 'ok', { what: 'GitHub accepted' });
  const id = await page.getAttribute('#gh-status', 'data-ingestion-id');
  const row = `#ingestions > li[data-ingestion-id="${id}"]`;
  await waitFor(async () => (await page.getAttribute(row, 'data-status')) === 'failed', { timeout: 30000, what: 'failed ingestion' });
  await waitFor(async () => /Repository acme\/missing was not found/.test(await text(page, '#feed > li[data-kind="error"] .feed-text')),
    { timeout: 10000, what: 'error in the feed' });
  assertNoProblems(page);
});

test('a pasted GitHub URL is ingested from the (local bare) remote: only the chosen path, completed in the panel', async ({ server, page }) => {
  await page.fill('#gh-repo', 'https://github.com/acme/sales.git');
  await page.fill('#gh-branch', 'main');
  await page.fill('#gh-paths', 'models/');
  await page.fill('#gh-project', 'sales');
  await page.click('#gh-submit');
  await waitFor(async () => (await page.getAttribute('#gh-status', 'data-kind')) === 'ok',
    { timeout: 15000, what: `GitHub accepted (status: ${await text(page, '#gh-status')})` });
  const id = await page.getAttribute('#gh-status', 'data-ingestion-id');
  const row = `#ingestions > li[data-ingestion-id="${id}"]`;
  await waitFor(async () => (await page.getAttribute(row, 'data-status')) === 'completed',
    { timeout: 30000, what: `ingestion ${id} completed (status ${await page.getAttribute(row, 'data-status')})` });
  assertEqual(await text(page, `${row} .ing-source`), 'GitHub', 'source badge');
  assert(/1\s*\/\s*1 files/.test(await text(page, `${row} .ing-files`)), `files: ${await text(page, `${row} .ing-files`)}`);
  // the search can lag the completion event by a moment (seen under ASan): wait for the chosen file's table
  let names = [];
  await waitFor(async () => {
    names = (await httpGet(server.base + '/api/v1/search?q=gh_sales&limit=10')).json.results.map((r) => r.name);
    return names.includes('gh_sales.orders');
  }, { timeout: 15000, what: `gh_sales.orders searchable (found: ${names.join(', ')})` });
  assert(!names.includes('gh_sales.skipped'), `a table of a path not chosen: ${names.join(', ')}`);
  assertNoProblems(page);
});

test("a URL copied from GitHub's tree view fills branch and path; the row names the repository", async ({ page }) => {
  for (const id of ['#gh-branch', '#gh-paths', '#gh-project']) await page.fill(id, '');
  await page.fill('#gh-repo', 'https://github.com/acme/sales/tree/main/models');
  await page.click('#gh-submit');
  await waitFor(async () => (await page.getAttribute('#gh-status', 'data-kind')) === 'ok',
    { timeout: 15000, what: `GitHub accepted (status: ${await text(page, '#gh-status')})` });
  assertEqual(await page.inputValue('#gh-repo'), 'acme/sales', 'repository field');
  assertEqual(await page.inputValue('#gh-branch'), 'main', 'branch taken from the URL');
  assertEqual(await page.inputValue('#gh-paths'), 'models/', 'path taken from the URL, as a directory');
  const id = await page.getAttribute('#gh-status', 'data-ingestion-id');
  const row = `#ingestions > li[data-ingestion-id="${id}"]`;
  await waitFor(async () => (await page.getAttribute(row, 'data-status')) === 'completed',
    { timeout: 30000, what: `ingestion ${id} completed (status ${await page.getAttribute(row, 'data-status')})` });
  assert(/1\s*\/\s*1 files/.test(await text(page, `${row} .ing-files`)), `only models/: ${await text(page, `${row} .ing-files`)}`);
  assertEqual(await text(page, `${row} .ing-project`), 'default · acme/sales', 'project and repository');
  assertNoProblems(page);
});

test("a file over the 32 MiB per-file limit: the server's 413 naming it is shown, nothing is ingested, the form stays usable", async ({ server, page }) => {
  const before = (await httpGet(server.base + '/api/v1/ingestions?limit=1')).json.total;
  // from disk: a buffer this size takes playwright longer to hand over than its 5 s default
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lineaged-huge-'));
  const line = 'INSERT INTO big.t SELECT x FROM big.s;\n';
  fs.writeFileSync(path.join(dir, 'small.sql'), 'INSERT INTO big.ok SELECT x FROM big.s;\n');
  fs.writeFileSync(path.join(dir, 'huge.sql'), line.repeat(Math.ceil((32 * 1024 * 1024 + 1) / line.length)));
  try {
    await page.setInputFiles('#upload-files', [path.join(dir, 'small.sql'), path.join(dir, 'huge.sql')]);
    await page.click('#upload-submit');
    await waitFor(async () => (await page.getAttribute('#upload-status', 'data-kind')) === 'error',
      { timeout: 60000, what: `the refusal (status: ${await text(page, '#upload-status')})` });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true }); // the browser reads a picked file when it sends it
  }
  assertEqual(await text(page, '#upload-status'),
    "Upload refused: file 'huge.sql' is larger than the per-file limit of 32 MiB (HTTP 413)", 'status');
  assert(await page.isHidden('#upload-progress'), 'the progress bar is gone');
  assert(await page.isEnabled('#upload-submit'), 'the picked files can be sent again');
  assertEqual((await httpGet(server.base + '/api/v1/ingestions?limit=1')).json.total, before, 'ingestions after the refusal');
  await page.setInputFiles('#upload-files', [{ name: 'small.sql', mimeType: 'text/plain', buffer: Buffer.from('INSERT INTO big.ok SELECT x FROM big.s;\n') }]);
  await page.click('#upload-submit');
  await waitFor(async () => (await page.getAttribute('#upload-status', 'data-kind')) === 'ok',
    { timeout: 15000, what: `the next upload accepted (status: ${await text(page, '#upload-status')})` });
  assertNoProblems(page);
});

test('a picked file gone before it is sent: the upload says no answer came, not that the server refused', async ({ page }) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lineaged-gone-'));
  try {
    fs.writeFileSync(path.join(dir, 'gone.sql'), 'INSERT INTO gone.b SELECT x FROM gone.a;\n');
    await page.setInputFiles('#upload-files', [path.join(dir, 'gone.sql')]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  await page.click('#upload-submit');
  await waitFor(async () => (await page.getAttribute('#upload-status', 'data-kind')) === 'error',
    { timeout: 15000, what: `the failure (status: ${await text(page, '#upload-status')})` });
  assert(/^Upload failed: no answer came\. .*a picked file changed or went away/.test(await text(page, '#upload-status')),
    `status: ${await text(page, '#upload-status')}`);
  assert(await page.isHidden('#upload-progress'), 'the progress bar is gone');
  assertNoProblems(page);
});

test('more skipped files than the list shows: the rest are counted, not silently dropped', async ({ page }) => {
  const files = [{ name: 'one.sql', mimeType: 'text/plain', buffer: Buffer.from('INSERT INTO sk.b SELECT x FROM sk.a;\n') }];
  for (let i = 0; i < 23; i++) files.push({ name: `notes${i}.txt`, mimeType: 'text/plain', buffer: Buffer.from('x') });
  await page.setInputFiles('#upload-files', files);
  await page.click('#upload-submit');
  await waitFor(async () => (await page.getAttribute('#upload-status', 'data-kind')) === 'ok',
    { timeout: 15000, what: `upload accepted (status: ${await text(page, '#upload-status')})` });
  assert(/Accepted 1 of 24 files.*skipped 23/.test(await text(page, '#upload-status')), await text(page, '#upload-status'));
  const items = await page.$$eval('#upload-status li', (lis) => lis.map((li) => li.textContent));
  assertEqual(items.length, 21, 'twenty listed, then one line for the rest');
  assert(/^… and 3 more/.test(items[20]), `the rest counted: ${items[20]}`);
  assertNoProblems(page);
});

// A file whose procedure has 100 inner statements joining 100 sources each: 10,000 table flows, past
// the 8,192 kept per statement, so it is processed with a warning (tests/integration/ingest_helpers.py).
function pastTheFlowLimit() {
  let body = '';
  for (let w = 0; w < 100; w++) {
    body += `    INSERT INTO out.t${w} (v) SELECT s0.v FROM src.s0 s0`;
    for (let i = 1; i < 100; i++) body += ` JOIN src.s${i} s${i} ON s${i}.k = s0.k`;
    body += ';\n';
  }
  return `CREATE PROCEDURE gen.load_all AS\nBEGIN\n${body}END\nGO\n`;
}

test('a file processed with a warning is counted and listed, live and again after a reload', async ({ page }) => {
  await page.setInputFiles('#upload-files', [
    { name: 'load_all.sql', mimeType: 'text/plain', buffer: Buffer.from(pastTheFlowLimit()) },
    { name: 'plain.sql', mimeType: 'text/plain', buffer: Buffer.from('INSERT INTO warned.t SELECT a FROM warned.s;\n') },
  ]);
  await page.selectOption('#upload-dialect', 'tsql');
  await page.click('#upload-submit');
  await waitFor(async () => (await page.getAttribute('#upload-status', 'data-kind')) === 'ok',
    { timeout: 15000, what: `upload accepted (status: ${await text(page, '#upload-status')})` });
  const id = await page.getAttribute('#upload-status', 'data-ingestion-id');
  const row = `#ingestions > li[data-ingestion-id="${id}"]`;
  const shown = async () => {
    await waitFor(async () => (await page.getAttribute(row, 'data-status')) === 'completed',
      { timeout: 30000, what: `ingestion ${id} completed in the panel` });
    assertEqual(await text(page, `${row} .ing-warnings summary`), '1 file with a warning', 'warned count');
    if (!(await page.locator(`${row} .ing-warnings li`).first().isVisible())) await page.click(`${row} .ing-warnings summary`);
    await waitFor(async () => (await page.locator(`${row} .ing-warnings li`).allTextContents()).some((t) => /^load_all\.sql.*:\d+:\d+: warning: more than 8192 table flows/.test(t)),
      { timeout: 10000, what: 'the warned file listed with its warning' });
    assertEqual(await page.locator(`${row} .ing-warnings li`).count(), 1, 'only the warned file listed');
    assert(await page.locator(`${row} .ing-failures`).isHidden(), 'no failed files');
  };
  await shown();
  // after a reload the row comes from GET /api/v1/ingestions: the count from the files' rows, the list on opening
  await page.reload();
  await waitFor(async () => (await page.getAttribute('#conn-status', 'data-state')) === 'live', { timeout: 15000, what: 'live again' });
  assert(!(await page.locator(`${row} .ing-warnings li`).first().isVisible().catch(() => false)), 'the list waits to be opened');
  await shown();
  assertNoProblems(page);
});

// The database refusing writes for real (its write-ahead log may not pass 64 KiB): /health says degraded
// and the page says so above everything, in words, while the rest of it keeps working.
test('a database that refuses writes: /health degraded, and the page says new files are not stored', async ({ browser }) => {
  const server = new Lineaged({ maxFileBytes: 64 << 10 });
  await server.start();
  const page = await openPage(browser.context);
  try {
    await page.goto(server.base + '/');
    await waitFor(async () => (await page.getAttribute('#conn-status', 'data-state')) === 'live', { timeout: 15000, what: 'live' });
    assert(await page.locator('#health-banner').isHidden(), 'no banner while healthy');
    const files = [];
    for (let i = 0; i < 18; i++) { // the request's spool stays under 64 KiB; texts and rows outgrow the log
      let content = '';
      for (let k = 0; k < 48; k++) content += `INSERT INTO mart.t${i}_${k} SELECT a, b, c FROM raw.s${i}_${k} WHERE a > ${k};\n`;
      files.push({ name: `f${i}.sql`, content });
    }
    await dropFiles(page, files);
    await page.click('#upload-submit');
    await waitFor(async () => (await httpGet(server.base + '/health')).json.status === 'degraded', { timeout: 60000, what: '/health degraded' });
    const health = (await httpGet(server.base + '/health')).json;
    assertEqual(health.database.status, 'failing', 'database status');
    assert(health.database.write_failures >= 1, `write_failures ${health.database.write_failures}`);
    await page.locator('#health-banner').waitFor({ state: 'visible', timeout: 15000 });
    const said = await text(page, '#health-banner');
    assert(/Database failing/.test(said) && /new files are not being stored/.test(said) && /failed write/.test(said), `banner: ${said}`);
    assert(/File too large/.test(server.log), 'the kernel refused the write (EFBIG)');
    assertNoProblems(page);
  } finally {
    await page.close();
    await server.dispose();
  }
});

test('keyboard only: Tab reaches the file picker, Space activates it, Enter uploads the picked files', async ({ page }) => {
  // Shift+Tab from the project field lands on the control before it: the picker, not a hidden input skipped
  await page.focus('#upload-project');
  await page.keyboard.press('Shift+Tab');
  assertEqual(await page.evaluate(() => document.activeElement.id), 'upload-files', 'focused element');
  // Space activates the picker (its click is what opens the file chooser). The chooser itself is not
  // awaited: headless Chromium did not always raise it under the ASan suite's load (one failure in a
  // fresh-clone run, 20 s without the event), while the activation is what the page controls.
  await page.evaluate(() => {
    window.pickerActivations = 0;
    document.getElementById('upload-files').addEventListener('click', () => { window.pickerActivations++; });
  });
  await page.keyboard.press('Space');
  await waitFor(async () => (await page.evaluate(() => window.pickerActivations)) > 0,
    { timeout: 10000, what: 'Space on the focused picker activates it' });
  assert(await page.evaluate(() => document.getElementById('upload-files').multiple), 'the picker takes several files');
  await page.setInputFiles('#upload-files', [
    { name: 'kb_a.sql', mimeType: 'text/plain', buffer: Buffer.from('INSERT INTO kb.b SELECT x FROM kb.a;\n') },
    { name: 'kb_b.sql', mimeType: 'text/plain', buffer: Buffer.from('INSERT INTO kb.c SELECT x FROM kb.b;\n') },
  ]);
  await waitFor(async () => (await text(page, '#drop-summary')).startsWith('2 files'), { what: 'picked files summary' });
  await page.focus('#upload-project');
  await page.keyboard.press('Enter');
  await waitFor(async () => (await page.getAttribute('#upload-status', 'data-kind')) === 'ok', {
    timeout: 15000, what: `upload accepted (status: ${await text(page, '#upload-status')})`,
  });
  assert(/Accepted 2 of 2 files/.test(await text(page, '#upload-status')), await text(page, '#upload-status'));
  assertNoProblems(page);
});

await run({
  async before() {
    const remote = fs.mkdtempSync(path.join(os.tmpdir(), 'lineaged-empty-remote-'));
    // acme/sales: a bare repository on main with models/orders.sql and other/skipped.sql
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lineaged-sales-work-'));
    const git = (...args) => {
      const r = spawnSync('git', args, { encoding: 'utf8', timeout: 30000,
        env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' } });
      if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
    };
    fs.mkdirSync(path.join(work, 'models'));
    fs.mkdirSync(path.join(work, 'other'));
    fs.writeFileSync(path.join(work, 'models/orders.sql'), 'INSERT INTO gh_sales.orders SELECT id FROM gh_sales.raw_orders;\n');
    fs.writeFileSync(path.join(work, 'other/skipped.sql'), 'INSERT INTO gh_sales.skipped SELECT id FROM gh_sales.raw_orders;\n');
    git('init', '-q', '-b', 'main', work);
    git('-C', work, 'add', '.');
    git('-C', work, 'commit', '-q', '-m', 'sales');
    fs.mkdirSync(path.join(remote, 'acme'));
    git('clone', '-q', '--bare', work, path.join(remote, 'acme/sales.git'));
    fs.rmSync(work, { recursive: true, force: true });
    const server = new Lineaged({ args: ['--github-url', 'file://' + remote] });
    server.remote = remote;
    const ctx = await startWithPage(server, { viewport: { width: 1280, height: 900 } });
    await ctx.page.goto(server.base + '/');
    await waitFor(async () => (await ctx.page.getAttribute('#conn-status', 'data-state')) === 'live', { timeout: 15000, what: 'live' });
    return ctx;
  },
  async after(ctx) {
    await closeWithPage(ctx);
    fs.rmSync(ctx.server.remote, { recursive: true, force: true });
  },
});

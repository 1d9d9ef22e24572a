// Hostile text from the real server (names in the graph, uploaded and cloned file names, projects,
// branches, paths, parse errors, search and chat answers) reaches every place the page shows server text
// as text: no markup runs or is inserted, and at phone width none of it leaves its panel.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  test, run, assert, assertEqual, assertNoProblems, Lineaged, waitFor, startWithPage, closeWithPage, httpGet, openPage,
} from './lib.mjs';

const LONG = 'warehouse_' + 'very_long_segment_'.repeat(12) + 'end';
const HOSTILE = [
  '<script>window.__pwned=1</script>',
  "x' onmouseover='window.__pwned=2",
  '<img src=x onerror=window.__pwned=3>',
  '"><svg onload=window.__pwned=4>',
  'مبيعات.الطلبات',
  '📦.订单_emoji',
  'rlo\u202egnp.exe',
  LONG,
];
// Markup that runs if it is ever parsed as HTML; `n` says which place let it through.
const MARK = (n) => `<img src=x onerror=window.__pwned=${n}>`;
const SVG = (n) => `<svg/onload=window.__pwned=${n}>`;
// As SQL: each part a double-quoted identifier (quotes doubled), so the name is kept verbatim.
const quoted = (name) => name.split('.').map((p) => '"' + p.replace(/"/g, '""') + '"').join('.');
const MARKUP_NAMES = HOSTILE.slice(0, 4).map((n) => n.split('.').pop());
// one name in two schemas (ambiguous), and a file whose name is markup
const AMBIGUOUS = MARK(30);
const MARKUP_FILE = '<svg onload=window.__pwned=31>amb.sql';
const MARKUP_BAD = '<svg onload=window.__pwned=23>bad.sql';
const LONG_FILE = 'dir_' + 'x'.repeat(150) + '.sql';
// Names in schema "extreme": a closing script tag, a javascript: URL, the longest name the lineage index
// keeps (1,024 bytes, GRAPH_MAX_NAME, with its schema), escaped NULs, an RTL override before markup. Longer
// names never reach the page's graph views; 10 KB ones reach its ingestion panel (test_dashboard_events).
const WIDE = 'wide_' + 'w'.repeat(1024 - 'extreme.wide_'.length);
const EXTREME = [
  "</script><script>window['__pwned']=51</script>",
  "javascript:window['__pwned']=52",
  WIDE,
  'nul\\u0000\\x00%00\\0end',
  "\u202e<img src=x onerror=window['__pwned']=53>",
];

const text = (page, sel) => page.locator(sel).first().textContent();
const drawn = (page) => page.$$eval('#ex-nodes .ex-node', (gs) => gs.map((g) => g.getAttribute('data-name')).sort());

// Whatever a name could have smuggled in anywhere on the page, and whether any handler ran.
const injected = (page) => page.evaluate(() => {
  const bad = [];
  for (const e of document.querySelectorAll('*')) {
    if (/^(img|iframe|object|embed|foreignobject|link|style|base|meta)$/i.test(e.tagName) && e.closest('body')) bad.push(e.tagName);
    for (const a of e.attributes) if (/^on/i.test(a.name)) bad.push(`${e.tagName}[${a.name}]`);
  }
  const svgs = document.querySelectorAll('#ingestions svg, #feed svg, #upload-status svg, #gh-status svg, #ex-meta svg, '
    + '#ex-details svg, #ex-suggest svg, #chat-answer svg, #chat-sources svg, #extras svg, #conn-status svg').length;
  return { pwned: window.__pwned ?? null, scripts: document.scripts.length, bad, svgs };
});

async function assertClean(page, where) {
  const r = await injected(page);
  assertEqual(r.pwned, null, `${where}: a handler ran`);
  assertEqual(r.scripts, 3, `${where}: the page's own scripts only`);
  assertEqual(r.bad.join(' '), '', `${where}: elements or handlers injected`);
  assertEqual(r.svgs, 0, `${where}: svg injected into server text`);
  assertNoProblems(page);
}

async function live(page) {
  await waitFor(async () => (await page.getAttribute('#conn-status', 'data-state')) === 'live', { timeout: 15000, what: 'live' });
}

test('the explorer draws hostile names as text, each label inside its box, none overlapping', async ({ server, page }) => {
  await page.goto(server.base + '/#explorer');
  await page.selectOption('#ex-dir', 'upstream');
  await page.fill('#ex-q', 'hostile.hub');
  await page.press('#ex-q', 'Enter');
  const want = ['hostile.hub', ...HOSTILE].sort();
  await waitFor(async () => (await drawn(page)).join('\n') === want.join('\n'),
    { timeout: 15000, what: `hostile names drawn: ${(await drawn(page)).join(' | ')}` });
  const layout = await page.$$eval('#ex-nodes .ex-node', (gs) => {
    const rects = gs.map((g) => g.querySelector('rect').getBoundingClientRect());
    const texts = gs.map((g) => g.querySelector('text').getBoundingClientRect());
    const meet = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
    let overlaps = 0;
    const spilling = [];
    for (let i = 0; i < gs.length; i++) {
      const r = rects[i], t = texts[i];
      if (t.left < r.left - 0.5 || t.right > r.right + 0.5 || t.top < r.top - 0.5 || t.bottom > r.bottom + 0.5) {
        spilling.push(gs[i].getAttribute('data-name'));
      }
      for (let j = i + 1; j < gs.length; j++) if (meet(rects[i], rects[j])) overlaps++;
    }
    const widest = Math.max(...rects.map((r) => r.width));
    return { overlaps, spilling, widest, viewport: window.innerWidth };
  });
  assertEqual(layout.overlaps, 0, 'overlapping nodes');
  assertEqual(layout.spilling.length, 0, `labels outside their box: ${layout.spilling.join(' | ')}`);
  assert(layout.widest < layout.viewport / 2, `a long name made a box ${layout.widest}px wide`);
  // the label shows the name (or its start) as text; the full name is the node's data
  const labels = await page.$$eval('#ex-nodes .ex-node text', (ts) => ts.map((t) => t.textContent));
  for (const m of MARKUP_NAMES) assert(labels.some((l) => l.includes(m.slice(0, 8))), `label of ${m}: ${labels.join(' | ')}`);
  await assertClean(page, 'graph');

  await page.click(`#ex-nodes .ex-node[data-name="${HOSTILE[0].replace(/"/g, '\\"')}"]`);
  await waitFor(async () => (await page.textContent('#ex-details h3')) === HOSTILE[0],
    { timeout: 10000, what: `details of ${HOSTILE[0]}: ${await page.textContent('#ex-details h3')}` });
  await assertClean(page, 'details');
});

test('search suggestions and a chat answer show the names verbatim', async ({ server, page }) => {
  await page.goto(server.base + '/#explorer');
  await page.fill('#ex-q', 'pwned');
  await waitFor(async () => (await page.$$eval('#ex-suggest li', (lis) => lis.length)) >= 4,
    { timeout: 10000, what: 'suggestions for "pwned"' });
  const shown = await page.$$eval('#ex-suggest li', (lis) => lis.map((li) => li.textContent));
  for (const m of MARKUP_NAMES) assert(shown.some((s) => s.includes(m)), `suggestion ${m}: ${shown.join(' | ')}`);
  await assertClean(page, 'suggestions');

  await page.fill('#chat-q', 'What feeds hostile.hub?');
  await page.click('#chat-form button[type="submit"]');
  await waitFor(async () => (await page.textContent('#chat-answer')).includes(HOSTILE[0]),
    { timeout: 10000, what: `chat answer: ${await page.textContent('#chat-answer')}` });
  const answer = await page.textContent('#chat-answer');
  for (const n of HOSTILE) assert(answer.includes(n), `answer names ${n}`);
  await assertClean(page, 'chat');
});

test('the explorer says an unknown and an ambiguous name, a file and text-mode sources with markup verbatim', async ({ server, page }) => {
  await page.goto(server.base + '/#explorer');
  await page.selectOption('#ex-dir', 'both');
  const unknown = `nope${MARK(32)}`;
  await page.fill('#ex-q', unknown);
  await page.press('#ex-q', 'Enter');
  await waitFor(async () => (await text(page, '#ex-meta')).startsWith(`${unknown}: no node has that name`),
    { timeout: 10000, what: `unknown name said: ${await text(page, '#ex-meta')}` });
  await assertClean(page, 'unknown name');

  await page.fill('#ex-q', AMBIGUOUS);
  await page.press('#ex-q', 'Enter');
  await waitFor(async () => (await text(page, '#ex-meta')) === `${AMBIGUOUS} matches several nodes: one.${AMBIGUOUS}, two.${AMBIGUOUS}`,
    { timeout: 10000, what: `candidates said: ${await text(page, '#ex-meta')}` });
  await assertClean(page, 'ambiguous name');

  await page.fill('#ex-q', MARKUP_FILE);
  await page.press('#ex-q', 'Enter');
  await waitFor(async () => (await text(page, '#ex-details h3')) === MARKUP_FILE && /writes two\./.test(await text(page, '#ex-details')),
    { timeout: 10000, what: `file details: ${await text(page, '#ex-details')}` });
  assert((await text(page, '#ex-details')).includes(`reads one.${AMBIGUOUS}`), `statements: ${await text(page, '#ex-details')}`);
  const suggested = await page.$$eval('#chat-suggest button', (bs) => bs.map((b) => b.textContent));
  assertEqual(suggested.join(), `What did file ${MARKUP_FILE} create?`, 'suggested question');
  await assertClean(page, 'file details');

  await page.selectOption('#chat-mode', 'text');
  await page.fill('#chat-q', 'zebracorn');
  await page.click('#chat-form button[type="submit"]');
  await waitFor(async () => (await page.$$eval('#chat-sources li', (lis) => lis.length)) > 0,
    { timeout: 10000, what: `text-mode sources: ${await text(page, '#chat-answer')}` });
  const sources = await page.$$eval('#chat-sources li', (lis) => lis.map((li) => li.textContent));
  assert(sources.some((s) => s.startsWith(`${MARKUP_FILE}:1`) && s.includes(`CREATE TABLE one.${quoted(AMBIGUOUS)}`)),
    `a source names the file and shows its markup: ${sources.join(' | ')}`);
  await page.selectOption('#chat-mode', 'graph');
  await assertClean(page, 'text-mode sources');
});

test('uploaded names, a project, skipped and failed files with markup stay text, live and after a reload', async ({ server, page }) => {
  await page.goto(server.base + '/');
  await live(page);
  const ok = `${MARK(11)}ok.sql`, broken = `${MARK(12)}broken.sql`, other = `${MARK(13)}.txt`, project = `proj${MARK(14)}`;
  await page.setInputFiles('#upload-files', [
    { name: ok, mimeType: 'text/plain', buffer: Buffer.from('INSERT INTO up_hostile.t SELECT a FROM up_hostile.s;\n') },
    { name: broken, mimeType: 'text/plain', buffer: Buffer.from('INSERT INTO up_hostile.x SELECT (;\n') },
    { name: other, mimeType: 'text/plain', buffer: Buffer.from('not sql') },
  ]);
  await page.fill('#upload-project', project);
  await page.click('#upload-submit');
  await waitFor(async () => (await page.getAttribute('#upload-status', 'data-kind')) === 'ok',
    { timeout: 15000, what: `upload accepted: ${await text(page, '#upload-status')}` });
  assert((await text(page, '#upload-status li')).startsWith(`${other}: unsupported file type`), `skipped: ${await text(page, '#upload-status')}`);
  const id = await page.getAttribute('#upload-status', 'data-ingestion-id');
  const row = `#ingestions > li[data-ingestion-id="${id}"]`;
  await waitFor(async () => (await page.getAttribute(row, 'data-status')) === 'completed_with_errors',
    { timeout: 30000, what: `ingestion ${id} completed with errors` });
  assertEqual(await text(page, `${row} .ing-project`), project, 'project');
  assert(await page.$eval(`${row} .ing-id`, (e) => e.scrollWidth <= e.clientWidth), 'a long project leaves the id whole');
  assertEqual(await text(page, `${row} .ing-failures .fail-file`), broken, 'failed file, live');
  assert((await text(page, `${row} .ing-failures .fail-msg`)).startsWith(`${broken}:1:`), `error: ${await text(page, `${row} .ing-failures .fail-msg`)}`);
  await assertClean(page, 'upload, live');

  // the row now comes from GET /api/v1/ingestions, its failed files from GET /api/v1/ingestion/{id}
  await page.reload();
  await live(page);
  await waitFor(async () => (await page.getAttribute(row, 'data-status')) === 'completed_with_errors', { timeout: 10000, what: 'row listed' });
  assertEqual(await text(page, `${row} .ing-project`), project, 'project, listed');
  await page.click(`${row} .ing-failures summary`);
  await waitFor(async () => (await text(page, `${row} .ing-failures .fail-file`)) === broken,
    { timeout: 10000, what: `failed file, read: ${await text(page, `${row} .ing-failures`)}` });
  await assertClean(page, 'upload, reloaded');
});

test('a cloned repository with markup in file names, a branch and a path: rows, failures, notes and the feed stay text', async ({ server, page }) => {
  await page.goto(server.base + '/');
  await live(page);
  const ingest = async (branch, paths, project) => {
    await page.fill('#gh-repo', 'acme/hostile');
    await page.fill('#gh-branch', branch);
    await page.fill('#gh-paths', paths);
    await page.fill('#gh-project', project);
    await page.click('#gh-submit');
    await waitFor(async () => (await page.getAttribute('#gh-status', 'data-kind')) === 'ok',
      { timeout: 15000, what: `GitHub accepted: ${await text(page, '#gh-status')}` });
    return `#ingestions > li[data-ingestion-id="${await page.getAttribute('#gh-status', 'data-ingestion-id')}"]`;
  };
  const row = await ingest('main', '', `gh${MARK(21)}`);
  await waitFor(async () => (await page.getAttribute(row, 'data-status')) === 'completed_with_errors',
    { timeout: 30000, what: `clone completed with errors (${await page.getAttribute(row, 'data-status')})` });
  assertEqual(await text(page, `${row} .ing-project`), `gh${MARK(21)} · acme/hostile`, 'project and repository');
  assertEqual(await text(page, `${row} .ing-failures .fail-file`), MARKUP_BAD, 'failed file of the repository');
  await assertClean(page, 'cloned files');

  const branch = `x${SVG(24)}`;
  const noBranch = await ingest(branch, '', '');
  await waitFor(async () => (await page.getAttribute(noBranch, 'data-status')) === 'failed', { timeout: 30000, what: 'clone of a missing branch failed' });
  const said = `Branch '${branch}' does not exist in acme/hostile.`;
  assertEqual(await text(page, `${noBranch} .ing-error`), said, 'the row says why');
  await waitFor(async () => (await page.$$eval('#feed > li[data-kind="error"] .feed-text', (ts) => ts.map((t) => t.textContent))).includes(said),
    { timeout: 10000, what: 'the error in the feed' });
  const missing = `${SVG(25)}`;
  const noPath = await ingest('main', missing + '/', '');
  await waitFor(async () => (await page.getAttribute(noPath, 'data-status')) === 'failed', { timeout: 30000, what: 'clone of a missing path failed' });
  // the server spaces a path's slashes (`<svg / onload=..>`)
  const note = await text(page, `${noPath} .ing-error`);
  assert(note.startsWith("Path '<svg / onload=window.__pwned=25>' does not exist"), `note: ${note}`);
  await assertClean(page, 'failed clones');
});

// What leaves a panel at phone width (its box past the panel's edge, or a sideways scroll inside it),
// server text included; labels inside the graph's svg are checked by the first test.
const spill = (page) => page.evaluate(() => {
  const out = [];
  const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (typeof e.className === 'string' && e.className ? '.' + e.className.split(' ')[0] : '');
  for (const box of document.querySelectorAll('.panel, .intake-card, .health-banner, .card')) {
    if (!box.getClientRects().length) continue;
    const b = box.getBoundingClientRect();
    for (const e of box.querySelectorAll('*')) {
      if (e.closest('svg') || !e.getClientRects().length) continue;
      const r = e.getBoundingClientRect();
      if (r.width && (r.right > b.right + 1 || r.left < b.left - 1)) out.push(`${name(e)} ends at ${Math.round(r.right)} outside ${name(box)} (${Math.round(b.right)})`);
      const s = getComputedStyle(e);
      if (s.overflowX !== 'visible' && s.textOverflow !== 'ellipsis' && !/^(input|select|textarea)$/i.test(e.tagName) && e.scrollWidth > e.clientWidth + 1) out.push(`${name(e)} scrolls sideways (${e.scrollWidth} > ${e.clientWidth})`);
    }
  }
  if (document.documentElement.scrollWidth > innerWidth) out.push(`the page scrolls sideways (${document.documentElement.scrollWidth})`);
  return out;
});

test('at 360 px long and hostile server text stays inside its panel', async ({ server, page }) => {
  await page.setViewportSize({ width: 360, height: 640 });
  try {
    await page.goto(server.base + '/');
    await live(page);
    await page.setInputFiles('#upload-files', [
      { name: 'n' + 'q'.repeat(200) + '.txt', mimeType: 'text/plain', buffer: Buffer.from('x') },
      { name: 'b' + 'q'.repeat(200) + '.sql', mimeType: 'text/plain', buffer: Buffer.from('SELECT (;') },
    ]);
    await page.fill('#upload-project', 'p'.repeat(128));
    await page.click('#upload-submit');
    await waitFor(async () => (await page.getAttribute('#upload-status', 'data-kind')) === 'ok', { timeout: 15000, what: 'upload accepted' });
    const row = `#ingestions > li[data-ingestion-id="${await page.getAttribute('#upload-status', 'data-ingestion-id')}"]`;
    await waitFor(async () => (await page.getAttribute(row, 'data-status')) === 'failed' || (await page.getAttribute(row, 'data-status')) === 'completed_with_errors',
      { timeout: 30000, what: 'ingestion finished' });
    assertEqual((await spill(page)).join('\n'), '', 'dashboard at 360 px');

    await page.goto(server.base + '/#explorer');
    await live(page);
    await page.fill('#ex-q', `s.${LONG}_missing`);
    await page.press('#ex-q', 'Enter');
    await waitFor(async () => /no node has that name/.test(await text(page, '#ex-meta')), { timeout: 10000, what: 'unknown long name said' });
    assertEqual((await spill(page)).join('\n'), '', 'an unknown long name at 360 px');
    await page.fill('#ex-q', LONG_FILE);
    await page.press('#ex-q', 'Enter');
    await waitFor(async () => (await text(page, '#ex-details h3')) === LONG_FILE, { timeout: 10000, what: 'long file details' });
    await page.fill('#chat-q', 'What feeds hostile.hub?');
    await page.click('#chat-form button[type="submit"]');
    await waitFor(async () => (await text(page, '#chat-answer')).includes(LONG), { timeout: 10000, what: 'chat answer' });
    await page.selectOption('#chat-mode', 'text');
    await page.fill('#chat-q', 'segment');
    await page.click('#chat-form button[type="submit"]');
    await waitFor(async () => (await page.$$eval('#chat-sources li', (lis) => lis.length)) > 0, { timeout: 10000, what: 'text-mode sources' });
    await page.selectOption('#chat-mode', 'graph');
    assertEqual((await spill(page)).join('\n'), '', 'explorer and chat at 360 px');
    await assertClean(page, 'phone width');
  } finally {
    await page.setViewportSize({ width: 1280, height: 800 });
  }
});

// Past every escape in the page: the server's headers. Markup that reached the DOM by any path must
// still not run (the page's scripts allowed by hash, not 'unsafe-inline'), and no other site may frame it.
test("the page's headers: scripts by hash, no framing, no sniffing; injected markup would not run", async ({ server, browser }) => {
  const page = await httpGet(server.base + '/');
  const csp = page.headers['content-security-policy'] || '';
  const directive = (name) => (csp.split(';').map((d) => d.trim()).find((d) => d.startsWith(name + ' ')) || '');
  assertEqual((directive('script-src').match(/'sha256-[A-Za-z0-9+/]{43}='/g) || []).length, 3, `script-src by the three scripts' hashes: ${csp}`);
  assert(!/unsafe/.test(csp), `nothing unsafe allowed: ${csp}`);
  assertEqual(directive('default-src'), "default-src 'none'", 'default-src');
  assertEqual(directive('frame-ancestors'), "frame-ancestors 'none'", 'frame-ancestors');
  assertEqual(page.headers['x-frame-options'], 'DENY', 'x-frame-options');
  assertEqual(page.headers['x-content-type-options'], 'nosniff', 'nosniff on the page');
  assertEqual(page.headers['referrer-policy'], 'no-referrer', 'referrer-policy');
  const api = await httpGet(server.base + '/api/v1/search?q=%3Cscript%3E');
  assertEqual(api.headers['x-content-type-options'], 'nosniff', 'nosniff on JSON');

  const p = await openPage(browser.context);
  try {
    await p.goto(server.base + '/');
    await live(p);
    const ran = await p.evaluate(async () => {
      const s = document.createElement('script');
      s.textContent = 'window.__pwned = 41';
      document.body.append(s);
      const d = document.createElement('div');
      d.innerHTML = '<img src="data:," onerror="window.__pwned = 42"><svg><a href="javascript:window.__pwned=43"><text>x</text></a></svg>';
      document.body.append(d);
      d.querySelector('a').dispatchEvent(new MouseEvent('click', { bubbles: true }));
      await new Promise((r) => setTimeout(r, 300));
      return window.__pwned ?? null;
    });
    assertEqual(ran, null, 'a script, an inline handler or a javascript: link added to the page ran');
    assert(p.problems.some((m) => /Content Security Policy/.test(m)), 'the browser reported the blocked script');
    p.problems.length = 0;
    // another site framing the page gets nothing: the browser refuses to render it in the frame
    await p.goto('about:blank');
    await p.setContent(`<iframe src="${server.base}/" width="600" height="400"></iframe>`);
    await waitFor(async () => p.frames().length > 1, { timeout: 5000, what: 'the frame' });
    await new Promise((r) => setTimeout(r, 1500));
    const framed = p.frames()[1];
    const rendered = await framed.evaluate(() => !!document.getElementById('conn-status')).catch(() => false);
    assertEqual(rendered, false, 'the page rendered inside another page\'s frame');
  } finally {
    await p.close();
  }
});

// Past the first list: a closing script tag, a javascript: URL, a name of 1 KB, escaped NULs and an RTL
// override before markup, in the graph, the details, the suggestions and a chat answer. The long name is
// cut (an ellipsis), never a box or a panel 1 KB wide.
test('a closing script tag, a javascript: URL, a 1 KB name and escaped NULs stay text and inside their boxes', async ({ server, page }) => {
  await page.goto(server.base + '/#explorer');
  await page.selectOption('#ex-dir', 'upstream');
  await page.fill('#ex-q', 'extreme.hub');
  await page.press('#ex-q', 'Enter');
  const want = ['extreme.hub', ...EXTREME.map((n) => 'extreme.' + n)].sort();
  await waitFor(async () => (await drawn(page)).join('\n') === want.join('\n'),
    { timeout: 15000, what: `extreme names drawn: ${(await drawn(page)).map((n) => n.slice(0, 60)).join(' | ')}` });
  const boxes = await page.$$eval('#ex-nodes .ex-node', (gs) => gs.map((g) => {
    const r = g.querySelector('rect').getBoundingClientRect(), t = g.querySelector('text').getBoundingClientRect();
    return { name: g.getAttribute('data-name'), width: r.width, label: g.querySelector('text').textContent,
      inside: t.left >= r.left - 0.5 && t.right <= r.right + 0.5 };
  }));
  for (const b of boxes) assert(b.inside, `label outside its box: ${b.name.slice(0, 80)}`);
  const wide = boxes.find((b) => b.name === 'extreme.' + WIDE);
  assert(wide.width < 640 && wide.label.length < 200 && wide.label.includes('…'), `the 1 KB name: ${wide.width}px, label ${JSON.stringify(wide.label)}`);
  await assertClean(page, 'extreme graph');
  assertEqual((await spill(page)).join('\n'), '', 'the explorer with the 1 KB name drawn');

  // the 1 KB name is looked up like any other (its request path got 414 while paths were bounded at 511 bytes)
  await page.click(`#ex-nodes .ex-node[data-name="extreme.${WIDE}"]`);
  await waitFor(async () => (await text(page, '#ex-details h3')) === 'extreme.' + WIDE,
    { timeout: 10000, what: `the 1 KB name's details: ${(await text(page, '#ex-meta')).slice(-80)}` });
  assertEqual((await spill(page)).join('\n'), '', 'the 1 KB name\'s details');
  await assertClean(page, 'the 1 KB name\'s details');

  await page.fill('#ex-q', 'extreme.' + EXTREME[0]);
  await page.press('#ex-q', 'Enter');
  await waitFor(async () => (await text(page, '#ex-details h3')) === 'extreme.' + EXTREME[0],
    { timeout: 10000, what: `details of ${EXTREME[0]}: ${await text(page, '#ex-meta')}` });
  await assertClean(page, 'extreme details');

  for (const n of EXTREME) {
    await page.fill('#ex-q', 'extreme.' + n.slice(0, 12));
    await waitFor(async () => (await page.$$eval('#ex-suggest li', (lis) => lis.map((li) => li.textContent))).some((t) => t.includes(n.slice(0, 300))),
      { timeout: 10000, what: `a suggestion of ${n.slice(0, 60)}` });
    assertEqual((await spill(page)).join('\n'), '', `suggestions of ${n.slice(0, 60)}`);
  }
  await assertClean(page, 'extreme suggestions');
  await page.press('#ex-q', 'Escape');

  await page.fill('#chat-q', 'What feeds extreme.hub?');
  await page.click('#chat-form button[type="submit"]');
  await waitFor(async () => (await text(page, '#chat-answer')).includes(EXTREME[0]),
    { timeout: 10000, what: `chat answer: ${(await text(page, '#chat-answer')).slice(0, 200)}` });
  const answer = await text(page, '#chat-answer');
  for (const n of EXTREME.filter((x) => x !== WIDE)) assert(answer.includes(n), `the answer names ${n}`);
  assertEqual((await spill(page)).join('\n'), '', 'a chat answer with the 1 KB name');
  await assertClean(page, 'extreme chat');
});

function git(...args) {
  const r = spawnSync('git', args, { encoding: 'utf8', timeout: 30000,
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' } });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
}

await run({
  async before() {
    const remote = fs.mkdtempSync(path.join(os.tmpdir(), 'lineaged-hostile-remote-'));
    const server = new Lineaged({ args: ['--github-url', 'file://' + remote] });
    server.remote = remote;
    const dir = path.join(server.tmp, 'hostile');
    fs.mkdirSync(dir);
    const sql = HOSTILE.map((n) => `CREATE TABLE ${quoted(n)} (a int);`)
      .concat(HOSTILE.map((n) => `INSERT INTO hostile.hub (a) SELECT a FROM ${quoted(n)};`));
    fs.writeFileSync(path.join(dir, 'hostile.sql'), sql.join('\n') + '\n');
    fs.writeFileSync(path.join(dir, MARKUP_FILE), `CREATE TABLE one.${quoted(AMBIGUOUS)} (zebracorn int);\n`
      + `INSERT INTO two.${quoted(AMBIGUOUS)} (a) SELECT a FROM one.${quoted(AMBIGUOUS)};\n`);
    fs.writeFileSync(path.join(dir, 'extreme.sql'), EXTREME.map((n) => `CREATE TABLE extreme.${quoted(n)} (a int);\n`).join('')
      + EXTREME.map((n) => `INSERT INTO extreme.hub (a) SELECT a FROM extreme.${quoted(n)};\n`).join(''));
    fs.writeFileSync(path.join(dir, LONG_FILE), `INSERT INTO s.${LONG}_copy SELECT a FROM hostile.hub;\n`);
    server.ingest = [dir];
    // acme/hostile: a repository whose file names are markup, one of them broken
    const work = path.join(server.tmp, 'work');
    fs.mkdirSync(work);
    fs.writeFileSync(path.join(work, `${MARK(22)}.sql`), 'INSERT INTO gh_hostile.t SELECT a FROM gh_hostile.s;\n');
    fs.writeFileSync(path.join(work, MARKUP_BAD), 'INSERT INTO gh_hostile.x SELECT (;\n');
    git('init', '-q', '-b', 'main', work);
    git('-C', work, 'add', '.');
    git('-C', work, 'commit', '-q', '-m', 'hostile');
    fs.mkdirSync(path.join(remote, 'acme'));
    git('clone', '-q', '--bare', work, path.join(remote, 'acme/hostile.git'));
    return startWithPage(server);
  },
  async after(ctx) {
    await closeWithPage(ctx);
    fs.rmSync(ctx.server.remote, { recursive: true, force: true });
  },
});

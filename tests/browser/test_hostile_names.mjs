// Hostile names in the real graph (markup, quotes, very long, right-to-left, emoji, a bidi override):
// the explorer, its search, the details pane and chat show them as text and keep their layout.
import fs from 'node:fs';
import path from 'node:path';
import {
  test, run, assert, assertEqual, assertNoProblems, Lineaged, waitFor, startWithPage, closeWithPage,
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
// As SQL: each part a double-quoted identifier (quotes doubled), so the name is kept verbatim.
const quoted = (name) => name.split('.').map((p) => '"' + p.replace(/"/g, '""') + '"').join('.');
const MARKUP_NAMES = HOSTILE.slice(0, 4).map((n) => n.split('.').pop());

const drawn = (page) => page.$$eval('#ex-nodes .ex-node', (gs) => gs.map((g) => g.getAttribute('data-name')).sort());

// Elements a name could have smuggled in, and whether any handler ran.
const injected = (page) => page.evaluate(() => ({
  pwned: window.__pwned ?? null,
  elements: document.querySelectorAll('#ex-nodes script, #ex-nodes img, #ex-nodes foreignObject, #ex-details script, '
    + '#ex-details img, #ex-details svg, #chat-answer script, #chat-answer img, #chat-answer svg, #ex-suggest script, '
    + '#ex-suggest img, #ex-suggest svg').length,
}));

async function assertClean(page, where) {
  const r = await injected(page);
  assertEqual(r.pwned, null, `${where}: a handler ran`);
  assertEqual(r.elements, 0, `${where}: elements injected`);
  assertNoProblems(page);
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

await run({
  async before() {
    const server = new Lineaged();
    const dir = path.join(server.tmp, 'hostile');
    fs.mkdirSync(dir);
    const sql = HOSTILE.map((n) => `CREATE TABLE ${quoted(n)} (a int);`)
      .concat(HOSTILE.map((n) => `INSERT INTO hostile.hub (a) SELECT a FROM ${quoted(n)};`));
    fs.writeFileSync(path.join(dir, 'hostile.sql'), sql.join('\n') + '\n');
    server.ingest = [dir];
    return startWithPage(server);
  },
  after: closeWithPage,
});

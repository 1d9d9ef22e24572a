// What the README promises a newcomer after `make run`, on a real server holding the example warehouse:
// the cards show its real numbers, and the chat box's own example and the README's questions answer.
import fs from 'node:fs';
import path from 'node:path';
import {
  test, run, assert, assertEqual, assertNoProblems, Lineaged, httpGet, waitFor, REPO, startWithPage, closeWithPage,
} from './lib.mjs';

const EXAMPLES = path.join(REPO, 'examples/finance');

// The questions of the README paragraph "After `make run`, questions about the example warehouse ...":
// graph mode for those ending in '?', text mode for the one after "in text mode".
function readmeQuestions() {
  const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const start = readme.indexOf('After `make run`, questions');
  assert(start >= 0, 'README paragraph with the example questions');
  const para = readme.slice(start, readme.indexOf('\n\n', start));
  const [graphPart, textPart] = para.split('in text mode');
  const graph = [...graphPart.matchAll(/`([^`]+\?)`/g)].map((m) => m[1]);
  const text = [...(textPart || '').matchAll(/`([^`]+)`/g)].map((m) => m[1]);
  return { graph, text };
}

async function ask(page, mode, question) {
  await page.selectOption('#chat-mode', mode);
  await page.fill('#chat-q', question);
  await page.evaluate(() => document.getElementById('chat-answer').removeAttribute('data-query-type'));
  await page.press('#chat-q', 'Enter');
  await waitFor(async () => (await page.getAttribute('#chat-answer', 'data-query-type'))
    || (await page.getAttribute('#chat-answer', 'data-error')), { timeout: 15000, what: `an answer to "${question}"` });
  return {
    type: await page.getAttribute('#chat-answer', 'data-query-type'),
    answer: (await page.textContent('#chat-answer')).trim(),
    sources: await page.$$eval('#chat-sources li', (lis) => lis.length),
  };
}

test('the dashboard shows the example warehouse in numbers equal to /api/v1/stats', async ({ server, page }) => {
  await page.goto(server.base + '/');
  const stats = (await httpGet(server.base + '/api/v1/stats')).json;
  assert(stats.filesProcessed >= 30 && stats.totalNodes > 100, `example warehouse ingested: ${JSON.stringify(stats)}`);
  for (const k of ['totalNodes', 'totalEdges', 'filesProcessed', 'databaseTables']) {
    await waitFor(async () => (await page.getAttribute(`.card[data-stat="${k}"] .value`, 'value')) === String(stats[k]),
      { timeout: 10000, what: `card ${k} = ${stats[k]}` });
  }
  assertNoProblems(page);
});

test('the Ingestions panel shows how the example warehouse got there, not "none yet"', async ({ server, page }) => {
  await page.goto(server.base + '/');
  const listed = (await httpGet(server.base + '/api/v1/ingestions?limit=10')).json.ingestions;
  assertEqual(listed.length, 1, `one ingestion in the database: ${JSON.stringify(listed)}`);
  const row = `#ingestions > li[data-ingestion-id="${listed[0].ingestion_id}"]`;
  await waitFor(async () => (await page.locator(row).count()) === 1, { timeout: 10000, what: `row of ${listed[0].ingestion_id}` });
  assertEqual((await page.textContent(`${row} .ing-status`)).trim(), 'Completed', 'its status');
  assertEqual((await page.textContent(`${row} .ing-source`)).trim(), 'CLI', 'its source');
  const files = `${listed[0].files_processed} / ${listed[0].total_files} files`;
  assertEqual((await page.textContent(`${row} .ing-files`)).trim().replace(/\s+/g, ' '), files, 'its files');
  assertEqual((await page.textContent('#ingestions-count')).trim(), '0 active · 1 shown', 'panel count');
  assert(!(await page.isVisible('#ingestions-empty')), 'no empty state');
  assertNoProblems(page);
});

test("the chat box's example question answers on the example warehouse, and the box is wide enough to read it", async ({ page, server }) => {
  await page.goto(server.base + '/#explorer');
  const placeholder = await page.getAttribute('#chat-q', 'placeholder');
  const got = await ask(page, 'graph', placeholder);
  assertEqual(got.type, 'lineage_upstream', `query type of "${placeholder}" (answer: ${got.answer})`);
  assert(got.sources > 0, `sources listed for "${placeholder}"`);
  // the question takes the panel's width: the example must not be cut to its last words
  const [input, panel] = await page.evaluate(() => [document.getElementById('chat-q').getBoundingClientRect().width,
    document.getElementById('chat-form').getBoundingClientRect().width]);
  assert(input >= 0.9 * panel, `question box ${input}px of the form's ${panel}px`);
  assertEqual(await page.evaluate(() => {
    const q = document.getElementById('chat-q');
    return q.scrollWidth <= q.clientWidth;
  }), true, 'the example question fits its box');
  assertNoProblems(page);
});

test("the README's example questions each get an answer with sources", async ({ page, server }) => {
  await page.goto(server.base + '/#explorer');
  const { graph, text } = readmeQuestions();
  assert(graph.length >= 4 && text.length >= 1, `questions found in the README: ${graph.length} graph, ${text.length} text`);
  for (const q of graph) {
    const got = await ask(page, 'graph', q);
    assert(got.type && !['unknown', 'clarify', 'search'].includes(got.type), `"${q}" understood as ${got.type}: ${got.answer}`);
    assert(got.sources > 0, `sources for "${q}": ${got.answer}`);
  }
  for (const q of text) {
    const got = await ask(page, 'text', q);
    assertEqual(got.type, 'text_search', `query type of "${q}" (answer: ${got.answer})`);
    assert(got.sources > 0, `sources for "${q}": ${got.answer}`);
  }
  assertNoProblems(page);
});

test('a question the chat does not understand ("help") is answered with the kinds of question it does', async ({ page, server }) => {
  await page.goto(server.base + '/#explorer');
  const got = await ask(page, 'graph', 'help');
  assertEqual(got.type, 'unknown', `query type (answer: ${got.answer})`);
  for (const kind of ['What feeds X?', 'What breaks if I change X?', 'How does A reach B?', 'text mode']) {
    assert(got.answer.includes(kind), `the answer mentions "${kind}": ${got.answer}`);
  }
  assertNoProblems(page);
});

test("a table's details wrap between words, never inside a column or file name that fits the pane", async ({ page, server }) => {
  await page.goto(server.base + '/#explorer');
  await page.fill('#ex-q', 'core.fct_invoices');
  await page.press('#ex-q', 'Enter');
  await page.waitForSelector('#ex-details dd >> text=gross_amount_usd', { timeout: 10000 });
  const split = await page.$$eval('#ex-details dd', (dds) => {
    const out = [];
    for (const dd of dds) {
      const walker = document.createTreeWalker(dd, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (const m of node.data.matchAll(/[^\s,]+/g)) {
          const range = document.createRange();
          range.setStart(node, m.index);
          range.setEnd(node, m.index + m[0].length);
          const rects = [...range.getClientRects()];
          const tops = new Set(rects.map((r) => Math.round(r.top)));
          const width = rects.reduce((w, r) => w + r.width, 0); // the word's own width, on one line or several
          if (tops.size > 1 && width < dd.getBoundingClientRect().width) out.push(m[0]);
        }
      }
    }
    return out;
  });
  assertEqual(split.join(', '), '', 'words broken across lines');
  assertNoProblems(page);
});

await run({
  async before() {
    const server = new Lineaged({ ingest: [EXAMPLES] });
    return startWithPage(server);
  },
  after: closeWithPage,
});

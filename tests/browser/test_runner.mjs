// The test runner itself: a filter that matches nothing fails, and no way out leaves a server behind.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assert, assertEqual, run, test } from './lib.mjs';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

function node(script, env = {}) {
  return spawnSync(process.execPath, [path.join(fixtures, script)], {
    env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60000,
  });
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('a filter that matches nothing fails instead of passing zero tests', async () => {
  const r = node('runner_one_test.mjs', { BROWSER_TEST_FILTER: 'no such test' });
  assertEqual(r.status, 1, `exit status (output: ${r.stdout}${r.stderr})`);
  assert(/matches none of the 1 tests/.test(r.stdout), r.stdout);
  const ok = node('runner_one_test.mjs', { BROWSER_TEST_FILTER: 'only' });
  assertEqual(ok.status, 0, `exit status with a matching filter (output: ${ok.stdout})`);
  assert(/1 passed, 0 failed/.test(ok.stdout), ok.stdout);
});

test('a failing before() stops the server it started', async () => {
  const r = node('runner_setup_fails.mjs');
  assertEqual(r.status, 1, `exit status (output: ${r.stdout}${r.stderr})`);
  const m = /server pid (\d+) tmp (\S+)/.exec(r.stdout);
  assert(m, `the fixture did not start its server: ${r.stdout}${r.stderr}`);
  assert(/setup failed: .*browser could not be launched/.test(r.stdout), r.stdout);
  assert(!alive(Number(m[1])), `server ${m[1]} outlived the run`);
  assert(!fs.existsSync(m[2]), `its folder ${m[2]} was left behind`);
});

await run();

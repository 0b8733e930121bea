#!/usr/bin/env node
// @ts-check
/**
 * SegLab end-to-end test in a real VS Code: code-server 4.100.3 (VS Code 1.100.3) + Debian Chromium driven by
 * playwright-core. Installs code-server once (cached), builds and packages the extension, then runs the scenario
 * in scenario.mjs against a fresh code-server and workspace per run.
 *
 *   node test/e2e/run.mjs [--no-build] [--runs=N] [--keep] [--vsix=FILE] [--extension=DIR]
 *
 *   --no-build        skip `npm run build` (use the current out/ and media/vendor/)
 *   --runs=N          repeat the scenario N times, each in a fresh RUN and workspace (one install, one package)
 *   --keep            keep the temporary folders (printed) instead of deleting them
 *   --vsix=FILE       install this .vsix instead of building and packaging the repo
 *   --extension=DIR   package DIR instead of the repo root, without building (to check the harness itself)
 *
 * Screenshots go to test-results/ (e2e-train.png, e2e-resume.png, e2e-failure.png). On a failure the script prints
 * the last 100 lines of the code-server log and of the extension-host logs. Last line: `e2e: K passed, M failed`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import {
  REPO_ROOT,
  buildExtension,
  collectLogs,
  installCodeServer,
  packageExtension,
  startCodeServer,
} from './lib/codeServer.mjs';
import { openWorkbench } from './lib/workbench.mjs';
import { trainStopResume, writeWorkspace } from './scenario.mjs';

const USAGE = 'usage: node test/e2e/run.mjs [--no-build] [--runs=N] [--keep] [--vsix=FILE] [--extension=DIR]';

function parseOptions() {
  const { values } = parseArgs({
    options: {
      'no-build': { type: 'boolean', default: false },
      runs: { type: 'string', default: '1' },
      keep: { type: 'boolean', default: false },
      vsix: { type: 'string' },
      extension: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) {
    console.error(`e2e: --runs must be a whole number >= 1; got ${JSON.stringify(values.runs)}\n${USAGE}`);
    process.exit(2);
  }
  return { build: !values['no-build'], runs, keep: values.keep, vsix: values.vsix, extension: values.extension };
}

let t0 = Date.now();
/** Cleanups of the run in progress (close Chromium, stop code-server), also run on Ctrl+C. @type {Set<() => Promise<void>>} */
const cleanups = new Set();
/** @param {string} msg */
function log(msg) {
  console.log(`[e2e ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${msg}`);
}

/**
 * Installs code-server and produces the .vsix (built + packaged unless given).
 * @param {ReturnType<typeof parseOptions>} opts @param {string} tmp
 */
function prepare(opts, tmp) {
  const bin = installCodeServer();
  log(`code-server: ${bin}`);
  if (opts.vsix) return { bin, vsix: path.resolve(opts.vsix) };
  const dir = opts.extension ? path.resolve(opts.extension) : REPO_ROOT;
  if (opts.build && !opts.extension) {
    log('npm run build');
    buildExtension();
  }
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  if (!manifest.contributes || !manifest.main) throw new Error(`${path.join(dir, 'package.json')} is not an extension manifest (no "main" or "contributes")`);
  const main = path.resolve(dir, manifest.main);
  if (!fs.existsSync(main) && !fs.existsSync(`${main}.js`)) {
    throw new Error(`package.json "main" is ${JSON.stringify(manifest.main)}, which does not exist: build first (drop --no-build)`);
  }
  const vsix = packageExtension(path.join(tmp, 'seglab.vsix'), dir);
  log(`packaged ${path.relative(REPO_ROOT, dir) || '.'} -> ${vsix} (${(fs.statSync(vsix).size / 1048576).toFixed(1)} MiB)`);
  return { bin, vsix };
}

/**
 * One scenario run in fresh folders under `tmp`; returns whether it passed.
 * @param {{bin: string, vsix: string}} prepared @param {string} tmp @param {number} index @param {number} total
 */
async function runOnce(prepared, tmp, index, total) {
  const runDir = fs.mkdtempSync(path.join(tmp, `run${index}-`));
  const workspace = path.join(runDir, 'workspace');
  const resultsDir = path.join(REPO_ROOT, 'test-results');
  const suffix = total > 1 ? `-${index}` : '';
  fs.mkdirSync(resultsDir, { recursive: true });
  writeWorkspace(workspace);
  /** @type {Awaited<ReturnType<typeof startCodeServer>> | undefined} */
  let server;
  /** @type {Awaited<ReturnType<typeof openWorkbench>> | undefined} */
  let wb;
  const start = Date.now();
  try {
    server = await startCodeServer({ bin: prepared.bin, runDir, vsix: prepared.vsix, workspace });
    cleanups.add(server.stop);
    log(`run ${index}/${total}: code-server at ${server.url} (RUN ${runDir})`);
    wb = await openWorkbench({ runDir, url: server.url, workspace });
    const close = wb.context.close.bind(wb.context);
    cleanups.add(close);
    log('workbench loaded');
    await trainStopResume({ page: wb.page, workspace, resultsDir, suffix, log });
    log(`run ${index}/${total} passed in ${((Date.now() - start) / 1000).toFixed(1)} s`);
    return true;
  } catch (e) {
    log(`run ${index}/${total} FAILED after ${((Date.now() - start) / 1000).toFixed(1)} s: ${/** @type {Error} */ (e).message}`);
    const shot = path.join(resultsDir, `e2e-failure${suffix}.png`);
    if (wb) await wb.page.screenshot({ path: shot }).then(() => log(`screenshot: ${shot}`), () => undefined);
    if (wb?.consoleErrors.length) console.log(`----- browser console errors (last 20) -----\n${wb.consoleErrors.slice(-20).join('\n')}`);
    console.log(collectLogs(runDir, 100));
    return false;
  } finally {
    await wb?.context.close().catch(() => undefined);
    await server?.stop();
    cleanups.clear();
  }
}

async function main() {
  const opts = parseOptions();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'seglab-e2e-'));
  let passed = 0;
  let failed = 0;
  const onSignal = async () => {
    console.log('e2e: interrupted; stopping code-server and Chromium');
    await Promise.allSettled([...cleanups].map((c) => c()));
    if (opts.keep) console.log(`e2e: kept ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true, maxRetries: 3 });
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  try {
    const prepared = prepare(opts, tmp);
    for (let i = 1; i <= opts.runs; i++) {
      t0 = Date.now();
      if (await runOnce(prepared, tmp, i, opts.runs)) passed++;
      else failed++;
    }
  } catch (e) {
    console.error(`e2e: setup failed: ${/** @type {Error} */ (e).message}`);
    failed = Math.max(failed, 1);
  } finally {
    if (opts.keep) console.log(`e2e: kept ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true, maxRetries: 3 });
  }
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}

await main();

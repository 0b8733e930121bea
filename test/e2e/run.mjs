#!/usr/bin/env node
// @ts-check
/**
 * SegLab end-to-end test in a real VS Code: code-server 4.100.3 (VS Code 1.100.3) + Debian Chromium driven by
 * playwright-core. Installs code-server once (cached), builds and packages the extension, then runs the scenarios
 * (train: scenario.mjs, sanity: sanityScenario.mjs), each against its own fresh code-server and workspace.
 *
 *   node test/e2e/run.mjs [--no-build] [--runs=N] [--scenario=train|sanity|preview|all] [--keep] [--vsix=FILE] [--extension=DIR]
 *
 *   --no-build        skip `npm run build` (use the current out/ and media/vendor/)
 *   --runs=N          repeat the scenarios N times, each in a fresh RUN and workspace (one install, one package)
 *   --scenario=S      train (Train/Stop/Resume), sanity (hot sanity diagnostics and CodeLens), preview (SegLab
 *                     Preview of a dataset image, hover thumbnail) or all (default)
 *   --keep            keep the temporary folders (printed) instead of deleting them
 *   --vsix=FILE       install this .vsix instead of building and packaging the repo
 *   --extension=DIR   package DIR instead of the repo root, without building (to check the harness itself)
 *
 * Each scenario gets its own code-server session: one seglab.json per workspace (Train asks nothing), no sanity run
 * competing with training for the CPUs, and a failure in one cannot leave the other a broken workbench.
 * Screenshots go to test-results/ (e2e-train.png, e2e-resume.png, e2e-failure.png; e2e-sanity-broken.png,
 * e2e-sanity-fixed.png, e2e-sanity-failure.png). On a failure the script prints the last 100 lines of the
 * code-server log and of the extension-host logs. Last line: `e2e: K passed, M failed (train a/b, sanity c/d)`,
 * counting scenario runs.
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
import { openWorkbench, runCommand, waitFor, webview } from './lib/workbench.mjs';
import { trainStopResume, writeWorkspace } from './scenario.mjs';
import { sanityDiagnostics, writeSanityWorkspace } from './sanityScenario.mjs';
import { previewScenario, writePreviewWorkspace } from './previewScenario.mjs';

const USAGE = 'usage: node test/e2e/run.mjs [--no-build] [--runs=N] [--scenario=train|sanity|preview|all] [--keep] [--vsix=FILE] [--extension=DIR]';

/**
 * @typedef {{page: import('playwright-core').Page, workspace: string, resultsDir: string, suffix: string,
 *   log: (msg: string) => void}} ScenarioArgs
 * @typedef {{write: (workspace: string) => void, run: (o: ScenarioArgs) => Promise<void>, failureShot: string}} Scenario
 */
/** @type {Record<string, Scenario>} in the order `all` runs them */
const SCENARIOS = {
  train: { write: writeWorkspace, run: trainStopResume, failureShot: 'e2e-failure' },
  sanity: { write: writeSanityWorkspace, run: sanityDiagnostics, failureShot: 'e2e-sanity-failure' },
  preview: { write: writePreviewWorkspace, run: (o) => previewScenario(o, { runCommand, waitFor, webview }), failureShot: 'e2e-preview-failure' },
};

function parseOptions() {
  const { values } = parseArgs({
    options: {
      'no-build': { type: 'boolean', default: false },
      runs: { type: 'string', default: '1' },
      scenario: { type: 'string', default: 'all' },
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
  const scenario = /** @type {string} */ (values.scenario);
  if (scenario !== 'all' && !(scenario in SCENARIOS)) {
    console.error(`e2e: --scenario must be one of ${[...Object.keys(SCENARIOS), 'all'].join(', ')}; got ${JSON.stringify(scenario)}\n${USAGE}`);
    process.exit(2);
  }
  const scenarios = scenario === 'all' ? Object.keys(SCENARIOS) : [scenario];
  return { build: !values['no-build'], runs, scenarios, keep: values.keep, vsix: values.vsix, extension: values.extension };
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
 * One scenario run in fresh folders (code-server, workspace) under `tmp`; returns whether it passed.
 * @param {{bin: string, vsix: string}} prepared @param {string} tmp @param {string} name a key of SCENARIOS
 * @param {number} index @param {number} total
 */
async function runOnce(prepared, tmp, name, index, total) {
  const scenario = SCENARIOS[name];
  const label = `${name} ${index}/${total}`;
  const runDir = fs.mkdtempSync(path.join(tmp, `${name}${index}-`));
  const workspace = path.join(runDir, 'workspace');
  const resultsDir = path.join(REPO_ROOT, 'test-results');
  const suffix = total > 1 ? `-${index}` : '';
  fs.mkdirSync(resultsDir, { recursive: true });
  scenario.write(workspace);
  /** @type {Awaited<ReturnType<typeof startCodeServer>> | undefined} */
  let server;
  /** @type {Awaited<ReturnType<typeof openWorkbench>> | undefined} */
  let wb;
  const start = Date.now();
  try {
    server = await startCodeServer({ bin: prepared.bin, runDir, vsix: prepared.vsix, workspace });
    cleanups.add(server.stop);
    log(`${label}: code-server at ${server.url} (RUN ${runDir})`);
    wb = await openWorkbench({ runDir, url: server.url, workspace });
    const close = wb.context.close.bind(wb.context);
    cleanups.add(close);
    log('workbench loaded');
    await scenario.run({ page: wb.page, workspace, resultsDir, suffix, log });
    log(`${label} passed in ${((Date.now() - start) / 1000).toFixed(1)} s`);
    return true;
  } catch (e) {
    log(`${label} FAILED after ${((Date.now() - start) / 1000).toFixed(1)} s: ${/** @type {Error} */ (e).message}`);
    const shot = path.join(resultsDir, `${scenario.failureShot}${suffix}.png`);
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
  /** @type {Record<string, {passed: number, failed: number}>} */
  const tally = Object.fromEntries(opts.scenarios.map((n) => [n, { passed: 0, failed: 0 }]));
  let setupFailed = false;
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
      for (const name of opts.scenarios) {
        t0 = Date.now();
        tally[name][(await runOnce(prepared, tmp, name, i, opts.runs)) ? 'passed' : 'failed']++;
      }
    }
  } catch (e) {
    console.error(`e2e: setup failed: ${/** @type {Error} */ (e).message}`);
    setupFailed = true;
  } finally {
    if (opts.keep) console.log(`e2e: kept ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true, maxRetries: 3 });
  }
  const passed = Object.values(tally).reduce((n, t) => n + t.passed, 0);
  const failed = Math.max(Object.values(tally).reduce((n, t) => n + t.failed, 0), setupFailed ? 1 : 0);
  const each = Object.entries(tally).map(([n, t]) => `${n} ${t.passed}/${t.passed + t.failed}`).join(', ');
  console.log(`e2e: ${passed} passed, ${failed} failed (${each})`);
  process.exit(failed > 0 ? 1 : 0);
}

await main();

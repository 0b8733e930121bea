// @ts-check
/**
 * The SegLab end-to-end scenario in a real VS Code (code-server): Train on a tiny synthetic dataset until the
 * dashboard shows a dataset-wide mIoU, per-class rows and sample previews; Stop and find `runs/<name>/last` on
 * disk; Resume Run… the newest run and see the dashboard train again and add epochs; Stop again.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { acceptFirstQuickPickItem, runCommand, statusBarText, waitFor, webview } from './lib/workbench.mjs';

export const EXTENSION_ID = 'seglab.seglab';

/**
 * A seglab.json that trains in seconds on 2 cores: synthetic 64 px cells, a 3-level U-Net with 8 base filters,
 * 3 epochs of 24 batches of 2 (~5 s per epoch alone, ~10-15 s beside VS Code and Chromium), 2 sample previews.
 * Epochs are long enough that the first Stop lands before the run ends, short enough to see the next epoch.
 */
export const SEGLAB_JSON = {
  data: { type: 'synthetic', kind: 'cells', trainCount: 16, valCount: 4, size: 64, seed: 1 },
  input: { size: 64 },
  model: { arch: 'unet', encoderDepth: 3, baseFilters: 8 },
  train: { epochs: 3, batchSize: 2, stepsPerEpoch: 24, samples: 2 },
  output: { runsDir: 'runs', name: 'e2e' },
};

/** Timeouts (ms). The first epoch includes starting the trainer process and picking a backend. */
const T = { dashboard: 60_000, firstEpoch: 180_000, stop: 90_000, resume: 60_000, nextEpoch: 180_000 };

/** @param {string} workspace */
export function writeWorkspace(workspace) {
  fs.mkdirSync(workspace, { recursive: true });
  fs.writeFileSync(path.join(workspace, 'seglab.json'), JSON.stringify(SEGLAB_JSON, null, 2) + '\n');
}

/** @param {string} workspace @returns {string[]} run folders holding a `last/` checkpoint */
function runsWithLast(workspace) {
  const runs = path.join(workspace, 'runs');
  if (!fs.existsSync(runs)) return [];
  return fs.readdirSync(runs).filter((r) => fs.existsSync(path.join(runs, r, 'last')));
}

/**
 * @param {{page: import('playwright-core').Page, workspace: string, resultsDir: string, suffix: string,
 *   log: (msg: string) => void}} o
 */
export async function trainStopResume({ page, workspace, resultsDir, suffix, log }) {
  const view = webview(page, EXTENSION_ID);
  const text = async (/** @type {string} */ sel) => ((await view.locator(sel).first().textContent({ timeout: 1000 })) ?? '').trim();
  const phase = () => text('#phase');
  const epochs = async () => Number(await view.locator('#epoch-chart').getAttribute('data-epochs', { timeout: 1000 }));

  let attempts = await runCommand(page, 'SegLab: Train');
  log(`ran "SegLab: Train" (palette attempts: ${attempts})`);
  await waitForDashboard(page, view, log);
  log(`dashboard: phase "${await phase().catch(() => '?')}", backend "${await text('#backend').catch(() => '?')}"`);

  const miou = await waitFor(
    'a dataset-wide mIoU in #val-miou',
    async () => /^\d+\.\d{4}$/.test(await text('#val-miou')) && (await text('#val-miou')),
    T.firstEpoch,
    500,
  );
  const classes = await waitFor('>= 2 rows in #per-class-table', async () => {
    const n = await view.locator('#per-class-table tbody tr').count();
    return n >= 2 && n;
  }, 30_000);
  const samples = await waitFor('>= 1 #samples .sample', async () => {
    const n = await view.locator('#samples .sample').count();
    return n >= 1 && n;
  }, 60_000);
  log(`epoch done: val mIoU ${miou}, ${classes} class rows, ${samples} samples, data-epochs ${await epochs()}`);
  await page.screenshot({ path: path.join(resultsDir, `e2e-train${suffix}.png`) });

  attempts = await runCommand(page, 'SegLab: Stop');
  log(`ran "SegLab: Stop" (palette attempts: ${attempts})`);
  const stopped = await waitFor('the run to stop (#phase or status bar idle/interrupted)', async () => {
    const p = await phase().catch(() => '');
    if (/idle|interrupted|stopped/i.test(p)) return `#phase "${p}"`;
    const s = await statusBarText(page, 'SegLab');
    return /idle|interrupted|stopped/i.test(s) && `status bar "${s}"`;
  }, T.stop, 500);
  const saved = await waitFor('runs/*/last on disk', async () => runsWithLast(workspace).join(', '), 30_000, 500);
  const before = await epochs();
  log(`stopped: ${stopped}; last/ in runs/${saved}; data-epochs ${before}`);

  attempts = await runCommand(page, 'SegLab: Resume Run…');
  const picked = await acceptFirstQuickPickItem(page, saved.split(', ')[0], 30_000);
  log(`ran "SegLab: Resume Run…" (palette attempts: ${attempts}), accepted "${picked}"`);
  await waitFor('#phase "training" after resuming', async () => /training/i.test(await phase()), T.resume, 500);
  // The resumed run brings its finished epochs (runStart.history), so the chart keeps them and then gains one.
  let low = Infinity;
  const after = await waitFor(`#epoch-chart[data-epochs] to pass ${before} after resuming`, async () => {
    const n = await epochs();
    low = Math.min(low, n);
    return n > before && n;
  }, T.nextEpoch, 500);
  if (low < before) throw new Error(`the epoch chart dropped the run's earlier epochs on resume: ${before} before, ${low} after`);
  log(`resumed: data-epochs ${before} before, ${after} now; val mIoU ${await text('#val-miou')}`);
  await page.screenshot({ path: path.join(resultsDir, `e2e-resume${suffix}.png`) });

  attempts = await runCommand(page, 'SegLab: Stop');
  const final = await waitFor('the resumed run to stop', async () => {
    const p = await phase().catch(() => '');
    return !/training|evaluating|starting|stopping/i.test(p) && p;
  }, T.stop, 500);
  log(`stopped again (palette attempts: ${attempts}): #phase "${final}"`);
}

/**
 * Waits for SegLab's webview; if Train did not reveal it within half the time, opens it explicitly once.
 * @param {import('playwright-core').Page} page @param {import('playwright-core').FrameLocator} view
 * @param {(msg: string) => void} log
 */
async function waitForDashboard(page, view, log) {
  const present = async () => (await view.locator('#val-miou').count()) > 0;
  try {
    await waitFor('the SegLab dashboard webview (#val-miou)', present, T.dashboard / 2, 500);
  } catch {
    log('dashboard not shown by Train; running "SegLab: Open Dashboard"');
    await runCommand(page, 'SegLab: Open Dashboard');
    await waitFor('the SegLab dashboard webview (#val-miou)', present, T.dashboard / 2, 500);
  }
}

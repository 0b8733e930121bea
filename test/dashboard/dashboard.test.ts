// End-to-end test of the dashboard webview page in headless Chromium: the page from dashboardHtml() with its real
// CSP, the media/ scripts, a fake acquireVsCodeApi, and the recorded event stream of a real tiny run.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { EvalResult } from '../../server/protocol';
import { DashboardFixture, epochEnds, loadFixture, ROOT } from './fixture';
import { applyTheme, CHROMIUM, ensureVendor, fakeVsCodeApi, posted, samplePixels, send, serveDashboard, texts } from './page';

const skip = fs.existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install chromium) — the dashboard page test needs it`;
const RESULTS = path.join(ROOT, 'test-results');

const fx: DashboardFixture = loadFixture();
const ends = epochEnds(fx.events);
const last = ends[ends.length - 1];
const stepCount = fx.events.filter((e) => e.type === 'step').length;

/** The per-class rows the table must show: [class name, IoU text], in any order. */
function expectedRows(r: EvalResult): Map<string, string> {
  return new Map(r.classNames.map((name, i) => [name, r.perClassIoU[i] === null ? 'absent' : r.perClassIoU[i]!.toFixed(4)]));
}

async function tableRows(page: Page): Promise<[string, string][]> {
  return page.$$eval('#per-class-table tbody tr', (rows) =>
    rows.map((r: any) => [String(r.dataset.class), String(r.querySelector('td.iou').textContent)] as [string, string]),
  );
}

async function confusionCells(page: Page): Promise<number[][]> {
  const cells = await page.$$eval('#confusion [data-count]', (els) =>
    els.map((e: any) => [Number(e.dataset.row), Number(e.dataset.col), Number(e.dataset.count)]),
  );
  const n = Math.round(Math.sqrt(cells.length));
  const m = Array.from({ length: n }, () => new Array<number>(n).fill(-1));
  for (const [r, c, v] of cells) m[r][c] = v;
  return m;
}

/** IoU texts must be non-increasing, with every "absent" after the numbers. */
function assertSorted(rows: [string, string][]): void {
  const firstAbsent = rows.findIndex(([, t]) => t === 'absent');
  const numbers = (firstAbsent < 0 ? rows : rows.slice(0, firstAbsent)).map(([, t]) => Number(t));
  if (firstAbsent >= 0) assert.ok(rows.slice(firstAbsent).every(([, t]) => t === 'absent'), 'absent rows last');
  for (let i = 1; i < numbers.length; i++) assert.ok(numbers[i] <= numbers[i - 1], `sorted descending: ${numbers}`);
}

const distinct = (px: number[]) => new Set(Array.from({ length: px.length / 4 }, (_, p) => px.slice(p * 4, p * 4 + 4).join())).size;

describe('dashboard webview in headless Chromium', { skip }, () => {
  let browser: Browser;
  let page: Page;
  let server: Awaited<ReturnType<typeof serveDashboard>>;
  const pageErrors: string[] = [];

  before(async () => {
    ensureVendor();
    const { chromium } = await import('playwright-core');
    server = await serveDashboard();
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      // A failed load is reported below with its URL.
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) pageErrors.push(m.text());
    });
    page.on('response', (r) => {
      // Chromium asks an http origin for /favicon.ico; VS Code webviews do not.
      if (r.status() >= 400 && new URL(r.url()).pathname !== '/favicon.ico') pageErrors.push(`${r.status()} ${r.url()}`);
    });
    await page.addInitScript(fakeVsCodeApi);
    await page.goto(server.origin + '/');
    await applyTheme(page, 'dark');
    await page.waitForFunction(() => (globalThis as any).__posted.length > 0);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('loads under the CSP, posts ready once, and shows an empty page', async () => {
    assert.deepEqual(await posted(page), [{ type: 'ready' }]);
    assert.equal(await page.textContent('#val-miou'), '—');
    assert.equal(await page.textContent('#phase'), 'idle');
    assert.equal(await page.getAttribute('#loss-chart', 'data-steps'), '0');
    assert.deepEqual(await page.evaluate(() => (globalThis as any).__cspViolations), []);
    assert.ok(await page.evaluate(() => typeof (globalThis as any).uPlot === 'function'), 'uPlot loaded');
    assert.ok(await page.evaluate(() => !!(globalThis as any).customElements.get('vscode-button')), 'vscode-elements loaded');
  });

  test('a replay of the recorded run fills the header, mIoU, per-class table, charts and confusion matrix', async () => {
    await send(page, { type: 'replay', jobId: 'job-1', events: fx.events });
    await send(page, fx.runs);
    await page.waitForFunction((n) => (globalThis as any).document.querySelector('#epoch-chart').dataset.epochs === String(n), ends.length);
    assert.equal(await page.textContent('#val-miou'), last.val.mIoU.toFixed(4));
    assert.equal(await page.textContent('#batch-miou'), last.val.batchMeanIoU.toFixed(4));
    assert.equal(await page.getAttribute('#loss-chart', 'data-steps'), String(stepCount));
    const backend = fx.events.find((e) => e.type === 'backend');
    assert.equal(await page.textContent('#backend'), backend?.type === 'backend' ? backend.name : 'missing');
    assert.equal(await page.textContent('#phase'), 'idle');
    assert.match(String(await page.textContent('#message')), /Completed/);

    const rows = await tableRows(page);
    assert.equal(rows.length, last.val.classNames.length);
    assert.deepEqual(new Map(rows), expectedRows(last.val));
    assertSorted(rows);
    assert.deepEqual(await confusionCells(page), last.val.confusion);
  });

  test('each sample has three non-blank canvases: image, ground-truth and prediction overlays', async () => {
    await page.waitForFunction((n) => (globalThis as any).document.querySelectorAll('#samples .sample[data-ready]').length === n, last.samples.length);
    const px = await samplePixels(page);
    assert.equal(px.length, last.samples.length);
    for (const [i, canvases] of px.entries()) {
      assert.equal(canvases.length, 3);
      const { width, height } = last.samples[i];
      for (const c of canvases) {
        assert.equal(c.length, width * height * 4);
        assert.ok(distinct(c) > 1, 'the canvas is not one flat colour');
        assert.ok(c.some((v, k) => k % 4 === 3 && v === 255), 'opaque pixels were drawn');
      }
      assert.notDeepEqual(canvases[1], canvases[0], 'the ground-truth overlay differs from the image');
    }
  });

  test('a legend checkbox hides its class in the prediction overlay; opacity 0 shows the bare image', async () => {
    const sample = last.samples[0];
    const pred = Buffer.from(sample.pred, 'base64');
    const counts = new Map<number, number>();
    for (const c of pred) counts.set(c, (counts.get(c) ?? 0) + 1);
    const cls = [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0];
    const [[image, , before]] = await samplePixels(page);

    await page.click(`.legend-toggle[data-class-index="${cls}"]`);
    let after = before;
    for (let tries = 0; tries < 50 && after === before; tries++) {
      const [[, , p]] = await samplePixels(page);
      if (p.join() !== before.join()) after = p;
      else await new Promise((r) => setTimeout(r, 50));
    }
    assert.notDeepEqual(after, before, 'the prediction canvas changed');
    for (let p = 0; p < pred.length; p++) {
      const want = pred[p] === cls ? image : before;
      assert.deepEqual(after.slice(p * 4, p * 4 + 4), want.slice(p * 4, p * 4 + 4), `pixel ${p} (class ${pred[p]})`);
    }

    await page.click(`.legend-toggle[data-class-index="${cls}"]`);
    await page.$eval('#opacity', (e: any) => {
      e.value = '0';
      e.dispatchEvent(new e.ownerDocument.defaultView.Event('input'));
    });
    await page.waitForFunction(() => (globalThis as any).document.querySelector('#opacity-value').textContent === '0.00');
    const [[img0, gt0, pred0]] = await samplePixels(page);
    assert.deepEqual(pred0, img0);
    assert.deepEqual(gt0, img0);
    await page.$eval('#opacity', (e: any) => {
      e.value = '0.5';
      e.dispatchEvent(new e.ownerDocument.defaultView.Event('input'));
    });
  });

  test('the runs table lists the runs; ticking two overlays their curves; buttons post messages', async () => {
    assert.deepEqual(await texts(page, '#runs-table tbody td.name'), fx.runs.runs.map((r) => r.name));
    await page.click('#runs-table tbody tr:nth-child(1) .run-select');
    await page.click('#runs-table tbody tr:nth-child(2) .run-select');
    await page.waitForFunction(() => (globalThis as any).document.querySelector('#compare-chart').dataset.runs === '2');
    assert.equal(await page.locator('#compare-chart .u-legend .u-series').count(), 3);
    await page.click('#refresh-runs');
    await page.click('#cmd-train');
    assert.deepEqual((await posted(page)).slice(1), [{ type: 'refreshRuns' }, { type: 'command', command: 'train' }]);
    assert.equal(await page.getAttribute('#cmd-stop', 'disabled'), '', 'Stop is disabled while idle');
  });

  test('screenshots in the dark and light themes', async () => {
    fs.mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: path.join(RESULTS, 'dashboard.png'), fullPage: true });
    const before = await page.$eval('#epoch-chart canvas', (c: any) => c.toDataURL());
    await applyTheme(page, 'light');
    await page.waitForFunction((b) => (globalThis as any).document.querySelector('#epoch-chart canvas')?.toDataURL() !== b, before);
    await page.screenshot({ path: path.join(RESULTS, 'dashboard-light.png'), fullPage: true });
    assert.ok(fs.statSync(path.join(RESULTS, 'dashboard-light.png')).size > 10_000);
    await applyTheme(page, 'dark');
  });

  test('a reload restores the whole page from getState, without any message', async () => {
    await page.waitForFunction((m) => {
      const s = (globalThis as any).sessionStorage.getItem('vscode-state');
      return s !== null && JSON.parse(s).evalResult?.mIoU === m && JSON.parse(s).selectedRuns.length === 2;
    }, last.val.mIoU);
    await page.reload();
    await applyTheme(page, 'dark');
    await page.waitForFunction((n) => (globalThis as any).document.querySelectorAll('#samples .sample[data-ready]').length === n, last.samples.length);
    assert.deepEqual(await posted(page), [{ type: 'ready' }]);
    assert.equal(await page.textContent('#val-miou'), last.val.mIoU.toFixed(4));
    assert.deepEqual(new Map(await tableRows(page)), expectedRows(last.val));
    assert.equal(await page.getAttribute('#epoch-chart', 'data-epochs'), String(ends.length));
    assert.equal(await page.getAttribute('#loss-chart', 'data-steps'), String(stepCount));
    assert.equal(await page.getAttribute('#compare-chart', 'data-runs'), '2');
  });

  test('status, error and non-dashboard messages', async () => {
    await send(page, { type: 'bogus', status: { phase: 'training' } });
    await send(page, 'status');
    await send(page, { type: 'status', status: { phase: 'training', backend: 'wasm', epoch: 3, epochs: 9, lastMIoU: 0.1, runDir: '/r/x', message: null } });
    await page.waitForFunction(() => (globalThis as any).document.querySelector('#phase').textContent === 'training');
    assert.equal(await page.textContent('#backend'), 'wasm');
    assert.equal(await page.textContent('#epoch'), '3/9');
    assert.equal(await page.getAttribute('#cmd-stop', 'disabled'), null, 'Stop is enabled while training');
    await page.click('#cmd-stop');
    assert.deepEqual((await posted(page)).slice(-1), [{ type: 'command', command: 'stop' }]);
    await send(page, { type: 'trainEvent', jobId: 'job-1', event: { type: 'error', kind: 'user', message: 'seglab.json: `train.batchSize` must be positive' } });
    await page.waitForFunction(() => (globalThis as any).document.querySelector('#phase').textContent === 'failed');
    assert.match(String(await page.textContent('#message')), /train\.batchSize/);
  });

  test('a sanity verdict shows its steps, loss curve and the prediction on the sanity batch', async () => {
    assert.equal(await page.isHidden('#sanity'), true, 'no verdict, no Sanity view');
    const sample = last.samples[0];
    const verdict = {
      runId: 'sanity-1', status: 'failed', message: 'Concatenate got [2,8,8,16] and [2,6,6,16]', module: '/w/net.ts', files: ['/w/net.ts'],
      seconds: 1.2, diagnostics: [], params: { trainable: 1000, nonTrainable: 0 }, outputShape: [2, 64, 64, 2], expectedShape: [2, 64, 64, 2],
      steps: [
        { name: 'transpile', status: 'ok', seconds: 0.05, detail: 'esbuild' },
        { name: 'build', status: 'failed', seconds: 0.3, detail: 'concat mismatch' },
      ],
      losses: [0.9, 0.7, 0.5], sample, backend: 'wasm',
      settings: { size: [64, 64], batchSize: 2, steps: 3, timeBudgetSeconds: 30, memoryLimitMb: 2048 },
    };
    await send(page, { type: 'sanity', verdict });
    await page.waitForFunction(() => (globalThis as any).document.querySelectorAll('#sanity-sample .sample[data-ready]').length === 1);
    assert.equal(await page.isHidden('#sanity'), false);
    assert.match(String(await page.textContent('#sanity-verdict')), /^✗ sanity 1\.2 s · Concatenate got/);
    assert.deepEqual(await page.$$eval('#sanity-steps tbody tr', (rows) => rows.map((r) => [(r as any).dataset.step, (r as any).dataset.status])), [
      ['transpile', 'ok'],
      ['build', 'failed'],
    ]);
    assert.equal(await page.getAttribute('#sanity-loss', 'data-points'), '3');
    assert.equal(await page.getAttribute('#sanity', 'data-status'), 'failed');
  });

  test('a class with IoU null shows "absent", sorted last; its confusion row says absent', async () => {
    const r: EvalResult = {
      mIoU: 0.525, perClassIoU: [0.8, null, 0.25], perClassDice: [0.9, null, 0.4], pixelAccuracy: 0.78,
      meanClassAccuracy: 0.77, batchMeanIoU: 0.5, explanation: 'hand-made', confusion: [[8, 2, 0], [0, 0, 0], [1, 0, 3]],
      classNames: ['background', 'cat', 'dog'], images: 1,
    };
    await send(page, { type: 'trainEvent', jobId: 'job-2', event: { type: 'evalDone', result: r, predictionsDir: null } });
    await page.waitForFunction(() => (globalThis as any).document.querySelector('#val-miou').textContent === '0.5250');
    assert.deepEqual(await tableRows(page), [['background', '0.8000'], ['dog', '0.2500'], ['cat', 'absent']]);
    assert.deepEqual(await confusionCells(page), r.confusion);
    assert.match(String(await page.textContent('#confusion tbody tr:nth-child(2) th')), /absent/);
    const title = await page.getAttribute('#confusion td[data-row="0"][data-col="1"]', 'title');
    assert.match(String(title), /2 pixels, 20\.0% of the 10 background pixels/);
    assert.equal(await page.getAttribute('#epoch-chart', 'data-epochs'), String(ends.length), 'an Evaluate job keeps the curves');
    assert.deepEqual(await page.evaluate(() => (globalThis as any).__cspViolations), []);
    assert.deepEqual(pageErrors, []);
  });
});

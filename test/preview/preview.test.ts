// The SegLab Preview page in headless Chromium with a real prediction: the committed fixture run (a tiny U-Net
// trained on synthetic cells) predicts one of its dataset images through the real server path (PreviewService →
// predictor process), and the page, served with its real CSP and a fake acquireVsCodeApi, draws it.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import type { PreviewModelChoice, PreviewResult, ToPreview } from '../../server/protocol';
import { PreviewService } from '../../server/preview/service';
import { copyFixture, FixtureCopy } from '../../server/preview/testing';
import { loadPreviewLogic, PreviewLogic } from './logic';
import { applyTheme, CHROMIUM, fakeVsCodeApi, posted, send, servePreview, texts } from './page';

const skip = fs.existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install chromium) — the preview page test needs it`;
const RESULTS = path.join(__dirname, '..', '..', '..', 'test-results');

const decode = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));

async function canvasPixels(page: Page): Promise<{ width: number; height: number; data: number[] }> {
  return page.$eval('#overlay', (c: any) => ({ width: c.width, height: c.height, data: Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data as ArrayLike<number>) }));
}

async function setRange(page: Page, selector: string, value: string): Promise<void> {
  await page.$eval(selector, (e: any, v) => {
    e.value = v;
    e.dispatchEvent(new Event('input', { bubbles: true }));
  }, value);
}

describe('SegLab Preview page in headless Chromium', { skip }, () => {
  let fx: FixtureCopy;
  let result: PreviewResult;
  let rgba: Uint8Array;
  let L: PreviewLogic;
  let browser: Browser;
  let page: Page;
  let server: Awaited<ReturnType<typeof servePreview>>;
  const pageErrors: string[] = [];
  const models: PreviewModelChoice[] = [];

  before(async () => {
    fx = copyFixture();
    const service = new PreviewService({ backend: 'cpu' });
    try {
      result = await service.preview({ imagePath: fx.image, runDir: fx.runDir, checkpoint: 'best' });
    } finally {
      service.dispose();
    }
    models.push({ runDir: fx.runDir, checkpoint: 'best', label: 'run · best' }, { runDir: fx.runDir, checkpoint: 'last', label: 'run · last' });
    rgba = new Uint8Array(await sharp(Buffer.from(result.imagePng, 'base64')).ensureAlpha().raw().toBuffer());
    L = await loadPreviewLogic();
    const { chromium } = await import('playwright-core');
    server = await servePreview();
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
    page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && pageErrors.push(m.text()));
    page.on('response', (r) => r.status() >= 400 && new URL(r.url()).pathname !== '/favicon.ico' && pageErrors.push(`${r.status()} ${r.url()}`));
    await page.addInitScript(fakeVsCodeApi);
    await page.goto(server.origin + '/');
    await applyTheme(page, 'dark');
    await page.waitForFunction(() => (globalThis as any).__posted.some((m: any) => m.type === 'ready'));
    await send(page, { type: 'models', models, selected: models[0] } satisfies ToPreview);
    await send(page, { type: 'result', result } satisfies ToPreview);
    await page.waitForSelector('body[data-state="ready"] #overlay[data-drawn="true"]');
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    fx?.cleanup();
  });

  test('the real prediction has ground truth (the fixture image is in the run\'s dataset)', () => {
    assert.equal(result.cached, false);
    assert.ok(result.gt && result.perClassIoU);
    assert.deepEqual([result.width, result.height], [64, 64]);
  });

  test('blend: the canvas is the image with the prediction overlaid at the chosen opacity', async () => {
    const px = await canvasPixels(page);
    assert.deepEqual([px.width, px.height], [64, 64]);
    const want = L.blendOverlay(rgba, decode(result.pred), result.palette, 0.5, result.ignoreIndex, new Set());
    assert.deepEqual(px.data, Array.from(want));
    assert.notDeepEqual(px.data, Array.from(rgba), 'the overlay changes the image');
  });

  test('per-class IoU table: one row per class with the per-image IoU', async () => {
    const rows = await page.$$eval('#per-class-iou tbody tr', (trs) => trs.map((r: any) => [r.dataset.class, r.querySelector('td.iou').textContent]));
    assert.deepEqual(rows, result.classNames.map((n, i) => [n, result.perClassIoU![i] === null ? 'absent' : result.perClassIoU![i]!.toFixed(4)]));
    assert.match((await texts(page, '#gt-status'))[0], /ground truth: .*masks.cells-15\.png/);
  });

  test('opacity 0 shows the plain image; hiding a class uncolours its pixels', async () => {
    await setRange(page, '#opacity', '0');
    assert.deepEqual((await canvasPixels(page)).data, Array.from(rgba));
    await setRange(page, '#opacity', '0.5');
    await page.click('#legend input[data-class-index="0"]');
    const want = L.blendOverlay(rgba, decode(result.pred), result.palette, 0.5, result.ignoreIndex, new Set([0]));
    assert.deepEqual((await canvasPixels(page)).data, Array.from(want));
    await page.click('#legend input[data-class-index="0"]');
  });

  test('hover shows the class and confidence under the cursor', async () => {
    const box = (await page.$eval('#overlay', (c: any) => { const r = c.getBoundingClientRect(); return { x: r.left, y: r.top, w: r.width, h: r.height }; }));
    const [x, y] = [40, 17];
    await page.mouse.move(box.x + ((x + 0.5) * box.w) / 64, box.y + ((y + 0.5) * box.h) / 64);
    const want = L.hoverText({ x, y }, result, decode(result.pred), decode(result.confidence), decode(result.gt!));
    assert.equal((await texts(page, '#hover-info'))[0], want);
  });

  test('side by side: image | prediction | ground truth; diff: errors counted as in Node', async () => {
    await page.selectOption('#mode', 'side');
    assert.equal(await page.$eval('#overlay', (c: any) => c.dataset.panels), 'image pred gt');
    assert.equal((await canvasPixels(page)).width, 3 * 64 + 2 * L.PANEL_GAP);
    await page.screenshot({ path: path.join(RESULTS, 'preview.png'), fullPage: true });
    await page.selectOption('#mode', 'diff');
    const { counts } = L.diffOverlay(rgba, decode(result.pred), decode(result.gt!), result.ignoreIndex, new Set(), 0.5);
    const legend = await texts(page, '#diff-legend [data-diff]');
    assert.equal(legend.length, 3);
    assert.match(legend[0], new RegExp(`^false positive .*: ${counts.falsePositive} px`));
    assert.match(legend[1], new RegExp(`^false negative .*: ${counts.falseNegative} px`));
    assert.match(legend[2], new RegExp(`^wrong object class: ${counts.wrongClass} px`));
    await page.selectOption('#mode', 'blend');
  });

  test('picking a model posts selectModel; the view settings survive a reload', async () => {
    await page.selectOption('#model', '1');
    const sent = (await posted(page)).filter((m: any) => m.type === 'selectModel');
    assert.deepEqual(sent.at(-1), { type: 'selectModel', runDir: fx.runDir, checkpoint: 'last' });
    await page.selectOption('#mode', 'side');
    await page.reload();
    await page.waitForFunction(() => (globalThis as any).__posted.some((m: any) => m.type === 'ready'));
    assert.equal(await page.$eval('#mode', (e: any) => e.value), 'side');
    await send(page, { type: 'result', result } satisfies ToPreview);
    await page.waitForSelector('#overlay[data-drawn="true"]');
  });

  test('a failure shows its message in #error, not a blank panel', async () => {
    const message = 'SegLab could not predict x.png with run · best: /data/x.png is not a readable image (…): convert it to PNG';
    await send(page, { type: 'error', message } satisfies ToPreview);
    await page.waitForSelector('body[data-state="error"]');
    assert.equal(await page.$eval('#error', (e: any) => e.hidden), false);
    assert.equal((await texts(page, '#error'))[0], message);
    assert.equal(await page.$eval('#content', (e: any) => e.hidden), true);
    await send(page, { type: 'models', models: [], selected: null } satisfies ToPreview);
    assert.match((await texts(page, '#error'))[0], /No trained model to predict with: train a run first/);
  });

  test('no page errors and no CSP violations', async () => {
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(await page.evaluate(() => (globalThis as any).__cspViolations), []);
  });
});

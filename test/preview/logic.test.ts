// The preview page's pure logic (media/previewLogic.js) on hand-made cases.
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { isToPreview } from '../../server/protocol';
import type { PreviewResult } from '../../server/protocol';
import { loadPreviewLogic, PreviewLogic } from './logic';

let L: PreviewLogic;
before(async () => (L = await loadPreviewLogic()));

test('isToPreview agrees with the protocol', () => {
  const values = [null, 1, {}, { type: 'models' }, { type: 'loading' }, { type: 'result' }, { type: 'error' }, { type: 'ready' }, { type: 'trainEvent' }];
  for (const v of values) assert.equal(L.isToPreview(v), isToPreview(v), JSON.stringify(v));
});

test('diffOverlay colours false positives, false negatives and wrong classes; ignored pixels stay', () => {
  const gray = new Array(5 * 4).fill(0).map((_, i) => (i % 4 === 3 ? 255 : 100));
  const pred = [0, 1, 0, 1, 1];
  const gt = [0, 0, 2, 2, 255];
  const { pixels, counts } = L.diffOverlay(gray, pred, gt, 255, new Set(), 0.5);
  const px = (p: number) => Array.from(pixels.slice(p * 4, p * 4 + 4));
  // 0.5 · 100 + 0.5 · colour, rounded half up.
  assert.deepEqual(px(0), [100, 100, 100, 255], 'correct');
  assert.deepEqual(px(1), [178, 74, 74, 255], 'false positive: red (255, 48, 48)');
  assert.deepEqual(px(2), [74, 120, 178, 255], 'false negative: blue (48, 140, 255)');
  assert.deepEqual(px(3), [178, 148, 50, 255], 'wrong class: amber (255, 196, 0)');
  assert.deepEqual(px(4), [100, 100, 100, 255], 'ignored');
  assert.deepEqual(counts, { falsePositive: 1, falseNegative: 1, wrongClass: 1 });
  const hidden = L.diffOverlay(gray, pred, gt, 255, new Set([1, 2]), 0.5);
  assert.deepEqual(hidden.counts, { falsePositive: 1, falseNegative: 1, wrongClass: 0 }, 'pixel 3: both classes hidden');
  assert.deepEqual(Array.from(hidden.pixels.slice(12, 16)), [100, 100, 100, 255]);
});

test('layout: one panel for blend and diff, image | prediction | ground truth side by side', () => {
  const g = L.PANEL_GAP;
  assert.deepEqual(L.layout('blend', 10, true), { panels: [{ x: 0, kind: 'pred' }], width: 10 });
  assert.deepEqual(L.layout('diff', 10, true), { panels: [{ x: 0, kind: 'diff' }], width: 10 });
  assert.deepEqual(L.layout('diff', 10, false).panels, [{ x: 0, kind: 'pred' }], 'no ground truth: the prediction');
  assert.deepEqual(L.layout('side', 10, true), { panels: [{ x: 0, kind: 'image' }, { x: 10 + g, kind: 'pred' }, { x: 20 + 2 * g, kind: 'gt' }], width: 30 + 2 * g });
  assert.equal(L.layout('side', 10, false).width, 20 + g);
});

test('pixelAt maps canvas positions to image pixels of a panel; gaps and outside give null', () => {
  const lay = L.layout('side', 10, true);
  assert.deepEqual(L.pixelAt(3.7, 2.2, lay, 10, 5), { x: 3, y: 2, panel: 'image' });
  assert.deepEqual(L.pixelAt(10 + L.PANEL_GAP + 1, 0, lay, 10, 5), { x: 1, y: 0, panel: 'pred' });
  assert.equal(L.pixelAt(11, 0, lay, 10, 5), null);
  assert.equal(L.pixelAt(1, 5, lay, 10, 5), null);
});

test('hoverText: original-image coordinates, class, confidence and ground truth', () => {
  const r = { width: 2, height: 1, sourceWidth: 4, sourceHeight: 2, classNames: ['bg', 'cell'], ignoreIndex: 255 } as unknown as PreviewResult;
  // Pixel 1 of a 2-wide display of a 4-wide image covers original columns 2-3; its centre maps to column 3.
  assert.equal(L.hoverText({ x: 1, y: 0 }, r, Uint8Array.from([0, 1]), Uint8Array.from([255, 128]), Uint8Array.from([0, 255])), '(3, 1) predicted: cell (50% confidence) · ground truth: ignored');
  assert.equal(L.hoverText({ x: 0, y: 0 }, r, Uint8Array.from([0, 1]), Uint8Array.from([255, 128]), null), '(1, 1) predicted: bg (100% confidence)');
});

test('restoreView keeps valid settings and replaces the rest; toggleClass; meanIoU', () => {
  assert.deepEqual(L.restoreView({ version: L.VIEW_VERSION, mode: 'side', opacity: 0.2, hiddenClasses: [2, 'x'] }), { version: L.VIEW_VERSION, mode: 'side', opacity: 0.2, hiddenClasses: [2] });
  assert.deepEqual(L.restoreView({ version: L.VIEW_VERSION, mode: 'zoom', opacity: 7 }), L.defaultView());
  assert.deepEqual(L.restoreView({ version: -1, mode: 'side' }), L.defaultView());
  assert.deepEqual(L.toggleClass([3, 1], 2, false), [1, 2, 3]);
  assert.deepEqual(L.toggleClass([1, 2, 3], 2, true), [1, 3]);
  assert.equal(L.meanIoU([0.5, null, 1]), 0.75);
  assert.equal(L.meanIoU([null]), null);
});

test('iouRows and statusLine', () => {
  const r = {
    classNames: ['bg', 'cell'], perClassIoU: [0.5, null], classShares: [0.75, 0.25], width: 32, height: 16, sourceWidth: 64, sourceHeight: 32,
    mode: 'slide', backend: 'wasm', cached: false, seconds: 0.5,
  } as unknown as PreviewResult;
  assert.deepEqual(L.iouRows(r), [{ index: 0, name: 'bg', iou: 0.5, share: 0.75 }, { index: 1, name: 'cell', iou: null, share: 0.25 }]);
  assert.equal(L.statusLine(r), '64×32 (shown at 32×16) · sliding window · wasm · 0.50 s');
  assert.equal(L.statusLine({ ...r, cached: true, width: 64, height: 32, mode: 'whole' }), '64×32 · whole image · wasm · from the cache');
});

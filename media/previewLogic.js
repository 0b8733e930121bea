// Pure logic of the prediction preview page (media/preview.js): no DOM, so Node tests import it too
// (test/preview/logic.test.ts). Pixels are RGBA arrays as canvas ImageData holds them.
import { blendOverlay, decodeBase64 } from './dashboardLogic.js';

export { blendOverlay, decodeBase64 };

/** @typedef {import('../server/protocol').ToPreview} ToPreview */
/** @typedef {import('../server/protocol').PreviewResult} PreviewResult */
/** @typedef {import('../server/protocol').PreviewModelChoice} PreviewModelChoice */
/** @typedef {'blend'|'side'|'diff'} ViewMode */

/**
 * What the page keeps across reloads (vscode.setState): only the view settings; the prediction is asked again.
 * @typedef {Object} PreviewView
 * @property {number} version
 * @property {ViewMode} mode
 * @property {number} opacity         0-1
 * @property {number[]} hiddenClasses
 */

export const VIEW_VERSION = 1;
export const MODES = /** @type {const} */ (['blend', 'side', 'diff']);
/** Gap between side-by-side panels, in image pixels. */
export const PANEL_GAP = 4;

/** Diff colours: predicted an object on background, missed an object (predicted background), another object class. */
export const DIFF_COLORS = {
  falsePositive: /** @type {[number, number, number]} */ ([255, 48, 48]),
  falseNegative: /** @type {[number, number, number]} */ ([48, 140, 255]),
  wrongClass: /** @type {[number, number, number]} */ ([255, 196, 0]),
};

/**
 * The same check as protocol.ts isToPreview (kept equal by test/preview/logic.test.ts).
 * @param {unknown} v
 * @returns {v is ToPreview}
 */
export function isToPreview(v) {
  if (typeof v !== 'object' || v === null) return false;
  const t = /** @type {{type?: unknown}} */ (v).type;
  return t === 'models' || t === 'loading' || t === 'result' || t === 'error';
}

/** @returns {PreviewView} */
export function defaultView() {
  return { version: VIEW_VERSION, mode: 'blend', opacity: 0.5, hiddenClasses: [] };
}

/**
 * A saved view if it is valid, else the default.
 * @param {unknown} saved
 * @returns {PreviewView}
 */
export function restoreView(saved) {
  const d = defaultView();
  if (typeof saved !== 'object' || saved === null) return d;
  const s = /** @type {Partial<PreviewView>} */ (saved);
  if (s.version !== VIEW_VERSION) return d;
  return {
    version: VIEW_VERSION,
    mode: MODES.includes(/** @type {ViewMode} */ (s.mode)) ? /** @type {ViewMode} */ (s.mode) : d.mode,
    opacity: typeof s.opacity === 'number' && s.opacity >= 0 && s.opacity <= 1 ? s.opacity : d.opacity,
    hiddenClasses: Array.isArray(s.hiddenClasses) ? s.hiddenClasses.filter((c) => Number.isInteger(c)) : [],
  };
}

/**
 * The panels drawn side by side on the one canvas: blend and diff draw one; side by side draws the image, the
 * prediction and (when there is one) the ground truth. Diff without ground truth falls back to the blend.
 * @param {ViewMode} mode
 * @param {number} width   image width
 * @param {boolean} hasGt
 * @returns {{panels: {x: number, kind: 'image'|'pred'|'gt'|'diff'}[], width: number}}
 */
export function layout(mode, width, hasGt) {
  /** @type {('image'|'pred'|'gt'|'diff')[]} */
  const kinds = mode === 'side' ? (hasGt ? ['image', 'pred', 'gt'] : ['image', 'pred']) : mode === 'diff' && hasGt ? ['diff'] : ['pred'];
  return { panels: kinds.map((kind, i) => ({ x: i * (width + PANEL_GAP), kind })), width: kinds.length * width + (kinds.length - 1) * PANEL_GAP };
}

/**
 * Colours the errors of the prediction over the image: on pixels with ground truth (not `ignoreIndex`) where the
 * prediction differs, red where the truth is background (class 0: a false positive), blue where the prediction is
 * background (a false negative), amber where both are object classes (the wrong class). Correct and ignored pixels,
 * and those whose true and predicted classes are both hidden, show the image.
 * @param {ArrayLike<number>} rgba
 * @param {ArrayLike<number>} pred
 * @param {ArrayLike<number>} gt
 * @param {number} ignoreIndex
 * @param {ReadonlySet<number>} hidden
 * @param {number} opacity
 * @returns {{pixels: Uint8ClampedArray<ArrayBuffer>, counts: {falsePositive: number, falseNegative: number, wrongClass: number}}}
 */
export function diffOverlay(rgba, pred, gt, ignoreIndex, hidden, opacity) {
  const out = new Uint8ClampedArray(pred.length * 4);
  const counts = { falsePositive: 0, falseNegative: 0, wrongClass: 0 };
  const a = Math.min(1, Math.max(0, opacity));
  for (let p = 0; p < pred.length; p++) {
    const g = gt[p];
    const c = pred[p];
    /** @type {keyof typeof DIFF_COLORS | null} */
    let kind = null;
    if (g !== ignoreIndex && c !== g && !(hidden.has(c) && hidden.has(g))) {
      kind = g === 0 ? 'falsePositive' : c === 0 ? 'falseNegative' : 'wrongClass';
      counts[kind]++;
    }
    const col = kind ? DIFF_COLORS[kind] : null;
    for (let k = 0; k < 3; k++) out[p * 4 + k] = col ? Math.round((1 - a) * rgba[p * 4 + k] + a * col[k]) : rgba[p * 4 + k];
    out[p * 4 + 3] = 255;
  }
  return { pixels: out, counts };
}

/**
 * The image pixel under a canvas position (canvas pixels, unscaled), and the panel it is in; null in a gap.
 * @param {number} cx
 * @param {number} cy
 * @param {{panels: {x: number, kind: string}[]}} lay
 * @param {number} width
 * @param {number} height
 * @returns {{x: number, y: number, panel: string} | null}
 */
export function pixelAt(cx, cy, lay, width, height) {
  const x = Math.floor(cx);
  const y = Math.floor(cy);
  if (y < 0 || y >= height) return null;
  const panel = lay.panels.find((p) => x >= p.x && x < p.x + width);
  return panel ? { x: x - panel.x, y, panel: panel.kind } : null;
}

/**
 * One line for #hover-info: position, predicted class and confidence, and the ground truth when there is one.
 * @param {{x: number, y: number}} at      position in the displayed arrays
 * @param {PreviewResult} r
 * @param {Uint8Array} pred
 * @param {Uint8Array} confidence
 * @param {Uint8Array|null} gt
 * @returns {string}
 */
export function hoverText(at, r, pred, confidence, gt) {
  const i = at.y * r.width + at.x;
  const name = (/** @type {number} */ c) => (c === r.ignoreIndex ? 'ignored' : (r.classNames[c] ?? `class ${c}`));
  // Coordinates in the original image (the arrays may be downscaled).
  const ox = Math.floor(((at.x + 0.5) * r.sourceWidth) / r.width);
  const oy = Math.floor(((at.y + 0.5) * r.sourceHeight) / r.height);
  const conf = `${Math.round((100 * confidence[i]) / 255)}%`;
  const truth = gt ? ` · ground truth: ${name(gt[i])}` : '';
  return `(${ox}, ${oy}) predicted: ${name(pred[i])} (${conf} confidence)${truth}`;
}

/**
 * Rows of the per-class IoU table, in class order: the IoU (null: the class is absent from both) and the
 * predicted share.
 * @param {PreviewResult} r
 * @returns {{index: number, name: string, iou: number|null, share: number}[]}
 */
export function iouRows(r) {
  return r.classNames.map((name, index) => ({ index, name, iou: r.perClassIoU ? (r.perClassIoU[index] ?? null) : null, share: r.classShares[index] ?? 0 }));
}

/**
 * Mean of the non-null per-class IoUs, or null.
 * @param {readonly (number|null)[]} iou
 * @returns {number|null}
 */
export function meanIoU(iou) {
  const v = /** @type {number[]} */ (iou.filter((x) => x !== null));
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
}

/**
 * The status line under the toolbar.
 * @param {PreviewResult} r
 * @returns {string}
 */
export function statusLine(r) {
  const mode = r.mode === 'whole' ? 'whole image' : r.mode === 'slide' ? 'sliding window' : 'overlap-tile';
  const size = r.width === r.sourceWidth ? `${r.sourceWidth}×${r.sourceHeight}` : `${r.sourceWidth}×${r.sourceHeight} (shown at ${r.width}×${r.height})`;
  const when = r.cached ? 'from the cache' : `${r.seconds.toFixed(2)} s`;
  return `${size} · ${mode} · ${r.backend} · ${when}`;
}

/**
 * Toggles a class in the hidden list.
 * @param {readonly number[]} hidden
 * @param {number} c
 * @param {boolean} visible
 * @returns {number[]}
 */
export function toggleClass(hidden, c, visible) {
  const rest = hidden.filter((h) => h !== c);
  return visible ? rest : [...rest, c].sort((a, b) => a - b);
}

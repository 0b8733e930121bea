// The SegLab prediction preview (custom editor "seglab.preview"): the image with the predicted mask on a canvas,
// blend / side-by-side / diff views, opacity, class toggles, hover readout, ground truth and per-class IoU.
// Markup: extension/preview/previewHtml.ts. Pure logic: previewLogic.js (tested in Node). Messages: ToPreview /
// FromPreview in server/protocol.ts.
import {
  blendOverlay, decodeBase64, DIFF_COLORS, diffOverlay, hoverText, iouRows, isToPreview, layout, meanIoU, pixelAt,
  restoreView, statusLine, toggleClass,
} from './previewLogic.js';

/** @typedef {import('../server/protocol').FromPreview} FromPreview */
/** @typedef {import('../server/protocol').PreviewResult} PreviewResult */
/** @typedef {import('../server/protocol').PreviewModelChoice} PreviewModelChoice */
/** @typedef {import('./previewLogic.js').ViewMode} ViewMode */
/**
 * @typedef {Object} PreviewApi
 * @property {(m: FromPreview) => void} postMessage
 * @property {() => unknown} getState
 * @property {(s: unknown) => unknown} setState
 */
/**
 * @typedef {Object} Shown  the result on screen, decoded
 * @property {PreviewResult} result
 * @property {ImageData} image
 * @property {Uint8Array} pred
 * @property {Uint8Array} confidence
 * @property {Uint8Array|null} gt
 */

/**
 * @param {string} id
 * @returns {HTMLElement}
 */
function byId(id) {
  const e = document.getElementById(id);
  if (!e) throw new Error(`preview: element #${id} is missing from the page (extension/preview/previewHtml.ts)`);
  return e;
}

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {string} [text]
 * @param {string} [className]
 * @returns {HTMLElementTagNameMap[K]}
 */
function el(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  return e;
}

const vscode = /** @type {PreviewApi} */ (/** @type {unknown} */ (acquireVsCodeApi()));
let view = restoreView(vscode.getState());
/** @type {PreviewModelChoice[]} */
let models = [];
/** @type {Shown|null} */
let shown = null;
/** Counts results, so a slow decode of an older one never replaces a newer one. */
let generation = 0;

const ui = {
  model: /** @type {HTMLSelectElement} */ (byId('model')),
  refresh: /** @type {HTMLButtonElement} */ (byId('refresh')),
  mode: /** @type {HTMLSelectElement} */ (byId('mode')),
  opacity: /** @type {HTMLInputElement} */ (byId('opacity')),
  opacityValue: byId('opacity-value'),
  status: byId('status'),
  error: byId('error'),
  content: byId('content'),
  canvas: /** @type {HTMLCanvasElement} */ (byId('overlay')),
  panels: byId('panels'),
  hover: byId('hover-info'),
  legend: byId('legend'),
  diffLegend: byId('diff-legend'),
  gtStatus: byId('gt-status'),
  miou: byId('miou'),
  table: /** @type {HTMLTableElement} */ (byId('per-class-iou')),
};

/** @param {'loading'|'ready'|'error'|'empty'} s */
function setPageState(s) {
  document.body.dataset.state = s;
}

function saveView() {
  vscode.setState(view);
}

/** @param {string|null} message */
function showError(message) {
  ui.error.textContent = message ?? '';
  ui.error.hidden = message === null;
}

function renderModels() {
  const selected = ui.model.value;
  ui.model.replaceChildren(...models.map((m, i) => {
    const o = el('option', m.label);
    o.value = String(i);
    return o;
  }));
  if (models.length === 0) ui.model.append(el('option', 'no trained runs yet'));
  ui.model.disabled = models.length === 0;
  if (selected && Number(selected) < models.length) ui.model.value = selected;
}

/**
 * @param {PreviewModelChoice|null} choice
 */
function selectModel(choice) {
  const i = choice ? models.findIndex((m) => m.runDir === choice.runDir && m.checkpoint === choice.checkpoint) : -1;
  if (i >= 0) ui.model.value = String(i);
}

/**
 * @param {PreviewResult} r
 * @returns {Promise<ImageData>}
 */
async function decodeImage(r) {
  const bitmap = await createImageBitmap(new Blob([decodeBase64(r.imagePng)], { type: 'image/png' }));
  const c = el('canvas');
  c.width = r.width;
  c.height = r.height;
  const ctx = /** @type {CanvasRenderingContext2D} */ (c.getContext('2d', { willReadFrequently: true }));
  ctx.drawImage(bitmap, 0, 0, r.width, r.height);
  bitmap.close();
  return ctx.getImageData(0, 0, r.width, r.height);
}

/** @param {PreviewResult} r */
async function showResult(r) {
  const g = ++generation;
  const image = await decodeImage(r);
  if (g !== generation) return;
  shown = { result: r, image, pred: decodeBase64(r.pred), confidence: decodeBase64(r.confidence), gt: r.gt ? decodeBase64(r.gt) : null };
  showError(null);
  ui.content.hidden = false;
  ui.status.textContent = statusLine(r);
  renderAll();
  // How many predictions this page has drawn (the e2e test sees a new checkpoint arrive by it).
  document.body.dataset.results = String(Number(document.body.dataset.results ?? 0) + 1);
  setPageState('ready');
}

function renderAll() {
  if (!shown) return;
  renderCanvas(shown);
  renderLegend(shown.result);
  renderTable(shown.result);
}

/** @param {Shown} s */
function renderCanvas(s) {
  const { result: r } = s;
  const hidden = new Set(view.hiddenClasses);
  const lay = layout(view.mode, r.width, s.gt !== null);
  ui.canvas.width = lay.width;
  ui.canvas.height = r.height;
  const ctx = /** @type {CanvasRenderingContext2D} */ (ui.canvas.getContext('2d'));
  ctx.clearRect(0, 0, lay.width, r.height);
  const palette = r.palette.map((c) => [...c]);
  /** @type {{falsePositive: number, falseNegative: number, wrongClass: number}|null} */
  let counts = null;
  for (const p of lay.panels) {
    let px;
    if (p.kind === 'image') px = s.image.data;
    else if (p.kind === 'pred') px = blendOverlay(s.image.data, s.pred, palette, view.opacity, r.ignoreIndex, hidden);
    else if (p.kind === 'gt') px = blendOverlay(s.image.data, /** @type {Uint8Array} */ (s.gt), palette, view.opacity, r.ignoreIndex, hidden);
    else {
      const d = diffOverlay(s.image.data, s.pred, /** @type {Uint8Array} */ (s.gt), r.ignoreIndex, hidden, Math.max(view.opacity, 0.35));
      px = d.pixels;
      counts = d.counts;
    }
    ctx.putImageData(new ImageData(new Uint8ClampedArray(px), r.width, r.height), p.x, 0);
  }
  // Small images are shown enlarged (whole pixels, up to 8×), large ones shrink to the pane (CSS max-width).
  const zoom = Math.max(1, Math.min(8, Math.floor(512 / Math.max(r.width, r.height))));
  ui.canvas.style.width = `${lay.width * zoom}px`;
  ui.canvas.dataset.mode = view.mode;
  ui.canvas.dataset.panels = lay.panels.map((p) => p.kind).join(' ');
  ui.canvas.dataset.drawn = 'true';
  ui.canvas.title = lay.panels.map((p) => ({ image: 'image', pred: 'prediction', gt: 'ground truth', diff: 'errors against the ground truth' })[p.kind]).join(' | ');
  ui.panels.textContent = ui.canvas.title;
  renderDiffLegend(counts, view.mode === 'diff' && s.gt === null);
}

/**
 * @param {{falsePositive: number, falseNegative: number, wrongClass: number}|null} counts
 * @param {boolean} noGt  diff was asked for but the image has no ground truth
 */
function renderDiffLegend(counts, noGt) {
  ui.diffLegend.hidden = !counts && !noGt;
  if (noGt) {
    ui.diffLegend.replaceChildren(el('p', 'Diff needs ground truth, and this image has none: showing the prediction.', 'muted'));
    return;
  }
  if (!counts) return;
  const total = shown ? shown.pred.length : 1;
  const item = (/** @type {keyof typeof DIFF_COLORS} */ k, /** @type {string} */ label) => {
    const row = el('div', undefined, 'legend-item');
    row.dataset.diff = k;
    const swatch = el('span', undefined, 'swatch');
    swatch.style.backgroundColor = `rgb(${DIFF_COLORS[k].join(',')})`;
    row.append(swatch, `${label}: ${counts[k]} px (${((100 * counts[k]) / total).toFixed(1)}%)`);
    return row;
  };
  ui.diffLegend.replaceChildren(
    item('falsePositive', 'false positive (object predicted on background)'),
    item('falseNegative', 'false negative (object predicted as background)'),
    item('wrongClass', 'wrong object class'),
  );
}

/** @param {PreviewResult} r */
function renderLegend(r) {
  const key = JSON.stringify([r.classNames, r.palette, r.classShares]);
  if (ui.legend.dataset.key !== key) {
    ui.legend.dataset.key = key;
    ui.legend.replaceChildren(...r.classNames.map((name, c) => {
      const box = el('input', undefined, 'legend-toggle');
      box.type = 'checkbox';
      box.dataset.classIndex = String(c);
      box.addEventListener('change', () => {
        view.hiddenClasses = toggleClass(view.hiddenClasses, c, box.checked);
        saveView();
        if (shown) renderCanvas(shown);
      });
      const swatch = el('span', undefined, 'swatch');
      swatch.style.backgroundColor = `rgb(${r.palette[c].join(',')})`;
      const label = el('label', undefined, 'legend-item');
      label.dataset.class = name;
      label.append(box, swatch, name, el('span', ` ${(100 * (r.classShares[c] ?? 0)).toFixed(1)}%`, 'muted'));
      return label;
    }));
  }
  for (const box of ui.legend.querySelectorAll('input.legend-toggle')) {
    const b = /** @type {HTMLInputElement} */ (box);
    b.checked = !view.hiddenClasses.includes(Number(b.dataset.classIndex));
  }
}

/** @param {PreviewResult} r */
function renderTable(r) {
  const hasGt = r.perClassIoU !== null;
  ui.table.hidden = !hasGt;
  const mean = hasGt ? meanIoU(/** @type {(number|null)[]} */ (r.perClassIoU)) : null;
  ui.miou.textContent = mean === null ? '' : `mean ${mean.toFixed(4)}`;
  // The last two parts of the path (…/masks/x.png); the whole path in the tooltip.
  const short = r.gtSource ? `\u2026/${r.gtSource.split(/[\\/]/).slice(-2).join('/')}` : '';
  const source = r.gtSource ? `ground truth: ${short}` : 'no ground truth for this image (it is not in the run\u2019s dataset)';
  ui.gtStatus.textContent = r.gtProblem ? `${source} \u2014 ${r.gtProblem}` : source;
  ui.gtStatus.title = r.gtSource ?? '';
  ui.table.replaceChildren();
  if (!hasGt) return;
  const head = el('tr');
  head.append(el('th', 'Class'), el('th', 'IoU', 'num'), el('th', 'Predicted', 'num'));
  ui.table.createTHead().append(head);
  const body = ui.table.createTBody();
  for (const row of iouRows(r)) {
    const tr = el('tr');
    tr.dataset.class = row.name;
    tr.dataset.index = String(row.index);
    const name = el('td', undefined, 'name');
    const swatch = el('span', undefined, 'swatch');
    swatch.style.backgroundColor = `rgb(${r.palette[row.index].join(',')})`;
    name.append(swatch, row.name);
    tr.append(name, el('td', row.iou === null ? 'absent' : row.iou.toFixed(4), 'num iou'), el('td', `${(100 * row.share).toFixed(1)}%`, 'num share'));
    body.append(tr);
  }
}

/** @param {MouseEvent} ev */
function onHover(ev) {
  if (!shown) return;
  const rect = ui.canvas.getBoundingClientRect();
  const cx = ((ev.clientX - rect.left) * ui.canvas.width) / rect.width;
  const cy = ((ev.clientY - rect.top) * ui.canvas.height) / rect.height;
  const lay = layout(view.mode, shown.result.width, shown.gt !== null);
  const at = pixelAt(cx, cy, lay, shown.result.width, shown.result.height);
  ui.hover.textContent = at ? hoverText(at, shown.result, shown.pred, shown.confidence, shown.gt) : '';
}

window.addEventListener('message', (ev) => {
  const m = ev.data;
  if (!isToPreview(m)) return;
  switch (m.type) {
    case 'models':
      models = [...m.models];
      renderModels();
      selectModel(m.selected);
      if (models.length === 0) {
        setPageState('empty');
        showError('No trained model to predict with: train a run first (SegLab: Train); its best and last checkpoints appear here.');
      }
      return;
    case 'loading':
      ui.status.textContent = m.message;
      setPageState('loading');
      return;
    case 'result':
      void showResult(m.result).catch((err) => {
        showError(`cannot draw the prediction: ${err instanceof Error ? err.message : String(err)}`);
        setPageState('error');
      });
      return;
    case 'error':
      generation++;
      shown = null;
      ui.content.hidden = true;
      ui.status.textContent = '';
      showError(m.message);
      setPageState('error');
      return;
  }
});

ui.model.addEventListener('change', () => {
  const m = models[Number(ui.model.value)];
  if (m) vscode.postMessage({ type: 'selectModel', runDir: m.runDir, checkpoint: m.checkpoint });
});
ui.refresh.addEventListener('click', () => vscode.postMessage({ type: 'refresh' }));
ui.mode.addEventListener('change', () => {
  view.mode = /** @type {ViewMode} */ (ui.mode.value);
  saveView();
  if (shown) renderCanvas(shown);
});
ui.opacity.addEventListener('input', () => {
  const v = Number(ui.opacity.value);
  view.opacity = Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0.5;
  ui.opacityValue.textContent = view.opacity.toFixed(2);
  saveView();
  if (shown) renderCanvas(shown);
});
ui.canvas.addEventListener('mousemove', onHover);
ui.canvas.addEventListener('mouseleave', () => (ui.hover.textContent = ''));

ui.mode.value = view.mode;
ui.opacity.value = String(view.opacity);
ui.opacityValue.textContent = view.opacity.toFixed(2);
ui.content.hidden = true;
setPageState('loading');
vscode.postMessage({ type: 'ready' });

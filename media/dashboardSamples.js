// Validation samples: for each SampleMask three canvases (image | ground truth overlay | prediction overlay), drawn
// here by blending palette colours over the image; a legend with one checkbox per class and the opacity slider.
import { blendOverlay, decodeBase64 } from './dashboardLogic.js';
import { el } from './dashboardTables.js';

/** @typedef {import('./dashboardLogic.js').DashState} DashState */
/** @typedef {import('../server/protocol').SampleMask} SampleMask */

/**
 * @typedef {Object} Decoded
 * @property {SampleMask} mask
 * @property {ImageData} image
 * @property {Uint8Array} gt
 * @property {Uint8Array} pred
 * @property {HTMLCanvasElement} gtCanvas
 * @property {HTMLCanvasElement} predCanvas
 */

/**
 * A distinct colour for a class without a palette entry.
 * @param {number} c
 * @returns {number[]}
 */
function fallbackColor(c) {
  const h = (c * 137.508) % 360;
  const f = (/** @type {number} */ n) => {
    const k = (n + h / 30) % 12;
    return Math.round(255 * (0.5 - 0.5 * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

/**
 * @param {number} w
 * @param {number} h
 * @param {string} className
 * @param {string} label
 */
function canvas(w, h, className, label) {
  const c = el('canvas', undefined, className);
  c.width = w;
  c.height = h;
  c.title = label;
  c.setAttribute('aria-label', label);
  return c;
}

/**
 * @param {SampleMask} m
 * @param {HTMLCanvasElement} target
 * @returns {Promise<ImageData>}
 */
async function decodeImage(m, target) {
  const bytes = decodeBase64(m.imagePng);
  const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
  const ctx = /** @type {CanvasRenderingContext2D} */ (target.getContext('2d', { willReadFrequently: true }));
  ctx.drawImage(bitmap, 0, 0, m.width, m.height);
  bitmap.close();
  return ctx.getImageData(0, 0, m.width, m.height);
}

export class SampleView {
  /**
   * @param {HTMLElement} container  #samples
   * @param {HTMLElement} legend     #legend
   * @param {HTMLInputElement} opacity #opacity
   * @param {(hidden: number[]) => void} onHidden  a legend checkbox changed
   */
  constructor(container, legend, opacity, onHidden) {
    this.container = container;
    this.legend = legend;
    this.opacity = opacity;
    this.onHidden = onHidden;
    /** @type {Decoded[]} */
    this.decoded = [];
    this.samplesKey = '';
    this.legendKey = '';
    /** @type {number[][]} */
    this.palette = [];
    this.ignoreIndex = 255;
    this.alpha = 0.5;
    /** @type {Set<number>} */
    this.hidden = new Set();
  }

  /** @param {DashState} s */
  render(s) {
    const names = s.runStart?.classNames ?? s.evalResult?.classNames ?? [];
    this.palette = names.map((_, c) => /** @type {number[]|undefined} */ (s.runStart?.palette[c]?.slice()) ?? fallbackColor(c));
    this.ignoreIndex = s.runStart?.ignoreIndex ?? 255;
    this.alpha = s.opacity;
    this.hidden = new Set(s.hiddenClasses);
    this.opacity.value = String(s.opacity);
    this.renderLegend(names);
    const key = `${s.samplesEpoch}|${s.samples.map((m) => m.id).join('|')}`;
    if (key !== this.samplesKey) {
      this.samplesKey = key;
      void this.rebuild(s.samples);
    } else {
      this.redraw();
    }
  }

  /** @param {readonly string[]} names */
  renderLegend(names) {
    const key = names.join('\n') + '|' + this.palette.join(';');
    if (key !== this.legendKey) {
      this.legendKey = key;
      this.legend.replaceChildren(...names.map((name, c) => {
        const box = el('input', undefined, 'legend-toggle');
        box.type = 'checkbox';
        box.dataset.classIndex = String(c);
        box.addEventListener('change', () => this.onHidden(this.hiddenFromLegend()));
        const swatch = el('span', undefined, 'swatch');
        swatch.style.backgroundColor = `rgb(${this.palette[c].join(',')})`;
        const label = el('label', undefined, 'legend-item');
        label.append(box, swatch, name);
        return label;
      }));
    }
    for (const box of this.legend.querySelectorAll('input.legend-toggle')) {
      const b = /** @type {HTMLInputElement} */ (box);
      b.checked = !this.hidden.has(Number(b.dataset.classIndex));
    }
  }

  /** @returns {number[]} */
  hiddenFromLegend() {
    return [...this.legend.querySelectorAll('input.legend-toggle')]
      .filter((b) => !(/** @type {HTMLInputElement} */ (b).checked))
      .map((b) => Number(/** @type {HTMLInputElement} */ (b).dataset.classIndex));
  }

  /** @param {readonly SampleMask[]} samples */
  async rebuild(samples) {
    const key = this.samplesKey;
    this.decoded = [];
    /** @type {Decoded[]} */
    const decoded = [];
    const figures = samples.map((m) => {
      const fig = el('figure', undefined, 'sample');
      fig.dataset.id = m.id;
      const img = canvas(m.width, m.height, 'sample-image', `${m.id}: image`);
      const gtCanvas = canvas(m.width, m.height, 'sample-gt', `${m.id}: ground truth`);
      const predCanvas = canvas(m.width, m.height, 'sample-pred', `${m.id}: prediction`);
      const row = el('div', undefined, 'sample-row');
      row.append(img, gtCanvas, predCanvas);
      fig.append(row, el('figcaption', `${m.id} — image | ground truth | prediction`));
      return { fig, img, gtCanvas, predCanvas, m };
    });
    this.container.replaceChildren(...figures.map((f) => f.fig));
    for (const f of figures) {
      try {
        const image = await decodeImage(f.m, f.img);
        if (key !== this.samplesKey) return; // newer samples arrived meanwhile
        decoded.push({ mask: f.m, image, gt: decodeBase64(f.m.gt), pred: decodeBase64(f.m.pred), gtCanvas: f.gtCanvas, predCanvas: f.predCanvas });
        f.fig.dataset.ready = 'true';
      } catch (err) {
        f.fig.append(el('p', `cannot draw this sample: ${err instanceof Error ? err.message : String(err)}`, 'error'));
      }
    }
    this.decoded = decoded;
    this.redraw();
  }

  /** Redraws the two overlays of every decoded sample with the current opacity and hidden classes. */
  redraw() {
    for (const d of this.decoded) {
      for (const [mask, target] of /** @type {const} */ ([[d.gt, d.gtCanvas], [d.pred, d.predCanvas]])) {
        const px = blendOverlay(d.image.data, mask, this.palette, this.alpha, this.ignoreIndex, this.hidden);
        const ctx = /** @type {CanvasRenderingContext2D} */ (target.getContext('2d'));
        ctx.putImageData(new ImageData(px, d.mask.width, d.mask.height), 0, 0);
      }
    }
  }
}

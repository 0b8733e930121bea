// The dashboard's uPlot charts: per-step loss, per-epoch loss / val mIoU, and the run comparison. Colours come from
// VS Code's theme variables, read when a chart is built; `retheme()` rebuilds the charts after a theme change.
import { MAX_PLOTTED_STEPS, compareSeries, decimate } from './dashboardLogic.js';

/** @typedef {import('./dashboardLogic.js').DashState} DashState */
/** @typedef {import('../node_modules/uplot/dist/uPlot')} UPlotChart */
/** @typedef {import('../node_modules/uplot/dist/uPlot').Options} UPlotOptions */
/** @typedef {import('../node_modules/uplot/dist/uPlot').AlignedData} AlignedData */
/** @typedef {import('../node_modules/uplot/dist/uPlot').Series} UPlotSeries */
/** @typedef {import('../node_modules/uplot/dist/uPlot').Axis} UPlotAxis */

const HEIGHT = 200;
/** Whole-number tick steps (1, 2, 5, 10, 20, 50, ...) for step and epoch axes. */
const INTEGER_INCRS = Array.from({ length: 24 }, (_, i) => [1, 2, 5][i % 3] * 10 ** Math.floor(i / 3));

/**
 * A theme colour (or any CSS variable) as currently computed on <html>.
 * @param {string} name
 * @param {string} fallback
 * @returns {string}
 */
export function cssVar(name, fallback) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

/** The colours and font the charts use, read at draw time so light, dark and high-contrast themes all work. */
function theme() {
  return {
    fg: cssVar('--vscode-editor-foreground', cssVar('--vscode-foreground', '#cccccc')),
    grid: cssVar('--vscode-editorWidget-border', cssVar('--vscode-panel-border', 'rgba(128,128,128,0.35)')),
    font: `11px ${cssVar('--vscode-font-family', 'sans-serif')}`,
    series: [
      cssVar('--vscode-charts-blue', '#3794ff'),
      cssVar('--vscode-charts-orange', '#d18616'),
      cssVar('--vscode-charts-green', '#89d185'),
      cssVar('--vscode-charts-purple', '#b180d7'),
    ],
  };
}

/**
 * @param {ReturnType<typeof theme>} t
 * @param {string} label
 * @param {Partial<UPlotAxis>} [extra]
 * @returns {UPlotAxis}
 */
function axis(t, label, extra = {}) {
  return {
    label, stroke: t.fg, font: t.font, labelFont: t.font, labelSize: 18, size: 44,
    grid: { stroke: t.grid, width: 1 }, ticks: { stroke: t.grid, width: 1 }, ...extra,
  };
}

/**
 * @param {string} label
 * @param {string} color
 * @param {Partial<UPlotSeries>} [extra]
 * @returns {UPlotSeries}
 */
function line(label, color, extra = {}) {
  return { label, stroke: color, width: 1.5, spanGaps: true, points: { show: true, size: 4, fill: color }, ...extra };
}

/** One uPlot chart in a container; rebuilt when its series layout or the theme changes, else only fed new data. */
class Chart {
  /**
   * @param {HTMLElement} el
   * @param {(width: number, t: ReturnType<typeof theme>, names: string[]) => UPlotOptions} build
   */
  constructor(el, build) {
    this.el = el;
    this.build = build;
    /** @type {UPlotChart|null} */
    this.plot = null;
    /** @type {string[]} */
    this.names = [];
    /** @type {AlignedData} */
    this.data = [[]];
    this.lastWidth = 0;
    new ResizeObserver(() => this.resize()).observe(el);
  }

  width() {
    return Math.max(240, Math.floor(this.el.clientWidth) || 400);
  }

  /**
   * @param {AlignedData} data
   * @param {string[]} names  series labels; the chart is rebuilt when they change
   */
  set(data, names) {
    this.data = data;
    if (this.plot && names.join('\n') === this.names.join('\n')) {
      this.plot.setData(data);
      return;
    }
    this.names = names;
    this.rebuild();
  }

  rebuild() {
    this.plot?.destroy();
    this.lastWidth = this.width();
    this.plot = new uPlot(this.build(this.lastWidth, theme(), this.names), this.data, this.el);
  }

  resize() {
    const w = this.width();
    if (this.plot && w !== this.lastWidth) {
      this.lastWidth = w;
      this.plot.setSize({ width: w, height: HEIGHT });
    }
  }
}

/** The three charts of the page, fed from the state. */
export class Charts {
  /**
   * @param {HTMLElement} lossEl    #loss-chart (gets data-steps)
   * @param {HTMLElement} epochEl   #epoch-chart (gets data-epochs)
   * @param {HTMLElement} compareEl #compare-chart (gets data-runs)
   */
  constructor(lossEl, epochEl, compareEl) {
    this.lossEl = lossEl;
    this.epochEl = epochEl;
    this.compareEl = compareEl;
    this.loss = new Chart(lossEl, (width, t) => ({
      width, height: HEIGHT, scales: { x: { time: false } }, legend: { show: true },
      axes: [axis(t, 'global step', { incrs: INTEGER_INCRS }), axis(t, 'loss')],
      series: [{ label: 'step' }, line('loss', t.series[0], { points: { show: false } })],
    }));
    this.epochs = new Chart(epochEl, (width, t) => ({
      width, height: HEIGHT, scales: { x: { time: false }, miou: { range: [0, 1] } },
      axes: [axis(t, 'epoch', { incrs: INTEGER_INCRS }), axis(t, 'train loss'), axis(t, 'val mIoU', { scale: 'miou', side: 1, grid: { show: false } })],
      series: [{ label: 'epoch' }, line('train loss', t.series[0]), line('val mIoU', t.series[1], { scale: 'miou' })],
    }));
    this.compare = new Chart(compareEl, (width, t, names) => ({
      width, height: HEIGHT, scales: { x: { time: false }, y: { range: [0, 1] } },
      axes: [axis(t, 'epoch', { incrs: INTEGER_INCRS }), axis(t, 'val mIoU')],
      series: [{ label: 'epoch' }, ...names.map((n, i) => line(n, t.series[i % t.series.length]))],
    }));
  }

  /** @param {DashState} s */
  update(s) {
    const steps = decimate(s.steps.x, s.steps.y, MAX_PLOTTED_STEPS);
    this.loss.set([steps.x, steps.y], ['loss']);
    this.lossEl.dataset.steps = String(steps.x.length);

    const pts = s.epochPoints;
    this.epochs.set([pts.map((p) => p.epoch), pts.map((p) => p.trainLoss), pts.map((p) => p.mIoU)], ['train loss', 'val mIoU']);
    this.epochEl.dataset.epochs = String(pts.length);

    const runs = s.selectedRuns.flatMap((d) => s.runs.filter((r) => r.runDir === d));
    const c = compareSeries(runs);
    this.compare.set([c.x, ...c.series], runs.map((r) => r.name));
    this.compareEl.dataset.runs = String(runs.length);
  }

  /** Rebuilds every chart with the current theme colours. */
  retheme() {
    for (const c of [this.loss, this.epochs, this.compare]) if (c.plot) c.rebuild();
  }
}

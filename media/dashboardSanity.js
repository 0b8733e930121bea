// The Sanity view: the latest hot sanity run of a model module: verdict, each step's status and time, the loss of
// the few optimisation steps on the sanity batch (an SVG polyline), and the prediction on that batch.
import { el } from './dashboardTables.js';
import { SampleView } from './dashboardSamples.js';
import { cssVar } from './dashboardCharts.js';

/** @typedef {import('./dashboardLogic.js').DashState} DashState */
/** @typedef {import('../server/protocol').SanityVerdict} SanityVerdict */

const SVG = 'http://www.w3.org/2000/svg';

/**
 * One line for the verdict, like the CodeLens above `build`.
 * @param {SanityVerdict} v
 * @returns {string}
 */
export function sanityTitle(v) {
  const secs = `${v.seconds.toFixed(1)} s`;
  if (v.status === 'passed') {
    const loss = v.losses.length ? ` · loss ${v.losses[0].toFixed(2)} → ${v.losses[v.losses.length - 1].toFixed(2)}` : '';
    const params = v.params ? ` · ${(v.params.trainable / 1e6).toFixed(2)} M params` : '';
    return `✓ sanity ${secs}${params}${loss}`;
  }
  if (v.status === 'cancelled') return '… sanity cancelled';
  return `✗ sanity ${secs} · ${v.message}`;
}

/**
 * Points of a polyline for `ys` in a `w`×`h` box (y grows downwards; a flat series sits in the middle).
 * @param {readonly number[]} ys @param {number} w @param {number} h
 * @returns {string}
 */
export function polylinePoints(ys, w, h) {
  const finite = ys.filter(Number.isFinite);
  if (!finite.length) return '';
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  const span = hi - lo || 1;
  return ys
    .map((y, i) => {
      const x = ys.length === 1 ? w / 2 : (i * w) / (ys.length - 1);
      const py = hi === lo ? h / 2 : h - ((y - lo) / span) * h;
      return `${x.toFixed(1)},${Number.isFinite(py) ? py.toFixed(1) : h}`;
    })
    .join(' ');
}

export class SanityView {
  /** @param {HTMLElement} root  #sanity */
  constructor(root) {
    this.root = root;
    this.title = /** @type {HTMLElement} */ (root.querySelector('#sanity-verdict'));
    this.steps = /** @type {HTMLTableElement} */ (root.querySelector('#sanity-steps'));
    this.loss = /** @type {HTMLElement} */ (root.querySelector('#sanity-loss'));
    this.samples = new SampleView(
      /** @type {HTMLElement} */ (root.querySelector('#sanity-sample')),
      /** @type {HTMLElement} */ (root.querySelector('#sanity-legend')),
      /** @type {HTMLInputElement} */ (root.querySelector('#sanity-opacity')),
      () => undefined,
    );
    /** @type {SanityVerdict|null} */
    this.drawn = null;
  }

  /** @param {DashState} s */
  render(s) {
    const v = s.sanity;
    this.root.hidden = !v;
    if (!v || v === this.drawn) return;
    this.drawn = v;
    this.root.dataset.status = v.status;
    this.title.textContent = sanityTitle(v);
    this.renderSteps(v);
    this.renderLoss(v.losses);
    const classes = v.expectedShape?.[3] ?? 0;
    const names = Array.from({ length: classes }, (_, c) => `class ${c}`);
    const sampleState = /** @type {DashState} */ ({
      ...s,
      runStart: null,
      evalResult: /** @type {any} */ ({ classNames: names }),
      samples: v.sample ? [v.sample] : [],
      samplesEpoch: /** @type {any} */ (v.runId),
      hiddenClasses: [],
    });
    this.samples.render(sampleState);
  }

  /** @param {SanityVerdict} v */
  renderSteps(v) {
    const head = el('tr');
    for (const h of ['Step', 'Status', 'Time', 'Detail']) head.append(el('th', h));
    const rows = v.steps.map((st) => {
      const tr = el('tr');
      tr.dataset.step = st.name;
      tr.dataset.status = st.status;
      tr.append(el('td', st.name), el('td', st.status, `status ${st.status}`), el('td', `${st.seconds.toFixed(2)} s`), el('td', st.detail));
      return tr;
    });
    const thead = el('thead');
    thead.append(head);
    const tbody = el('tbody');
    tbody.append(...rows);
    this.steps.replaceChildren(thead, tbody);
  }

  /** @param {readonly number[]} losses */
  renderLoss(losses) {
    const w = 240;
    const h = 60;
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
    svg.setAttribute('width', String(w));
    svg.setAttribute('height', String(h));
    const line = document.createElementNS(SVG, 'polyline');
    line.setAttribute('points', polylinePoints(losses, w, h));
    line.setAttribute('fill', 'none');
    line.setAttribute('stroke', cssVar('--vscode-charts-blue', '#3794ff'));
    line.setAttribute('stroke-width', '2');
    svg.append(line);
    this.loss.dataset.points = String(losses.length);
    this.loss.title = losses.map((l, i) => `step ${i + 1}: ${l.toFixed(4)}`).join('\n');
    this.loss.replaceChildren(svg);
  }
}

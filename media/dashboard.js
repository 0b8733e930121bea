// The SegLab dashboard webview: receives ToDashboard messages, keeps the whole page state in vscode.setState (so
// a reload or a window reload restores it), and draws the header, mIoU, tables, charts and sample overlays.
// Markup: extension/dashboardHtml.ts. Pure logic: dashboardLogic.js (tested in Node).
import { emptyState, formatDuration, formatMIoU, isToDashboard, reduceMessage, restoreState, toggleRun } from './dashboardLogic.js';
import { Charts } from './dashboardCharts.js';
import { renderConfusion, renderPerClass, renderRuns } from './dashboardTables.js';
import { SampleView } from './dashboardSamples.js';
import { SanityView } from './dashboardSanity.js';

/** @typedef {import('./dashboardLogic.js').DashState} DashState */
/** @typedef {import('../server/protocol').FromDashboard} FromDashboard */

const RUNNING = ['starting', 'training', 'evaluating', 'stopping'];
const SAVE_DELAY_MS = 200;

/**
 * @param {string} id
 * @returns {HTMLElement}
 */
function byId(id) {
  const e = document.getElementById(id);
  if (!e) throw new Error(`dashboard: element #${id} is missing from the page (extension/dashboardHtml.ts)`);
  return e;
}

const vscode = acquireVsCodeApi();
/** @type {DashState} */
let state = restoreState(vscode.getState());

const ui = {
  phase: byId('phase'), busy: byId('busy'), backend: byId('backend'), epoch: byId('epoch'), speed: byId('speed'),
  eta: byId('eta'), runDir: byId('run-dir'), message: byId('message'),
  valMIoU: byId('val-miou'), batchMIoU: byId('batch-miou'), explanation: byId('miou-explanation'),
  evalSource: byId('eval-source'), pixelAccuracy: byId('pixel-accuracy'),
  perClass: /** @type {HTMLTableElement} */ (byId('per-class-table')),
  confusion: /** @type {HTMLTableElement} */ (byId('confusion')),
  runs: /** @type {HTMLTableElement} */ (byId('runs-table')),
  opacity: /** @type {HTMLInputElement} */ (byId('opacity')), opacityValue: byId('opacity-value'),
  samplesEpoch: byId('samples-epoch'), log: byId('log'), logCount: byId('log-count'),
  stop: byId('cmd-stop'), resume: byId('cmd-resume'), train: byId('cmd-train'), refresh: byId('refresh-runs'),
};

const charts = new Charts(byId('loss-chart'), byId('epoch-chart'), byId('compare-chart'));
const samples = new SampleView(byId('samples'), byId('legend'), ui.opacity, (hidden) => {
  state.hiddenClasses = hidden;
  changed();
});

const sanity = new SanityView(byId('sanity'));

/** What was drawn last, so tables are rebuilt only when their input changes. */
const drawn = { evalResult: /** @type {unknown} */ (undefined), runsKey: '' };

/**
 * @param {HTMLElement} e
 * @param {string} text
 * @param {string} [title]
 */
function setText(e, text, title) {
  if (e.textContent !== text) e.textContent = text;
  if (title !== undefined) e.title = title;
}

/** @param {DashState} s */
function renderHeader(s) {
  setText(ui.phase, s.phase);
  ui.phase.dataset.phase = s.phase;
  const running = RUNNING.includes(s.phase);
  ui.busy.hidden = !running;
  setText(ui.backend, s.backend ?? '—');
  setText(ui.epoch, s.epoch === null ? '—' : `${s.epoch}/${s.epochs ?? '?'}`);
  setText(ui.speed, s.lastStep ? `${s.lastStep.imagesPerSecond.toFixed(1)} img/s` : '—');
  setText(ui.eta, running ? formatDuration(s.etaSeconds) : '—');
  setText(ui.runDir, s.runDir ?? '—', s.runDir ?? '');
  setText(ui.message, s.message ?? '');
  ui.message.hidden = !s.message;
  ui.message.className = s.messageKind === 'error' ? 'message error' : 'message';
  ui.stop.toggleAttribute('disabled', !running);
  ui.resume.toggleAttribute('disabled', running);
  ui.train.toggleAttribute('disabled', running);
}

/** @param {DashState} s */
function renderEval(s) {
  const r = s.evalResult;
  setText(ui.valMIoU, formatMIoU(r?.mIoU));
  setText(ui.batchMIoU, formatMIoU(r?.batchMeanIoU));
  setText(ui.explanation, r?.explanation ?? 'No validation yet: the dataset-wide mIoU appears after the first epoch.');
  setText(ui.evalSource, s.evalSource ? `(${s.evalSource})` : '');
  setText(ui.pixelAccuracy, r ? `pixel accuracy ${r.pixelAccuracy.toFixed(4)}, mean class accuracy ${r.meanClassAccuracy.toFixed(4)}` : '');
  if (drawn.evalResult !== r) {
    drawn.evalResult = r;
    renderPerClass(ui.perClass, r, s.runStart?.classNames ?? []);
    renderConfusion(ui.confusion, r);
  }
}

/** @param {DashState} s */
function renderRunsTable(s) {
  const key = JSON.stringify([s.runs.map((r) => [r.runDir, r.epochsDone, r.bestMIoU, r.problem]), s.selectedRuns]);
  if (key === drawn.runsKey) return;
  drawn.runsKey = key;
  renderRuns(ui.runs, s.runs, s.selectedRuns, (runDir, on) => {
    state.selectedRuns = toggleRun(state.selectedRuns, runDir, on);
    changed();
  });
}

/** @param {DashState} s */
function renderLog(s) {
  setText(ui.logCount, String(s.logs.length));
  setText(ui.log, s.logs.join('\n'));
}

function render() {
  renderHeader(state);
  renderEval(state);
  renderRunsTable(state);
  charts.update(state);
  setText(ui.opacityValue, state.opacity.toFixed(2));
  setText(ui.samplesEpoch, state.samplesEpoch === null ? '' : `(epoch ${state.samplesEpoch})`);
  samples.render(state);
  sanity.render(state);
  renderLog(state);
}

let renderQueued = false;
let saveTimer = /** @type {ReturnType<typeof setTimeout>|undefined} */ (undefined);

/** Schedules one render per frame and a (debounced) save of the state. */
function changed() {
  if (!renderQueued) {
    renderQueued = true;
    requestAnimationFrame(() => {
      renderQueued = false;
      render();
    });
  }
  clearTimeout(saveTimer);
  saveTimer = setTimeout(() => vscode.setState(state), SAVE_DELAY_MS);
}

/** @param {FromDashboard} m */
function post(m) {
  vscode.postMessage(m);
}

window.addEventListener('message', (ev) => {
  if (!isToDashboard(ev.data)) return;
  state = reduceMessage(state, ev.data);
  changed();
});

ui.opacity.addEventListener('input', () => {
  const v = Number(ui.opacity.value);
  state.opacity = Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : emptyState().opacity;
  changed();
});
ui.stop.addEventListener('click', () => post({ type: 'command', command: 'stop' }));
ui.resume.addEventListener('click', () => post({ type: 'command', command: 'resume' }));
ui.train.addEventListener('click', () => post({ type: 'command', command: 'train' }));
ui.refresh.addEventListener('click', () => post({ type: 'refreshRuns' }));

// VS Code swaps the body class and the --vscode-* variables on <html> when the colour theme changes.
const themeObserver = new MutationObserver(() => charts.retheme());
themeObserver.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
themeObserver.observe(document.body, { attributes: true, attributeFilter: ['class'] });

render();
post({ type: 'ready' });

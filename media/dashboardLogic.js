// Pure logic of the dashboard page: no DOM, so Node tests import it too (test/dashboard/logic.test.ts).
// The page's whole state is the plain, serialisable DashState below; `reduceMessage` applies one ToDashboard message.

/** @typedef {import('../server/protocol').ToDashboard} ToDashboard */
/** @typedef {import('../server/protocol').TrainEvent} TrainEvent */
/** @typedef {import('../server/protocol').EvalResult} EvalResult */
/** @typedef {import('../server/protocol').RunStartEvent} RunStartEvent */
/** @typedef {import('../server/protocol').StepEvent} StepEvent */
/** @typedef {import('../server/protocol').SampleMask} SampleMask */
/** @typedef {import('../server/protocol').RunSummary} RunSummary */
/** @typedef {import('../server/protocol').JobPhase} JobPhase */
/** @typedef {import('../server/protocol').JobStatus} JobStatus */
/** @typedef {import('../server/protocol').SanityVerdict} SanityVerdict */

/**
 * @typedef {Object} EpochPoint
 * @property {number} epoch
 * @property {number} trainLoss
 * @property {number} mIoU
 */

/**
 * Everything the page shows; saved with vscode.setState and restored after a reload.
 * @typedef {Object} DashState
 * @property {number} version
 * @property {string|null} jobId
 * @property {JobPhase} phase
 * @property {string|null} backend
 * @property {string|null} runDir
 * @property {string|null} message      Header line: how the run ended, or the error.
 * @property {'info'|'error'|null} messageKind
 * @property {RunStartEvent|null} runStart
 * @property {{x: number[], y: number[]}} steps  Per-step loss by global step (decimated above MAX_STORED_STEPS).
 * @property {StepEvent|null} lastStep
 * @property {number|null} epoch         Epoch in progress (or last finished).
 * @property {number|null} epochs
 * @property {number|null} etaSeconds
 * @property {EpochPoint[]} epochPoints
 * @property {EvalResult|null} evalResult  The latest dataset-wide validation (epochEnd or an Evaluate job).
 * @property {string|null} evalSource    Where {@link evalResult} comes from, e.g. "epoch 2/6".
 * @property {SampleMask[]} samples      The latest epoch's sample masks.
 * @property {number|null} samplesEpoch
 * @property {string[]} logs
 * @property {RunSummary[]} runs
 * @property {string[]} selectedRuns     runDirs ticked for the comparison chart (at most 2).
 * @property {number} opacity            Overlay opacity 0-1.
 * @property {number[]} hiddenClasses    Class indices hidden in the overlays.
 * @property {SanityVerdict|null} sanity   The latest sanity verdict of a model module.
 */

export const STATE_VERSION = 1;
/** Per-step points drawn at most. */
export const MAX_PLOTTED_STEPS = 5000;
/** Per-step points kept in the saved state at most (halved by decimation when exceeded). */
export const MAX_STORED_STEPS = 20000;
const MAX_LOGS = 50;
const TO_DASHBOARD = ['trainEvent', 'replay', 'status', 'runs', 'sanity'];
const PHASES = ['idle', 'starting', 'training', 'evaluating', 'stopping', 'interrupted', 'failed'];

/**
 * The same check as protocol.ts isToDashboard (kept equal by test/dashboard/logic.test.ts).
 * @param {unknown} v
 * @returns {v is ToDashboard}
 */
export function isToDashboard(v) {
  if (typeof v !== 'object' || v === null) return false;
  const t = /** @type {{type?: unknown}} */ (v).type;
  return typeof t === 'string' && TO_DASHBOARD.includes(t);
}

/** @returns {DashState} */
export function emptyState() {
  return {
    version: STATE_VERSION, jobId: null, phase: 'idle', backend: null, runDir: null, message: null, messageKind: null,
    runStart: null, steps: { x: [], y: [] }, lastStep: null, epoch: null, epochs: null, etaSeconds: null,
    epochPoints: [], evalResult: null, evalSource: null, samples: [], samplesEpoch: null, logs: [],
    runs: [], selectedRuns: [], opacity: 0.5, hiddenClasses: [], sanity: null,
  };
}

/**
 * A saved state if it looks like one of this version, else a fresh one (a state from an older page is dropped).
 * @param {unknown} saved
 * @returns {DashState}
 */
export function restoreState(saved) {
  if (typeof saved !== 'object' || saved === null) return emptyState();
  const s = /** @type {Partial<DashState>} */ (saved);
  if (s.version !== STATE_VERSION) return emptyState();
  return { ...emptyState(), ...s };
}

/**
 * Clears what belongs to a job's event stream, keeping the runs table and the view settings.
 * @param {DashState} s
 * @returns {DashState}
 */
function withoutRun(s) {
  const e = emptyState();
  return { ...e, phase: s.phase, backend: s.backend, jobId: s.jobId, runs: s.runs, selectedRuns: s.selectedRuns, opacity: s.opacity, hiddenClasses: s.hiddenClasses, sanity: s.sanity };
}

/**
 * Min/max decimation: splits the points into buckets and keeps each bucket's lowest and highest point (in x
 * order), so spikes survive. Returns the input when it has at most `max` points.
 * @param {readonly number[]} xs
 * @param {readonly number[]} ys
 * @param {number} max  at least 2
 * @returns {{x: number[], y: number[]}}
 */
export function decimate(xs, ys, max) {
  const n = xs.length;
  if (n <= max) return { x: xs.slice(), y: ys.slice() };
  const buckets = Math.floor(max / 2);
  /** @type {number[]} */ const x = [];
  /** @type {number[]} */ const y = [];
  for (let b = 0; b < buckets; b++) {
    const lo = Math.floor((b * n) / buckets);
    const hi = Math.floor(((b + 1) * n) / buckets);
    let iMin = lo;
    let iMax = lo;
    for (let i = lo + 1; i < hi; i++) {
      if (ys[i] < ys[iMin]) iMin = i;
      if (ys[i] > ys[iMax]) iMax = i;
    }
    for (const i of iMin === iMax ? [iMin] : [Math.min(iMin, iMax), Math.max(iMin, iMax)]) {
      x.push(xs[i]);
      y.push(ys[i]);
    }
  }
  return { x, y };
}

/**
 * @typedef {Object} ClassRow
 * @property {number} index
 * @property {string} name
 * @property {number|null} iou
 * @property {number|null} dice
 */

/**
 * The per-class table rows: IoU descending, absent classes (null IoU) last, ties in class order.
 * @param {readonly string[]} classNames
 * @param {readonly (number|null)[]} iou
 * @param {readonly (number|null)[]} dice
 * @returns {ClassRow[]}
 */
export function perClassRows(classNames, iou, dice) {
  const rows = iou.map((v, i) => ({ index: i, name: classNames[i] ?? `class ${i}`, iou: v, dice: dice[i] ?? null }));
  return rows.sort((a, b) => {
    if (a.iou === null || b.iou === null) return a.iou === b.iou ? a.index - b.index : a.iou === null ? 1 : -1;
    return b.iou - a.iou || a.index - b.index;
  });
}

/**
 * Each row divided by its sum (row = ground truth); a row summing to 0 (class absent from ground truth) is null.
 * @param {readonly (readonly number[])[]} m
 * @returns {{share: (number[]|null)[], rowSums: number[]}}
 */
export function rowNormalise(m) {
  const rowSums = m.map((row) => row.reduce((a, b) => a + b, 0));
  return { share: m.map((row, r) => (rowSums[r] > 0 ? row.map((v) => v / rowSums[r]) : null)), rowSums };
}

/**
 * Blends class colours over an RGBA image: out = (1 - opacity) * image + opacity * palette[class], except for
 * ignore-index pixels, hidden classes and classes without a colour, which keep the image. Alpha is set to 255.
 * @param {ArrayLike<number>} rgba       width*height*4 image bytes
 * @param {ArrayLike<number>} mask       width*height class ids
 * @param {readonly (readonly number[])[]} palette  RGB per class
 * @param {number} opacity               0-1
 * @param {number} ignoreIndex
 * @param {ReadonlySet<number>} hidden
 * @returns {Uint8ClampedArray<ArrayBuffer>}
 */
export function blendOverlay(rgba, mask, palette, opacity, ignoreIndex, hidden) {
  const out = new Uint8ClampedArray(mask.length * 4);
  const a = Math.min(1, Math.max(0, opacity));
  for (let p = 0; p < mask.length; p++) {
    const c = mask[p];
    const col = c === ignoreIndex || hidden.has(c) ? undefined : palette[c];
    for (let k = 0; k < 3; k++) {
      const v = rgba[p * 4 + k];
      out[p * 4 + k] = col ? Math.round((1 - a) * v + a * col[k]) : v;
    }
    out[p * 4 + 3] = 255;
  }
  return out;
}

/**
 * @param {string} b64
 * @returns {Uint8Array<ArrayBuffer>}
 */
export function decodeBase64(b64) {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * @param {number|null|undefined} v
 * @returns {string}
 */
export function formatMIoU(v) {
  return typeof v === 'number' && Number.isFinite(v) ? v.toFixed(4) : '—';
}

/**
 * "42 s", "3 min 05 s", "2 h 07 min"; "—" when unknown.
 * @param {number|null|undefined} s
 * @returns {string}
 */
export function formatDuration(s) {
  if (typeof s !== 'number' || !Number.isFinite(s) || s < 0) return '—';
  const t = Math.round(s);
  if (t < 60) return `${t} s`;
  if (t < 3600) return `${Math.floor(t / 60)} min ${String(t % 60).padStart(2, '0')} s`;
  return `${Math.floor(t / 3600)} h ${String(Math.floor((t % 3600) / 60)).padStart(2, '0')} min`;
}

/**
 * The comparison chart's data: one x axis (the union of epochs), one series per run, null where a run lacks an epoch.
 * @param {readonly RunSummary[]} runs
 * @returns {{x: number[], series: (number|null)[][]}}
 */
export function compareSeries(runs) {
  const x = [...new Set(runs.flatMap((r) => r.curve.map((p) => p.epoch)))].sort((a, b) => a - b);
  const series = runs.map((r) => {
    const by = new Map(r.curve.map((p) => [p.epoch, p.mIoU]));
    return x.map((e) => by.get(e) ?? null);
  });
  return { x, series };
}

/**
 * Ticks or unticks a run for comparison; at most two stay ticked (the oldest tick is dropped).
 * @param {readonly string[]} selected
 * @param {string} runDir
 * @param {boolean} on
 * @returns {string[]}
 */
export function toggleRun(selected, runDir, on) {
  const rest = selected.filter((d) => d !== runDir);
  return on ? [...rest, runDir].slice(-2) : rest;
}

/**
 * @param {DashState} s
 * @param {EvalResult} r
 * @param {string} source
 */
function setEval(s, r, source) {
  s.evalResult = r;
  s.evalSource = source;
}

/**
 * @param {DashState} s
 * @param {number} x
 * @param {number} y
 */
function pushStep(s, x, y) {
  s.steps.x.push(x);
  s.steps.y.push(y);
  if (s.steps.x.length > MAX_STORED_STEPS) s.steps = decimate(s.steps.x, s.steps.y, MAX_STORED_STEPS / 2);
}

/**
 * Applies one event of the current job to `s` (mutated and returned).
 * @param {DashState} s
 * @param {TrainEvent} e
 * @returns {DashState}
 */
export function applyEvent(s, e) {
  switch (e.type) {
    case 'backend':
      s.backend = e.name;
      if (['idle', 'failed', 'interrupted'].includes(s.phase)) s.phase = 'starting';
      return s;
    case 'runStart': {
      const next = withoutRun(s);
      // A resumed run brings its earlier epochs, so the curve continues instead of restarting.
      const history = Array.isArray(e.history) ? e.history.map((p) => ({ epoch: p.epoch, trainLoss: p.trainLoss, mIoU: p.mIoU })) : [];
      Object.assign(next, { phase: 'training', runStart: e, runDir: e.runDir, epochs: e.epochs, epoch: e.startEpoch, logs: s.logs, epochPoints: history });
      return next;
    }
    case 'step':
      pushStep(s, e.globalStep, e.loss);
      Object.assign(s, { phase: 'training', lastStep: e, epoch: e.epoch, etaSeconds: e.etaSeconds });
      return s;
    case 'epochEnd':
      s.epochPoints = [...s.epochPoints.filter((p) => p.epoch !== e.epoch), { epoch: e.epoch, trainLoss: e.trainLoss, mIoU: e.val.mIoU }];
      setEval(s, e.val, `epoch ${e.epoch}/${e.epochs}`);
      Object.assign(s, { phase: 'training', epoch: e.epoch, epochs: e.epochs, etaSeconds: e.etaSeconds });
      if (e.samples.length) Object.assign(s, { samples: e.samples.slice(), samplesEpoch: e.epoch });
      return s;
    case 'runEnd': {
      const best = e.bestMIoU === null ? 'no epoch finished' : `best mIoU ${formatMIoU(e.bestMIoU)} @ epoch ${e.bestEpoch}`;
      const how = e.status === 'completed' ? 'Completed' : 'Stopped (resume continues from the last checkpoint)';
      if (e.last) setEval(s, e.last, `epoch ${e.epochsDone}`);
      return Object.assign(s, {
        phase: 'idle', runDir: e.runDir, etaSeconds: null, messageKind: 'info',
        message: `${how}: ${e.epochsDone} epoch${e.epochsDone === 1 ? '' : 's'}, ${best}, ${formatDuration(e.elapsedSeconds)}`,
      });
    }
    case 'evalDone':
      setEval(s, e.result, `Evaluate job (${e.result.images} images)`);
      return Object.assign(s, { phase: 'idle', messageKind: 'info', message: e.predictionsDir ? `Evaluated; predictions in ${e.predictionsDir}` : 'Evaluated' });
    case 'predictDone':
      return Object.assign(s, { phase: 'idle', messageKind: 'info', message: `Predicted ${e.files.length} image${e.files.length === 1 ? '' : 's'}` });
    case 'error':
      return Object.assign(s, { phase: 'failed', etaSeconds: null, messageKind: 'error', message: e.message });
    case 'log':
      if (e.message) s.logs = [...s.logs, `${e.level}: ${e.message}`].slice(-MAX_LOGS);
      return s;
    default:
      return s;
  }
}

/**
 * @param {DashState} s
 * @param {JobStatus} st
 * @returns {DashState}
 */
function applyStatus(s, st) {
  if (PHASES.includes(st.phase)) s.phase = st.phase;
  if (st.backend !== null) s.backend = st.backend;
  if (st.epoch !== null) s.epoch = st.epoch;
  if (st.epochs !== null) s.epochs = st.epochs;
  if (st.runDir !== null) s.runDir = st.runDir;
  if (st.message !== null) Object.assign(s, { message: st.message, messageKind: st.phase === 'failed' || st.phase === 'interrupted' ? 'error' : 'info' });
  return s;
}

/**
 * Applies one message from the extension (anything that is not a ToDashboard leaves `s` as it is).
 * @param {DashState} s  mutated and returned (replay and runStart return a new object)
 * @param {unknown} msg
 * @returns {DashState}
 */
export function reduceMessage(s, msg) {
  if (!isToDashboard(msg)) return s;
  switch (msg.type) {
    case 'trainEvent':
      s.jobId = msg.jobId;
      return applyEvent(s, msg.event);
    case 'replay': {
      let next = withoutRun(s);
      next.jobId = msg.jobId;
      for (const e of msg.events) next = applyEvent(next, e);
      return next;
    }
    case 'status':
      return applyStatus(s, msg.status);
    case 'sanity':
      return Object.assign(s, { sanity: msg.verdict });
    case 'runs': {
      const dirs = new Set(msg.runs.map((r) => r.runDir));
      return Object.assign(s, { runs: msg.runs.slice(), selectedRuns: s.selectedRuns.filter((d) => dirs.has(d)) });
    }
  }
}

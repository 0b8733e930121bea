// The dashboard page's pure logic (media/dashboardLogic.js), run in Node on hand-made cases and the recorded fixture.
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { isToDashboard } from '../../server/protocol';
import type { EvalResult, RunSummary, TrainEvent } from '../../server/protocol';
import { DashboardLogic, epochEnds, loadFixture, loadLogic } from './fixture';

let L: DashboardLogic;
before(async () => {
  L = await loadLogic();
});

function evalResult(over: Partial<EvalResult>): EvalResult {
  return {
    mIoU: 0.5, perClassIoU: [0.5, 0.5], perClassDice: [0.6, 0.6], pixelAccuracy: 0.9, meanClassAccuracy: 0.8,
    batchMeanIoU: 0.45, explanation: 'x', confusion: [[1, 0], [0, 1]], classNames: ['a', 'b'], images: 2, ...over,
  };
}

function run(name: string, curve: [number, number][]): RunSummary {
  return {
    runDir: `/runs/${name}`, name, arch: 'unet', encoderName: null, params: 1000, backend: 'cpu', createdAt: '', epochsDone: curve.length,
    bestMIoU: null, bestEpoch: null, seconds: 1, classNames: ['a', 'b'], curve: curve.map(([epoch, mIoU]) => ({ epoch, trainLoss: 1, mIoU })), problem: null,
  };
}

describe('dashboardLogic: pure functions', () => {
  test('isToDashboard agrees with protocol.ts on messages and non-messages', () => {
    const cases: unknown[] = [
      { type: 'trainEvent' }, { type: 'replay' }, { type: 'status' }, { type: 'runs' }, { type: 'ready' }, { type: 'command' },
      { type: 'step' }, {}, null, undefined, 'runs', 3, [], { type: ['runs'] }, { type: Symbol('x') }, { type: 'RUNS' },
    ];
    for (const c of cases) assert.equal(L.isToDashboard(c), isToDashboard(c), String(JSON.stringify(c)));
    assert.equal(L.isToDashboard({ type: 'runs' }), true);
  });

  test('decimate keeps each bucket\'s lowest and highest point in x order', () => {
    const xs = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    const ys = [0, 5, 1, 1, 9, 0, 2, 2, 2, 3];
    assert.deepEqual(L.decimate(xs, ys, 4), { x: [0, 4, 5, 9], y: [0, 9, 0, 3] });
    assert.deepEqual(L.decimate(xs, ys, 10), { x: xs, y: ys });
  });

  test('decimate of a long series stays under the limit and keeps the extremes', () => {
    const n = 12345;
    const xs = Array.from({ length: n }, (_, i) => i + 1);
    const ys = xs.map((x) => Math.sin(x / 50) + (x === 777 ? 10 : 0) - (x === 9000 ? 10 : 0));
    const d = L.decimate(xs, ys, 5000);
    assert.ok(d.x.length <= 5000 && d.x.length > 2500, String(d.x.length));
    for (let i = 1; i < d.x.length; i++) assert.ok(d.x[i] > d.x[i - 1], 'x increasing');
    for (let i = 0; i < d.x.length; i++) assert.equal(d.y[i], ys[d.x[i] - 1], 'every output is an input point');
    assert.equal(Math.max(...d.y), Math.max(...ys));
    assert.equal(Math.min(...d.y), Math.min(...ys));
  });

  test('perClassRows sorts IoU descending, absent (null) classes last, ties by class index', () => {
    const rows = L.perClassRows(['bg', 'cat', 'dog', 'car', 'bus'], [0.5, null, 0.9, 0.5, null], [0.6, null, 0.95, 0.6, null]);
    assert.deepEqual(rows.map((r) => r.name), ['dog', 'bg', 'car', 'cat', 'bus']);
    assert.deepEqual(rows.map((r) => r.iou), [0.9, 0.5, 0.5, null, null]);
    assert.equal(rows[0].dice, 0.95);
  });

  test('rowNormalise divides each row by its sum; a zero row is null (absent)', () => {
    const { share, rowSums } = L.rowNormalise([[1, 3], [0, 0], [2, 2]]);
    assert.deepEqual(rowSums, [4, 0, 4]);
    assert.deepEqual(share, [[0.25, 0.75], null, [0.5, 0.5]]);
  });

  test('blendOverlay mixes the class colour at the opacity, skips ignore-index and hidden classes', () => {
    const img = [100, 100, 100, 255, 200, 0, 0, 255, 10, 20, 30, 255];
    const mask = [1, 255, 0];
    const palette = [[0, 0, 0], [255, 0, 0]];
    const out = L.blendOverlay(img, mask, palette, 0.5, 255, new Set());
    // 0.5 * 100 + 0.5 * 255 = 177.5 -> 178; 0.5 * 100 = 50; ignore pixel unchanged; class 0 blends with black.
    assert.deepEqual([...out], [178, 50, 50, 255, 200, 0, 0, 255, 5, 10, 15, 255]);
    const hidden = L.blendOverlay(img, mask, palette, 0.5, 255, new Set([1]));
    assert.deepEqual([...hidden.slice(0, 4)], [100, 100, 100, 255]);
    assert.deepEqual([...L.blendOverlay(img, mask, palette, 0, 255, new Set())], img);
  });

  test('decodeBase64 and the formatters', () => {
    assert.deepEqual([...L.decodeBase64('AAEC/w==')], [0, 1, 2, 255]);
    assert.equal(L.formatMIoU(0.123456), '0.1235');
    assert.equal(L.formatMIoU(null), '—');
    assert.equal(L.formatMIoU(NaN), '—');
    assert.equal(L.formatDuration(42.4), '42 s');
    assert.equal(L.formatDuration(185), '3 min 05 s');
    assert.equal(L.formatDuration(7620), '2 h 07 min');
    assert.equal(L.formatDuration(null), '—');
  });

  test('compareSeries aligns runs on the union of their epochs; toggleRun keeps at most two', () => {
    const c = L.compareSeries([run('a', [[1, 0.1], [2, 0.2]]), run('b', [[2, 0.3], [3, 0.4]])]);
    assert.deepEqual(c, { x: [1, 2, 3], series: [[0.1, 0.2, null], [null, 0.3, 0.4]] });
    assert.deepEqual(L.toggleRun(['x', 'y'], 'z', true), ['y', 'z']);
    assert.deepEqual(L.toggleRun(['x', 'y'], 'x', false), ['y']);
    assert.deepEqual(L.toggleRun(['x'], 'x', true), ['x']);
  });
});

describe('dashboardLogic: the state', () => {
  test('a replay of the recorded run gives its steps, epochs, last validation and samples', () => {
    const fx = loadFixture();
    const s = L.reduceMessage(L.emptyState(), { type: 'replay', jobId: 'job-1', events: fx.events });
    const ends = epochEnds(fx.events);
    const last = ends[ends.length - 1];
    assert.equal(s.steps.x.length, fx.events.filter((e) => e.type === 'step').length);
    assert.deepEqual(s.epochPoints.map((p) => p.mIoU), ends.map((e) => e.val.mIoU));
    assert.deepEqual(s.evalResult, last.val);
    assert.equal(s.samples.length, last.samples.length);
    assert.equal(s.samplesEpoch, last.epoch);
    assert.equal(s.phase, 'idle');
    assert.match(s.message ?? '', /^Completed: 2 epochs, best mIoU/);
    assert.equal(s.backend, (fx.events[0] as Extract<TrainEvent, { type: 'backend' }>).name);
    assert.deepEqual(L.restoreState(JSON.parse(JSON.stringify(s))), s, 'the state survives JSON (vscode.setState)');
  });

  test('a resumed run starts its epoch curve from the history it brings', () => {
    const fx = loadFixture();
    const start = fx.events.find((e) => e.type === 'runStart') as Extract<TrainEvent, { type: 'runStart' }>;
    const history = [
      { epoch: 1, trainLoss: 0.9, mIoU: 0.3 },
      { epoch: 2, trainLoss: 0.7, mIoU: 0.4 },
    ];
    const s = L.reduceMessage(L.emptyState(), { type: 'trainEvent', jobId: 'j', event: { ...start, startEpoch: 3, history } });
    assert.deepEqual(s.epochPoints, history);
    assert.equal(s.epoch, 3);
  });

  test('anything that is not a ToDashboard message leaves the state alone', () => {
    const s = L.emptyState();
    const before = JSON.stringify(s);
    for (const m of [null, 'replay', { type: 'ready' }, { type: 'step', loss: 1 }, { events: [] }]) assert.equal(L.reduceMessage(s, m), s);
    assert.equal(JSON.stringify(s), before);
  });

  test('trainEvent appends; status, runs, evalDone and error update their parts; replay keeps the runs', () => {
    let s = L.emptyState();
    s = L.reduceMessage(s, { type: 'runs', runs: [run('a', [[1, 0.2]])] });
    s.selectedRuns = ['/runs/a', '/runs/gone'];
    s = L.reduceMessage(s, { type: 'runs', runs: [run('a', [[1, 0.2]])] });
    assert.deepEqual(s.selectedRuns, ['/runs/a'], 'ticks of vanished runs are dropped');
    const step = { type: 'step', epoch: 1, step: 1, stepsPerEpoch: 2, globalStep: 7, loss: 0.5, lr: 1e-3, imagesPerSecond: 3, etaSeconds: 9 } as const;
    s = L.reduceMessage(s, { type: 'trainEvent', jobId: 'j', event: step });
    s = L.reduceMessage(s, { type: 'trainEvent', jobId: 'j', event: { ...step, globalStep: 8, loss: 0.25 } });
    assert.deepEqual(s.steps, { x: [7, 8], y: [0.5, 0.25] });
    assert.equal(s.phase, 'training');
    const status = { phase: 'stopping', backend: 'wasm', epoch: 1, epochs: 5, lastMIoU: null, runDir: '/r', message: null } as const;
    s = L.reduceMessage(s, { type: 'status', status });
    assert.deepEqual([s.phase, s.backend, s.epochs, s.runDir], ['stopping', 'wasm', 5, '/r']);
    const r = evalResult({ mIoU: 0.7, perClassIoU: [0.7, null] });
    s = L.reduceMessage(s, { type: 'trainEvent', jobId: 'k', event: { type: 'evalDone', result: r, predictionsDir: null } });
    assert.equal(s.evalResult, r);
    assert.deepEqual(s.steps.x, [7, 8], 'an Evaluate job keeps the curves');
    s = L.reduceMessage(s, { type: 'trainEvent', jobId: 'k', event: { type: 'error', kind: 'user', message: 'bad config' } });
    assert.deepEqual([s.phase, s.message, s.messageKind], ['failed', 'bad config', 'error']);
    s = L.reduceMessage(s, { type: 'replay', jobId: null, events: [] });
    assert.equal(s.evalResult, null);
    assert.deepEqual(s.steps.x, []);
    assert.equal(s.runs.length, 1);
  });

  test('the stored step curve is decimated once it passes MAX_STORED_STEPS', () => {
    const s = L.emptyState();
    const step = { type: 'step', epoch: 1, step: 1, stepsPerEpoch: 1, globalStep: 0, loss: 1, lr: 1, imagesPerSecond: 1, etaSeconds: 1 } as const;
    for (let i = 1; i <= L.MAX_STORED_STEPS + 1; i++) L.applyEvent(s, { ...step, globalStep: i, loss: 1 / i });
    assert.ok(s.steps.x.length <= L.MAX_STORED_STEPS / 2, String(s.steps.x.length));
    assert.equal(s.steps.x[0], 1);
    assert.equal(s.steps.x[s.steps.x.length - 1], L.MAX_STORED_STEPS + 1);
  });

  test('restoreState drops a state of another version or shape', () => {
    assert.deepEqual(L.restoreState({ version: 0, phase: 'training' }), L.emptyState());
    assert.deepEqual(L.restoreState(undefined), L.emptyState());
    assert.equal(L.restoreState({ version: L.STATE_VERSION, opacity: 0.25 }).opacity, 0.25);
  });
});

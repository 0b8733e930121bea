import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { IDLE, JobTracker, MAX_REPLAY_STEPS, statusBarText } from './jobTracker';
import type { EvalResult, TrainEvent } from '../server/protocol';

const val = (mIoU: number): EvalResult => ({
  mIoU,
  perClassIoU: [mIoU],
  perClassDice: [mIoU],
  pixelAccuracy: 1,
  meanClassAccuracy: 1,
  batchMeanIoU: mIoU,
  explanation: '',
  confusion: [[1]],
  classNames: ['a'],
  images: 1,
});
const runStart = (runDir: string, startEpoch = 1) =>
  ({ type: 'runStart', runDir, epochs: 6, startEpoch }) as unknown as TrainEvent;
const step = (epoch: number, globalStep: number) => ({ type: 'step', epoch, globalStep }) as unknown as TrainEvent;
const epochEnd = (epoch: number, mIoU: number) => ({ type: 'epochEnd', epoch, val: val(mIoU) }) as unknown as TrainEvent;
const train = { kind: 'train', configPath: null, cwd: '/w' } as const;

describe('JobTracker', () => {
  test('phases follow a training job from start to completion', () => {
    const t = new JobTracker();
    assert.equal(t.onStart('job-1', train).phase, 'starting');
    t.onEvent('job-1', { type: 'backend', name: 'wasm', detail: '', skipped: [] });
    assert.deepEqual(t.onEvent('job-1', runStart('/w/runs/r')), { ...IDLE, phase: 'training', backend: 'wasm', runDir: '/w/runs/r', epochs: 6, epoch: 1 });
    t.onEvent('job-1', step(1, 1));
    assert.equal(t.onEvent('job-1', epochEnd(1, 0.5)).lastMIoU, 0.5);
    assert.equal(t.activeJobId, 'job-1');
    const end = t.onEvent('job-1', { type: 'runEnd', status: 'completed' } as unknown as TrainEvent);
    assert.equal(end.phase, 'idle');
    assert.equal(end.message, 'completed');
    assert.equal(t.activeJobId, null);
  });

  test('events of another job (a prediction) are ignored', () => {
    const t = new JobTracker();
    t.onStart('job-1', train);
    assert.equal(t.onEvent('job-2', runStart('/x')).phase, 'starting');
    assert.equal(t.tracks('job-2'), false);
  });

  test('stop: stopping until the job exits, then idle', () => {
    const t = new JobTracker();
    t.onStart('job-1', train);
    t.onEvent('job-1', runStart('/w/runs/r'));
    assert.equal(t.onStopRequested().phase, 'stopping');
    assert.equal(t.onEvent('job-1', step(1, 2)).phase, 'stopping');
    assert.equal(t.onExit({ jobId: 'job-1', ok: true, code: 0, signal: null, crash: null }).phase, 'idle');
  });

  test('a crashed trainer or a dead server interrupts training and offers its run for Resume', () => {
    const t = new JobTracker();
    t.onStart('job-1', train);
    t.onEvent('job-1', runStart('/w/runs/r'));
    const s = t.onExit({ jobId: 'job-1', ok: false, code: 134, signal: null, crash: 'the training process exited with code 134.' });
    assert.equal(s.phase, 'interrupted');
    assert.equal(t.interruptedRunDir, '/w/runs/r');

    const u = new JobTracker();
    u.onStart('job-1', train);
    u.onEvent('job-1', runStart('/w/runs/q'));
    const d = u.onServerDied('exited with code 1');
    assert.equal(d.phase, 'interrupted');
    assert.match(d.message ?? '', /server stopped unexpectedly \(exited with code 1\)/);
    assert.equal(u.interruptedRunDir, '/w/runs/q');
  });

  test('a reported error is a failure, not an interruption; a dead server while idle changes nothing', () => {
    const t = new JobTracker();
    t.onStart('job-1', train);
    t.onEvent('job-1', { type: 'error', kind: 'user', message: 'bad config' });
    assert.equal(t.onExit({ jobId: 'job-1', ok: false, code: 1, signal: null, crash: null }).phase, 'failed');
    assert.equal(t.status.message, 'bad config');
    const idle = new JobTracker();
    assert.equal(idle.onServerDied('x'), IDLE);
  });

  test('replay holds the events; step events are thinned past the cap', () => {
    const t = new JobTracker();
    t.onStart('job-1', train);
    t.onEvent('job-1', runStart('/r'));
    for (let i = 1; i <= MAX_REPLAY_STEPS + 1; i++) t.onEvent('job-1', step(1, i));
    const { jobId, events } = t.replay();
    assert.equal(jobId, 'job-1');
    const steps = events.filter((e) => e.type === 'step');
    assert.ok(steps.length <= MAX_REPLAY_STEPS && steps.length >= MAX_REPLAY_STEPS / 2);
    assert.equal(events[0].type, 'runStart');
  });
});

describe('statusBarText', () => {
  test('backend, epoch and mIoU', () => {
    assert.equal(
      statusBarText({ ...IDLE, phase: 'training', backend: 'wasm', epoch: 2, epochs: 6, lastMIoU: 0.73126 }),
      '$(beaker) SegLab wasm · training epoch 2/6 · mIoU 0.7313',
    );
    assert.equal(statusBarText(IDLE), '$(beaker) SegLab · idle');
  });
});

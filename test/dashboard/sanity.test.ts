// The dashboard's Sanity view: its pure parts (media/dashboardSanity.js needs a DOM only for drawing) and the
// state it reads.
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SanityVerdict } from '../../server/protocol';
import { DashboardLogic, MEDIA_DIR, loadLogic } from './fixture';

interface SanityModule {
  sanityTitle(v: SanityVerdict): string;
  polylinePoints(ys: readonly number[], w: number, h: number): string;
}

let L: DashboardLogic;
let S: SanityModule;
before(async () => {
  L = await loadLogic();
  // dashboardSanity.js imports modules that touch `document` only inside functions, so Node can load it.
  S = (await import(pathToFileURL(path.join(MEDIA_DIR, 'dashboardSanity.js')).href)) as SanityModule;
});

function verdict(over: Partial<SanityVerdict>): SanityVerdict {
  return {
    runId: 'r1', status: 'passed', message: '', module: '/m.ts', files: ['/m.ts'], seconds: 1.44, steps: [], diagnostics: [],
    params: { trainable: 1_940_000, nonTrainable: 10 }, outputShape: [2, 64, 64, 2], expectedShape: [2, 64, 64, 2],
    losses: [0.69, 0.55, 0.41], sample: null,
    settings: { size: [64, 64], batchSize: 2, steps: 3, timeBudgetSeconds: 30, memoryLimitMb: 2048 }, backend: 'wasm', ...over,
  };
}

describe('dashboard Sanity view', () => {
  test('a sanity message is kept in the state and survives a replay of a job', () => {
    const v = verdict({});
    let s = L.reduceMessage(L.emptyState(), { type: 'sanity', verdict: v });
    assert.equal((s as unknown as { sanity: SanityVerdict }).sanity, v);
    s = L.reduceMessage(s, { type: 'replay', jobId: null, events: [] });
    assert.equal((s as unknown as { sanity: SanityVerdict }).sanity, v);
  });

  test('the title reads like the CodeLens', () => {
    assert.equal(S.sanityTitle(verdict({})), '✓ sanity 1.4 s · 1.94 M params · loss 0.69 → 0.41');
    assert.equal(S.sanityTitle(verdict({ status: 'timeout', message: 'exceeded 30 s', seconds: 30 })), '✗ sanity 30.0 s · exceeded 30 s');
  });

  test('polyline: first point left, last point right, the highest loss at the top', () => {
    const pts = S.polylinePoints([2, 1, 0], 100, 50).split(' ').map((p) => p.split(',').map(Number));
    assert.deepEqual(pts, [[0, 0], [50, 25], [100, 50]]);
    assert.equal(S.polylinePoints([], 100, 50), '');
    assert.deepEqual(S.polylinePoints([3, 3], 10, 10).split(' '), ['0.0,5.0', '10.0,5.0']);
  });
});

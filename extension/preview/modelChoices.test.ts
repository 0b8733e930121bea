import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { RunSummary } from '../../server/protocol';
import type { SanityModelEntry } from '../../server/preview/runModel';
import { defaultChoice, modelChoices, sanityLabel, shortLabel } from './modelChoices';

const run = (name: string, bestMIoU: number | null, epochsDone: number) =>
  ({ runDir: `/runs/${name}`, name, bestMIoU, bestEpoch: bestMIoU === null ? null : 3, epochsDone }) as RunSummary;

const sanity = (file: string, losses: number[]): SanityModelEntry => ({
  dir: `/runs/.sanity/${file}-0123abcd`,
  module: `/w/models/${file}`,
  status: 'passed',
  losses,
  size: [64, 64],
  savedAt: '2026-01-01T00:00:00.000Z',
});

test('best then last of each run that has them, in run order, with labels', () => {
  const has = (dir: string, ck: string) => !(dir === '/runs/b' && ck === 'best');
  assert.deepEqual(modelChoices([run('a', 0.81234, 5), run('b', null, 1)], has), [
    { runDir: '/runs/a', checkpoint: 'best', label: 'a · best (mIoU 0.8123 @ epoch 3)' },
    { runDir: '/runs/a', checkpoint: 'last', label: 'a · last (5 epochs)' },
    { runDir: '/runs/b', checkpoint: 'last', label: 'b · last (1 epoch)' },
  ]);
});

test('sanity models come after every run, in the given order, only with a last checkpoint', () => {
  const has = (dir: string, ck: string) => ck === 'last' && dir !== '/runs/.sanity/gone.ts-0123abcd';
  const choices = modelChoices([run('a', 0.5, 2)], has, [sanity('unet.ts', [0.694, 0.5, 0.405]), sanity('gone.ts', [1]), sanity('one.ts', [0.3])]);
  assert.deepEqual(choices, [
    { runDir: '/runs/a', checkpoint: 'last', label: 'a · last (2 epochs)' },
    { runDir: '/runs/.sanity/unet.ts-0123abcd', checkpoint: 'last', label: 'sanity · unet.ts (3 steps, loss 0.69 → 0.41)' },
    { runDir: '/runs/.sanity/one.ts-0123abcd', checkpoint: 'last', label: 'sanity · one.ts (1 step, loss 0.30)' },
  ]);
  assert.equal(defaultChoice(modelChoices([], has, [sanity('unet.ts', [1, 0.5])]), undefined)?.runDir, '/runs/.sanity/unet.ts-0123abcd');
});

test('a sanity label of a Windows path names the file; no losses, no loss trend', () => {
  assert.equal(sanityLabel({ module: 'C:\\w\\net.ts', losses: [] }), 'sanity · net.ts (0 steps)');
});

test('the remembered choice while it is offered, else the first, else null', () => {
  const choices = modelChoices([run('a', 0.5, 2), run('b', 0.4, 2)], () => true);
  assert.equal(defaultChoice(choices, { runDir: '/runs/b', checkpoint: 'last' }), choices[3]);
  assert.equal(defaultChoice(choices, { runDir: '/runs/gone', checkpoint: 'best' }), choices[0]);
  assert.equal(defaultChoice([], undefined), null);
});

test('shortLabel names the run folder and the checkpoint, or the module of a sanity model', () => {
  assert.equal(shortLabel({ runDir: '/w/runs/isbi/', checkpoint: 'best' }), 'isbi · best');
  assert.equal(shortLabel({ runDir: 'C:\\runs\\x', checkpoint: 'last' }), 'x · last');
  assert.equal(shortLabel({ runDir: '/w/runs/.sanity/unet.ts-0123abcd', checkpoint: 'last' }), 'sanity · unet.ts');
  assert.equal(shortLabel({ runDir: 'C:\\runs\\.sanity\\my-net.ts-89abcdef', checkpoint: 'last' }), 'sanity · my-net.ts');
});

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { RunSummary } from '../../server/protocol';
import { defaultChoice, modelChoices, shortLabel } from './modelChoices';

const run = (name: string, bestMIoU: number | null, epochsDone: number) =>
  ({ runDir: `/runs/${name}`, name, bestMIoU, bestEpoch: bestMIoU === null ? null : 3, epochsDone }) as RunSummary;

test('best then last of each run that has them, in run order, with labels', () => {
  const has = (dir: string, ck: string) => !(dir === '/runs/b' && ck === 'best');
  assert.deepEqual(modelChoices([run('a', 0.81234, 5), run('b', null, 1)], has), [
    { runDir: '/runs/a', checkpoint: 'best', label: 'a · best (mIoU 0.8123 @ epoch 3)' },
    { runDir: '/runs/a', checkpoint: 'last', label: 'a · last (5 epochs)' },
    { runDir: '/runs/b', checkpoint: 'last', label: 'b · last (1 epoch)' },
  ]);
});

test('the remembered choice while it is offered, else the first, else null', () => {
  const choices = modelChoices([run('a', 0.5, 2), run('b', 0.4, 2)], () => true);
  assert.equal(defaultChoice(choices, { runDir: '/runs/b', checkpoint: 'last' }), choices[3]);
  assert.equal(defaultChoice(choices, { runDir: '/runs/gone', checkpoint: 'best' }), choices[0]);
  assert.equal(defaultChoice([], undefined), null);
});

test('shortLabel names the run folder and the checkpoint', () => {
  assert.equal(shortLabel({ runDir: '/w/runs/isbi/', checkpoint: 'best' }), 'isbi · best');
  assert.equal(shortLabel({ runDir: 'C:\\runs\\x', checkpoint: 'last' }), 'x · last');
});

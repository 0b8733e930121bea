import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {classObjects, connectedComponents, instanceObjects} from './components';
import {randomInts, rng} from './testUtil';

// 1 0 1
// 0 1 0      4-connectivity: five separate pixels; 8-connectivity: one X-shaped object.
// 1 0 1
const X = [1, 0, 1, 0, 1, 0, 1, 0, 1];

/** Reference labelling: repeatedly give each pixel the smallest id among its equal neighbours until stable. */
function propagate(values: number[], h: number, w: number, include: (v: number) => boolean, eight: boolean): number[] {
  const ids = values.map((v, i) => (include(v) ? i + 1 : 0));
  let changed = true;
  while (changed) {
    changed = false;
    for (let i = 0; i < ids.length; i++) {
      if (!ids[i]) continue;
      const y = Math.floor(i / w);
      const x = i % w;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          if ((dy === 0 && dx === 0) || (!eight && dy !== 0 && dx !== 0)) continue;
          const ny = y + dy;
          const nx = x + dx;
          if (ny < 0 || ny >= h || nx < 0 || nx >= w) continue;
          const j = ny * w + nx;
          if (ids[j] && values[j] === values[i] && ids[j] < ids[i]) {
            ids[i] = ids[j];
            changed = true;
          }
        }
      }
    }
  }
  return ids;
}

/** True when two labellings define the same partition of the pixels (ids may differ). */
function samePartition(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  const ab = new Map<number, number>();
  const ba = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    if ((a[i] === 0) !== (b[i] === 0)) return false;
    if (ab.has(a[i]) && ab.get(a[i]) !== b[i]) return false;
    if (ba.has(b[i]) && ba.get(b[i]) !== a[i]) return false;
    ab.set(a[i], b[i]);
    ba.set(b[i], a[i]);
  }
  return true;
}

describe('connectedComponents', () => {
  test('4- vs 8-connectivity on an X', () => {
    const four = connectedComponents(X, 3, 3, (v) => v === 1, 4);
    assert.equal(four.count, 5);
    assert.deepEqual(Array.from(four.ids), [1, 0, 2, 0, 3, 0, 4, 0, 5]);
    const eight = connectedComponents(X, 3, 3, (v) => v === 1, 8);
    assert.equal(eight.count, 1);
    assert.deepEqual(eight.boxes, [[0, 0, 2, 2]]);
  });

  test('same partition as label propagation on 100 random 3-valued grids, both connectivities', () => {
    const next = rng(3);
    for (let trial = 0; trial < 100; trial++) {
      const h = 1 + Math.floor(next() * 8);
      const w = 1 + Math.floor(next() * 8);
      const values = randomInts(h * w, 3, next);
      for (const conn of [4, 8] as const) {
        const got = connectedComponents(values, h, w, (v) => v !== 0, conn);
        const ref = propagate(values, h, w, (v) => v !== 0, conn === 8);
        assert.ok(samePartition(got.ids, ref), `trial ${trial} conn ${conn}: ${values.join('')}`);
        assert.equal(got.count, new Set(ref.filter((v) => v)).size);
      }
    }
  });

  test('bad input is explained', () => {
    assert.throws(() => connectedComponents([1, 2], 1, 3, () => true), /got 2 values but 1x3 needs 3/);
    assert.throws(() => connectedComponents([1], 1, 1, () => true, 6 as 4), /connectivity must be 4 or 8; got 6/);
  });
});

describe('classObjects', () => {
  test('classes never join; background and ignore are not objects', () => {
    // 1 1 2 2 0 255 1   -> objects {0,1} (class 1), {2,3} (class 2), {6} (class 1)
    const objects = classObjects([1, 1, 2, 2, 0, 255, 1], 1, 7);
    assert.equal(objects.count, 3);
    assert.deepEqual(Array.from(objects.ids), [1, 1, 2, 2, 0, 0, 3]);
    assert.deepEqual(objects.boxes, [[0, 0, 0, 1], [0, 2, 0, 3], [0, 6, 0, 6]]);
    const withBackground2 = classObjects([1, 1, 2, 2, 0, 255, 1], 1, 7, {backgroundClasses: [2]});
    assert.deepEqual(Array.from(withBackground2.ids), [1, 1, 0, 0, 2, 0, 3]);
  });
});

describe('instanceObjects', () => {
  test('ids renumbered in order of appearance; split instances stay one object', () => {
    const objects = instanceObjects([0, 7, 0, 3, 7, 0], 2, 3);
    assert.equal(objects.count, 2);
    assert.deepEqual(Array.from(objects.ids), [0, 1, 0, 2, 1, 0]);
    assert.deepEqual(objects.boxes, [[0, 1, 1, 1], [1, 0, 1, 0]]);
  });
});

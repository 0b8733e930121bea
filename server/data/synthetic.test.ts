import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mulberry32, SyntheticDataset } from './synthetic';

function meanIoU(pred: Uint8Array, gt: Uint8Array, classes: number): number {
  let sum = 0;
  for (let c = 0; c < classes; c++) {
    let inter = 0, union = 0;
    for (let i = 0; i < gt.length; i++) {
      if (pred[i] === c && gt[i] === c) inter++;
      if (pred[i] === c || gt[i] === c) union++;
    }
    sum += union ? inter / union : 1;
  }
  return sum / classes;
}

describe('mulberry32', () => {
  test('same seed same sequence, values in [0, 1)', () => {
    const a = mulberry32(42), b = mulberry32(42), c = mulberry32(43);
    const xs = Array.from({ length: 100 }, () => a());
    assert.deepEqual(Array.from({ length: 100 }, () => b()), xs);
    assert.notDeepEqual(Array.from({ length: 100 }, () => c()), xs);
    assert.ok(xs.every((x) => x >= 0 && x < 1));
  });
});

describe('SyntheticDataset', () => {
  for (const kind of ['cells', 'shapes'] as const) {
    test(`${kind}: same seed gives the same bytes in any order; another seed differs`, async () => {
      const a = new SyntheticDataset({ kind, count: 4, size: 32, seed: 7, channels: 3 });
      const b = new SyntheticDataset({ kind, count: 4, size: 32, seed: 7, channels: 3 });
      const later = await b.get(3);
      const first = await b.get(0);
      assert.deepEqual((await a.get(0)).image, first.image);
      assert.deepEqual((await a.get(0)).mask, first.mask);
      assert.deepEqual((await a.get(3)).image, later.image);
      const other = await new SyntheticDataset({ kind, count: 4, size: 32, seed: 8, channels: 3 }).get(0);
      assert.notDeepEqual(other.image, first.image);
      assert.notDeepEqual((await a.get(1)).image, first.image);
    });
  }

  test('cells: 2 classes, boundary about a quarter of the pixels, gray replicated to 3 channels', async () => {
    const ds = new SyntheticDataset({ kind: 'cells', count: 4, size: 64, seed: 1, channels: 3 });
    assert.deepEqual(ds.classNames, ['boundary', 'cell']);
    let boundary = 0;
    for (let i = 0; i < 4; i++) {
      const s = await ds.get(i);
      assert.equal(s.image.length, 64 * 64 * 3);
      assert.ok(s.mask.every((v) => v === 0 || v === 1));
      boundary += s.mask.filter((v) => v === 0).length;
      for (let p = 0; p < 64 * 64; p++) assert.ok(s.image[p * 3] === s.image[p * 3 + 1] && s.image[p * 3] === s.image[p * 3 + 2]);
    }
    const share = boundary / (4 * 64 * 64);
    assert.ok(share > 0.15 && share < 0.4, `boundary share ${share}`);
  });

  test('cells: no global threshold separates the classes well (best mIoU < 0.8)', async () => {
    const ds = new SyntheticDataset({ kind: 'cells', count: 6, size: 64, seed: 2 });
    const samples = await Promise.all(Array.from({ length: 6 }, (_, i) => ds.get(i)));
    let best = 0;
    for (let t = 0; t <= 256; t += 4) {
      let m = 0;
      for (const s of samples) m += meanIoU(Uint8Array.from(s.image, (v) => (v < t ? 0 : 1)), s.mask, 2);
      best = Math.max(best, m / samples.length);
    }
    assert.ok(best < 0.8, `best threshold mIoU ${best}`);
    assert.ok(best > 0.4, `the image should still relate to the mask (best ${best})`);
  });

  test('shapes: 4 classes, objects present, colour channels differ', async () => {
    const ds = new SyntheticDataset({ kind: 'shapes', count: 6, size: 48, seed: 3, channels: 3 });
    assert.equal(ds.classes, 4);
    const seen = new Set<number>();
    let colourful = false;
    for (let i = 0; i < 6; i++) {
      const s = await ds.get(i);
      s.mask.forEach((v) => seen.add(v));
      for (let p = 0; p < 48 * 48 && !colourful; p++) colourful = s.image[p * 3] !== s.image[p * 3 + 1];
    }
    assert.deepEqual([...seen].sort(), [0, 1, 2, 3]);
    assert.ok(colourful);
  });

  test('bad options and indices', async () => {
    assert.throws(() => new SyntheticDataset({ kind: 'blobs' as 'cells', count: 1, size: 16 }), /"kind" must be "cells" or "shapes", got "blobs"/);
    assert.throws(() => new SyntheticDataset({ kind: 'cells', count: 0, size: 16 }), /"count" must be a positive integer/);
    assert.throws(() => new SyntheticDataset({ kind: 'cells', count: 1, size: 4 }), /"size" must be an integer from 8/);
    await assert.rejects(new SyntheticDataset({ kind: 'cells', count: 1, size: 16 }).get(1), /index 1 is out of range \[0, 1\)/);
  });
});

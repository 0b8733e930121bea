import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {classObjects, instanceObjects} from './components';
import {borderRadius, nearestTwoObjectDistances, sampleWeightMap, unetWeightMap} from './weightMap';
import {close, randomInts, rng} from './testUtil';

/** d1, d2 per pixel by checking every pixel of every object. */
function bruteDistances(ids: ArrayLike<number>, h: number, w: number): {d1: number[]; d2: number[]} {
  const count = Math.max(0, ...Array.from(ids));
  const d1: number[] = [];
  const d2: number[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const per = new Array<number>(count).fill(Infinity);
      for (let j = 0; j < ids.length; j++) {
        if (!ids[j]) continue;
        const d = Math.hypot(y - Math.floor(j / w), x - (j % w));
        per[ids[j] - 1] = Math.min(per[ids[j] - 1], d);
      }
      per.sort((a, b) => a - b);
      d1.push(per[0] ?? Infinity);
      d2.push(per[1] ?? Infinity);
    }
  }
  return {d1, d2};
}

/**
 * The paper's formula evaluated directly, with w_c = total / (K * count_c) over the classes present. Objects: the
 * instance ids when given, else the connected components; 'background' pixels are class 0 in no object.
 */
function bruteWeights(mask: number[], h: number, w: number, classes: number, w0: number, sigma: number, all: boolean, instances?: number[]): number[] {
  const counts = new Array<number>(classes).fill(0);
  mask.forEach((v) => v !== 255 && counts[v]++);
  const total = counts.reduce((a, b) => a + b, 0);
  const k = counts.filter((c) => c > 0).length;
  const ids = instances ?? Array.from(classObjects(mask, h, w).ids);
  const {d1, d2} = bruteDistances(ids, h, w);
  return mask.map((v, i) => {
    if (v === 255) return 0;
    const wc = total / (k * counts[v]);
    const border = all || (ids[i] === 0 && v === 0) ? w0 * Math.exp(-((d1[i] + d2[i]) ** 2) / (2 * sigma * sigma)) : 0;
    return wc + (Number.isFinite(border) ? border : 0);
  });
}

describe('nearestTwoObjectDistances', () => {
  test('equals brute force on 60 random masks; a finite radius only drops objects beyond it', () => {
    const next = rng(11);
    for (let trial = 0; trial < 60; trial++) {
      const h = 2 + Math.floor(next() * 10);
      const w = 2 + Math.floor(next() * 10);
      const mask = randomInts(h * w, 3, next).map((v) => (v === 2 ? 0 : v)).map((v) => (next() < 0.5 ? 0 : v));
      const objects = classObjects(mask, h, w, {connectivity: trial % 2 === 0 ? 4 : 8});
      const ref = bruteDistances(objects.ids, h, w);
      const exact = nearestTwoObjectDistances(objects);
      for (let i = 0; i < h * w; i++) {
        close(exact.d1[i], ref.d1[i], 1e-12, `trial ${trial} d1`);
        close(exact.d2[i], ref.d2[i], 1e-12, `trial ${trial} d2`);
      }
      const radius = 2.5;
      const cut = nearestTwoObjectDistances(objects, radius);
      for (let i = 0; i < h * w; i++) {
        for (const [got, want] of [[cut.d1[i], ref.d1[i]], [cut.d2[i], ref.d2[i]]]) {
          if (want <= radius) close(got, want, 1e-12, `trial ${trial} within radius`);
          else assert.ok(got > radius, `trial ${trial}: ${got} should be beyond the radius (true ${want})`);
        }
      }
    }
  });
});

describe('unetWeightMap values', () => {
  test('1x5 strip, objects at both ends: every gap pixel has d1 + d2 = 4', () => {
    const w = unetWeightMap([1, 0, 0, 0, 1], 1, 5, {classes: 2, classBalance: 'none'});
    const gap = 1 + 10 * Math.exp(-16 / 50);
    const expected = [1, gap, gap, gap, 1];
    expected.forEach((e, i) => close(w[i], e, 1e-6, `pixel ${i}`));
  });

  test("borderPixels 'all' adds the term inside objects too (d1 = 0, d2 = 4)", () => {
    const w = unetWeightMap([1, 0, 0, 0, 1], 1, 5, {classes: 2, classBalance: 'none', borderPixels: 'all', w0: 3, sigma: 2});
    const inside = 1 + 3 * Math.exp(-16 / 8);
    close(w[0], inside, 1e-6);
    close(w[2], 1 + 3 * Math.exp(-16 / 8), 1e-6);
  });

  test('class balance from the mask: counts [3, 2] give 5/6 and 5/4; ignored pixels weigh 0', () => {
    const w = unetWeightMap([0, 1, 0, 255, 1, 0], 2, 3, {classes: 2, w0: 0});
    assert.deepEqual(Array.from(w), [5 / 6, 5 / 4, 5 / 6, 0, 5 / 4, 5 / 6].map(Math.fround));
    const median = unetWeightMap([0, 1, 0, 255, 1, 0], 2, 3, {classes: 2, w0: 0, classBalance: 'median'});
    // f = [3/5, 2/5], median 1/2 -> [5/6, 5/4] too; given weights are used as they are.
    close(median[1], 5 / 4, 1e-7);
    const given = unetWeightMap([0, 1, 0, 255, 1, 0], 2, 3, {classes: 2, w0: 0, classWeights: [0.5, 2]});
    assert.deepEqual(Array.from(given), [0.5, 2, 0.5, 0, 2, 0.5]);
  });

  test('one object: no border term', () => {
    const w = unetWeightMap([1, 1, 0, 0, 0], 1, 5, {classes: 2, classBalance: 'none'});
    assert.deepEqual(Array.from(w), [1, 1, 1, 1, 1]);
  });

  test('instances replace the connected components', () => {
    // All one class: no background, so only 'all' shows the border between instances 4 and 9.
    const w = unetWeightMap([1, 1, 1, 1], 1, 4, {classes: 2, classBalance: 'none', borderPixels: 'all', instances: [4, 4, 9, 9]});
    // pixel 1: d1 = 0, d2 = 1; pixel 0: d1 = 0, d2 = 2.
    close(w[1], 1 + 10 * Math.exp(-1 / 50), 1e-6);
    close(w[0], 1 + 10 * Math.exp(-4 / 50), 1e-6);
    assert.equal(instanceObjects([4, 4, 9, 9], 1, 4).count, 2);
  });

  test('touching instances of one class: the gap and the notches get the border weight; as one component they get none', () => {
    // Instance 1 (columns 0-1 and the top of column 2) touches instance 2 (columns 3-4) in row 0 only.
    const instances = [
      [1, 1, 1, 2, 2, 0],
      [1, 1, 0, 2, 2, 0],
      [1, 1, 0, 2, 2, 0],
      [1, 1, 0, 2, 2, 0],
    ].flat();
    const mask = instances.map((v) => (v ? 1 : 0));
    const opts = {classes: 2, classBalance: 'none' as const, sigma: 2};
    const byInstances = unetWeightMap(mask, 4, 6, {...opts, instances});
    const byComponents = unetWeightMap(mask, 4, 6, opts);
    assert.equal(classObjects(mask, 4, 6).count, 1);
    assert.deepEqual(Array.from(byComponents), new Array(24).fill(1));
    // Gap pixel (row 2, column 2): d1 = d2 = 1, the largest border term there can be between two objects.
    close(byInstances[2 * 6 + 2], 1 + 10 * Math.exp(-4 / 8), 1e-6);
    // Notch above nothing: row 3, column 5 has d1 = 1 (column 4), d2 = |(3, 5) - (0, 2)| = sqrt(18) or (3, 1): 4.
    close(byInstances[3 * 6 + 5], 1 + 10 * Math.exp(-((1 + Math.min(Math.sqrt(18), 4)) ** 2) / 8), 1e-6);
    const balanced = unetWeightMap(mask, 4, 6, {classes: 2, sigma: 2, instances});
    bruteWeights(mask, 4, 6, 2, 10, 2, false, instances).forEach((r, i) => close(balanced[i], r, 1e-5, `pixel ${i}`));
  });

  test('with instances, foreground outside every instance (a crowd painted as foreground) is no gap', () => {
    // Pixel 2 is class 1 but in no instance: no border term there; the background pixels 1 and 3 have d1 = 1, d2 = 3.
    const w = unetWeightMap([1, 0, 1, 0, 1], 1, 5, {classes: 2, classBalance: 'none', instances: [1, 0, 0, 0, 2]});
    const gap = 1 + 10 * Math.exp(-16 / 50);
    [1, gap, 1, gap, 1].forEach((e, i) => close(w[i], e, 1e-6, `pixel ${i}`));
  });

  test('equals the formula evaluated directly on 25 random instance maps of overlapping rectangles', () => {
    const next = rng(17);
    for (let trial = 0; trial < 25; trial++) {
      const h = 6 + Math.floor(next() * 10);
      const w = 6 + Math.floor(next() * 10);
      const instances = new Array<number>(h * w).fill(0);
      const mask = new Array<number>(h * w).fill(0);
      // Later rectangles over earlier ones, as COCO paints; classes 1-2 so touching same-class instances are common.
      for (let id = 1; id <= 2 + Math.floor(next() * 5); id++) {
        const cls = 1 + Math.floor(next() * 2);
        const [y0, x0] = [Math.floor(next() * h), Math.floor(next() * w)];
        const [y1, x1] = [Math.min(h, y0 + 1 + Math.floor(next() * 5)), Math.min(w, x0 + 1 + Math.floor(next() * 5))];
        for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) [instances[y * w + x], mask[y * w + x]] = [id, cls];
      }
      if (trial % 3 === 0) {
        mask[0] = 255;
        instances[0] = 0;
      }
      for (const all of [false, true]) {
        const got = unetWeightMap(mask, h, w, {classes: 3, sigma: 1.5, borderPixels: all ? 'all' : 'background', instances});
        const ref = bruteWeights(mask, h, w, 3, 10, 1.5, all, instances);
        ref.forEach((r, i) => close(got[i], r, 2e-6 * Math.max(1, r), `trial ${trial} pixel ${i}`));
      }
    }
  });

  test('equals the formula evaluated directly on 25 random masks (sigma 1.5: far objects are cut off)', () => {
    const next = rng(5);
    assert.ok(borderRadius(10, 1.5) < 10, 'the test must exercise the cut-off');
    for (let trial = 0; trial < 25; trial++) {
      const h = 8 + Math.floor(next() * 12);
      const w = 8 + Math.floor(next() * 12);
      const mask = randomInts(h * w, 10, next).map((v) => (v < 5 ? 0 : v < 8 ? 1 : v < 9 ? 2 : 255));
      for (const all of [false, true]) {
        const got = unetWeightMap(mask, h, w, {classes: 3, sigma: 1.5, borderPixels: all ? 'all' : 'background'});
        const ref = bruteWeights(mask, h, w, 3, 10, 1.5, all);
        ref.forEach((r, i) => close(got[i], r, 2e-6 * Math.max(1, r), `trial ${trial} pixel ${i}`));
      }
    }
  });

  test('borderRadius: beyond it a term is at most 1e-7', () => {
    const r = borderRadius(10, 5);
    close(10 * Math.exp(-(r * r) / 50), 1e-7, 1e-15);
    assert.equal(borderRadius(0, 5), 0);
  });

  test('sampleWeightMap reads mask, height and width of a sample', () => {
    const w = sampleWeightMap({mask: new Uint8Array([1, 0, 0, 0, 1]), height: 1, width: 5}, {classes: 2, classBalance: 'none'});
    close(w[2], 1 + 10 * Math.exp(-16 / 50), 1e-6);
  });

  test("sampleWeightMap takes the sample's instance map as the objects when it has one", () => {
    // One component of class 1 (pixels 0-2) but two instances: the background pixel 3 sees d1 = 1, d2 = 2.
    const sample = {mask: new Uint8Array([1, 1, 1, 0]), height: 1, width: 4};
    const opts = {classes: 2, classBalance: 'none' as const};
    assert.deepEqual(Array.from(sampleWeightMap(sample, opts)), [1, 1, 1, 1]);
    const w = sampleWeightMap({...sample, instances: new Uint16Array([1, 1, 2, 0])}, opts);
    assert.deepEqual(Array.from(w), [1, 1, 1, Math.fround(1 + 10 * Math.exp(-9 / 50))]);
  });
});

describe('unetWeightMap errors', () => {
  test('bad masks and options are explained', () => {
    assert.throws(() => unetWeightMap([0, 3], 1, 2, {classes: 2}), /mask value 3 at pixel 1 is neither a class \(0\.\.1\) nor the ignore index 255/);
    assert.throws(() => unetWeightMap([0, 1], 1, 3, {classes: 2}), /mask has 2 values, which does not fit 1x3/);
    assert.throws(() => unetWeightMap([0, 1], 1, 2, {classes: 2, sigma: 0}), /sigma must be a finite number > 0; got 0/);
    assert.throws(() => unetWeightMap([0, 1], 1, 2, {classes: 2, w0: -1}), /w0 must be a finite number >= 0; got -1/);
    assert.throws(() => unetWeightMap([0, 1], 1, 2, {classes: 2, classWeights: [1]}), /classWeights has 1 entries but there are 2 classes/);
    assert.throws(() => unetWeightMap([0, 1], 1, 2, {classes: 2, classBalance: 'log' as 'none'}), /classBalance "log" is unknown/);
    assert.throws(() => unetWeightMap([0, 1], 1, 2, {classes: 2, borderPixels: 'x' as 'all'}), /borderPixels "x" is unknown/);
  });

  test('an all-ignored mask gives zeros', () => {
    assert.deepEqual(Array.from(unetWeightMap([255, 255], 1, 2, {classes: 2})), [0, 0]);
  });
});

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../rng';
import { augmentTable } from './docs';
import { buildPipeline, buildTrainPipeline } from './pipeline';
import { AUGMENT_PRESETS, AUGMENT_TYPES, AugmentStepInput, parseAugmentSteps } from './spec';
import { assertFollows, coordSample, traceOp } from './testing';

const opts = { ignoreIndex: 255, inputSize: [24, 20] as [number, number] };

describe('every geometric step moves mask, weights and image together', () => {
  const steps: [AugmentStepInput, boolean][] = [
    [{ type: 'hflip', p: 1 }, true],
    [{ type: 'vflip', p: 1 }, true],
    [{ type: 'rot90' }, true],
    [{ type: 'rotate', p: 1, degrees: 40 }, false],
    [{ type: 'rotate', p: 1, degrees: 40, border: 'constant', fill: 3 }, false],
    [{ type: 'randomScaleCrop', scale: [0.5, 2] }, false],
    [{ type: 'randomScaleCrop', scale: [0.8, 1.2], catMaxRatio: 0.5, interpolation: 'bicubic' }, false],
    [{ type: 'randomCrop' }, true],
    [{ type: 'resize', interpolation: 'nearest' }, true],
    [{ type: 'elastic', p: 1 }, false],
    [{ type: 'elastic', p: 1, grid: 5, sigma: 4, border: 'constant' }, false],
    [{ type: 'elasticSimard', p: 1, alpha: 20, sigma: 3 }, false],
  ];
  for (const [step, exact] of steps) {
    test(JSON.stringify(step), () => {
      const run = buildPipeline([step], opts);
      for (const seed of [1, 2]) {
        const r = assertFollows(traceOp(run, 40, 36, seed), { exact, fill: 'fill' in step ? step.fill : undefined });
        assert.ok(r.inside > 0);
      }
    });
  }

  test('a long mixed pipeline (crop, rotate, elastic, flips, quarter turns)', () => {
    const run = buildPipeline(
      [
        { type: 'randomScaleCrop', scale: [0.7, 1.5], size: 40 },
        { type: 'rotate', p: 1, degrees: 20 },
        { type: 'elastic', p: 1 },
        { type: 'hflip', p: 1 },
        { type: 'rot90' },
        { type: 'randomCrop', size: [30, 26] },
      ],
      opts,
    );
    for (const seed of [3, 4, 5]) {
      const t = traceOp(run, 50, 44, seed);
      assert.deepEqual([t.out.height, t.out.width], [30, 26]);
      const r = assertFollows(t, { exact: false });
      assert.ok(r.moved > r.inside / 2);
    }
  });
});

describe('determinism and probabilities', () => {
  const all = buildPipeline([...AUGMENT_PRESETS.unetPaper, { type: 'gaussNoise' }, { type: 'cutout' }, { type: 'gamma' }, { type: 'gaussBlur' }], opts);

  test('same seed, same bytes; another seed, other bytes; the input is not modified', () => {
    const s = coordSample(32, 32, 'y');
    const before = s.image.slice();
    const a = all(s, mulberry32(10));
    const b = all(s, mulberry32(10));
    assert.deepEqual(a.image, b.image);
    assert.deepEqual(a.mask, b.mask);
    assert.notDeepEqual(all(s, mulberry32(11)).image, a.image);
    assert.deepEqual(s.image, before);
  });

  test('p: 0 never runs, p: 1 always runs, p: 0.3 runs in about 30% of seeds', () => {
    const s = coordSample(8, 8, 'y');
    const never = buildPipeline([{ type: 'hflip', p: 0 }], opts);
    assert.deepEqual(never(s, mulberry32(1)).image, s.image);
    const always = buildPipeline([{ type: 'hflip', p: 1 }], opts);
    for (let seed = 0; seed < 20; seed++) assert.notDeepEqual(always(s, mulberry32(seed)).image, s.image);
    const some = buildPipeline([{ type: 'hflip', p: 0.3 }], opts);
    let ran = 0;
    for (let seed = 0; seed < 1000; seed++) if (some(s, mulberry32(seed)).mask !== s.mask) ran++;
    // binomial(1000, 0.3): std 14.5; 5 std either side
    assert.ok(ran > 228 && ran < 372, `ran ${ran} times`);
  });

  test('every preset validates and runs', () => {
    for (const [name, steps] of Object.entries(AUGMENT_PRESETS)) {
      const out = buildTrainPipeline(steps, { ...opts, resize: 'crop' })(coordSample(30, 30, 'x'), mulberry32(1));
      assert.deepEqual([out.height, out.width], [24, 20], name);
    }
  });
});

describe('validation', () => {
  test('defaults are filled in', () => {
    const [e] = parseAugmentSteps([{ type: 'elastic' }]);
    assert.deepEqual(e, { type: 'elastic', p: 0.5, grid: 3, sigma: 10, interpolation: 'bicubic', border: 'reflect', fill: 0 });
  });

  test('an unknown type names the index and lists the valid types', () => {
    assert.throws(() => buildPipeline([{ type: 'hflip' }, { type: 'twirl' }], opts), (err: Error) => {
      assert.match(err.message, /`train\.augment\[1\]\.type`/);
      assert.match(err.message, /valid types: .*elasticSimard/);
      return true;
    });
    assert.equal(AUGMENT_TYPES.length, 14);
  });

  test('bad values and unknown fields name the field', () => {
    assert.throws(() => parseAugmentSteps([{ type: 'rotate', degrees: 400 }]), /`train\.augment\[0\]\.degrees`/);
    assert.throws(() => parseAugmentSteps([{ type: 'gamma', range: [1.5, 0.5] }]), /augment\[0\]\.range`: the first value must not exceed/);
    assert.throws(() => parseAugmentSteps([{ type: 'hflip', prob: 1 }]), /prob/);
  });

  test('a sizing step without a size and without an input size says how to fix it', () => {
    assert.throws(() => buildPipeline([{ type: 'randomCrop' }], { ignoreIndex: 255 }), /step 0 \(randomCrop\) has no "size".*add "size": \[height, width\]/);
  });
});

describe('training pipeline', () => {
  test('a random crop (or a resize) to the input size is prepended when no step sizes the sample', () => {
    const crop = buildTrainPipeline([{ type: 'hflip' }], { ...opts, resize: 'crop' });
    const t = traceOp(crop, 50, 40, 2);
    assert.deepEqual([t.out.height, t.out.width], [24, 20]);
    assertFollows(t, { exact: true });
    const resized = buildTrainPipeline([], { ...opts, resize: 'resize' })(coordSample(48, 40, 'y'), mulberry32(1));
    assert.deepEqual([resized.height, resized.width], [24, 20]);
    // nearest with half-pixel centres: output row 23 reads source row floor((23 + 0.5) * 48 / 24) = 47
    assert.equal(resized.mask[23 * 20], 47);
  });

  test('a pipeline that ends at the wrong size is an error naming both sizes', () => {
    const bad = buildTrainPipeline([{ type: 'randomCrop' }, { type: 'rot90' }, { type: 'resize', size: 16 }], { ...opts, resize: 'crop' });
    assert.throws(() => bad(coordSample(30, 30, 'y'), mulberry32(1)), /into 16x16, not the input size 24x20/);
  });
});

test('the README table lists every step type with its defaults', () => {
  const table = augmentTable();
  for (const type of AUGMENT_TYPES) assert.match(table, new RegExp(`\\| \`${type}\` \\|`));
  assert.match(table, /\| `elastic` \|[^\n]*`grid` = 3, `sigma` = 10/);
  assert.match(table, /`catMaxRatio` = 1/);
});

import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {
  checkSameUnetInputSize,
  isValidUnetInputSize,
  validInputSizes,
  validUnetInputSizeFor,
  validUnetOutputSize,
} from './sizes';

/** Independent reference: walk the paper's layer list (conv, conv, pool ... up, conv, conv). */
function reference(input: number, depth: number): number | null {
  let s = input;
  for (let i = 0; i < depth; i++) {
    s = s - 2 - 2;
    if (s <= 0 || s % 2 === 1) return null;
    s = s / 2;
  }
  s = s - 2 - 2;
  for (let i = 0; i < depth; i++) {
    if (s <= 0) return null;
    s = s * 2 - 2 - 2;
  }
  return s > 0 ? s : null;
}

describe('valid U-Net sizes', () => {
  test('paper: 572 -> 388 at depth 4', () => {
    assert.equal(validUnetOutputSize(572, 4), 388);
    assert.equal(validUnetInputSizeFor(388, 4), 572);
  });

  test('agrees with the reference walk for every size up to 400 and depths 1-4', () => {
    for (let depth = 1; depth <= 4; depth++) {
      for (let s = 1; s <= 400; s++) {
        const ref = reference(s, depth);
        assert.equal(isValidUnetInputSize(s, depth), ref !== null, `size ${s} depth ${depth}`);
        if (ref !== null) {
          assert.equal(validUnetOutputSize(s, depth), ref);
          // The network trims a constant margin of 12 * 2^depth - 8 pixels.
          assert.equal(s - ref, 12 * 2 ** depth - 8);
        }
      }
    }
  });

  test('validInputSizes returns the nearest valid sizes around a size', () => {
    assert.deepEqual(validInputSizes(572, 4), [572]);
    assert.deepEqual(validInputSizes(570, 4), [556, 572]);
    // Depth 1: valid sizes are 2b + 4 from 18 up (16 shrinks to 0 in the decoder).
    assert.deepEqual(validInputSizes(19, 1), [18, 20]);
    assert.deepEqual(validInputSizes(3, 1), [18]);
    for (let near = 1; near <= 300; near += 7) {
      const sizes = validInputSizes(near, 3);
      for (const s of sizes) assert.notEqual(reference(s, 3), null);
      assert.ok(sizes[sizes.length - 1] >= near && sizes.every((s, i) => i === 0 || s > sizes[i - 1]));
      // Nothing valid strictly between the returned neighbours (or below the first one when it exceeds near).
      const lo = sizes[0] <= near ? sizes[0] : 0;
      for (let s = lo + 1; s < sizes[sizes.length - 1]; s++) {
        if (!sizes.includes(s)) assert.equal(reference(s, 3), null, `${s} is valid but was skipped near ${near}`);
      }
    }
  });

  test('validUnetInputSizeFor gives the smallest input covering the output', () => {
    assert.equal(validUnetInputSizeFor(380, 4), 572);
    assert.equal(validUnetInputSizeFor(389, 4), 588);
    for (let out = 1; out <= 100; out++) {
      const input = validUnetInputSizeFor(out, 2);
      assert.ok((reference(input, 2) ?? -1) >= out);
      for (let s = 1; s < input; s++) assert.ok((reference(s, 2) ?? -1) < out, `${s} would already give ${out}`);
    }
  });

  test('errors name the size and the nearest valid sizes', () => {
    assert.throws(() => validUnetOutputSize(570, 4), /input size 570 does not work .*odd \(279\) before pooling at level 2.* 556 or 572/);
    assert.throws(() => validUnetOutputSize(16, 1, 'input width'), /input width 16 .*decoder level 1 shrinks to 0.* 18/);
    assert.throws(() => validUnetOutputSize(572, 7), /model\.encoderDepth must be an integer from 1 to 6; got 7/);
    assert.throws(() => validUnetInputSizeFor(0, 4), /output size must be a positive integer; got 0/);
  });
});

describe('same U-Net sizes', () => {
  test('divisible by 2^depth passes, otherwise the nearest multiples are named', () => {
    checkSameUnetInputSize(256, 4);
    assert.throws(() => checkSameUnetInputSize(250, 4, 'input height'), /input height 250 is not divisible by 2\^encoderDepth = 16: .*240 or 256/);
    assert.throws(() => checkSameUnetInputSize(8, 4), /to 16$/);
  });
});

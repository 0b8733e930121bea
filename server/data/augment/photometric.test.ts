import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32, Rng } from '../rng';
import { cutout, gaussBlur, gaussNoise, hsvToRgb, photometricDistortion, randomGamma, rgbToHsv } from './photometric';
import type { AugSample } from './types';

function script(values: number[]): Rng {
  let i = 0;
  return () => {
    if (i >= values.length) throw new Error('script ran out of values');
    return values[i++];
  };
}

function gray(values: number[], H = 1, W = values.length): AugSample {
  return { height: H, width: W, channels: 1, image: Uint8Array.from(values), mask: new Uint8Array(H * W).fill(1) };
}

const PHOTO = { brightnessDelta: 32, contrast: [0.5, 1.5] as [number, number], saturation: [0.5, 1.5] as [number, number], hueDelta: 36 };

describe('photometric distortion', () => {
  test('HSV: primaries by hand and a round trip', () => {
    assert.deepEqual(rgbToHsv(255, 0, 0), [0, 1, 255]);
    assert.deepEqual(rgbToHsv(0, 255, 0), [120, 1, 255]);
    assert.deepEqual(rgbToHsv(0, 0, 128), [240, 1, 128]);
    assert.deepEqual(rgbToHsv(50, 50, 50), [0, 0, 50]);
    assert.deepEqual(hsvToRgb(120, 1, 255), [0, 255, 0]);
    const [h, s, v] = rgbToHsv(12, 200, 77);
    hsvToRgb(h, s, v).forEach((c, k) => assert.ok(Math.abs(c - [12, 200, 77][k]) < 1e-9));
  });

  test('brightness only: +16 (uniform draw 0.75 of [-32, 32]), clipped at 255', () => {
    // coins: brightness yes (0.1), beta 0.75 -> +16, contrast last (0.9), final contrast coin no (0.9)
    const out = photometricDistortion(gray([100, 250, 0]), script([0.1, 0.75, 0.9, 0.9]), PHOTO);
    assert.deepEqual([...out.image], [116, 255, 16]);
  });

  test('contrast first: factor 0.75 (draw 0.25 of [0.5, 1.5])', () => {
    const out = photometricDistortion(gray([100, 200, 3]), script([0.9, 0.1, 0.1, 0.25]), PHOTO);
    assert.deepEqual([...out.image], [75, 150, 2]);
  });

  test('hue +120 degrees turns red into green; saturation 0.5 halves the chroma; gray images skip both', () => {
    const red: AugSample = { height: 1, width: 1, channels: 3, image: new Uint8Array([255, 0, 0]), mask: new Uint8Array(1) };
    // no brightness, contrast last, saturation no, hue yes: draw (0.5 + 120/72) of [-36, 36] is out of range, so
    // use hueDelta 120 and draw 1 - tiny -> +120
    const hue = photometricDistortion(red, script([0.9, 0.9, 0.9, 0.1, 1 - 1e-12, 0.9]), { ...PHOTO, hueDelta: 120 });
    assert.deepEqual([...hue.image], [0, 255, 0]);
    const sat = photometricDistortion(red, script([0.9, 0.9, 0.1, 0, 0.9, 0.9]), PHOTO);
    assert.deepEqual([...sat.image], [255, 128, 128]);
    // gray: no saturation or hue draws at all (the script would run out otherwise)
    assert.deepEqual([...photometricDistortion(gray([7]), script([0.9, 0.9, 0.9]), PHOTO).image], [7]);
  });

  test('the mask is untouched', () => {
    const s = gray([1, 2, 3]);
    assert.equal(photometricDistortion(s, mulberry32(1), PHOTO).mask, s.mask);
  });
});

test('gamma 2: 255 * (v / 255)^2', () => {
  const out = randomGamma(gray([0, 128, 255, 51]), mulberry32(1), [2, 2]);
  assert.deepEqual([...out.image], [0, Math.round((128 * 128) / 255), 255, Math.round((51 * 51) / 255)]);
});

test('Gaussian noise: sigma 0 is the identity; sigma 8 gives mean ~0 and std ~8', () => {
  const flat = gray(new Array(4096).fill(128), 64, 64);
  assert.deepEqual(gaussNoise(flat, mulberry32(1), [0, 0]).image, flat.image);
  const out = gaussNoise(flat, mulberry32(2), [8, 8]).image;
  const d = Array.from(out, (v) => v - 128);
  const mean = d.reduce((a, b) => a + b, 0) / d.length;
  const std = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length);
  assert.ok(Math.abs(mean) < 0.5, `mean ${mean}`);
  assert.ok(Math.abs(std - 8) < 0.5, `std ${std}`);
});

test('Gaussian blur: constant stays constant, an impulse spreads symmetrically', () => {
  const flat = gray(new Array(25).fill(90), 5, 5);
  assert.deepEqual(gaussBlur(flat, mulberry32(1), [1, 1]).image, flat.image);
  const imp = new Array(49).fill(0);
  imp[24] = 255;
  const out = gaussBlur(gray(imp, 7, 7), mulberry32(1), [1, 1]).image;
  assert.ok(out[24] < 255 && out[24] > 0);
  assert.equal(out[23], out[25]);
  assert.equal(out[17], out[31]);
  assert.ok(out[23] > out[22]);
});

describe('cutout', () => {
  test('one half-size hole: 25 pixels of a 10x10 image filled, the mask unchanged', () => {
    const s = gray(new Array(100).fill(50), 10, 10);
    const out = cutout(s, mulberry32(3), { holes: [1, 1], size: [0.5, 0.5], fill: 0 });
    assert.equal(out.image.filter((v) => v === 0).length, 25);
    assert.equal(out.mask, s.mask);
  });

  test('maskFill writes the same rectangle into the mask', () => {
    const s = gray(new Array(100).fill(50), 10, 10);
    const out = cutout(s, mulberry32(3), { holes: [2, 2], size: [0.3, 0.3], fill: 0, maskFill: 255 });
    out.image.forEach((v, i) => assert.equal(out.mask[i] === 255, v === 0));
    assert.ok(out.image.filter((v) => v === 0).length >= 9);
  });
});

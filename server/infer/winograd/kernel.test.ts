import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encodeModule, FunctionBody } from './emit';
import { winogradModule } from './kernel';
import { relaxedSimd, splitRows, tileBlock } from './runtime';
import { wasmApi } from './wasmApi';
import { transformFilter } from './weights';

/** Deterministic values in [-1, 1). */
function values(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return a / 2 ** 31 - 1;
  });
}

/** Direct 3×3 convolution of concat(parts) in float64 (NHWC, one image, HWIO filter). */
function reference(parts: { data: Float32Array; c: number }[], h: number, w: number, filter: Float32Array, bias: Float32Array, pad: number, relu: boolean): Float64Array {
  const cIn = parts.reduce((s, p) => s + p.c, 0);
  const cOut = bias.length;
  const [ho, wo] = [h + 2 * pad - 2, w + 2 * pad - 2];
  const out = new Float64Array(ho * wo * cOut);
  for (let y = 0; y < ho; y++) {
    for (let x = 0; x < wo; x++) {
      for (let co = 0; co < cOut; co++) {
        let sum = bias[co];
        for (let dy = 0; dy < 3; dy++) {
          for (let dx = 0; dx < 3; dx++) {
            const [iy, ix] = [y + dy - pad, x + dx - pad];
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
            let cBase = 0;
            for (const p of parts) {
              for (let c = 0; c < p.c; c++) sum += p.data[(iy * w + ix) * p.c + c] * filter[((dy * 3 + dx) * cIn + cBase + c) * cOut + co];
              cBase += p.c;
            }
          }
        }
        out[(y * wo + x) * cOut + co] = relu ? Math.max(0, sum) : sum;
      }
    }
  }
  return out;
}

/** The kernel on a memory of its own: writes the operands, runs tile rows `ranges` (one call each), returns the output. */
function runKernel(opts: { parts: { data: Float32Array; c: number }[]; h: number; w: number; filter: Float32Array; bias: Float32Array; pad: 0 | 1; relu: boolean; fused: boolean; shared: boolean; ranges?: [number, number][] }): Float32Array {
  const { parts, h, w, pad, bias } = opts;
  const cIn = parts.reduce((s, p) => s + p.c, 0);
  const cOut = bias.length;
  const [ho, wo] = [h + 2 * pad - 2, w + 2 * pad - 2];
  const memory = new wasmApi.Memory(opts.shared ? { initial: 64, maximum: 65536, shared: true } : { initial: 64 });
  const conv = new wasmApi.Instance(new wasmApi.Module(winogradModule(opts.fused, opts.shared)), { env: { memory } }).exports.conv as (...a: number[]) => void;
  const heap = new Float32Array(memory.buffer);
  let next = 256; // byte 0..255 stays unused: a stray null pointer would read it
  const put = (data: Float32Array | number): number => {
    const at = next;
    const n = typeof data === 'number' ? data : data.length;
    if (typeof data !== 'number') heap.set(data, at / 4);
    next += Math.ceil((n * 4 + 16) / 16) * 16;
    return at;
  };
  const pa = put(parts[0].data);
  const pb = parts[1] ? put(parts[1].data) : 0;
  const pu = put(transformFilter(opts.filter, cIn, cOut));
  const pBias = put(bias);
  const pOut = put(ho * wo * cOut);
  const nb = tileBlock(cIn, cOut);
  const pScratch = put(16 * nb * (cIn + cOut));
  const pZero = put(Math.max(...parts.map((p) => p.c))); // fresh memory is zero
  for (const [ty0, ty1] of opts.ranges ?? [[0, Math.ceil(ho / 2)]]) {
    conv(pa, parts[0].c, pb, parts[1]?.c ?? 0, h, w, pad, pu, pBias, opts.relu ? 1 : 0, pOut, cOut, ty0, ty1, pScratch, nb, pZero);
  }
  return heap.slice(pOut / 4, pOut / 4 + ho * wo * cOut);
}

function assertNear(got: Float32Array, want: Float64Array, label: string): void {
  assert.equal(got.length, want.length, label);
  const scale = Math.max(1, ...Array.from(want, Math.abs));
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i] - want[i]) <= 1e-5 * scale, `${label}: element ${i} is ${got[i]}, expected ${want[i]}`);
  }
}

describe('Winograd F(2x2, 3x3) kernel', () => {
  test('the module writer encodes LEB128 constants, locals and exports that WebAssembly accepts', () => {
    const f = new FunctionBody(['i32'], ['i32']);
    const t = f.local('i32');
    f.get(0).i32(-123456).add().set(t).get(t).i32(0x7fffffff).add();
    const module = new wasmApi.Module(encodeModule([{ name: 'f', body: f }], false));
    const { exports } = new wasmApi.Instance(module, { env: { memory: new wasmApi.Memory({ initial: 1 }) } });
    assert.equal((exports.f as (x: number) => number)(1000), (1000 - 123456 + 0x7fffffff) | 0);
  });

  test('filter transform, by hand: a 3x3 filter of ones gives the outer product of G row sums (1, 1.5, 0.5, 1)', () => {
    const u = transformFilter(new Float32Array(9).fill(1), 1, 1);
    const rows = [1, 1.5, 0.5, 1];
    assert.deepEqual(Array.from(u), rows.flatMap((r) => rows.map((q) => r * q)));
    assert.throws(() => transformFilter(new Float32Array(8), 1, 1), /a 3x3 filter of 1x1 channels has 9 values, got 8/);
  });

  test('by hand: 2x2x4 ones, filter of ones, same padding: every output sees all 4 pixels x 4 channels = 16', () => {
    const out = runKernel({ parts: [{ data: new Float32Array(16).fill(1), c: 4 }], h: 2, w: 2, filter: new Float32Array(9 * 4 * 8).fill(1), bias: new Float32Array(8), pad: 1, relu: false, fused: false, shared: false });
    assert.deepEqual(Array.from(out), new Array(2 * 2 * 8).fill(16));
  });

  const fmaModes = relaxedSimd() ? [false, true] : [false];
  for (const fused of fmaModes) {
    for (const shared of [false, true]) {
      test(`equals a direct float64 convolution (${fused ? 'relaxed-SIMD FMA' : 'mul + add'}, ${shared ? 'shared' : 'own'} memory)`, () => {
        const cases = [
          { h: 1, w: 1, c: [4], cOut: 8, pad: 1 as const, relu: false },
          { h: 5, w: 7, c: [4], cOut: 8, pad: 1 as const, relu: true },
          { h: 6, w: 6, c: [8], cOut: 16, pad: 0 as const, relu: false },
          { h: 7, w: 37, c: [4, 8], cOut: 8, pad: 1 as const, relu: true }, // 19 tile columns: a partial block of 16
          { h: 9, w: 4, c: [12, 4], cOut: 24, pad: 0 as const, relu: false },
        ];
        cases.forEach((k, i) => {
          const cIn = k.c.reduce((a, b) => a + b, 0);
          const parts = k.c.map((c, j) => ({ data: values(k.h * k.w * c, 10 * i + j), c }));
          const filter = values(9 * cIn * k.cOut, 100 + i);
          const bias = values(k.cOut, 200 + i);
          const want = reference(parts, k.h, k.w, filter, bias, k.pad, k.relu);
          const got = runKernel({ parts, h: k.h, w: k.w, filter, bias, pad: k.pad, relu: k.relu, fused, shared });
          assertNear(got, want, `case ${i} (${k.h}x${k.w}, channels ${k.c.join('+')} -> ${k.cOut}, pad ${k.pad})`);
        });
      });
    }
  }

  test('tile rows split across calls (as threads split them) give the same bytes as one call', () => {
    const parts = [{ data: values(11 * 10 * 8, 1), c: 8 }];
    const opts = { parts, h: 11, w: 10, filter: values(9 * 8 * 16, 2), bias: values(16, 3), pad: 1 as const, relu: true, fused: false, shared: true };
    const whole = runKernel(opts);
    const split = runKernel({ ...opts, ranges: splitRows(6, 4) });
    assert.deepEqual(Buffer.from(split.buffer), Buffer.from(whole.buffer));
  });

  test('row split and tile block sizes', () => {
    assert.deepEqual(splitRows(6, 4), [[0, 2], [2, 4], [4, 5], [5, 6]]);
    assert.deepEqual(splitRows(3, 8), [[0, 1], [1, 2], [2, 3]]);
    assert.deepEqual(splitRows(0, 2), [[0, 0]]);
    assert.equal(tileBlock(16, 16), 16);
    assert.equal(tileBlock(512, 512), 16);
    assert.equal(tileBlock(1024, 1024), 8);
    assert.equal(tileBlock(4096, 4096), 4);
  });
});

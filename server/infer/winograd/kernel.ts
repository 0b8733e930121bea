/**
 * Inference kernels as one WebAssembly module (SIMD, optional relaxed-SIMD FMA), generated with emit.ts: the
 * Winograd F(2×2, 3×3) convolution (`conv`) and a 2×2 stride-2 transposed convolution (`upconv`, at the end).
 *
 * A 3×3, stride-1 convolution computes each 2×2 output tile from a 4×4 input tile as
 *   Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A,
 * so the 36 multiply-adds per tile and channel pair of the direct method become 16 (2.25× fewer), at the price of
 * a cheap add-only transform of the input (Bᵀ d B) and output (Aᵀ m A). Summed over input channels, the ⊙ becomes
 * 16 small matrix products, one per tile position t: M_t[tiles × Co] = V_t[tiles × C] · U_t[C × Co], with
 * U = G g Gᵀ transformed once per filter (weights.ts).
 *
 * The kernel works through a block of `nb` tiles of one tile row at a time so V and M stay in cache:
 * input transform → 16 products → output transform (+ bias, optional ReLU) written to the NHWC output. Inputs
 * are NHWC float32 (batch 1); two inputs are read as their channel concatenation (U-Net decoders), never
 * materialised. Tile rows [ty0, ty1) are one call, so threads split the rows.
 *
 * Memory: everything is addressed in the imported memory (the tfjs WASM backend's heap, shared in its threaded
 * build); the caller passes byte offsets. `scratch` holds V (16·nb·C floats), M (16·nb·Co floats); `zero` points at max(Ca, Cb) zero floats
 * read in place of the padding.
 */
import { encodeModule, FunctionBody } from './emit';

/** Transform matrices (G is also used by weights.ts). */
export const B_T: readonly (readonly number[])[] = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]];
export const A_T: readonly (readonly number[])[] = [[1, 1, 1, 0], [0, 1, -1, -1]];
export const G: readonly (readonly number[])[] = [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]];

/**
 * Emits `for (counter = start; counter < end; counter += step) { inner }`: `start` pushes the first value, `end`
 * is a local or pushes the bound, `step` is a constant or pushes the increment.
 */
function forLoop(f: FunctionBody, counter: number, start: () => void, end: number | (() => void), step: number | (() => void), inner: () => void): void {
  start();
  f.set(counter).block().loop();
  f.get(counter);
  if (typeof end === 'number') f.get(end);
  else end();
  f.geS().brIf(1);
  inner();
  f.get(counter);
  if (typeof step === 'number') f.i32(step);
  else step();
  f.add().set(counter).br(0).end().end();
}

/** y = combination of locals with ±1 coefficients (at least one non-zero), into local `y`. */
function combine(f: FunctionBody, coeffs: readonly number[], xs: readonly number[], y: number): void {
  let first = true;
  coeffs.forEach((c, k) => {
    if (c === 0) return;
    if (first) {
      if (c < 0) f.zero().get(xs[k]).fsub();
      else f.get(xs[k]);
      first = false;
    } else {
      f.get(xs[k]);
      if (c > 0) f.fadd();
      else f.fsub();
    }
  });
  f.set(y);
}

/** Locals of the 4 × 8 product block (see productLoop). */
interface ProductLocals {
  /** 8 v128 accumulators: row r's columns 0-3 in acc[2r], 4-7 in acc[2r + 1]. */
  readonly acc: readonly number[];
  /** 4 row pointers (one f32 per step), advanced in place; the loop ends when rows[0] reaches rowsEnd. */
  readonly rows: readonly number[];
  readonly rowsEnd: number;
  /** Pointer to the right-hand row (8 f32 used), advanced by uRow bytes per step. */
  readonly pu: number;
  readonly uRow: number;
  readonly w0: number;
  readonly w1: number;
  readonly s: number;
}

/** Emits acc[r] += splat(*rows[r]) · (pu[0..3], pu[4..7]) for every step of the inner dimension (at least one). */
function productLoop(f: FunctionBody, fused: boolean, l: ProductLocals): void {
  f.block().loop();
  f.get(l.pu).load(0).set(l.w0).get(l.pu).load(16).set(l.w1);
  for (let r = 0; r < 4; r++) {
    f.get(l.rows[r]).loadSplat().set(l.s);
    f.maddInto(l.acc[r * 2], l.s, l.w0, fused).maddInto(l.acc[r * 2 + 1], l.s, l.w1, fused);
    f.get(l.rows[r]).i32(4).add().set(l.rows[r]);
  }
  f.get(l.pu).get(l.uRow).add().set(l.pu);
  f.get(l.rows[0]).get(l.rowsEnd).ltU().brIf(0).end().end();
}

// Function indices inside the module.
const INPUT = 0;
const GEMM = 1;
const OUTPUT = 2;

/**
 * inputTransform(src, Csrc, H, W, pad, ty, tx0, nbValid, nb, vbuf, C, cOff, zero): V[t][i][cOff + c] for the
 * tiles i < nb of tile row ty starting at tile column tx0 (tiles ≥ nbValid read zeros).
 */
function inputTransform(): FunctionBody {
  const f = new FunctionBody(Array(13).fill('i32'));
  const [src, csrc, h, w, pad, ty, tx0, nbValid, nb, vbuf, cTotal, cOff, zero] = f.params.map((_, i) => i);
  const rowOk = [0, 1, 2, 3].map(() => f.local('i32'));
  const rowBase = [0, 1, 2, 3].map(() => f.local('i32'));
  const colOk = [0, 1, 2, 3].map(() => f.local('i32'));
  const colOff = [0, 1, 2, 3].map(() => f.local('i32'));
  const addr = Array.from({ length: 16 }, () => f.local('i32'));
  const i = f.local('i32');
  const off = f.local('i32');
  const end = f.local('i32');
  const tStride = f.local('i32');
  const dst = f.local('i32');
  const p = f.local('i32');
  const d = Array.from({ length: 16 }, () => f.local('v128'));
  const t = Array.from({ length: 16 }, () => f.local('v128'));

  for (let r = 0; r < 4; r++) {
    // row = 2·ty − pad + r; ok when 0 ≤ row < H (one unsigned compare)
    f.get(ty).i32(2).mul().get(pad).sub().i32(r).add().tee(rowBase[r]).get(h).ltU().set(rowOk[r]);
    f.get(rowBase[r]).get(w).mul().get(csrc).mul().i32(4).mul().get(src).add().set(rowBase[r]);
  }
  f.get(nb).get(cTotal).mul().i32(4).mul().set(tStride);
  f.get(csrc).i32(4).mul().set(end);
  forLoop(f, i, () => f.i32(0), nb, 1, () => {
    for (let q = 0; q < 4; q++) {
      f.get(tx0).get(i).add().i32(2).mul().get(pad).sub().i32(q).add().tee(colOff[q]);
      f.get(w).ltU().get(i).get(nbValid).ltS().and().set(colOk[q]);
      f.get(colOff[q]).get(csrc).mul().i32(4).mul().set(colOff[q]);
    }
    for (let r = 0; r < 4; r++) {
      for (let q = 0; q < 4; q++) {
        f.get(rowBase[r]).get(colOff[q]).add().get(zero).get(rowOk[r]).get(colOk[q]).and().select().set(addr[r * 4 + q]);
      }
    }
    f.get(i).get(cTotal).mul().get(cOff).add().i32(4).mul().get(vbuf).add().set(dst);
    forLoop(f, off, () => f.i32(0), end, 16, () => {
      for (let k = 0; k < 16; k++) f.get(addr[k]).get(off).add().load().set(d[k]);
      // t = Bᵀ d (over rows r), per column q
      for (let r = 0; r < 4; r++) {
        for (let q = 0; q < 4; q++) combine(f, B_T[r], [0, 1, 2, 3].map((k) => d[k * 4 + q]), t[r * 4 + q]);
      }
      // V = t B (over columns), stored at dst + off + (r·4 + q)·tStride
      f.get(dst).get(off).add().set(p);
      for (let r = 0; r < 4; r++) {
        for (let q = 0; q < 4; q++) {
          combine(f, B_T[q], [0, 1, 2, 3].map((k) => t[r * 4 + k]), d[r * 4 + q]);
          f.get(p).get(d[r * 4 + q]).store();
          if (r * 4 + q < 15) f.get(p).get(tStride).add().set(p);
        }
      }
    });
  });
  return f;
}

/**
 * gemm(vbuf, mbuf, u, nb, C, Co): M[t][i][co] = Σ_c V[t][i][c] · U[t][c][co] for t < 16, i < nb (a multiple of 4),
 * co < Co (a multiple of 8): blocks of 4 tiles × 8 output channels held in 8 SIMD accumulators.
 */
function gemm(fused: boolean): FunctionBody {
  const f = new FunctionBody(Array(6).fill('i32'));
  const [vbuf, mbuf, u, nb, cIn, cOut] = f.params.map((_, i) => i);
  const tt = f.local('i32');
  const co = f.local('i32');
  const i = f.local('i32');
  const vT = f.local('i32');
  const mT = f.local('i32');
  const uT = f.local('i32');
  const pv = [0, 1, 2, 3].map(() => f.local('i32'));
  const pu = f.local('i32');
  const pvEnd = f.local('i32');
  const rowBytes = f.local('i32');
  const uRow = f.local('i32');
  const pm = f.local('i32');
  const acc = Array.from({ length: 8 }, () => f.local('v128'));
  const w0 = f.local('v128');
  const w1 = f.local('v128');
  const s = f.local('v128');

  f.get(cIn).i32(4).mul().set(rowBytes);
  f.get(cOut).i32(4).mul().set(uRow);
  forLoop(f, tt, () => f.i32(0), () => f.i32(16), 1, () => {
    f.get(tt).get(nb).mul().get(rowBytes).mul().get(vbuf).add().set(vT);
    f.get(tt).get(nb).mul().get(uRow).mul().get(mbuf).add().set(mT);
    f.get(tt).get(rowBytes).mul().get(cOut).mul().get(u).add().set(uT);
    forLoop(f, co, () => f.i32(0), cOut, 8, () => {
      forLoop(f, i, () => f.i32(0), nb, 4, () => {
        for (const a of acc) f.zero().set(a);
        f.get(i).get(rowBytes).mul().get(vT).add().tee(pv[0]).get(rowBytes).add().tee(pv[1]).get(rowBytes).add().tee(pv[2]).get(rowBytes).add().set(pv[3]);
        f.get(pv[0]).get(rowBytes).add().set(pvEnd);
        f.get(co).i32(4).mul().get(uT).add().set(pu);
        productLoop(f, fused, { acc, rows: pv, rowsEnd: pvEnd, pu, uRow, w0, w1, s });
        // store M[t][i + k][co .. co + 8]
        f.get(i).get(uRow).mul().get(co).i32(4).mul().add().get(mT).add().set(pm);
        for (let k = 0; k < 4; k++) {
          f.get(pm).get(acc[k * 2]).store(0).get(pm).get(acc[k * 2 + 1]).store(16);
          if (k < 3) f.get(pm).get(uRow).add().set(pm);
        }
      });
    });
  });
  return f;
}

/**
 * outputTransform(mbuf, nb, Co, ty, tx0, nbValid, Hout, Wout, out, bias, relu): Y = Aᵀ M A + bias (then ReLU when
 * relu ≠ 0) for tiles i < nbValid, written to the NHWC output (cropped at odd edges).
 */
function outputTransform(): FunctionBody {
  const f = new FunctionBody(Array(11).fill('i32'));
  const [mbuf, nb, cOut, ty, tx0, nbValid, hOut, wOut, out, bias, relu] = f.params.map((_, i) => i);
  const i = f.local('i32');
  const cb = f.local('i32');
  const end = f.local('i32');
  const mStride = f.local('i32');
  const rowBytes = f.local('i32');
  const row1 = f.local('i32');
  const col1 = f.local('i32');
  const o00 = f.local('i32');
  const pm = f.local('i32');
  const p = f.local('i32');
  const m = Array.from({ length: 16 }, () => f.local('v128'));
  const tmp = Array.from({ length: 8 }, () => f.local('v128'));
  const y = [0, 1, 2, 3].map(() => f.local('v128'));
  const b = f.local('v128');
  const floor = f.local('v128');

  f.get(cOut).i32(4).mul().set(end);
  f.get(nb).get(end).mul().set(mStride);
  f.get(wOut).get(end).mul().set(rowBytes);
  f.get(ty).i32(2).mul().i32(1).add().get(hOut).ltS().set(row1);
  // floor = 0 for ReLU, −∞ otherwise (max(y, −∞) = y)
  f.zero().i32(0xff800000 | 0).splatI32().get(relu).selectV128().set(floor);
  forLoop(f, i, () => f.i32(0), nbValid, 1, () => {
    f.get(tx0).get(i).add().i32(2).mul().tee(o00).i32(1).add().get(wOut).ltS().set(col1);
    f.get(ty).i32(2).mul().get(wOut).mul().get(o00).add().get(end).mul().get(out).add().set(o00);
    f.get(i).get(end).mul().get(mbuf).add().set(pm);
    forLoop(f, cb, () => f.i32(0), end, 16, () => {
      f.get(pm).get(cb).add().set(p);
      for (let k = 0; k < 16; k++) {
        f.get(p).load().set(m[k]);
        if (k < 15) f.get(p).get(mStride).add().set(p);
      }
      // tmp = Aᵀ M (over rows), per column; then Y = tmp A (over columns)
      for (let r = 0; r < 2; r++) {
        for (let q = 0; q < 4; q++) combine(f, A_T[r], [0, 1, 2, 3].map((k) => m[k * 4 + q]), tmp[r * 4 + q]);
      }
      f.get(bias).get(cb).add().load().set(b);
      for (let r = 0; r < 2; r++) {
        for (let q = 0; q < 2; q++) {
          combine(f, A_T[q], [0, 1, 2, 3].map((k) => tmp[r * 4 + k]), y[r * 2 + q]);
          f.get(y[r * 2 + q]).get(b).fadd().get(floor).fmax().set(y[r * 2 + q]);
        }
      }
      f.get(o00).get(cb).add().get(y[0]).store();
      f.get(col1).if().get(o00).get(end).add().get(cb).add().get(y[1]).store().end();
      f.get(row1).if();
      f.get(o00).get(rowBytes).add().get(cb).add().get(y[2]).store();
      f.get(col1).if().get(o00).get(rowBytes).add().get(end).add().get(cb).add().get(y[3]).store().end();
      f.end();
    });
  });
  return f;
}

/**
 * conv(srcA, Ca, srcB, Cb, H, W, pad, u, bias, relu, out, Co, ty0, ty1, scratch, nb, zero): tile rows [ty0, ty1)
 * of the convolution of concat(srcA, srcB) (Cb = 0: srcA alone), pad 0 or 1 on every side.
 */
function conv(): FunctionBody {
  const f = new FunctionBody(Array(17).fill('i32'));
  const [srcA, ca, srcB, cbIn, h, w, pad, u, bias, relu, out, cOut, ty0, ty1, scratch, nb, zero] = f.params.map((_, i) => i);
  const hOut = f.local('i32');
  const wOut = f.local('i32');
  const tw = f.local('i32');
  const cTotal = f.local('i32');
  const mbuf = f.local('i32');
  const ty = f.local('i32');
  const tx0 = f.local('i32');
  const nbValid = f.local('i32');

  f.get(h).get(pad).i32(2).mul().add().i32(2).sub().set(hOut);
  f.get(w).get(pad).i32(2).mul().add().i32(2).sub().tee(wOut).i32(1).add().i32(1).shrS().set(tw);
  f.get(ca).get(cbIn).add().set(cTotal);
  f.get(nb).get(cTotal).mul().i32(64).mul().get(scratch).add().set(mbuf);
  forLoop(f, ty, () => f.get(ty0), ty1, 1, () => {
    forLoop(f, tx0, () => f.i32(0), tw, () => f.get(nb), () => {
      // nbValid = min(nb, tw − tx0)
      f.get(tw).get(tx0).sub().tee(nbValid).get(nb).get(nbValid).get(nb).ltS().select().set(nbValid);
      f.get(srcA).get(ca).get(h).get(w).get(pad).get(ty).get(tx0).get(nbValid).get(nb).get(scratch).get(cTotal).i32(0).get(zero).call(INPUT);
      f.get(cbIn).if();
      f.get(srcB).get(cbIn).get(h).get(w).get(pad).get(ty).get(tx0).get(nbValid).get(nb).get(scratch).get(cTotal).get(ca).get(zero).call(INPUT);
      f.end();
      f.get(scratch).get(mbuf).get(u).get(nb).get(cTotal).get(cOut).call(GEMM);
      f.get(mbuf).get(nb).get(cOut).get(ty).get(tx0).get(nbValid).get(hOut).get(wOut).get(out).get(bias).get(relu).call(OUTPUT);
    });
  });
  return f;
}

/**
 * upconv(src, C, H, W, u, bias, relu, out, Co, y0, y1): a 2×2, stride-2 transposed convolution (every U-Net
 * up-sampling), rows [y0, y1) of the input: out[2y+dy][2x+dx][co] = bias[co] + Σ_c in[y][x][c] · u[c][(2·dy+dx)·Co + co]
 * (then ReLU when relu ≠ 0). A product [pixels × C]·[C × 4·Co] in blocks of 4 pixels × 8 columns whose results
 * are stored straight into their output pixels (no depth-to-space pass). A row's last block repeats its last
 * pixel, which only rewrites the same values. Co is a multiple of 8.
 */
function upconv(fused: boolean): FunctionBody {
  const f = new FunctionBody(Array(11).fill('i32'));
  const [src, cIn, , w, u, bias, relu, out, cOut, y0, y1] = f.params.map((_, i) => i);
  const y = f.local('i32');
  const xb = f.local('i32');
  const j = f.local('i32');
  const cols = f.local('i32');
  const uRow = f.local('i32');
  const inRow = f.local('i32');
  const px = [0, 1, 2, 3].map(() => f.local('i32'));
  const p = [0, 1, 2, 3].map(() => f.local('i32'));
  const q = [0, 1, 2, 3].map(() => f.local('i32'));
  const qEnd = f.local('i32');
  const pu = f.local('i32');
  const pos = f.local('i32');
  const co = f.local('i32');
  const o = f.local('i32');
  const acc = Array.from({ length: 8 }, () => f.local('v128'));
  const w0 = f.local('v128');
  const w1 = f.local('v128');
  const s = f.local('v128');
  const b0 = f.local('v128');
  const b1 = f.local('v128');
  const floor = f.local('v128');

  f.get(cOut).i32(4).mul().set(cols);
  f.get(cols).i32(4).mul().set(uRow);
  f.get(cIn).i32(4).mul().set(inRow);
  f.zero().i32(0xff800000 | 0).splatI32().get(relu).selectV128().set(floor);
  forLoop(f, y, () => f.get(y0), y1, 1, () => {
    forLoop(f, xb, () => f.i32(0), w, 4, () => {
      for (let i = 0; i < 4; i++) {
        // px = min(xb + i, W − 1); p = its first channel
        f.get(xb).i32(i).add().get(w).i32(1).sub().get(xb).i32(i).add().get(w).ltS().select().tee(px[i]);
        f.get(y).get(w).mul().add().get(inRow).mul().get(src).add().set(p[i]);
      }
      forLoop(f, j, () => f.i32(0), cols, 8, () => {
        for (const a of acc) f.zero().set(a);
        for (let i = 0; i < 4; i++) f.get(p[i]).set(q[i]);
        f.get(p[0]).get(inRow).add().set(qEnd);
        f.get(j).i32(4).mul().get(u).add().set(pu);
        productLoop(f, fused, { acc, rows: q, rowsEnd: qEnd, pu, uRow, w0, w1, s });
        // column j is position pos = 2·dy + dx, channel co
        f.get(j).get(cOut).divU().tee(pos).get(cOut).mul().get(j).sub().i32(-1).mul().set(co);
        f.get(co).i32(4).mul().get(bias).add().tee(o).load(0).set(b0).get(o).load(16).set(b1);
        for (let i = 0; i < 4; i++) {
          // o = out + (((2y + dy)·2W + 2·px + dx)·Co + co)·4
          f.get(y).i32(2).mul().get(pos).i32(1).shrS().add().get(w).i32(2).mul().mul();
          f.get(px[i]).i32(2).mul().add().get(pos).i32(1).and().add().get(cOut).mul().get(co).add().i32(4).mul().get(out).add().set(o);
          f.get(o).get(acc[i * 2]).get(b0).fadd().get(floor).fmax().store(0);
          f.get(o).get(acc[i * 2 + 1]).get(b1).fadd().get(floor).fmax().store(16);
        }
      });
    });
  });
  return f;
}

/**
 * The module's bytes; `fused` selects the relaxed-SIMD multiply-add (see runtime.ts), `sharedMemory` whether the
 * imported memory is shared (the threaded tfjs WASM build's is).
 */
export function winogradModule(fused: boolean, sharedMemory: boolean): Uint8Array<ArrayBuffer> {
  return encodeModule([
    { name: null, body: inputTransform() },
    { name: 'gemm', body: gemm(fused) },
    { name: null, body: outputTransform() },
    { name: 'conv', body: conv() },
    { name: 'upconv', body: upconv(fused) },
  ], sharedMemory);
}

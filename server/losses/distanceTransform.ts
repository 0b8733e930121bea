/**
 * Exact Euclidean distance transform (Felzenszwalb & Huttenlocher 2012, "Distance Transforms of Sampled
 * Functions"): two passes of the 1-D lower envelope of parabolas, first down each column, then along each row.
 * O(H*W), pure TypeScript on typed arrays; all arithmetic is on integers held in doubles, so squared distances are
 * exact.
 */

/** Stand-in for +infinity inside the passes (finite, so envelope intersections never compute inf - inf). */
const FAR = 1e20;

/**
 * 1-D squared distance transform of `f` (length n) read with `stride` from `offset`, written to `out` the same way:
 * out[q] = min_p (q - p)^2 + f[p]. `v` (Int32Array n) and `z` (Float64Array n + 1) are scratch.
 */
function envelope1d(f: Float64Array, out: Float64Array, offset: number, stride: number, n: number, v: Int32Array, z: Float64Array): void {
  let k = 0;
  v[0] = 0;
  z[0] = -Infinity;
  z[1] = Infinity;
  for (let q = 1; q < n; q++) {
    const fq = f[offset + q * stride] + q * q;
    let p = v[k];
    let s = (fq - (f[offset + p * stride] + p * p)) / (2 * q - 2 * p);
    // z[0] = -Infinity ends the loop at k = 0 at the latest.
    while (s <= z[k]) {
      k--;
      p = v[k];
      s = (fq - (f[offset + p * stride] + p * p)) / (2 * q - 2 * p);
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = Infinity;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1] < q) k++;
    const p = v[k];
    out[offset + q * stride] = (q - p) * (q - p) + f[offset + p * stride];
  }
}

/**
 * Squared Euclidean distance from every pixel of a `height` x `width` row-major grid to the nearest pixel where
 * `isFeature(i)` holds (0 on feature pixels). Pixels of a grid with no feature get Infinity.
 */
export function squaredDistanceTransform(height: number, width: number, isFeature: (index: number) => boolean): Float64Array {
  checkSize(height, width);
  const n = height * width;
  const f = new Float64Array(n);
  let any = false;
  for (let i = 0; i < n; i++) {
    const feature = isFeature(i);
    f[i] = feature ? 0 : FAR;
    any ||= feature;
  }
  if (!any) return f.fill(Infinity);
  const size = Math.max(height, width);
  const v = new Int32Array(size);
  const z = new Float64Array(size + 1);
  const cols = new Float64Array(n);
  for (let x = 0; x < width; x++) envelope1d(f, cols, x, width, height, v, z);
  const out = new Float64Array(n);
  for (let y = 0; y < height; y++) envelope1d(cols, out, y * width, 1, width, v, z);
  return out;
}

/** Euclidean distance to the nearest nonzero pixel of `mask` (row-major, `height` x `width`); Infinity if none. */
export function distanceTransform(mask: ArrayLike<number>, height: number, width: number): Float64Array {
  if (mask.length !== height * width) {
    throw new Error(`distanceTransform: mask has ${mask.length} values but ${height}x${width} needs ${height * width}`);
  }
  const d = squaredDistanceTransform(height, width, (i) => mask[i] !== 0);
  for (let i = 0; i < d.length; i++) d[i] = Math.sqrt(d[i]);
  return d;
}

function checkSize(height: number, width: number): void {
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new Error(`distanceTransform: height and width must be positive integers; got ${height}x${width}`);
  }
}

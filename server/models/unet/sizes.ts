/**
 * Input/output sizes of U-Net, per spatial dimension.
 *
 * 'valid' padding (Ronneberger et al. 2015, Fig. 1): every 3x3 conv trims 2 pixels, so each level loses 4 before
 * its 2x2 max-pool, whose input must be even for the skip connection to line up after the 2x up-convolution. The
 * output is smaller than the input (572 -> 388 for depth 4) and the labels must be centre-cropped to match.
 *
 * 'same' padding: the output has the input size, which must be divisible by 2^depth.
 */

/** Sizes of every stage for one dimension, or the first level at which the size breaks. */
interface ValidTrace {
  readonly ok: boolean;
  readonly output: number;
  /** Human-readable reason when `ok` is false. */
  readonly reason?: string;
}

function checkDepth(depth: number): void {
  if (!Number.isInteger(depth) || depth < 1 || depth > 6) {
    throw new Error(`model.encoderDepth must be an integer from 1 to 6; got ${JSON.stringify(depth)}`);
  }
}

function traceValid(inputSize: number, depth: number): ValidTrace {
  if (!Number.isInteger(inputSize) || inputSize < 1) {
    return {ok: false, output: 0, reason: `size ${JSON.stringify(inputSize)} is not a positive integer`};
  }
  let s = inputSize;
  for (let level = 1; level <= depth; level++) {
    s -= 4;
    if (s < 2) return {ok: false, output: 0, reason: `it shrinks to ${s} before pooling at level ${level}`};
    if (s % 2 !== 0) return {ok: false, output: 0, reason: `it is odd (${s}) before pooling at level ${level}`};
    s /= 2;
  }
  s -= 4; // bottleneck convs
  if (s < 1) return {ok: false, output: 0, reason: `the bottleneck shrinks to ${s}`};
  for (let level = depth; level >= 1; level--) {
    s = 2 * s - 4;
    if (s < 1) return {ok: false, output: 0, reason: `decoder level ${level} shrinks to ${s}`};
  }
  return {ok: true, output: s};
}

/** True when a valid-padding U-Net of this depth accepts `inputSize` (in one dimension). */
export function isValidUnetInputSize(inputSize: number, depth: number): boolean {
  checkDepth(depth);
  return traceValid(inputSize, depth).ok;
}

/**
 * The valid input sizes nearest to `near`: the largest one <= `near` (when one exists) and the smallest one >=
 * `near`, ascending, without duplicates. Valid sizes are `2^depth * b + 4 * (2^depth - 1)` for integer `b` large
 * enough that nothing shrinks to zero.
 */
export function validInputSizes(near: number, depth: number): number[] {
  checkDepth(depth);
  const step = 2 ** depth;
  const offset = 4 * (step - 1);
  let b = Math.max(0, Math.floor((near - offset) / step));
  const sizes: number[] = [];
  const below = b * step + offset;
  if (below <= near && traceValid(below, depth).ok) sizes.push(below);
  while (sizes.length === 0 || sizes[sizes.length - 1] < near) {
    b++;
    const size = b * step + offset;
    if (traceValid(size, depth).ok && !sizes.includes(size)) sizes.push(size);
  }
  return sizes;
}

/**
 * Output size of a valid-padding U-Net for one input dimension. Throws an error naming the nearest valid sizes
 * when the size does not work (odd before some pooling, or shrinking to nothing).
 */
export function validUnetOutputSize(inputSize: number, depth: number, what = 'input size'): number {
  checkDepth(depth);
  const trace = traceValid(inputSize, depth);
  if (!trace.ok) {
    const near = Number.isFinite(inputSize) ? validInputSizes(Math.max(1, Math.round(inputSize)), depth) : [];
    throw new Error(
      `${what} ${JSON.stringify(inputSize)} does not work with padding 'valid' and encoderDepth ${depth}: ` +
        `${trace.reason}. Use a nearby valid size: ${near.join(' or ')}`,
    );
  }
  return trace.output;
}

/**
 * The smallest valid input size whose output covers at least `outputSize` pixels (for tiling: predict on tiles of
 * this size, keep the centre). The output for that input is `validUnetOutputSize(result, depth)`, which may exceed
 * `outputSize` because not every output size is reachable.
 */
export function validUnetInputSizeFor(outputSize: number, depth: number): number {
  checkDepth(depth);
  if (!Number.isInteger(outputSize) || outputSize < 1) {
    throw new Error(`output size must be a positive integer; got ${JSON.stringify(outputSize)}`);
  }
  // The network trims a constant margin: 12 * 2^depth - 8 pixels in total.
  const margin = 12 * 2 ** depth - 8;
  for (const size of validInputSizes(outputSize + margin, depth)) {
    if (size >= outputSize + margin) return size;
  }
  /* istanbul ignore next: validInputSizes always returns a size >= its argument */
  throw new Error(`no valid input size found for output ${outputSize}`);
}

/**
 * Checks one dimension of a 'same'-padding U-Net input: it must be divisible by 2^depth so the skip connections
 * line up. Throws naming the dimension and the two nearest sizes.
 */
export function checkSameUnetInputSize(inputSize: number, depth: number, what = 'input size'): void {
  checkDepth(depth);
  const stride = 2 ** depth;
  if (!Number.isInteger(inputSize) || inputSize < stride || inputSize % stride !== 0) {
    const lower = Math.max(stride, Math.floor(inputSize / stride) * stride);
    const upper = Math.max(stride, Math.ceil(inputSize / stride) * stride);
    const near = lower === upper ? `${lower}` : `${lower} or ${upper}`;
    throw new Error(
      `${what} ${JSON.stringify(inputSize)} is not divisible by 2^encoderDepth = ${stride}: ` +
        `resize, crop or pad to ${near}`,
    );
  }
}

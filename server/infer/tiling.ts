/**
 * Where the windows of tiled inference go. A window is a model input tile (`inTile`) whose prediction covers
 * the centred `outTile` (smaller by a margin on each side for valid-convolution models, equal for padded
 * ones). Windows are placed in output coordinates; the input around them is read from the mirror-padded image,
 * however far outside it reaches.
 *
 * Along each axis the starts follow MMSegmentation's slide_inference: 0, stride, 2·stride, ... and a last window
 * clamped to the border (start = length - tile); an image smaller than the tile gets one window at 0 (its
 * prediction is cropped). With `align` > 1 every start is a multiple of `align` (stride rounded down to one,
 * the last start rounded up, reading a little mirrored context): for a valid U-Net of depth d, align 2^d makes
 * each tile's prediction identical to that of one big input (its pooling grid stays in phase).
 */
import { checkSameUnetInputSize, validUnetInputSizeFor, validUnetOutputSize } from '../models/unet/sizes';
import { planInput } from './whole';

export interface TileSpec {
  /** Model input [height, width] per window. */
  readonly inTile: readonly [number, number];
  /** Model output [height, width] per window; (inTile - outTile) must be even. */
  readonly outTile: readonly [number, number];
  /** Distance between window starts, in output pixels. */
  readonly stride: readonly [number, number];
  /** Window starts are multiples of this (default 1). */
  readonly align?: number;
}

export interface Window {
  /** Output-space top-left corner. */
  readonly y: number;
  readonly x: number;
}

function checkPositive(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${what} must be a positive whole number, got ${JSON.stringify(v)}`);
}

/** Window starts along one axis of `length` output pixels (see the module comment). */
export function windowStarts(length: number, tile: number, stride: number, align = 1): number[] {
  checkPositive(length, 'image size');
  checkPositive(tile, 'tile size');
  checkPositive(stride, 'stride');
  checkPositive(align, 'align');
  if (stride > tile) {
    throw new Error(`stride ${stride} is larger than the tile ${tile}: pixels between windows would never be predicted; use a stride <= ${tile}`);
  }
  if (align > tile) throw new Error(`align ${align} is larger than the tile ${tile}: use a tile of at least ${align}`);
  if (length <= tile) return [0];
  const step = Math.max(align, Math.floor(stride / align) * align);
  const starts: number[] = [];
  for (let p = 0; p + tile < length; p += step) starts.push(p);
  starts.push(Math.ceil((length - tile) / align) * align);
  return starts;
}

/** Margin between the input and output tile on each side. */
export function tileMargin(spec: TileSpec): [number, number] {
  const m = [0, 1].map((a) => (spec.inTile[a] - spec.outTile[a]) / 2);
  if (m.some((v) => !Number.isInteger(v) || v < 0)) {
    throw new Error(`input tile ${spec.inTile.join('x')} and output tile ${spec.outTile.join('x')} must differ by an even, non-negative amount`);
  }
  return [m[0], m[1]];
}

/** Every window for an h×w image, row by row. */
export function planWindows(h: number, w: number, spec: TileSpec): Window[] {
  tileMargin(spec);
  const ys = windowStarts(h, spec.outTile[0], spec.stride[0], spec.align);
  const xs = windowStarts(w, spec.outTile[1], spec.stride[1], spec.align);
  return ys.flatMap((y) => xs.map((x) => ({ y, x })));
}

/** One window over the whole image, padded as whole.ts does (stride multiple, or valid-U-Net context). */
export function wholeImageSpec(h: number, w: number, model: { padding: 'same' | 'valid'; encoderDepth: number }): TileSpec {
  const p = planInput(h, w, model);
  return { inTile: [p.inH, p.inW], outTile: [p.outH, p.outW], stride: [p.outH, p.outW] };
}

/**
 * MMSeg sliding window for padded models: `crop` input = output windows every `stride`; the crop must be a
 * multiple of 2^encoderDepth.
 */
export function slideSpec(crop: readonly [number, number], stride: readonly [number, number], encoderDepth: number): TileSpec {
  checkSameUnetInputSize(crop[0], encoderDepth, 'sliding-window crop height');
  checkSameUnetInputSize(crop[1], encoderDepth, 'sliding-window crop width');
  return { inTile: crop, outTile: crop, stride };
}

/**
 * The paper's overlap-tile strategy for a valid U-Net: output tiles of at least `tile` pixels (the smallest
 * valid input whose output covers it, and never below 2^depth), windows aligned to 2^depth so the tiles join
 * seamlessly.
 */
export function overlapTileSpec(tile: readonly [number, number], encoderDepth: number): TileSpec {
  const inTile = tile.map((t) => validUnetInputSizeFor(Math.max(t, 2 ** encoderDepth), encoderDepth)) as [number, number];
  const outTile = inTile.map((i) => validUnetOutputSize(i, encoderDepth)) as [number, number];
  return { inTile, outTile, stride: outTile, align: 2 ** encoderDepth };
}

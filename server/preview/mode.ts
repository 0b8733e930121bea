/** Which inference a preview uses (pure; no tfjs). */
import type { PreviewMode } from '../protocol';
import type { InferSpec } from '../infer/whole';

/** Images larger than this many times the training size (either side) are predicted with sliding windows. */
export const SLIDE_ABOVE = 1.5;
/** Sliding windows are at least this many pixels a side: small windows only add overlap and per-window cost. */
export const SLIDE_MIN_WINDOW = 512;

/**
 * The sliding window for an h×w image and a run trained at `size`: per side, the training size times the smallest
 * whole factor that reaches {@link SLIDE_MIN_WINDOW}, but no larger than needed to cover the image (so the window
 * stays a multiple of the model's stride).
 */
export function slideWindow(h: number, w: number, size: readonly [number, number]): [number, number] {
  const side = (n: number, s: number) => s * Math.min(Math.ceil(SLIDE_MIN_WINDOW / s), Math.ceil(n / s));
  return [side(h, size[0]), side(w, size[1])];
}

/**
 * The inference for an h×w image: the requested mode, else 'slide' when a side exceeds {@link SLIDE_ABOVE}× the
 * training size and 'whole' otherwise. A valid-convolution U-Net slides with the paper's overlap-tile instead; a
 * run that resizes images to its training size ('resize' evaluation) always predicts the whole (resized) image.
 */
export function chooseMode(h: number, w: number, spec: Pick<InferSpec, 'mode' | 'padding' | 'size'>, requested?: PreviewMode): PreviewMode | 'overlapTile' {
  if (spec.mode === 'resize') return 'whole';
  const large = h > SLIDE_ABOVE * spec.size[0] || w > SLIDE_ABOVE * spec.size[1];
  const want = requested ?? (large ? 'slide' : 'whole');
  return want === 'slide' && spec.padding === 'valid' ? 'overlapTile' : want;
}

/**
 * `seglab data preview`: a contact sheet of augmented samples, each shown as image | mask overlay, so a person
 * can see at a glance that masks follow images. Returns RGB bytes; the caller writes the PNG.
 */
import { composeGrid, overlayMask, RgbImage, toRgb } from '../../export/overlay';
import { mixSeed, mulberry32 } from '../rng';
import type { RawSample } from '../types';
import { resizeTo } from './geometric';
import { buildPipeline, buildTrainPipeline } from './pipeline';
import type { AugSample } from './types';

export interface PreviewOptions {
  /** Number of augmented samples (tiles). */
  readonly n: number;
  readonly seed: number;
  readonly ignoreIndex: number;
  /** With an input size the training pipeline is used (sizing step prepended, as in training). */
  readonly inputSize?: readonly [number, number];
  readonly resize?: 'crop' | 'resize';
  /** Overlay opacity, default 0.5. */
  readonly alpha?: number;
  /** Tiles per row; default ceil(sqrt(n)). */
  readonly columns?: number;
  /** Longest tile side in pixels; larger samples are scaled down. Default 192. */
  readonly maxTile?: number;
}

/** Scales a sample down (bilinear image, nearest mask) so its longest side is at most `max`. */
function fit(s: AugSample, max: number, ignoreIndex: number): AugSample {
  const f = max / Math.max(s.height, s.width);
  if (f >= 1) return s;
  const h = Math.max(1, Math.round(s.height * f));
  const w = Math.max(1, Math.round(s.width * f));
  return resizeTo(s, h, w, { interpolation: 'bilinear', border: 'reflect', fill: 0, ignoreIndex });
}

/** Tile k shows sample k mod samples.length augmented with the stream mulberry32(mixSeed(seed, k)). */
export function previewSheet(samples: readonly RawSample[], steps: unknown, o: PreviewOptions): RgbImage {
  if (samples.length === 0) throw new Error('preview: the dataset has no samples');
  if (!Number.isInteger(o.n) || o.n < 1) throw new Error(`preview: --n must be a positive whole number, got ${JSON.stringify(o.n)}`);
  const augment = o.inputSize
    ? buildTrainPipeline(steps, { inputSize: o.inputSize, resize: o.resize ?? 'crop', ignoreIndex: o.ignoreIndex })
    : buildPipeline(steps, { ignoreIndex: o.ignoreIndex });
  const columns = o.columns ?? Math.ceil(Math.sqrt(o.n));
  const rows: RgbImage[][] = [];
  for (let k = 0; k < o.n; k++) {
    const s = fit(augment(samples[k % samples.length], mulberry32(mixSeed(o.seed, k))), o.maxTile ?? 192, o.ignoreIndex);
    const img = toRgb(s.image, s.width, s.height, s.channels);
    if (k % columns === 0) rows.push([]);
    rows[rows.length - 1].push(img, overlayMask(img, s.mask, o.alpha ?? 0.5, o.ignoreIndex));
  }
  return composeGrid(rows);
}

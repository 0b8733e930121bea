/**
 * `seglab data preview` (a contact sheet of augmented training samples with their masks overlaid, to see at a
 * glance that masks follow images) and `seglab data weights IMAGE` (the U-Net weight map of one sample as a
 * heatmap PNG). Both run in this process and need no TensorFlow.js.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ResolvedConfig } from '../config/load';
import { previewSheet } from '../data/augment/preview';
import { writePng } from '../data/image';
import { RawSample, SegDataset, withoutInstances } from '../data/types';
import { weightMapPng } from '../losses/heatmap';
import { sampleWeightMap } from '../losses/weightMap';
import { augmentStepsOf, describeAugment } from '../train/augmentConfig';
import { loadSamples, openDatasets } from '../train/datasets';
import { UserFacingError } from '../train/errors';
import { weightMapOptionsOf } from '../train/weightMaps';

interface Out {
  write(s: string): unknown;
}

/** `--n`: a whole number >= 1 (default 16). */
export function parseCount(text: string | undefined, flag = '--n'): number {
  if (text === undefined) return 16;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 1024) throw new UserFacingError(`${flag} must be a whole number from 1 to 1024; got ${JSON.stringify(text)}`);
  return n;
}

function sizeOf(cfg: ResolvedConfig): [number, number] {
  const s = cfg.input.size;
  return typeof s === 'number' ? [s, s] : [s[0], s[1]];
}

/** Writes the contact sheet of `n` augmented training samples (image | overlay per tile) to `out`. */
export async function dataPreview(cfg: ResolvedConfig, n: number, out: string, stdout: Out): Promise<number> {
  const { train } = await openDatasets(cfg);
  const samples: RawSample[] = [];
  // The augmentation moves image and mask only: drop the instance map rather than carry it out of step.
  for (let i = 0; i < Math.min(n, train.length); i++) samples.push(withoutInstances(await train.get(i)));
  let sheet;
  try {
    sheet = previewSheet(samples, augmentStepsOf(cfg.train.augment), {
      n,
      seed: cfg.train.seed,
      ignoreIndex: train.ignoreIndex,
      inputSize: sizeOf(cfg),
      resize: cfg.input.resize,
    });
  } catch (err) {
    throw new UserFacingError(`data preview: ${(err as Error).message}`);
  }
  fs.mkdirSync(path.dirname(out), { recursive: true });
  await writePng(out, sheet.data, sheet.width, sheet.height, 3);
  stdout.write(`wrote ${out}: ${n} augmented samples of ${train.description} (image | mask overlay), augmentation ${describeAugment(cfg.train.augment)}\n`);
  return 0;
}

/** The sample of `ds` whose image is `image` (a path, a file name or a sample id), or null. */
async function findSample(ds: SegDataset, image: string, cwd: string): Promise<RawSample | null> {
  const abs = path.resolve(cwd, image);
  const base = path.basename(image);
  const stem = base.replace(/\.[^.]+$/, '');
  for (let i = 0; i < ds.length; i++) {
    const s = await ds.get(i);
    if ((s.imagePath && path.resolve(s.imagePath) === abs) || s.id === image || s.id === base || s.id === stem) return s;
  }
  return null;
}

async function namesOf(ds: SegDataset, max: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < Math.min(max, ds.length); i++) {
    const s = await ds.get(i);
    out.push(s.imagePath ? path.basename(s.imagePath) : s.id);
  }
  return out;
}

/**
 * Writes the U-Net weight map of the sample whose image is `image` as a heatmap PNG to `out`. Its objects are the
 * COCO instances when the data is COCO (as in training), else the connected components of each class.
 */
export async function dataWeights(cfg: ResolvedConfig, image: string, out: string | undefined, cwd: string, stdout: Out): Promise<number> {
  const { train, val, meta } = await openDatasets(cfg);
  const sample = (await findSample(train, image, cwd)) ?? (await findSample(val, image, cwd));
  if (!sample) {
    const some = await namesOf(train, 5);
    throw new UserFacingError(
      `${image} is not an image of the configured data (train: ${train.description}, val: ${val.description}); ` +
        `pass one of its images by path, file name or id, e.g. ${some.join(', ')}`,
    );
  }
  const term = cfg.train.loss.find((t) => t.type === 'weightedCe');
  const pool = term?.classWeights === 'balanced' ? await loadSamples(train) : [sample];
  const opts = weightMapOptionsOf(term, meta.classes, meta.ignoreIndex, pool);
  const weights = sampleWeightMap(sample, opts);
  const file = out ?? path.resolve(cwd, `${sample.id.replace(/\.[^.]+$/, '').replace(/[^\w.-]/g, '_')}_weights.png`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, weightMapPng(weights, sample.height, sample.width));
  let lo = Infinity;
  let hi = -Infinity;
  for (const w of weights) [lo, hi] = [Math.min(lo, w), Math.max(hi, w)];
  stdout.write(
    `wrote ${file}: weight map of ${sample.imagePath ?? sample.id} (${sample.width}x${sample.height}), w0 ${opts.w0}, sigma ${opts.sigma}; ` +
      `weights ${lo.toFixed(3)} (black) to ${hi.toFixed(3)} (white); objects: ${sample.instances ? 'COCO instances' : 'connected components of each class'}\n`,
  );
  return 0;
}

/**
 * The predict job: every input image through the run's model with the `infer` settings (tiling, flip and
 * multi-scale TTA), written in the `export` formats (index PNG, overlay with legend, COCO results, submission
 * CSV). Settings come from the run's config, with the command line's overrides on top.
 */
import * as path from 'node:path';
import type { TrainEvent, TrainerJob } from '../protocol';
import type { ResolvedConfig } from '../config/load';
import { ExportSettings, InferSettings } from '../config/schema';
import { readImage } from '../data/image';
import type { RawSample } from '../data/types';
import { PredictionWriter } from '../export/exporter';
import { predictClassMaps, prepareInput } from '../infer/whole';
import { segment } from '../infer/segment';
import type { Predictor } from '../infer/fused';
import { checkInferOptions, inferenceOptionsOf, isSinglePass, mergedSettings } from './inference';
import type { RunInfo } from './prepare';

/** Command-line overrides of the config's `infer` and `export` sections, carried by eval and predict jobs. */
export type PredictJob = Extract<TrainerJob, { kind: 'predict' }>;
export type EvalJob = Extract<TrainerJob, { kind: 'eval' }>;

function stemOf(file: string): string {
  return path.basename(file).replace(/\.[^.]+$/, '');
}

/** Class map of one image at its own resolution. */
async function predictOne(model: Predictor, sample: RawSample, info: RunInfo, infer: ReturnType<typeof inferenceOptionsOf>): Promise<Uint8Array> {
  if (isSinglePass(infer)) return (await predictClassMaps(model, [prepareInput(sample, info.evalPrep)], info.evalPrep.channels))[0];
  return segment(model, sample, info.evalPrep, infer);
}

/** Runs the predict job on `model` (already loaded, pruned where asked, and folded for inference). */
export async function predictImages(model: Predictor, job: PredictJob, info: RunInfo, runCfg: ResolvedConfig, emit: (e: TrainEvent) => void): Promise<void> {
  const infer = inferenceOptionsOf(mergedSettings(InferSettings, 'infer', runCfg.infer, job.infer));
  checkInferOptions(infer, info.evalPrep);
  const exp = mergedSettings(ExportSettings, 'export', runCfg.export, job.export);
  const size = exp.csvSize === undefined ? undefined : typeof exp.csvSize === 'number' ? ([exp.csvSize, exp.csvSize] as const) : exp.csvSize;
  const writer = new PredictionWriter({
    outDir: job.outDir,
    formats: exp.formats,
    classNames: info.classNames,
    ignoreIndex: info.ignoreIndex,
    alpha: exp.alpha,
    legendJson: exp.legendJson,
    ...(size ? { submissionSize: size } : {}),
    ...(info.categoryIds ? { categoryIds: [0, ...info.categoryIds] } : {}),
  });
  const files: { input: string; mask: string; overlay: string }[] = [];
  for (const input of job.inputs) {
    const img = await readImage(input, { channels: info.inChannels === 1 ? 1 : 3 });
    const sample: RawSample = { id: stemOf(input), imagePath: input, height: img.height, width: img.width, channels: img.channels, image: img.data, mask: new Uint8Array(0) };
    const mask = await predictOne(model, sample, info, infer);
    const written = await writer.add({ id: sample.id, width: img.width, height: img.height, mask, image: img.data, channels: img.channels });
    files.push({ input, mask: written.find((f) => f.endsWith('_mask.png')) ?? '', overlay: written.find((f) => f.endsWith('_overlay.png')) ?? '' });
  }
  const extra = await writer.finish();
  if (extra.length) emit({ type: 'log', level: 'info', message: `wrote ${extra.join(', ')}` });
  emit({ type: 'predictDone', files });
}

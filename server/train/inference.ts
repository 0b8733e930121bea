/**
 * What eval and predict run: the run's checkpoint, pruned for U-Net++ when `model.pruneLevel` asks for it (the
 * paper's pruned inference: the sub-network up to X(0, L), same weights, loaded by layer name), with the `infer`
 * settings (tiling and test-time augmentation) of the config and the command line.
 */
import * as tf from '@tensorflow/tfjs';
import type { ResolvedConfig } from '../config/load';
import { pruneUnetPlusPlus, UnetPlusPlusConfig } from '../models/registry';
import { modelConfigOf, RunInfo } from './prepare';
import { UserFacingError } from './errors';
import type { z } from 'zod';
import { describeIssue } from '../config/load';
import type { InferConfig } from '../config/schema';
import { tileSpecFor, type Flip, type InferenceOptions } from '../infer/segment';
import type { InferSpec } from '../infer/whole';

/** `model` pruned at `pruneLevel` when the run is a U-Net++ and the level is below its depth; else `model` itself. */
export function pruneForInference(model: tf.LayersModel, runCfg: ResolvedConfig, info: RunInfo, pruneLevel: number | undefined): tf.LayersModel {
  const depth = runCfg.model.encoderDepth;
  if (pruneLevel === undefined || pruneLevel >= depth) return model;
  if (runCfg.model.arch !== 'unetplusplus' || !runCfg.model.encoderName) {
    throw new UserFacingError(`\`model.pruneLevel\` ${pruneLevel}: the run's model is '${runCfg.model.arch}', only a U-Net++ can be pruned`);
  }
  const meta = { classes: info.classes, classNames: info.classNames, ignoreIndex: info.ignoreIndex };
  const cfg = modelConfigOf(runCfg, meta, info.inChannels) as UnetPlusPlusConfig;
  if (!cfg.deepSupervision) {
    throw new UserFacingError(
      `\`model.pruneLevel\` ${pruneLevel}: this run was trained without \`model.deepSupervision\`, so its head on X(0,${pruneLevel}) is untrained; ` +
        'train with deepSupervision: true to prune',
    );
  }
  try {
    return pruneUnetPlusPlus(model, cfg, pruneLevel);
  } finally {
    model.dispose();
  }
}

/** Infer settings (config + command-line overrides) -> the options of infer/segment.ts. */
export function inferenceOptionsOf(s: InferConfig): InferenceOptions {
  const pair = (v: number | [number, number] | undefined): [number, number] | undefined =>
    v === undefined ? undefined : typeof v === 'number' ? [v, v] : [v[0], v[1]];
  const flips: Flip[] = s.flip === true || s.flip === 'h' ? ['h'] : s.flip === 'v' ? ['v'] : s.flip === 'hv' ? ['h', 'v'] : [];
  return { mode: s.mode, crop: pair(s.crop), stride: pair(s.stride), flips, scales: s.scales, batchSize: s.batchSize };
}

/** True when the options amount to one whole-image pass (evaluation then batches images). */
export function isSinglePass(o: InferenceOptions): boolean {
  return o.mode === 'whole' && (o.flips ?? []).length === 0 && (o.scales ?? [1]).every((v) => v === 1) && (o.scales ?? [1]).length === 1;
}

/**
 * `base` (a run's or a config's `infer` / `export` section, possibly from an older run without it) with
 * `overrides` on top, validated and completed with defaults. Bad values name the field.
 */
export function mergedSettings<S extends z.ZodType>(schema: S, where: string, base: unknown, overrides: object | undefined): z.output<S> {
  const merged = { ...(typeof base === 'object' && base !== null ? base : {}), ...(overrides ?? {}) };
  const r = schema.safeParse(merged);
  if (!r.success) throw new UserFacingError(r.error.issues.map((i) => describeIssue(i, merged).replace(/`/, `\`${where}.`)).join('; '));
  return r.data;
}

/** Checks the tiling against the run's model before any image is read (mode vs padding, crop vs stride). */
export function checkInferOptions(o: InferenceOptions, spec: InferSpec): void {
  try {
    tileSpecFor(spec.size[0], spec.size[1], spec, o);
  } catch (err) {
    throw new UserFacingError(`\`infer\` (config or --mode/--crop/--stride): ${(err as Error).message}`);
  }
}

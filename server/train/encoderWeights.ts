/**
 * Pretrained encoder weights (`model.encoderWeights`): a TF.js Layers artefact (`model.json` + its weight files)
 * whose `encoder_*` weights are copied into the model's encoder by name (`<layer>/<weight>`, e.g.
 * `encoder_conv1/kernel`, BatchNorm moving statistics included). A shape mismatch is an error naming the layer and
 * both shapes, checked before anything is written; encoder weights the file lacks (missing) or has but the model
 * does not (unexpected) are reported in one warning. Weights of other layers in the file (a whole segmentation
 * model's decoder and head) are ignored and counted.
 *
 * `saveEncoderWeights` writes such an artefact from any model with an encoder (only the encoder's weights).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { TrainEvent } from '../protocol';
import { UserFacingError } from './errors';
import { ENCODER_PREFIX } from './step';

export interface WeightReport {
  /** Weight names copied into the model. */
  readonly loaded: readonly string[];
  /** Encoder weights of the model that the file does not have (they keep their initial values). */
  readonly missing: readonly string[];
  /** Encoder weights in the file that the model does not have. */
  readonly unexpected: readonly string[];
  /** Non-encoder weights in the file (decoder, heads), not used. */
  readonly ignored: number;
}

interface Manifest {
  readonly weightsManifest?: { readonly paths: readonly string[]; readonly weights: tf.io.WeightsManifestEntry[] }[];
}

function field(file: string): string {
  return `\`model.encoderWeights\` ${JSON.stringify(file)}`;
}

/** Reads a Layers artefact (a folder holding model.json, or the model.json itself) into named tensors. */
export function readWeightsArtefact(location: string): tf.NamedTensorMap {
  const json = fs.existsSync(location) && fs.statSync(location).isDirectory() ? path.join(location, 'model.json') : location;
  if (!fs.existsSync(json)) {
    throw new UserFacingError(`${field(location)}: no such file; give a TF.js Layers model folder (model.json + weights) or its model.json`);
  }
  let manifest: Manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(json, 'utf8')) as Manifest;
  } catch (err) {
    throw new UserFacingError(`${field(json)}: not a TF.js model.json (${(err as Error).message})`);
  }
  if (!Array.isArray(manifest.weightsManifest)) {
    throw new UserFacingError(`${field(json)}: no "weightsManifest"; save the encoder with tf.LayersModel.save or seglab's saveEncoderWeights`);
  }
  const specs = manifest.weightsManifest.flatMap((g) => g.weights);
  const buffers = manifest.weightsManifest.flatMap((g) =>
    g.paths.map((p) => {
      const file = path.resolve(path.dirname(json), p);
      if (!fs.existsSync(file)) throw new UserFacingError(`${field(json)}: its weight file ${p} is missing (looked for ${file})`);
      return fs.readFileSync(file);
    }),
  );
  const all = Buffer.concat(buffers);
  const data = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
  try {
    return tf.io.decodeWeights(data, specs);
  } catch (err) {
    throw new UserFacingError(`${field(json)}: the weight files do not match the manifest (${(err as Error).message})`);
  }
}

function listed(names: readonly string[], max = 12): string {
  return names.slice(0, max).join(', ') + (names.length > max ? ` and ${names.length - max} more` : '');
}

/** Copies the artefact's encoder weights into `model` by name; see the module comment. */
export function loadEncoderWeights(model: tf.LayersModel, location: string, emit?: (e: TrainEvent) => void): WeightReport {
  const source = readWeightsArtefact(location);
  try {
    const targets = model.weights.filter((w) => w.originalName.startsWith(ENCODER_PREFIX));
    if (targets.length === 0) throw new UserFacingError(`${field(location)}: the model has no encoder layers (named ${ENCODER_PREFIX}*) to load into`);
    const names = new Set(targets.map((w) => w.originalName));
    const mismatched = targets.flatMap((w) => {
      const t = source[w.originalName];
      if (!t || tf.util.arraysEqual(t.shape, w.shape as number[])) return [];
      const [layer, weight] = [w.originalName.slice(0, w.originalName.lastIndexOf('/')), w.originalName.slice(w.originalName.lastIndexOf('/') + 1)];
      return [`layer ${layer}: ${weight} is [${t.shape.join(', ')}] in the file but [${w.shape.join(', ')}] in the model`];
    });
    if (mismatched.length) {
      throw new UserFacingError(
        `${field(location)}: ${mismatched.length} weight${mismatched.length > 1 ? 's have' : ' has'} the wrong shape — ${mismatched.join('; ')}. ` +
          'Use weights saved from the same encoder (model.encoderName, inChannels, encoderDepth).',
      );
    }
    const loaded: string[] = [];
    const missing: string[] = [];
    for (const w of targets) {
      const t = source[w.originalName];
      if (!t) missing.push(w.originalName);
      else {
        const value = t.dtype === w.dtype ? t : tf.cast(t, w.dtype);
        w.write(value);
        if (value !== t) value.dispose();
        loaded.push(w.originalName);
      }
    }
    const fileNames = Object.keys(source);
    const unexpected = fileNames.filter((n) => n.startsWith(ENCODER_PREFIX) && !names.has(n));
    const ignored = fileNames.filter((n) => !n.startsWith(ENCODER_PREFIX)).length;
    if (loaded.length === 0) {
      throw new UserFacingError(`${field(location)}: none of the model's ${targets.length} encoder weights is in the file (it has ${listed(fileNames, 5)}); check that it holds this encoder`);
    }
    const report: WeightReport = { loaded, missing, unexpected, ignored };
    emit?.({ type: 'log', level: 'info', message: describeReport(location, report) });
    if (missing.length || unexpected.length) emit?.({ type: 'log', level: 'warn', message: describeProblems(location, report) });
    return report;
  } finally {
    // The variables hold their own references to what was written.
    tf.dispose(Object.values(source));
  }
}

export function describeReport(location: string, r: WeightReport): string {
  const extra = r.ignored ? `; ${r.ignored} non-encoder weights in the file ignored` : '';
  return `encoder weights: ${r.loaded.length} loaded from ${location}${extra}`;
}

export function describeProblems(location: string, r: WeightReport): string {
  const parts: string[] = [];
  if (r.missing.length) parts.push(`${r.missing.length} missing from the file (kept at their initial values): ${listed(r.missing)}`);
  if (r.unexpected.length) parts.push(`${r.unexpected.length} unexpected (in the file, not in this encoder): ${listed(r.unexpected)}`);
  return `encoder weights from ${location}: ${parts.join('; ')}`;
}

/** Writes the `encoder_*` weights of `model` as a TF.js Layers weights artefact (model.json + weights.bin) in `dir`. */
export async function saveEncoderWeights(model: tf.LayersModel, dir: string): Promise<void> {
  const named = model.weights
    .filter((w) => w.originalName.startsWith(ENCODER_PREFIX))
    .map((w) => ({ name: w.originalName, tensor: w.read() }));
  if (named.length === 0) throw new Error('saveEncoderWeights: the model has no encoder layers');
  const { data, specs } = await tf.io.encodeWeights(named);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'weights.bin'), new Uint8Array(data as ArrayBuffer));
  const json = { format: 'layers-model', generatedBy: `seglab encoder weights, tfjs-layers v${tf.version_layers}`, weightsManifest: [{ paths: ['./weights.bin'], weights: specs }] };
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
}

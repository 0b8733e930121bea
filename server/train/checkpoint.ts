/**
 * Checkpoints in TF.js Layers format (`model.json` + `weights.bin`, loadable by `tf.loadLayersModel`), plus the
 * optimizer state and the trainer's own state. A checkpoint folder is written whole into a temporary sibling and
 * swapped in by rename, so a crash or Ctrl+C mid-write never leaves a half-written checkpoint behind.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';

/** What the trainer needs, besides weights, to continue a run exactly where it stopped. */
export interface TrainerState {
  /** Epochs completed (the next epoch to run is `epoch + 1`, 1-based). */
  readonly epoch: number;
  /** Optimisation steps completed. */
  readonly globalStep: number;
  /** Steps already done in epoch `epoch + 1` when the run was stopped mid-epoch (0 otherwise). */
  readonly stepInEpoch: number;
  /** Sum of the losses of those steps, so the epoch's mean train loss stays exact across a resume. */
  readonly partialLossSum: number;
  readonly bestMIoU: number | null;
  readonly bestEpoch: number | null;
  readonly backend: string;
  readonly elapsedSeconds: number;
}

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';
const OPTIMIZER_JSON = 'optimizer.json';
const OPTIMIZER_BIN = 'optimizer.bin';
const STATE_JSON = 'state.json';

function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

/** Writes `text` to `file` via a temporary file and a rename. */
export function writeTextAtomic(file: string, text: string): void {
  writeFileAtomic(file, text);
}

function toBytes(data: ArrayBuffer | ArrayBuffer[] | undefined): Uint8Array {
  if (!data) return new Uint8Array(0);
  const parts = Array.isArray(data) ? data : [data];
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), o);
    o += p.byteLength;
  }
  return out;
}

function toArrayBuffer(buf: Buffer): ArrayBuffer {
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}

/** A model serialised in memory: its topology, weight specs and all weights as one byte array. */
export interface SerialisedModel {
  readonly topology: object;
  readonly weightSpecs: tf.io.WeightsManifestEntry[];
  /** Exactly the weights' bytes (`weights.buffer` holds nothing else). */
  readonly weights: Uint8Array;
}

/** `model.save` into memory (throws when a layer cannot be serialised). */
export async function serialiseModel(model: tf.LayersModel): Promise<SerialisedModel> {
  let out: SerialisedModel | null = null;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      if (!a.modelTopology) throw new Error(`model ${model.name} has no topology to save`);
      out = { topology: a.modelTopology as object, weightSpecs: a.weightSpecs ?? [], weights: toBytes(a.weightData as ArrayBuffer | ArrayBuffer[] | undefined) };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!out) throw new Error(`internal: model.save gave no artifacts for ${model.name}`);
  return out;
}

/** The `model.json` (TF.js Layers format) that goes with a `weights.bin` holding `m.weights`. */
export function modelJsonOf(m: SerialisedModel): string {
  return JSON.stringify({
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: null,
    modelTopology: m.topology,
    weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: m.weightSpecs }],
  });
}

/** Saves `model` as `dir/model.json` + `dir/weights.bin` (plain files; the caller handles atomic swap). */
async function writeModel(model: tf.LayersModel, dir: string): Promise<void> {
  const m = await serialiseModel(model);
  fs.writeFileSync(path.join(dir, WEIGHTS_BIN), m.weights);
  fs.writeFileSync(path.join(dir, MODEL_JSON), modelJsonOf(m));
}

/** Loads a model saved by {@link saveCheckpoint} (or any TF.js Layers folder with a single weights file). */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  const json = JSON.parse(fs.readFileSync(path.join(dir, MODEL_JSON), 'utf8')) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const buffers = json.weightsManifest.flatMap((g) => g.paths.map((p) => fs.readFileSync(path.join(dir, p))));
  const weightData = toArrayBuffer(Buffer.concat(buffers));
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData }));
}

/** Resolves a checkpoint folder, falling back to the previous copy if a swap was interrupted. */
export function checkpointDir(dir: string): string | null {
  if (fs.existsSync(path.join(dir, STATE_JSON))) return dir;
  const old = `${dir}.old`;
  if (fs.existsSync(path.join(old, STATE_JSON))) return old;
  return null;
}

/**
 * Writes model, optimizer state and trainer state to `dir`, atomically: everything goes to `dir.tmp-<pid>` first,
 * then the old folder is moved aside, the new one renamed in, and the old one removed.
 */
export async function saveCheckpoint(
  dir: string,
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  state: TrainerState,
): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  await writeModel(model, tmp);
  const named = await optimizer.getWeights();
  try {
    const { data, specs } = await tf.io.encodeWeights(named);
    fs.writeFileSync(path.join(tmp, OPTIMIZER_BIN), toBytes(data));
    fs.writeFileSync(
      path.join(tmp, OPTIMIZER_JSON),
      JSON.stringify({ className: optimizer.getClassName(), config: optimizer.getConfig(), specs }),
    );
  } finally {
    // getWeights hands out the optimizer's own slot variables (keep them) plus a fresh `iter` scalar (free it).
    for (const w of named) if (!(w.tensor instanceof tf.Variable)) w.tensor.dispose();
  }
  fs.writeFileSync(path.join(tmp, STATE_JSON), JSON.stringify(state, null, 2));
  const old = `${dir}.old`;
  fs.rmSync(old, { recursive: true, force: true });
  if (fs.existsSync(dir)) fs.renameSync(dir, old);
  fs.renameSync(tmp, dir);
  fs.rmSync(old, { recursive: true, force: true });
}

/** Reads the trainer state of a checkpoint folder. */
export function readState(dir: string): TrainerState {
  return JSON.parse(fs.readFileSync(path.join(dir, STATE_JSON), 'utf8')) as TrainerState;
}

/**
 * Restores optimizer state saved by {@link saveCheckpoint} into `optimizer` (which must be of the same class and
 * have been created for the same variables, in the same order).
 */
export async function restoreOptimizer(dir: string, optimizer: tf.Optimizer): Promise<void> {
  const meta = JSON.parse(fs.readFileSync(path.join(dir, OPTIMIZER_JSON), 'utf8')) as {
    className: string;
    specs: tf.io.WeightsManifestEntry[];
  };
  if (meta.className !== optimizer.getClassName()) {
    throw new Error(
      `${dir}: the checkpoint's optimizer is ${meta.className} but the config asks for ${optimizer.getClassName()}; ` +
        'resume with the same optimizer or start a new run',
    );
  }
  const data = toArrayBuffer(fs.readFileSync(path.join(dir, OPTIMIZER_BIN)));
  const map = tf.io.decodeWeights(data, meta.specs);
  try {
    await optimizer.setWeights(meta.specs.map((s) => ({ name: s.name, tensor: map[s.name] })));
  } finally {
    // setWeights copies into new variables; the decoded tensors are ours to free.
    tf.dispose(Object.values(map));
  }
}

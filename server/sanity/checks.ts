/**
 * The model checks of a sanity run: output shape and channels against [N, H, W, classes], an activation on the
 * logits (SegLab's losses apply softmax themselves), layers whose weights got no (or a non-finite) gradient, and
 * the first layer whose output is not finite. Each finding is located at the user line that created the layer.
 */
import * as tf from '@tensorflow/tfjs';
import type { SanityDiagnostic, SanityDiagnosticCode } from '../protocol';
import { buildLocation, diagnosticAt, formatShape, SourceLines } from './diagnostics';
import type { LayerSites } from './layerSites';

/** Everything a finding needs to be placed in the user's source. */
export interface Locator {
  readonly entry: string;
  readonly sites: LayerSites;
  readonly sources: SourceLines;
}

/** A diagnostic at the line that created `layer` (or at `build` when unknown). */
export function atLayer(
  loc: Locator,
  layer: tf.layers.Layer | null,
  severity: SanityDiagnostic['severity'],
  code: SanityDiagnosticCode,
  message: string,
): SanityDiagnostic {
  const at = (layer && loc.sites.siteOf(layer)) ?? buildLocation(loc.entry, loc.sources);
  return diagnosticAt(at, severity, code, message, loc.sources);
}

/** The layer producing the model's main (first) output. */
export function outputLayer(model: tf.LayersModel): tf.layers.Layer {
  return model.outputs[0].sourceLayer as tf.layers.Layer;
}

/** Output rank, spatial size and channels against the expected [N, H, W, classes]. */
export function checkOutputShape(model: tf.LayersModel, shape: readonly (number | null)[], expected: readonly number[], loc: Locator): SanityDiagnostic[] {
  const layer = outputLayer(model);
  const [, h, w, classes] = expected;
  const name = `the output layer '${layer.name}'`;
  if (shape.length !== 4) {
    const msg = `${name} gives ${formatShape(shape)}, but the loss needs logits ${formatShape([null, h, w, classes])} (NHWC); keep the spatial axes and end in a conv with ctx.classes filters`;
    return [atLayer(loc, layer, 'error', 'output-shape', msg)];
  }
  const out: SanityDiagnostic[] = [];
  if ((shape[1] !== null && shape[1] !== h) || (shape[2] !== null && shape[2] !== w)) {
    const msg =
      `${name} gives ${shape[1]}x${shape[2]} maps for ${h}x${w} inputs, but the loss compares every input pixel: ` +
      "use padding: 'same' in the convolutions, or upsample/pad the output back to the input size";
    out.push(atLayer(loc, layer, 'error', 'output-shape', msg));
  }
  if (shape[3] !== classes) {
    const msg = `${name} has ${shape[3]} channels but the data has ${classes} classes: give the last conv \`filters: ctx.classes\``;
    out.push(atLayer(loc, layer, 'error', 'output-channels', msg));
  }
  return out;
}

/** Layers that move or resize values without changing them: an activation before them still ends the model. */
const PASS_THROUGH = ['UpSampling2D', 'Resize2D', 'Cropping2D', 'CenterCrop2D', 'ZeroPadding2D', 'Reshape', 'Permute', 'Dropout', 'SpatialDropout2D'];
const PROBABILITIES = ['softmax', 'sigmoid'];
const BOUNDED = ['relu', 'relu6', 'elu', 'selu', 'tanh', 'softplus', 'hardSigmoid', 'softsign'];

function activationOf(layer: tf.layers.Layer): string | null {
  const cls = layer.getClassName();
  if (cls === 'Softmax') return 'softmax';
  if (cls === 'ReLU') return 'relu';
  const act = (layer.getConfig() as { activation?: unknown }).activation;
  return typeof act === 'string' && act !== 'linear' ? act : null;
}

function previousLayer(layer: tf.layers.Layer): tf.layers.Layer | null {
  const node = layer.inboundNodes[0];
  return node && node.inboundLayers.length >= 1 ? (node.inboundLayers[0] as tf.layers.Layer) : null;
}

/** A softmax/sigmoid (error: the loss applies softmax again) or a bounded activation (warning) on the logits. */
export function checkFinalActivation(model: tf.LayersModel, loc: Locator): SanityDiagnostic[] {
  let layer: tf.layers.Layer | null = outputLayer(model);
  for (let hops = 0; layer && hops < 8; hops++) {
    const act = activationOf(layer);
    if (act && PROBABILITIES.includes(act)) {
      const msg =
        `'${layer.name}' applies ${act} to the model's output, but SegLab's losses take logits and apply softmax themselves ` +
        `(a double ${act} squashes the gradients): remove the ${act}; prediction applies it for you`;
      return [atLayer(loc, layer, 'error', 'double-softmax', msg)];
    }
    if (act && BOUNDED.includes(act)) {
      const msg = `'${layer.name}' applies ${act} to the logits, which limits the scores the loss can reach: end the model in a conv without activation`;
      return [atLayer(loc, layer, 'warning', 'bounded-logits', msg)];
    }
    if (act || !PASS_THROUGH.includes(layer.getClassName())) return [];
    layer = previousLayer(layer);
  }
  return [];
}

/** Per trainable variable: the sum of |gradient| over finite entries and the count of non-finite entries. */
export function gradientStats(vars: readonly tf.Variable[], grads: tf.NamedTensorMap): { sumAbs: number; nonFinite: number }[] {
  const flat = tf.tidy(() => {
    const rows = vars.map((v) => {
      const g = grads[v.name];
      if (!g) return tf.tensor1d([0, 0]);
      const finite = tf.isFinite(g);
      const sumAbs = tf.sum(tf.where(finite, tf.abs(g), tf.zerosLike(g)));
      const nonFinite = tf.sum(tf.cast(tf.logicalNot(finite), 'float32'));
      return tf.stack([sumAbs, nonFinite]);
    });
    return rows.length ? tf.stack(rows) : tf.zeros([0, 2]);
  });
  const data = flat.dataSync();
  flat.dispose();
  return vars.map((_, i) => ({ sumAbs: data[2 * i], nonFinite: data[2 * i + 1] }));
}

/** Warnings for layers whose every trainable weight got a zero gradient; errors for non-finite gradients. */
export function checkGradients(model: tf.LayersModel, grads: tf.NamedTensorMap, loc: Locator): { diagnostics: SanityDiagnostic[]; dead: string[] } {
  const layers = model.layers.filter((l) => l.trainableWeights.length > 0);
  const vars = layers.flatMap((l) => l.trainableWeights.map((w) => w.read() as tf.Variable));
  const stats = gradientStats(vars, grads);
  const diagnostics: SanityDiagnostic[] = [];
  const dead: string[] = [];
  let i = 0;
  for (const layer of layers) {
    const own = stats.slice(i, i + layer.trainableWeights.length);
    const names = layer.trainableWeights.map((w) => w.originalName.split('/').pop());
    i += own.length;
    if (own.some((s) => s.nonFinite > 0)) {
      const msg = `'${layer.name}' got NaN or infinite gradients on the sanity batch: look for a log/sqrt/division of values that can be 0 or negative, or a huge initializer`;
      diagnostics.push(atLayer(loc, layer, 'error', 'nan-loss', msg));
    } else if (own.every((s) => s.sumAbs === 0)) {
      dead.push(layer.name);
      const msg =
        `'${layer.name}' got no gradient on the sanity batch (all zero): its weights (${names.join(', ')}) will not train. ` +
        'A ReLU that never fires (e.g. a large negative bias) or an output that never reaches the loss does this';
      diagnostics.push(atLayer(loc, layer, 'warning', 'dead-layer', msg));
    }
  }
  return { diagnostics, dead };
}

/** The first layer (model order) whose output on `x` has a NaN or infinity, or null (inference mode). */
export function firstNonFiniteLayer(model: tf.LayersModel, x: tf.Tensor): tf.layers.Layer | null {
  const candidates = model.layers.filter((l) => l.getClassName() !== 'InputLayer' && l.inboundNodes.length === 1);
  let probe: tf.LayersModel;
  try {
    probe = tf.model({ inputs: model.inputs, outputs: candidates.map((l) => l.output as tf.SymbolicTensor) });
  } catch {
    return null;
  }
  const bad = tf.tidy(() => {
    const outs = probe.predict(x) as tf.Tensor | tf.Tensor[];
    const list = Array.isArray(outs) ? outs : [outs];
    return tf.stack(list.map((o) => tf.any(tf.logicalNot(tf.isFinite(o))).cast('float32')));
  });
  const flags = bad.dataSync();
  bad.dispose();
  const k = flags.findIndex((f) => f > 0);
  return k >= 0 ? candidates[k] : null;
}

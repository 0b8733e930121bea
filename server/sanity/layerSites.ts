/**
 * Where each layer of a user's model was made. While installed, every `tf.layers.*` factory and
 * `Layer.prototype.apply` record the call stack (formatted lazily, so recording is cheap); a layer's site is the
 * innermost frame in the user's own code, mapped through the source map: the line that called the factory (or a
 * SegLab block that did). `apply` also checks merge layers' input shapes before tfjs does, so a Concatenate whose
 * inputs disagree becomes a {@link SanityFinding} naming both shapes and both source layers.
 *
 * The hooks patch the process-wide tfjs namespace: install only in the sanity worker (or a test), and uninstall
 * in `finally`.
 */
import * as tf from '@tensorflow/tfjs';
import type { BundleMap, SourcePosition } from './sourceMap';
import { formatShape, SanityFinding } from './diagnostics';

type Shape = (number | null)[];
type Holder = { stack?: string };

const MERGE_LAYERS = ['Add', 'Multiply', 'Average', 'Maximum', 'Minimum', 'Subtract'];

/** Records creation and first-application stacks of layers; see the file comment. */
export class LayerSites {
  private readonly created = new WeakMap<object, Holder>();
  private readonly applied = new WeakMap<object, Holder>();

  constructor(private readonly map: BundleMap) {}

  /** Patches the tfjs layer factories and `Layer.prototype.apply`; returns the function that undoes it. */
  install(): () => void {
    const restore: (() => void)[] = [];
    const ns = tf.layers as unknown as Record<string, unknown>;
    const created = this.created;
    for (const key of Object.keys(ns)) {
      const original = ns[key];
      if (typeof original !== 'function' || !/^[a-z]/.test(key)) continue;
      const factory = original as (...args: unknown[]) => unknown;
      const wrapped = function (this: unknown, ...args: unknown[]): unknown {
        const layer = factory.apply(this, args);
        if (layer instanceof tf.layers.Layer) {
          const h: Holder = {};
          Error.captureStackTrace(h, wrapped);
          created.set(layer, h);
        }
        return layer;
      };
      ns[key] = wrapped;
      restore.push(() => (ns[key] = original));
    }
    const proto = tf.layers.Layer.prototype;
    const apply = proto.apply;
    const applied = this.applied;
    const patched = function (this: tf.layers.Layer, inputs: Parameters<typeof apply>[0], kwargs?: Parameters<typeof apply>[1]) {
      if (!applied.has(this)) {
        const h: Holder = {};
        Error.captureStackTrace(h, patched);
        applied.set(this, h);
      }
      checkMergeInputs(this, inputs);
      return apply.call(this, inputs, kwargs);
    };
    proto.apply = patched;
    restore.push(() => (proto.apply = apply));
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = Math.max(limit, 60);
    restore.push(() => (Error.stackTraceLimit = limit));
    return () => restore.reverse().forEach((f) => f());
  }

  /** The user line that created `layer` (its factory call), else the one that first applied it; null if neither. */
  siteOf(layer: tf.layers.Layer): SourcePosition | null {
    for (const h of [this.created.get(layer), this.applied.get(layer)]) {
      const at = h?.stack ? this.map.topUserFrame(h.stack) : null;
      if (at) return at;
    }
    return null;
  }
}

function symbolicInputs(inputs: unknown): tf.SymbolicTensor[] | null {
  if (!Array.isArray(inputs) || inputs.length < 2) return null;
  return inputs.every((t) => t instanceof tf.SymbolicTensor) ? (inputs as tf.SymbolicTensor[]) : null;
}

/** Axes on which two shapes have known, different sizes (skipping `skipAxis`). */
function conflictingAxes(a: Shape, b: Shape, skipAxis: number): number[] {
  if (a.length !== b.length) return [-1];
  const out: number[] = [];
  for (let i = 1; i < a.length; i++) if (i !== skipAxis && a[i] !== null && b[i] !== null && a[i] !== b[i]) out.push(i);
  return out;
}

function fixHint(a: tf.SymbolicTensor, b: tf.SymbolicTensor, axes: number[]): string {
  if (!axes.every((i) => i === 1 || i === 2)) return 'Make the inputs the same size on every axis but the channels.';
  const bigger = (x: tf.SymbolicTensor, y: tf.SymbolicTensor): boolean => axes.every((i) => (x.shape[i] as number) > (y.shape[i] as number));
  const [big, small] = bigger(a, b) ? [a, b] : bigger(b, a) ? [b, a] : [null, null];
  if (big && small && axes.every((i) => (big.shape[i] as number) === 2 * (small.shape[i] as number))) {
    return (
      `'${big.sourceLayer.name}' is exactly twice the size of '${small.sourceLayer.name}': one 2x upsampling is missing ` +
      `(did you concatenate before upsampling?); upsample '${small.sourceLayer.name}' first ` +
      '(`ctx.blocks.upsample2x`, `tf.layers.upSampling2d` or `tf.layers.conv2dTranspose` with strides 2) and join its output.'
    );
  }
  const fix =
    big && small
      ? `centre-crop '${big.sourceLayer.name}' to the size of '${small.sourceLayer.name}' first ` +
        '(`new ctx.layers.CenterCrop2D().apply([skip, up])`, or `ctx.blocks.skipConcat(skip, up, true, name)`) ' +
        `or pad '${small.sourceLayer.name}' (\`tf.layers.zeroPadding2d\`)`
      : 'crop or pad them to one size';
  return `Unpadded ('valid') 3x3 convolutions shrink every map by 2 px, so a skip feature ends up larger than the upsampled map: ${fix}, or use padding: 'same'.`;
}

/** Throws a {@link SanityFinding} when a Concatenate (or Add, ...) gets inputs of different sizes. */
export function checkMergeInputs(layer: tf.layers.Layer, inputs: unknown): void {
  const cls = layer.getClassName();
  const isConcat = cls === 'Concatenate';
  if (!isConcat && !MERGE_LAYERS.includes(cls)) return;
  const xs = symbolicInputs(inputs);
  if (!xs) return;
  const shapes = xs.map((x) => x.shape);
  const rank = shapes[0].length;
  const axisConfig = isConcat ? ((layer.getConfig().axis as number | undefined) ?? -1) : -1;
  const skipAxis = isConcat ? (axisConfig < 0 ? rank + axisConfig : axisConfig) : -1;
  for (let k = 1; k < xs.length; k++) {
    const axes = conflictingAxes(shapes[0], shapes[k], skipAxis);
    if (axes.length === 0) continue;
    const from = (x: tf.SymbolicTensor): string => `'${x.sourceLayer.name}' ${formatShape(x.shape)}`;
    const what = isConcat ? `Concatenate '${layer.name}' cannot join` : `${cls} '${layer.name}' cannot combine`;
    const message = `${what} ${from(xs[0])} and ${from(xs[k])}: their sizes differ (${isConcat ? 'all axes but the channels must match' : 'shapes must match'}). ${fixHint(xs[0], xs[k], axes)}`;
    throw new SanityFinding(isConcat ? 'concat-mismatch' : 'merge-mismatch', message, layer);
  }
}

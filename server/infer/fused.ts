/**
 * An inference-only executor for a LayersModel that folds every Conv2D → BatchNormalization (→ ReLU) chain into a
 * single fused convolution, as deployment runtimes do (PyTorch's fuse_conv_bn_eval, TF's graph optimiser).
 *
 * With the moving statistics fixed, BN is an affine map per channel:
 *   bn(conv(x, W) + b) = conv(x, W·s) + (b − mean)·s + beta,   s = gamma / sqrt(var + eps)
 * so the folded weights compute the same function (up to float rounding) with one kernel instead of three passes
 * over the feature map (FusedConv2D + FusedBatchNorm + Relu). Every other layer runs through its own `apply`,
 * in the model's order, and intermediates are freed as soon as their last consumer has run.
 *
 * A channel concatenation read only by a folded conv (every U-Net decoder block) is not materialised: the conv is
 * linear in its input channels, so conv(concat(a, b), W) = conv(a, W_a) + conv(b, W_b) with W split along its
 * input channels. On wasm this saves the concat's strided copy (tfjs copies row by row: 70-120 ms for
 * 512×512×(16+16) here, more than the extra add); where our Winograd kernel takes the conv (winograd/), it reads
 * the concat's inputs in place instead.
 *
 * The folded weights are a snapshot: build a new InferenceModel after the model's weights change.
 */
import * as tf from '@tensorflow/tfjs';
import { type ConvShape, UpConv2x2, WinogradConv } from './winograd';

/** What inference needs of a model: LayersModel satisfies it, and so does a fused one. */
export interface Predictor {
  predict(x: tf.Tensor): tf.Tensor | tf.Tensor[];
  /**
   * Optional: the first output's logits for an NHWC array, equal to `predict`'s (up to float rounding) but free
   * to compute them elsewhere (preview/bandedPredictor.ts: two bands on two threads). Tiled inference uses it
   * when present.
   */
  predictLogits?(input: Float32Array, shape: readonly [number, number, number, number]): Promise<{ readonly data: Float32Array; readonly shape: readonly number[] }>;
}

type Node = tf.LayersModel['layers'][number]['inboundNodes'][number];
type Layer = tf.layers.Layer;

/** One step of the plan: a layer applied as is, or a folded conv standing for a conv, its BN and maybe a ReLU. */
export type Step =
  | { readonly kind: 'layer'; readonly layer: Layer; readonly node: Node }
  | { readonly kind: 'fused'; readonly conv: Layer; readonly node: Node; readonly outputId: number; readonly relu: boolean; filter: tf.Tensor4D | null; bias: tf.Tensor1D | null };

/** A folded conv reading a channel concatenation's inputs directly (see the file comment); `node` is the concat's. */
interface ConcatConvStep {
  readonly kind: 'concatConv';
  readonly conv: Layer;
  readonly node: Node;
  readonly outputId: number;
  readonly relu: boolean;
  /** Channels of each concat input. */
  readonly parts: number[];
  /** The whole folded filter (the fused step's; not owned here). */
  readonly filter: tf.Tensor4D;
  /**
   * `filter` split along its input channels, one part per concat input (the bias goes with the first); owned.
   * Made only when no wasm kernel takes the step (InferenceModel's constructor).
   */
  filters: tf.Tensor4D[] | null;
  readonly bias: tf.Tensor1D;
}

type RunStep = Step | ConcatConvStep;

interface ConvConfig {
  strides: number | [number, number];
  padding: 'same' | 'valid';
  dilationRate: number | [number, number];
  dataFormat: string;
  activation: string;
  useBias: boolean;
}

function cfgOf<T>(layer: Layer): T {
  return layer.getConfig() as unknown as T;
}

/** The only node of a layer, or null (shared layers are not folded; the model then runs unfused). */
function soleNode(layer: Layer): Node | null {
  return layer.inboundNodes.length === 1 ? layer.inboundNodes[0] : null;
}

/** The layers that consume `layer`'s output, when it has exactly one output tensor. */
function consumers(layer: Layer): Layer[] {
  return layer.outboundNodes.map((n) => n.outboundLayer);
}

function isRelu(layer: Layer): boolean {
  const name = layer.getClassName();
  if (name === 'ReLU') {
    const c = cfgOf<{ maxValue?: number | null }>(layer);
    return c.maxValue == null;
  }
  return name === 'Activation' && cfgOf<{ activation: string }>(layer).activation === 'relu';
}

function foldable(conv: Layer, bn: Layer, outputIds: Set<number>): boolean {
  if (conv.getClassName() !== 'Conv2D' || bn.getClassName() !== 'BatchNormalization') return false;
  const c = cfgOf<ConvConfig>(conv);
  const b = cfgOf<{ axis: number }>(bn);
  const convOut = soleNode(conv)?.outputTensors[0];
  return (
    c.dataFormat === 'channelsLast' &&
    c.activation === 'linear' &&
    (b.axis === -1 || b.axis === 3) &&
    convOut !== undefined &&
    !outputIds.has(convOut.id) &&
    soleNode(bn) !== null
  );
}

/** conv·s and (bias − mean)·s + beta for a Conv2D and the BatchNormalization that follows it. */
function foldWeights(conv: Layer, bn: Layer): { filter: tf.Tensor4D; bias: tf.Tensor1D } {
  return tf.tidy(() => {
    const c = cfgOf<ConvConfig>(conv);
    const b = cfgOf<{ epsilon: number; center: boolean; scale: boolean }>(bn);
    const [kernel, convBias] = conv.getWeights() as [tf.Tensor4D, tf.Tensor1D?];
    const w = bn.getWeights();
    let i = 0;
    const gamma = b.scale ? w[i++] : null;
    const beta = b.center ? w[i++] : null;
    const [mean, variance] = [w[i], w[i + 1]];
    let s = tf.rsqrt(tf.add(variance, b.epsilon));
    if (gamma) s = tf.mul(s, gamma);
    let bias = tf.mul(tf.sub(c.useBias && convBias ? convBias : tf.zerosLike(mean), mean), s);
    if (beta) bias = tf.add(bias, beta);
    return { filter: tf.mul(kernel, s) as tf.Tensor4D, bias: bias as tf.Tensor1D };
  });
}

/** The execution plan, or null when the graph has a shape this executor does not take (shared layers, ...). */
function plan(model: tf.LayersModel): Step[] | null {
  const outputIds = new Set(model.outputs.map((t) => t.id));
  const absorbed = new Set<Layer>();
  const steps: Step[] = [];
  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer' || absorbed.has(layer)) continue;
    const node = soleNode(layer);
    if (!node) return null;
    const next = consumers(layer);
    if (next.length === 1 && foldable(layer, next[0], outputIds)) {
      const bn = next[0];
      const after = consumers(bn);
      const bnOut = soleNode(bn)!.outputTensors[0];
      const relu = after.length === 1 && isRelu(after[0]) && !outputIds.has(bnOut.id) && soleNode(after[0]) !== null;
      const last = relu ? after[0] : bn;
      absorbed.add(bn);
      if (relu) absorbed.add(after[0]);
      steps.push({ kind: 'fused', conv: layer, node, outputId: soleNode(last)!.outputTensors[0].id, relu, filter: null, bias: null });
    } else {
      steps.push({ kind: 'layer', layer, node });
    }
  }
  return steps;
}

/** Number of steps (and model outputs) reading each tensor id. */
function readers(steps: readonly RunStep[], outputIds: readonly number[]): Map<number, number> {
  const count = new Map<number, number>();
  const add = (id: number) => count.set(id, (count.get(id) ?? 0) + 1);
  for (const s of steps) for (const t of s.node.inputTensors) add(t.id);
  outputIds.forEach(add);
  return count;
}

/** The outputs of one step for its input values (in the order of `step.node.inputTensors`). */
export function runStep(s: Step, inputs: tf.Tensor[]): tf.Tensor[] {
  if (s.kind === 'fused') {
    const c = cfgOf<ConvConfig>(s.conv);
    return [
      tf.fused.conv2d({
        x: inputs[0] as tf.Tensor4D,
        filter: s.filter!,
        bias: s.bias!,
        strides: c.strides,
        pad: c.padding,
        dilations: c.dilationRate,
        activation: s.relu ? 'relu' : 'linear',
      }),
    ];
  }
  const kwargs = { ...(s.node.callArgs ?? {}), training: false };
  const out = s.layer.apply(inputs.length === 1 ? inputs[0] : inputs, kwargs) as tf.Tensor | tf.Tensor[];
  return Array.isArray(out) ? out : [out];
}

/** sum_i conv(x_i, W_i) + bias (then ReLU): the folded conv of a concatenation without the concatenation. */
function runConcatConv(s: ConcatConvStep, inputs: tf.Tensor[]): tf.Tensor[] {
  const c = cfgOf<ConvConfig>(s.conv);
  const filters = s.filters!;
  const conv = { strides: c.strides, pad: c.padding, dilations: c.dilationRate };
  const terms = inputs.map((x, i) =>
    i === 0
      ? tf.fused.conv2d({ x: x as tf.Tensor4D, filter: filters[0], bias: s.bias, ...conv })
      : tf.fused.conv2d({ x: x as tf.Tensor4D, filter: filters[i], ...conv }),
  );
  const sum = tf.addN(terms);
  tf.dispose(terms);
  if (!s.relu) return [sum];
  const y = tf.relu(sum);
  sum.dispose();
  return [y];
}

/** The ids of the tensors a step produces. */
export function stepOutputIds(s: RunStep): number[] {
  return s.kind === 'layer' ? s.node.outputTensors.map((t) => t.id) : [s.outputId];
}

/** The channel counts of a last-axis Concatenate's inputs, or null when the layer is not one. */
function concatParts(layer: Layer, node: Node): number[] | null {
  if (layer.getClassName() !== 'Concatenate') return null;
  const axis = cfgOf<{ axis: number }>(layer).axis;
  const shapes = node.inputTensors.map((t) => t.shape);
  if (!shapes.every((sh) => sh.length === 4 && typeof sh[3] === 'number')) return null;
  return axis === -1 || axis === 3 ? shapes.map((sh) => sh[3] as number) : null;
}

/**
 * `steps` with every last-axis concatenation whose only reader is the next folded conv merged into that conv
 * (the conv's folded weights must be set; the split filters are left to the caller). The other steps are the same
 * objects.
 */
function mergeConcats(steps: readonly Step[], outputIds: readonly number[]): RunStep[] {
  const reads = readers(steps, outputIds);
  const out: RunStep[] = [];
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i];
    const next = steps[i + 1];
    const id = s.kind === 'layer' && s.node.outputTensors.length === 1 ? s.node.outputTensors[0].id : -1;
    const parts = s.kind === 'layer' ? concatParts(s.layer, s.node) : null;
    if (parts && next?.kind === 'fused' && reads.get(id) === 1 && next.node.inputTensors.length === 1 && next.node.inputTensors[0].id === id) {
      out.push({ kind: 'concatConv', conv: next.conv, node: s.node, outputId: next.outputId, relu: next.relu, parts, filter: next.filter!, filters: null, bias: next.bias! });
      i++;
    } else {
      out.push(s);
    }
  }
  return out;
}

/** What the Winograd kernel needs to know of a conv whose input is the concatenation of `parts` channels. */
function convShape(c: ConvConfig, filter: tf.Tensor4D, parts: number[]): ConvShape {
  return { filterShape: filter.shape, parts, strides: c.strides, dilations: c.dilationRate, padding: c.padding };
}

type Kernel = { run(inputs: tf.Tensor[]): tf.Tensor; dispose(): void };

/**
 * Our wasm kernel for a step (see winograd/index.ts), or null: a folded or plain 3×3 conv → Winograd, a 2×2
 * stride-2 Conv2DTranspose → the up-sampling kernel. Null off wasm and for shapes the kernels do not take.
 */
function prepareKernel(s: RunStep): Kernel | null {
  if (s.kind !== 'layer') {
    const c = cfgOf<ConvConfig>(s.conv);
    const filter = s.kind === 'fused' ? s.filter! : s.filter;
    return WinogradConv.prepare(convShape(c, filter, s.kind === 'fused' ? [filter.shape[2]] : s.parts), filter, s.bias, s.relu);
  }
  const name = s.layer.getClassName();
  if (name !== 'Conv2D' && name !== 'Conv2DTranspose') return null;
  const c = cfgOf<ConvConfig & { kernelSize: number | number[] }>(s.layer);
  const [kernel, bias] = s.layer.getWeights() as [tf.Tensor4D, tf.Tensor1D?];
  const b = c.useBias && bias ? bias : null;
  if (name === 'Conv2DTranspose') {
    const up = UpConv2x2.prepare({ ...c, dilations: c.dilationRate, filterShape: kernel.shape }, kernel, b);
    return up && { run: (inputs) => up.run(inputs[0]), dispose: () => up.dispose() };
  }
  if (c.dataFormat !== 'channelsLast' || (c.activation !== 'linear' && c.activation !== 'relu')) return null;
  return WinogradConv.prepare(convShape(c, kernel, [kernel.shape[2]]), kernel, b, c.activation === 'relu');
}

/** `filter` split along its input channels into `parts`. */
function splitFilter(filter: tf.Tensor4D, parts: readonly number[]): tf.Tensor4D[] {
  let offset = 0;
  return parts.map((n) => {
    const part = tf.slice(filter, [0, 0, offset, 0], [-1, -1, n, -1]) as tf.Tensor4D;
    offset += n;
    return part;
  });
}

/** A model's inference pass with its Conv→BN(→ReLU) chains folded; owns the folded weights until dispose(). */
export class InferenceModel implements Predictor {
  /** Convolutions folded with a BatchNormalization (0 = the model runs as is). */
  readonly folded: number;
  /** Concatenations merged into the folded conv that reads them (never materialised by `predict`). */
  readonly mergedConcats: number;
  private readonly steps: Step[] | null;
  /** `steps` with the concatenations merged: what `predict` runs. */
  private readonly runSteps: RunStep[] | null;
  /** Steps `predict` runs with our wasm kernels (3×3 convs, 2×2 up-convs; see winograd/index.ts). */
  private readonly winograd = new Map<RunStep, Kernel>();

  constructor(private readonly model: tf.LayersModel) {
    const all = model.inputs.length === 1 ? plan(model) : null;
    this.steps = all && all.some((s) => s.kind === 'fused') ? all : null;
    for (const s of this.steps ?? []) {
      if (s.kind !== 'fused') continue;
      const w = foldWeights(s.conv, consumers(s.conv)[0]);
      s.filter = w.filter;
      s.bias = w.bias;
    }
    this.folded = this.steps?.filter((s) => s.kind === 'fused').length ?? 0;
    const merged = this.steps ? mergeConcats(this.steps, model.outputs.map((t) => t.id)) : all;
    this.mergedConcats = merged?.filter((s) => s.kind === 'concatConv').length ?? 0;
    for (const s of merged ?? []) {
      const kernel = prepareKernel(s);
      if (kernel != null) this.winograd.set(s, kernel);
      else if (s.kind === 'concatConv') s.filters = splitFilter(s.filter, s.parts);
    }
    // Nothing folded: the plan is still worth running step by step when our kernels take some of its convs.
    this.runSteps = this.steps || this.winograd.size > 0 ? merged : null;
  }

  /** Steps `predict` runs with our wasm kernels: Winograd 3×3 convs and 2×2 up-convs (0 off wasm). */
  get winogradConvs(): number {
    return this.winograd.size;
  }

  /**
   * The execution plan (run a step with {@link runStep}), or null when the model runs as is. Concatenations are
   * separate steps here (band executors crop every layer's input); `predict` runs them merged.
   */
  get plan(): readonly Step[] | null {
    return this.steps;
  }

  predict(x: tf.Tensor): tf.Tensor | tf.Tensor[] {
    const steps = this.runSteps;
    if (!steps) return this.model.predict(x);
    return tf.tidy(() => {
      const outputIds = this.model.outputs.map((t) => t.id);
      const left = readers(steps, outputIds);
      const values = new Map<number, tf.Tensor>([[this.model.inputs[0].id, x]]);
      const take = (id: number): tf.Tensor => {
        const v = values.get(id);
        if (!v) throw new Error(`internal: tensor ${id} used before it was computed (model ${this.model.name})`);
        return v;
      };
      const release = (id: number): void => {
        const n = (left.get(id) ?? 0) - 1;
        left.set(id, n);
        const v = values.get(id);
        if (n <= 0 && v && v !== x) {
          v.dispose();
          values.delete(id);
        }
      };
      for (const s of steps) {
        const inputs = s.node.inputTensors.map((t) => take(t.id));
        const w = this.winograd.get(s);
        const outs = w ? [w.run(inputs)] : s.kind === 'concatConv' ? runConcatConv(s, inputs) : runStep(s, inputs);
        stepOutputIds(s).forEach((id, i) => values.set(id, outs[i]));
        for (const t of s.node.inputTensors) release(t.id);
      }
      const outs = outputIds.map(take);
      return outs.length === 1 ? outs[0] : outs;
    });
  }

  dispose(): void {
    for (const w of this.winograd.values()) w.dispose();
    this.winograd.clear();
    for (const s of this.runSteps ?? []) {
      if (s.kind === 'concatConv' && s.filters) tf.dispose(s.filters);
    }
    for (const s of this.steps ?? []) {
      if (s.kind !== 'fused') continue;
      tf.dispose([s.filter!, s.bias!]);
      s.filter = null;
      s.bias = null;
    }
  }
}

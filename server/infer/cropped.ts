/**
 * Exact prediction of a band of output rows (or columns) from a band of input rows, computing every layer only
 * where the band's output needs it. A uniform halo (bands.ts: the receptive radius around the band) makes every
 * layer compute the halo, although only the deepest layers need all of it: the full-resolution decoder layers
 * of a U-Net need a few rows beyond the band, not ~100. Here the rows each tensor must provide are worked out
 * backwards from the output band, layer by layer (`reads` of bands.ts: which input indices an output index
 * reads), and each layer runs on a crop of its inputs that covers exactly that (aligned to the layer's stride
 * so 'same' padding and pooling grids match the whole-image pass). Rows computed beyond what is needed may be
 * wrong (they see the crop's edge as if it were the image border) but are never read.
 *
 * Works on the execution plan of an InferenceModel (folded Conv→BN→ReLU), or layer by layer.
 */
import * as tf from '@tensorflow/tfjs';
import { AxisOp, axisOp, SplitAxis, tensorGeometry, TensorGeo, reads } from './bands';
import { runStep, Step, stepOutputIds } from './fused';

type Range = readonly [number, number];

/** A crop is only cut when it saves at least this share of a tensor's rows (a cut costs a copy). */
const MIN_SAVING = 0.1;

interface PlannedStep {
  readonly step: Step;
  readonly op: AxisOp;
  /** Input rows each input must provide to this step (whole-image indices of that input tensor). */
  readonly windows: Range[];
  /** Whole-image size of each input tensor along the axis. */
  readonly sizes: number[];
}

interface BandPlan {
  readonly steps: PlannedStep[];
  /** Rows of each tensor that must be exact. */
  readonly need: Map<number, Range>;
  /** Steps reading each tensor (for freeing intermediates early). */
  readonly readers: Map<number, number>;
}

const mod = (x: number, m: number): number => ((x % m) + m) % m;

function opOf(s: Step, axis: SplitAxis): AxisOp | null {
  return axisOp(s.kind === 'fused' ? s.conv : s.layer, axis);
}

/** Whole-image index (along the axis) of the first output row when `op` runs on input rows starting at `a0`. */
function outputStart(op: AxisOp, a0: number): number {
  if (op.kind === 'window') return a0 / op.st;
  if (op.kind === 'transpose') return a0 * op.st;
  if (op.kind === 'upsample') return a0 * op.f;
  return a0; // same, centered, pad (a padded crop's first row stands for whole index a0)
}

/** May `op` run on input rows [c0, c1) of an input of `n`: its stride grid and 'same' padding as in the whole? */
function aligned(op: AxisOp, c0: number, c1: number, n: number): boolean {
  if (op.kind !== 'window') return true;
  return c0 % op.st === 0 && (op.padding === 'valid' || c1 === n || mod(c1 - n, op.st) === 0);
}

/** The input rows `op` needs for output rows `out`, clamped to the input and aligned to its stride. */
function window(op: AxisOp, out: Range, n: number): Range {
  let a0 = Math.max(0, reads(op, out[0], n)[0]);
  let a1 = Math.min(n, reads(op, out[1] - 1, n)[1] + 1);
  if (op.kind === 'window') {
    a0 -= a0 % op.st;
    if (op.padding === 'same' && a1 < n) a1 += mod(n - a1, op.st);
  }
  return [a0, Math.max(a1, a0 + 1)];
}

function slice(t: tf.Tensor, axis: SplitAxis, from: number, size: number): tf.Tensor {
  if (from === 0 && size === t.shape[axis]) return t;
  const begin = [0, 0, 0, 0];
  const sizes = [-1, -1, -1, -1];
  begin[axis] = from;
  sizes[axis] = size;
  return tf.slice(t, begin, sizes);
}

/** A computed tensor: whole-image rows [start, start + size along the axis). */
interface Value {
  readonly t: tf.Tensor;
  readonly start: number;
}

export class BandExecutor {
  private readonly plans = new Map<string, BandPlan>();

  private constructor(
    private readonly model: tf.LayersModel,
    private readonly steps: readonly Step[],
    private readonly geo: Map<number, TensorGeo | null>,
    readonly stride: number,
    readonly axis: SplitAxis,
  ) {}

  /**
   * An executor for `model`'s first output along `axis`, running `plan` (an InferenceModel's; null: the model's
   * layers one by one), or null when the output cannot be computed band by band exactly (bands.ts) or the
   * graph has shared layers.
   */
  static create(model: tf.LayersModel, plan: readonly Step[] | null, axis: SplitAxis): BandExecutor | null {
    const all = model.outputs.length > 0 ? tensorGeometry(model, axis) : null;
    const g = all?.tensors.get(model.outputs[0].id);
    if (!all || !g || g.s !== 1 || g.c !== 0) return null;
    let steps = plan;
    if (!steps) {
      const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
      if (layers.some((l) => l.inboundNodes.length !== 1)) return null;
      steps = layers.map((layer) => ({ kind: 'layer', layer, node: layer.inboundNodes[0] }));
    }
    return new BandExecutor(model, steps, all.tensors, all.stride, axis);
  }

  /** Size along the axis of tensor `id` for a whole input of `length`. */
  private size(id: number, length: number): number {
    const g = this.geo.get(id);
    if (!g) throw new Error(`internal: no geometry for tensor ${id} of model ${this.model.name}`);
    return length / g.s + g.c;
  }

  private plan(length: number, out: Range): BandPlan {
    const key = `${length}:${out[0]}:${out[1]}`;
    const cached = this.plans.get(key);
    if (cached) return cached;
    if (!(Number.isInteger(length) && length > 0 && length % this.stride === 0)) {
      throw new Error(`a band needs the input length (${length}) to be a multiple of the model's stride ${this.stride}`);
    }
    if (!(0 <= out[0] && out[0] < out[1] && out[1] <= length)) throw new Error(`output rows [${out[0]}, ${out[1]}) are outside 0..${length}`);
    const need = new Map<number, Range>([[this.model.outputs[0].id, out]]);
    const planned: PlannedStep[] = [];
    for (let i = this.steps.length - 1; i >= 0; i--) {
      const step = this.steps[i];
      const outIds = stepOutputIds(step);
      const wanted = outIds.length === 1 ? need.get(outIds[0]) : undefined;
      if (!wanted) continue;
      const op = opOf(step, this.axis);
      if (!op) throw new Error(`internal: layer ${step.node.outboundLayer.name} cannot be banded`);
      const ids = step.node.inputTensors.map((t) => t.id);
      const sizes = ids.map((id) => this.size(id, length));
      const windows = sizes.map((n) => window(op, wanted, n));
      ids.forEach((id, k) => {
        const prev = need.get(id);
        need.set(id, prev ? [Math.min(prev[0], windows[k][0]), Math.max(prev[1], windows[k][1])] : windows[k]);
      });
      planned.push({ step, op, windows, sizes });
    }
    planned.reverse();
    const readers = new Map<number, number>();
    for (const p of planned) for (const t of p.step.node.inputTensors) readers.set(t.id, (readers.get(t.id) ?? 0) + 1);
    const plan = { steps: planned, need, readers };
    this.plans.set(key, plan);
    return plan;
  }

  /** Input rows [start, end) a band of output rows [outStart, outEnd) needs, for a whole input of `length`. */
  inputRange(length: number, outStart: number, outEnd: number): [number, number] {
    const r = this.plan(length, [outStart, outEnd]).need.get(this.model.inputs[0].id);
    if (!r) throw new Error(`internal: the output of model ${this.model.name} does not depend on its input`);
    return [r[0], r[1]];
  }

  /** The crop of each input a step runs on: the whole computed tensors, or their windows when that saves enough. */
  private crops(p: PlannedStep, ins: Value[]): Range[] {
    const whole = ins.map((v): Range => [v.start, v.start + v.t.shape[this.axis]!]);
    const same = whole.every((r) => r[0] === whole[0][0] && r[1] === whole[0][1]);
    const useWhole = same && whole.every((r, k) => aligned(p.op, r[0], r[1], p.sizes[k]) && r[1] - r[0] - (p.windows[k][1] - p.windows[k][0]) < MIN_SAVING * (r[1] - r[0]));
    return useWhole ? whole : p.windows;
  }

  /** Rows `r` (whole-image indices) of a computed tensor. */
  private cut(v: Value, r: Range): tf.Tensor {
    const from = r[0] - v.start;
    if (from < 0 || r[1] - v.start > v.t.shape[this.axis]!) {
      throw new Error(`internal: rows [${r[0]}, ${r[1]}) were not computed (have [${v.start}, ${v.start + v.t.shape[this.axis]!}))`);
    }
    return slice(v.t, this.axis, from, r[1] - r[0]);
  }

  /**
   * Output rows [outStart, outEnd) of the first output, from `x`: the input rows [xStart, xStart + rows) of a
   * whole input of `length` rows along the axis (it must cover `inputRange`). Returns a new tensor.
   */
  predict(x: tf.Tensor4D, xStart: number, length: number, outStart: number, outEnd: number): tf.Tensor4D {
    const plan = this.plan(length, [outStart, outEnd]);
    const [n0, n1] = this.inputRange(length, outStart, outEnd);
    if (xStart > n0 || xStart + x.shape[this.axis] < n1) {
      throw new Error(`the band input covers rows [${xStart}, ${xStart + x.shape[this.axis]}) but output rows [${outStart}, ${outEnd}) need [${n0}, ${n1})`);
    }
    const outId = this.model.outputs[0].id;
    return tf.tidy(() => {
      const values = new Map<number, Value>([[this.model.inputs[0].id, { t: x, start: xStart }]]);
      const left = new Map(plan.readers);
      for (const p of plan.steps) {
        const ins = p.step.node.inputTensors.map((t) => values.get(t.id)!);
        const crops = this.crops(p, ins);
        const inputs = ins.map((v, k) => this.cut(v, crops[k]));
        const [y] = runStep(p.step, inputs);
        values.set(stepOutputIds(p.step)[0], { t: y, start: outputStart(p.op, crops[0][0]) });
        inputs.forEach((t, k) => t !== ins[k].t && t.dispose());
        for (const t of p.step.node.inputTensors) {
          const k = (left.get(t.id) ?? 0) - 1;
          left.set(t.id, k);
          const v = values.get(t.id);
          if (k <= 0 && v && v.t !== x && t.id !== outId) {
            v.t.dispose();
            values.delete(t.id);
          }
        }
      }
      return this.cut(values.get(outId)!, [outStart, outEnd]) as tf.Tensor4D;
    });
  }
}

/**
 * Dataset-wide confusion matrix for semantic segmentation. Counts are pooled over every pixel of every batch
 * (Float64, exact up to 2^53 pixels) and the scores are computed from the pooled counts, which is what papers
 * and benchmark servers report (PASCAL VOC, Cityscapes). Rows are ground truth, columns are predictions.
 */
import * as tf from '@tensorflow/tfjs';

export type LabelArray = Int32Array | Uint8Array;

export interface ConfusionMatrixJSON {
  readonly classes: number;
  readonly ignoreIndex: number;
  /** matrix[gt][pred] pixel counts. */
  readonly matrix: number[][];
  /** Scores; null where undefined (a class absent from both gt and predictions). */
  readonly perClassIoU: (number | null)[];
  readonly mIoU: number | null;
  readonly pixelAccuracy: number | null;
  readonly meanClassAccuracy: number | null;
  readonly perClassDice: (number | null)[];
}

/** Mean of the non-NaN values; NaN when there are none. */
export function nanmean(values: readonly number[]): number {
  const kept = values.filter((v) => !Number.isNaN(v));
  return kept.length === 0 ? NaN : kept.reduce((a, b) => a + b, 0) / kept.length;
}

const orNull = (v: number): number | null => (Number.isNaN(v) ? null : v);

export class ConfusionMatrix {
  private readonly counts: Float64Array;

  constructor(
    readonly classes: number,
    readonly ignoreIndex = 255,
  ) {
    if (!Number.isInteger(classes) || classes < 1) {
      throw new Error(`ConfusionMatrix: classes must be a positive integer; got ${JSON.stringify(classes)}`);
    }
    this.counts = new Float64Array(classes * classes);
  }

  /** Adds one batch (or image): flat predicted and ground-truth class indices of equal length. */
  update(pred: LabelArray, gt: LabelArray): this {
    if (pred.length !== gt.length) {
      throw new Error(`ConfusionMatrix.update: pred has ${pred.length} pixels but gt has ${gt.length}`);
    }
    const k = this.classes;
    for (let i = 0; i < gt.length; i++) {
      const g = gt[i];
      if (g === this.ignoreIndex) continue;
      const p = pred[i];
      if (g >= k || g < 0) {
        throw new Error(`ground-truth value ${g} at pixel ${i} is neither a class (0..${k - 1}) nor the ignore index ${this.ignoreIndex}: fix the label mapping`);
      }
      if (p >= k || p < 0) throw new Error(`predicted value ${p} at pixel ${i} is not a class (0..${k - 1})`);
      this.counts[g * k + p] += 1;
    }
    return this;
  }

  /** Argmax of `logits` [N,H,W,C] against int32 `labels` [N,H,W]; disposes what it creates, not its inputs. */
  async updateFromTensors(logits: tf.Tensor, labels: tf.Tensor): Promise<this> {
    const [p, g] = await predictionsAndLabels(logits, labels, this.classes);
    return this.update(p, g);
  }

  /** Pixels with ground truth `gt` predicted as `pred`. */
  count(gt: number, pred: number): number {
    return this.counts[gt * this.classes + pred];
  }

  /** Number of counted (non-ignored) pixels. */
  get total(): number {
    return this.counts.reduce((a, b) => a + b, 0);
  }

  private stats(): {tp: number[]; gtSum: number[]; predSum: number[]} {
    const k = this.classes;
    const tp = new Array<number>(k).fill(0);
    const gtSum = new Array<number>(k).fill(0);
    const predSum = new Array<number>(k).fill(0);
    for (let g = 0; g < k; g++) {
      for (let p = 0; p < k; p++) {
        const c = this.counts[g * k + p];
        gtSum[g] += c;
        predSum[p] += c;
        if (g === p) tp[g] += c;
      }
    }
    return {tp, gtSum, predSum};
  }

  /** TP / (TP + FP + FN) per class; NaN for a class absent from both ground truth and predictions. */
  perClassIoU(): number[] {
    const {tp, gtSum, predSum} = this.stats();
    return tp.map((t, c) => {
      const union = gtSum[c] + predSum[c] - t;
      return union === 0 ? NaN : t / union;
    });
  }

  /** Mean IoU over the classes whose IoU is defined (nanmean). */
  mIoU(): number {
    return nanmean(this.perClassIoU());
  }

  /** Correct pixels / counted pixels; NaN before any pixel was counted. */
  pixelAccuracy(): number {
    const {tp} = this.stats();
    const total = this.total;
    return total === 0 ? NaN : tp.reduce((a, b) => a + b, 0) / total;
  }

  /** Mean per-class recall TP / (TP + FN) over the classes present in the ground truth. */
  meanClassAccuracy(): number {
    const {tp, gtSum} = this.stats();
    return nanmean(tp.map((t, c) => (gtSum[c] === 0 ? NaN : t / gtSum[c])));
  }

  /** 2 TP / (2 TP + FP + FN) per class; NaN for a class absent from both ground truth and predictions. */
  perClassDice(): number[] {
    const {tp, gtSum, predSum} = this.stats();
    return tp.map((t, c) => (gtSum[c] + predSum[c] === 0 ? NaN : (2 * t) / (gtSum[c] + predSum[c])));
  }

  toJSON(): ConfusionMatrixJSON {
    const k = this.classes;
    const matrix = Array.from({length: k}, (_, g) => Array.from(this.counts.subarray(g * k, (g + 1) * k)));
    return {
      classes: k,
      ignoreIndex: this.ignoreIndex,
      matrix,
      perClassIoU: this.perClassIoU().map(orNull),
      mIoU: orNull(this.mIoU()),
      pixelAccuracy: orNull(this.pixelAccuracy()),
      meanClassAccuracy: orNull(this.meanClassAccuracy()),
      perClassDice: this.perClassDice().map(orNull),
    };
  }

  reset(): this {
    this.counts.fill(0);
    return this;
  }

  /** Adds the counts of `other` (same classes and ignore index), e.g. from another worker or split. */
  merge(other: ConfusionMatrix): this {
    if (other.classes !== this.classes || other.ignoreIndex !== this.ignoreIndex) {
      throw new Error(
        `ConfusionMatrix.merge: cannot merge ${other.classes} classes / ignore ${other.ignoreIndex} into ` +
          `${this.classes} classes / ignore ${this.ignoreIndex}`,
      );
    }
    for (let i = 0; i < this.counts.length; i++) this.counts[i] += other.counts[i];
    return this;
  }
}

/** Argmax class map of `logits` [N,H,W,C] after checking it lines up with `labels` [N,H,W]. */
/** Argmax predictions of `logits` and the `labels` as flat arrays; frees what it creates, not its inputs. */
export async function predictionsAndLabels(logits: tf.Tensor, labels: tf.Tensor, classes: number): Promise<[Int32Array, Int32Array]> {
  const pred = predictionsOf(logits, labels, classes);
  try {
    const [p, g] = await Promise.all([pred.data(), labels.data()]);
    return [p as Int32Array, g as Int32Array];
  } finally {
    pred.dispose();
  }
}

export function predictionsOf(logits: tf.Tensor, labels: tf.Tensor, classes: number): tf.Tensor {
  if (logits.rank !== 4 || labels.rank !== 3) {
    throw new Error(`metrics: expected logits [N,H,W,C] and labels [N,H,W]; got [${logits.shape}] and [${labels.shape}]`);
  }
  if (logits.shape[3] !== classes) {
    throw new Error(`metrics: logits have ${logits.shape[3]} classes but the metric was created for ${classes}`);
  }
  const [n, h, w] = logits.shape;
  if (labels.shape[0] !== n || labels.shape[1] !== h || labels.shape[2] !== w) {
    throw new Error(
      `metrics: logits [${logits.shape}] and labels [${labels.shape}] differ in N, H or W ` +
        '(for a valid-padding model crop the labels with centerCropLabels from server/losses)',
    );
  }
  return tf.tidy(() => tf.argMax(logits, -1));
}

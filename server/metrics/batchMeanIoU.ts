/**
 * Per-batch mean IoU (what Keras-style metrics give when they average per batch) reported next to the
 * dataset-wide mIoU, with a one-line explanation of why the two differ.
 */
import * as tf from '@tensorflow/tfjs';
import {ConfusionMatrix, LabelArray, predictionsAndLabels} from './confusionMatrix';

export interface BatchMeanIoUOptions {
  /**
   * How a class absent from a batch (in both gt and predictions) enters that batch's mIoU: 'skip' (default,
   * nanmean) or 'zero' (counted as IoU 0, averaged over all classes).
   */
  readonly absentClass?: 'skip' | 'zero';
}

const fmt = (v: number): string => (Number.isNaN(v) ? 'n/a' : v.toFixed(4));

export class BatchMeanIoU {
  /** The pooled counts over every batch seen: the dataset-wide value. */
  readonly dataset: ConfusionMatrix;
  private readonly absentClass: 'skip' | 'zero';
  private readonly batchValues: number[] = [];

  constructor(
    readonly classes: number,
    readonly ignoreIndex = 255,
    opts: BatchMeanIoUOptions = {},
  ) {
    this.dataset = new ConfusionMatrix(classes, ignoreIndex);
    this.absentClass = opts.absentClass ?? 'skip';
    if (this.absentClass !== 'skip' && this.absentClass !== 'zero') {
      throw new Error(`BatchMeanIoU: absentClass must be 'skip' or 'zero'; got ${JSON.stringify(this.absentClass)}`);
    }
  }

  /** Adds one batch; returns that batch's mIoU (NaN, and not averaged, when every pixel is ignored). */
  update(pred: LabelArray, gt: LabelArray): number {
    const batch = new ConfusionMatrix(this.classes, this.ignoreIndex).update(pred, gt);
    this.dataset.merge(batch);
    const value = batch.total === 0 ? NaN : this.batchValue(batch);
    if (!Number.isNaN(value)) this.batchValues.push(value);
    return value;
  }

  /** Argmax of `logits` [N,H,W,C] against `labels` [N,H,W] as one batch; disposes what it creates. */
  async updateFromTensors(logits: tf.Tensor, labels: tf.Tensor): Promise<number> {
    const [p, g] = await predictionsAndLabels(logits, labels, this.classes);
    return this.update(p, g);
  }

  private batchValue(batch: ConfusionMatrix): number {
    const iou = batch.perClassIoU();
    if (this.absentClass === 'skip') return batch.mIoU();
    return iou.reduce((a, v) => a + (Number.isNaN(v) ? 0 : v), 0) / iou.length;
  }

  /** Number of batches that entered the per-batch mean. */
  get batches(): number {
    return this.batchValues.length;
  }

  /** Mean of the per-batch mIoUs (each batch weighs the same); NaN before any batch. */
  batchMean(): number {
    const n = this.batchValues.length;
    return n === 0 ? NaN : this.batchValues.reduce((a, b) => a + b, 0) / n;
  }

  /** mIoU of the pooled counts over every batch. */
  datasetMIoU(): number {
    return this.dataset.mIoU();
  }

  /** One line comparing the two values and saying why they differ. */
  explainDifference(): string {
    const perBatch = this.batchMean();
    const pooled = this.datasetMIoU();
    const head = `per-batch mean mIoU ${fmt(perBatch)} vs dataset-wide mIoU ${fmt(pooled)} over ${this.batches} batches`;
    if (Number.isNaN(perBatch) || Number.isNaN(pooled)) return `${head}: no labelled pixel seen yet`;
    if (Math.abs(perBatch - pooled) < 5e-5) return `${head}: they agree`;
    const absent = this.absentClass === 'skip' ? 'skipped' : 'counted as 0';
    return (
      `${head}: the per-batch mean weighs every batch equally and a class absent from a batch is ${absent}, ` +
      'so small or rare classes swing it; the dataset-wide value pools pixel counts over the whole set first ' +
      'and is the one to report'
    );
  }

  reset(): void {
    this.dataset.reset();
    this.batchValues.length = 0;
  }
}

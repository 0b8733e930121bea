/**
 * Lovász-softmax loss (Berman, Rannen Triki & Blaschko, CVPR 2018), the convex surrogate of 1 - IoU, following the
 * authors' lovasz_softmax(probas, labels, classes, per_image, ignore).
 *
 * For each class c: errors e_i = |g_i - p_i| over the labelled pixels, sorted descending; the loss is
 * sum_i e_sorted_i * lovasz_grad(g_sorted)_i. The sort permutation is piecewise constant, so the loss equals
 * sum_i e_i * w_i with w the Lovász gradient scattered back to each pixel's position, and w carries no
 * gradient. Computing w inside a zero-gradient block means no gradient ever passes through the sort (TopK has
 * none) or through tf.gather (whose gradient is missing on wasm): the logits' gradient is just w * d|g - p|/dp.
 */
import * as tf from '@tensorflow/tfjs';
import {DEFAULT_IGNORE_INDEX, checkLogitsAndLabels} from './labels';
import {ClassMode, checkClassMode, maskedProbsAndOneHot} from './overlap';

export interface LovaszOptions {
  /** Label value excluded from the loss (default 255). */
  readonly ignoreIndex?: number;
  /** 'present' (default): classes present in the labels (of the image, with perImage); 'all': every class. */
  readonly classes?: ClassMode;
  /** Compute the loss per image and average over images (default false: one loss over the whole batch). */
  readonly perImage?: boolean;
}

/**
 * Lovász gradient of the Jaccard loss for every row of `keys` (errors, ignored pixels set to -1 so they sort
 * last), `fg` and `valid` ([rows, n]), put back in the original pixel order. No gradient flows through it.
 */
const lovaszWeights = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [keys, fg, valid] = args as tf.Tensor[];
  const value = tf.tidy(() => {
    const [rows, n] = keys.shape as [number, number];
    const {indices} = tf.topk(keys, n, true);
    const offsets = tf.mul(tf.range(0, rows, 1, 'int32').reshape([rows, 1]), tf.scalar(n, 'int32'));
    const flat = tf.reshape(tf.add(indices, offsets), [rows * n]);
    const fgSorted = tf.reshape(tf.gather(tf.reshape(fg, [rows * n]), flat), [rows, n]);
    const validSorted = tf.reshape(tf.gather(tf.reshape(valid, [rows * n]), flat), [rows, n]);
    const gts = tf.sum(fgSorted, 1, true);
    const intersection = tf.sub(gts, tf.cumsum(fgSorted, 1));
    const union = tf.add(gts, tf.cumsum(tf.mul(tf.sub(1, fgSorted), validSorted), 1));
    // union >= 1 at every position once any pixel of the row is labelled (labelled pixels sort first).
    const jaccard = tf.sub(1, tf.div(intersection, tf.maximum(union, 1)));
    const previous = tf.concat([tf.zeros([rows, 1]), tf.slice(jaccard, [0, 0], [rows, n - 1])], 1);
    const gradSorted = tf.mul(tf.sub(jaccard, previous), validSorted);
    return tf.reshape(tf.scatterND(tf.reshape(flat, [rows * n, 1]), tf.reshape(gradSorted, [rows * n]), [rows * n]), [rows, n]);
  });
  return {value, gradFunc: () => [tf.zerosLike(keys), tf.zerosLike(fg), tf.zerosLike(valid)]};
});

/** [N,H,W,C] -> [rows, n]: one row per class (perImage false) or per image and class (perImage true). */
function toRows(t: tf.Tensor4D, perImage: boolean): tf.Tensor2D {
  const [n, h, w, c] = t.shape;
  if (perImage) return tf.reshape(tf.transpose(tf.reshape(t, [n, h * w, c]), [0, 2, 1]), [n * c, h * w]);
  return tf.transpose(tf.reshape(t, [n * h * w, c]));
}

/**
 * Lovász-softmax of `logits` [N,H,W,C] against int32 `labels` [N,H,W]: mean over classes (present or all) of
 * each class's Lovász extension of 1 - IoU; with perImage, per image then mean over images. An image or batch
 * with no labelled pixel (or, with 'present', no class) counts 0, as in the authors' code.
 */
export function lovaszSoftmaxLoss(logits: tf.Tensor, labels: tf.Tensor, opts: LovaszOptions = {}): tf.Scalar {
  checkLogitsAndLabels(logits, labels, 'lovaszSoftmaxLoss');
  const mode = checkClassMode(opts.classes ?? 'present', 'lovaszSoftmaxLoss');
  const perImage = opts.perImage ?? false;
  if (typeof perImage !== 'boolean') throw new Error(`lovaszSoftmaxLoss: perImage must be true or false; got ${JSON.stringify(perImage)}`);
  return tf.tidy(() => {
    const {p, g, valid} = maskedProbsAndOneHot(logits, labels, opts.ignoreIndex ?? DEFAULT_IGNORE_INDEX);
    const validC = tf.mul(tf.expandDims(valid, -1), tf.ones([p.shape[3]])) as tf.Tensor4D; // not from p: no gradient path
    const pr = toRows(p, perImage);
    const gr = toRows(g, perImage);
    const vr = toRows(validC, perImage);
    const errors = tf.abs(tf.sub(gr, pr)); // 0 at ignored pixels: both are masked
    const keys = tf.where(tf.greater(vr, 0), errors, tf.fill(errors.shape, -1));
    const w = lovaszWeights(keys, gr, vr);
    const perRow = tf.sum(tf.mul(errors, w), 1);
    const [n, , , c] = p.shape;
    const groups = perImage ? n : 1;
    const rowLoss = tf.reshape(perRow, [groups, c]);
    const gtSum = tf.reshape(tf.sum(gr, 1), [groups, c]);
    const anyValid = tf.cast(tf.greater(tf.reshape(tf.sum(vr, 1), [groups, c]), 0), 'float32');
    const counted = mode === 'present' ? tf.cast(tf.greater(gtSum, 0), 'float32') : anyValid;
    const perGroup = tf.div(tf.sum(tf.mul(rowLoss, counted), 1), tf.maximum(tf.sum(counted, 1), 1));
    return tf.mean(perGroup) as tf.Scalar;
  });
}

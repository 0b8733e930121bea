/**
 * Per-image figures of a preview, on plain arrays (no tfjs): class map and confidence from the network's output,
 * IoU per class against the ground truth, and the share of each predicted class.
 */
import type { PerClass } from '../protocol';

/**
 * Argmax and its softmax probability per pixel. `kind` 'logits': p = 1 / Σ exp(l_k − l_max); 'probabilities'
 * (averaged TTA output): the largest value itself. Confidence is scaled to 0–255 and rounded.
 */
export function classAndConfidence(
  data: Float32Array,
  classes: number,
  kind: 'logits' | 'probabilities',
): { pred: Uint8Array; confidence: Uint8Array } {
  if (classes < 1 || data.length % classes !== 0) throw new Error(`classAndConfidence: ${data.length} values are not a multiple of ${classes} classes`);
  const n = data.length / classes;
  const pred = new Uint8Array(n);
  const confidence = new Uint8Array(n);
  for (let p = 0, o = 0; p < n; p++, o += classes) {
    let best = 0;
    let top = data[o];
    for (let k = 1; k < classes; k++) {
      if (data[o + k] > top) {
        top = data[o + k];
        best = k;
      }
    }
    let prob: number;
    if (kind === 'probabilities') {
      prob = Math.min(1, Math.max(0, top));
    } else {
      let sum = 1; // exp(0) for the best class itself
      for (let k = 0; k < classes; k++) if (k !== best) sum += Math.exp(data[o + k] - top);
      prob = 1 / sum; // in (0, 1]
    }
    pred[p] = best;
    confidence[p] = (255 * prob + 0.5) | 0; // Math.round for a value in [0, 255]
  }
  return { pred, confidence };
}

/**
 * IoU of each class on one image: |pred = c ∧ gt = c| / |pred = c ∨ gt = c| over the pixels whose ground truth is
 * not `ignoreIndex`; null for a class absent from both.
 */
export function perImageIoU(pred: ArrayLike<number>, gt: ArrayLike<number>, classes: number, ignoreIndex: number): PerClass {
  if (pred.length !== gt.length) throw new Error(`perImageIoU: prediction has ${pred.length} pixels but ground truth has ${gt.length}`);
  const inter = new Float64Array(classes);
  const union = new Float64Array(classes);
  for (let i = 0; i < pred.length; i++) {
    const g = gt[i];
    if (g === ignoreIndex) continue;
    const p = pred[i];
    if (p === g) {
      if (p < classes) {
        inter[p]++;
        union[p]++;
      }
    } else {
      if (p < classes) union[p]++;
      if (g < classes) union[g]++;
    }
  }
  return Array.from(union, (u, c) => (u === 0 ? null : inter[c] / u));
}

/** Fraction of pixels predicted as each class. */
export function classShares(pred: ArrayLike<number>, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < pred.length; i++) if (pred[i] < classes) counts[pred[i]]++;
  return counts.map((c) => (pred.length ? c / pred.length : 0));
}

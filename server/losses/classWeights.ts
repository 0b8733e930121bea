/** Class weights from pixel counts, for `crossEntropy({classWeights})`. */

export type ClassWeightMethod = 'median' | 'inverse';

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Weights from per-class pixel counts over the training set.
 *
 * - 'median' (default): median frequency balancing (Eigen & Fergus 2015), w_c = median(f) / f_c with
 *   f_c = count_c / total pixels and the median over the classes that occur. Simplification: f_c is taken over
 *   all pixels, not only over images that contain c.
 * - 'inverse': w_c = total / (K * count_c) with K the number of classes that occur (scikit-learn's "balanced").
 *
 * A class with 0 pixels gets weight 0: it contributes no pixels to the loss anyway.
 */
export function balancedClassWeights(pixelCounts: readonly number[], method: ClassWeightMethod = 'median'): number[] {
  if (pixelCounts.length === 0) throw new Error('balancedClassWeights: pixelCounts is empty; give one count per class');
  const bad = pixelCounts.findIndex((c) => typeof c !== 'number' || !Number.isFinite(c) || c < 0);
  if (bad >= 0) {
    throw new Error(`balancedClassWeights: pixelCounts[${bad}] = ${JSON.stringify(pixelCounts[bad])} must be a finite count >= 0`);
  }
  const total = pixelCounts.reduce((a, b) => a + b, 0);
  const present = pixelCounts.filter((c) => c > 0);
  if (present.length === 0) throw new Error('balancedClassWeights: every class has 0 pixels; check the label mapping');
  if (method === 'inverse') return pixelCounts.map((c) => (c > 0 ? total / (present.length * c) : 0));
  if (method !== 'median') throw new Error(`balancedClassWeights: method ${JSON.stringify(method)} is unknown; valid: median, inverse`);
  const med = median(present.map((c) => c / total));
  return pixelCounts.map((c) => (c > 0 ? med / (c / total) : 0));
}

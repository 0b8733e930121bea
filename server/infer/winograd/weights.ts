/**
 * Filter transform for the Winograd kernel: U_t = G g Gᵀ per input/output channel pair, laid out [t][c][co]
 * (t = 4·row + column of the 4×4 transformed tile), from a tfjs HWIO 3×3 filter.
 */
import { G } from './kernel';

export function transformFilter(filter: Float32Array, cIn: number, cOut: number): Float32Array {
  if (filter.length !== 9 * cIn * cOut) {
    throw new Error(`winograd: a 3x3 filter of ${cIn}x${cOut} channels has ${9 * cIn * cOut} values, got ${filter.length}`);
  }
  const u = new Float32Array(16 * cIn * cOut);
  const g = new Float64Array(9);
  for (let c = 0; c < cIn; c++) {
    for (let co = 0; co < cOut; co++) {
      for (let k = 0; k < 9; k++) g[k] = filter[(k * cIn + c) * cOut + co];
      for (let r = 0; r < 4; r++) {
        for (let q = 0; q < 4; q++) {
          let sum = 0;
          for (let a = 0; a < 3; a++) {
            for (let b = 0; b < 3; b++) sum += G[r][a] * g[a * 3 + b] * G[q][b];
          }
          u[((r * 4 + q) * cIn + c) * cOut + co] = sum;
        }
      }
    }
  }
  return u;
}

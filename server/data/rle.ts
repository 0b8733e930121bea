/**
 * COCO run-length encoding (pycocotools semantics, ported from cocoapi common/maskApi.c).
 *
 * An RLE stores a binary h×w mask in column-major (Fortran) order as alternating run lengths, starting with a
 * run of zeros (possibly empty). The compressed form writes the counts as a string: each count (after the
 * third, minus the count two places before it) in 5-bit groups, little-end first, 6 bits per character with a
 * continuation bit, offset by 48 (characters '0'..'o').
 *
 * Masks passed to and returned by these functions are row-major HW, like every other mask in SegLab.
 */

export interface Rle {
  /** [height, width], as in COCO. */
  readonly size: readonly [number, number];
  /** Run lengths in column-major order, zeros first. */
  readonly counts: readonly number[];
}

/** Encodes a row-major HW mask (nonzero = foreground). */
export function rleEncode(mask: ArrayLike<number>, height: number, width: number): Rle {
  if (mask.length !== height * width) throw new Error(`rleEncode: mask has ${mask.length} values, expected ${height}x${width}`);
  const counts: number[] = [];
  let previous = 0;
  let run = 0;
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      const v = mask[y * width + x] ? 1 : 0;
      if (v !== previous) {
        counts.push(run);
        run = 0;
        previous = v;
      }
      run++;
    }
  }
  counts.push(run);
  return { size: [height, width], counts };
}

/** Decodes to a row-major HW mask of 0/1. Counts must sum to height × width. */
export function rleDecode(rle: Rle): Uint8Array {
  const [h, w] = rle.size;
  const out = new Uint8Array(h * w);
  paintRle(out, rle, 1);
  return out;
}

/** Sets `value` in a row-major HW target wherever the RLE is foreground. */
export function paintRle(target: Uint8Array | Uint16Array, rle: Rle, value: number): void {
  const [h, w] = rle.size;
  const problem = rleProblem(rle);
  if (problem) throw new Error(problem);
  if (target.length !== h * w) throw new Error(`paintRle: target has ${target.length} values, RLE is ${h}x${w}`);
  let p = 0;
  for (let j = 0; j < rle.counts.length; j++) {
    const end = p + rle.counts[j];
    if (j % 2 === 1) {
      for (let q = p; q < end; q++) {
        const x = Math.floor(q / h);
        target[(q - x * h) * w + x] = value;
      }
    }
    p = end;
  }
}

/** Describes what is wrong with an RLE (bad size, negative counts, counts not summing to h×w), or undefined. */
export function rleProblem(rle: Rle): string | undefined {
  const [h, w] = rle.size;
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 0 || w < 0) return `bad RLE size ${JSON.stringify(rle.size)}`;
  let total = 0;
  for (const c of rle.counts) {
    if (!Number.isInteger(c) || c < 0) return `bad RLE count ${JSON.stringify(c)}`;
    total += c;
  }
  if (total !== h * w) return `RLE counts sum to ${total}, but size ${h}x${w} needs ${h * w}`;
  return undefined;
}

/** Number of foreground pixels. */
export function rleArea(rle: Rle): number {
  let a = 0;
  for (let j = 1; j < rle.counts.length; j += 2) a += rle.counts[j];
  return a;
}

/** COCO's compressed counts string (maskApi.c rleToString). */
export function rleToString(rle: Rle): string {
  const cnts = rle.counts;
  let s = '';
  for (let i = 0; i < cnts.length; i++) {
    let x = cnts[i];
    if (i > 2) x -= cnts[i - 2];
    let more = true;
    while (more) {
      let c = ((x % 32) + 32) % 32; // x & 0x1f for negative x as well
      x = Math.floor(x / 32); // arithmetic shift right by 5
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      s += String.fromCharCode(c + 48);
    }
  }
  return s;
}

/** Parses COCO's compressed counts string (maskApi.c rleFrString). */
export function rleFromString(counts: string, height: number, width: number): Rle {
  const cnts: number[] = [];
  let p = 0;
  while (p < counts.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      if (p >= counts.length) throw new Error('compressed RLE string ends in the middle of a count');
      const c = counts.charCodeAt(p) - 48;
      if (c < 0 || c > 63) throw new Error(`compressed RLE string has an invalid character ${JSON.stringify(counts[p])}`);
      x += (c & 0x1f) * 2 ** (5 * k);
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && c & 0x10) x -= 2 ** (5 * k); // sign-extend
    }
    if (cnts.length > 2) x += cnts[cnts.length - 2];
    cnts.push(x);
  }
  return { size: [height, width], counts: cnts };
}

/**
 * Polygon rasterisation with pycocotools' exact algorithm (port of rleFrPoly in cocoapi common/maskApi.c):
 * upsample the vertices by 5 and round, walk every edge with a DDA to get dense boundary points, keep the points
 * where the walk crosses a pixel-centre column (x + 0.5 in COCO coordinates), turn each crossing into a
 * y-boundary at that column, and build the column-major RLE by sorting those boundaries and toggling.
 * A pixel (column c, row r) ends up inside roughly when its centre (c + 0.5, r + 0.5) lies inside the polygon.
 */
import { Rle } from './rle';

const SCALE = 5;

/** C's `(int)` cast: truncation toward zero. */
const cInt = (v: number) => Math.trunc(v);

/** Rasterises one polygon `[x1, y1, x2, y2, ...]` (at least 3 points) into an RLE of size h×w. */
export function rleFromPolygon(xy: readonly number[], height: number, width: number): Rle {
  const [u, v] = boundaryPoints(xy);
  const [xs, ys] = columnCrossings(u, v, height, width);
  return { size: [height, width], counts: countsFromCrossings(xs, ys, height, width) };
}

/** Upsampled, densely sampled boundary points (u = x, v = y), edge after edge. */
function boundaryPoints(xy: readonly number[]): [number[], number[]] {
  const k = Math.floor(xy.length / 2);
  const x: number[] = [];
  const y: number[] = [];
  for (let j = 0; j < k; j++) {
    x.push(cInt(SCALE * xy[2 * j] + 0.5));
    y.push(cInt(SCALE * xy[2 * j + 1] + 0.5));
  }
  x.push(x[0]);
  y.push(y[0]);
  const u: number[] = [];
  const v: number[] = [];
  for (let j = 0; j < k; j++) walkEdge(x[j], y[j], x[j + 1], y[j + 1], u, v);
  return [u, v];
}

function walkEdge(x0: number, y0: number, x1: number, y1: number, u: number[], v: number[]): void {
  let xs = x0, xe = x1, ys = y0, ye = y1;
  const dx = Math.abs(xe - xs);
  const dy = Math.abs(ys - ye);
  const flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
  if (flip) {
    [xs, xe] = [xe, xs];
    [ys, ye] = [ye, ys];
  }
  if (dx >= dy) {
    const s = dx === 0 ? 0 : (ye - ys) / dx; // C divides 0/0 here; that point's y is never used
    for (let d = 0; d <= dx; d++) {
      const t = flip ? dx - d : d;
      u.push(t + xs);
      v.push(cInt(ys + s * t + 0.5));
    }
  } else {
    const s = (xe - xs) / dy;
    for (let d = 0; d <= dy; d++) {
      const t = flip ? dy - d : d;
      v.push(t + ys);
      u.push(cInt(xs + s * t + 0.5));
    }
  }
}

/** Where the boundary crosses a pixel-centre column: (column, first row below the crossing). */
function columnCrossings(u: number[], v: number[], h: number, w: number): [number[], number[]] {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let j = 1; j < u.length; j++) {
    if (u[j] === u[j - 1]) continue;
    let xd = u[j] < u[j - 1] ? u[j] : u[j] - 1;
    xd = (xd + 0.5) / SCALE - 0.5;
    if (Math.floor(xd) !== xd || xd < 0 || xd > w - 1) continue;
    let yd = v[j] < v[j - 1] ? v[j] : v[j - 1];
    yd = (yd + 0.5) / SCALE - 0.5;
    if (yd < 0) yd = 0;
    else if (yd > h) yd = h;
    xs.push(xd);
    ys.push(Math.ceil(yd));
  }
  return [xs, ys];
}

/** Sorts the column-major boundary positions and turns them into toggle run lengths (maskApi.c semantics). */
function countsFromCrossings(xs: number[], ys: number[], h: number, w: number): number[] {
  const a = xs.map((x, j) => x * h + ys[j]);
  a.push(h * w);
  a.sort((p, q) => p - q);
  let previous = 0;
  for (let j = 0; j < a.length; j++) {
    const t = a[j];
    a[j] -= previous;
    previous = t;
  }
  const b: number[] = [a[0]];
  let j = 1;
  while (j < a.length) {
    if (a[j] > 0) b.push(a[j++]);
    else {
      j++;
      if (j < a.length) b[b.length - 1] += a[j++];
    }
  }
  return b;
}

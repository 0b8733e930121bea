/**
 * Connected components of label images, for the U-Net weight map's "objects".
 *
 * Connectivity: 4 (edge neighbours) by default, as scipy.ndimage.label. With 4-connectivity a one-pixel-wide
 * diagonal line of background (a thin membrane in EM images) still separates two cells; 8-connectivity (corner
 * neighbours too, as skimage.measure.label) would join them.
 */

export type Connectivity = 4 | 8;

/** Per-pixel object ids (0 = no object, 1..count) and the bounding box of each object. */
export interface ObjectLabels {
  readonly height: number;
  readonly width: number;
  /** Row-major, length height * width. */
  readonly ids: Int32Array;
  readonly count: number;
  /** Inclusive boxes, index id - 1: [top, left, bottom, right]. */
  readonly boxes: ReadonlyArray<readonly [number, number, number, number]>;
}

const N4: ReadonlyArray<readonly [number, number]> = [[-1, 0], [1, 0], [0, -1], [0, 1]];
const N8: ReadonlyArray<readonly [number, number]> = [...N4, [-1, -1], [-1, 1], [1, -1], [1, 1]];

function checkGrid(values: ArrayLike<number>, height: number, width: number, who: string): void {
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new Error(`${who}: height and width must be positive integers; got ${height}x${width}`);
  }
  if (values.length !== height * width) {
    throw new Error(`${who}: got ${values.length} values but ${height}x${width} needs ${height * width}`);
  }
}

/**
 * Components of equal values: two neighbouring pixels join when `values` are equal and `include(value)` holds for
 * them. Pixels where `include` is false get id 0. Ids are numbered in raster order of each component's first pixel.
 */
export function connectedComponents(
  values: ArrayLike<number>,
  height: number,
  width: number,
  include: (value: number) => boolean,
  connectivity: Connectivity = 4,
): ObjectLabels {
  checkGrid(values, height, width, 'connectedComponents');
  if (connectivity !== 4 && connectivity !== 8) {
    throw new Error(`connectedComponents: connectivity must be 4 or 8; got ${JSON.stringify(connectivity)}`);
  }
  const offsets = connectivity === 4 ? N4 : N8;
  const ids = new Int32Array(height * width);
  const queue = new Int32Array(height * width);
  const boxes: [number, number, number, number][] = [];
  for (let start = 0; start < ids.length; start++) {
    if (ids[start] !== 0 || !include(values[start])) continue;
    const id = boxes.length + 1;
    const value = values[start];
    const box: [number, number, number, number] = [height, width, -1, -1];
    ids[start] = id;
    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    while (head < tail) {
      const i = queue[head++];
      const y = Math.floor(i / width);
      const x = i - y * width;
      box[0] = Math.min(box[0], y);
      box[1] = Math.min(box[1], x);
      box[2] = Math.max(box[2], y);
      box[3] = Math.max(box[3], x);
      for (const [dy, dx] of offsets) {
        const ny = y + dy;
        const nx = x + dx;
        if (ny < 0 || ny >= height || nx < 0 || nx >= width) continue;
        const j = ny * width + nx;
        if (ids[j] === 0 && values[j] === value) {
          ids[j] = id;
          queue[tail++] = j;
        }
      }
    }
    boxes.push(box);
  }
  return {height, width, ids, count: boxes.length, boxes};
}

/**
 * Objects of a class mask: connected components of each class not in `backgroundClasses` (pixels of different
 * classes never join), skipping `ignoreIndex`.
 */
export function classObjects(
  mask: ArrayLike<number>,
  height: number,
  width: number,
  opts: {readonly backgroundClasses?: readonly number[]; readonly ignoreIndex?: number; readonly connectivity?: Connectivity} = {},
): ObjectLabels {
  const background = new Set(opts.backgroundClasses ?? [0]);
  const ignore = opts.ignoreIndex ?? 255;
  return connectedComponents(mask, height, width, (v) => v !== ignore && !background.has(v), opts.connectivity ?? 4);
}

/**
 * Objects given by an instance map (COCO instances rasterised): every distinct id > 0 is one object, whether or
 * not its pixels touch. Ids are renumbered 1..count in raster order of first appearance.
 */
export function instanceObjects(instances: ArrayLike<number>, height: number, width: number): ObjectLabels {
  checkGrid(instances, height, width, 'instanceObjects');
  const remap = new Map<number, number>();
  const ids = new Int32Array(height * width);
  const boxes: [number, number, number, number][] = [];
  for (let i = 0; i < ids.length; i++) {
    const v = instances[i];
    if (!(v > 0)) continue;
    let id = remap.get(v);
    if (id === undefined) {
      id = boxes.length + 1;
      remap.set(v, id);
      boxes.push([height, width, -1, -1]);
    }
    ids[i] = id;
    const y = Math.floor(i / width);
    const x = i - y * width;
    const box = boxes[id - 1];
    box[0] = Math.min(box[0], y);
    box[1] = Math.min(box[1], x);
    box[2] = Math.max(box[2], y);
    box[3] = Math.max(box[3], x);
  }
  return {height, width, ids, count: boxes.length, boxes};
}

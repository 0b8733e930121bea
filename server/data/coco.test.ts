import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CocoDataset, CocoOptions } from './coco';
import { rleEncode, rleToString } from './rle';
import { pngFile, tempDir } from './fixtures';
import { withoutInstances } from './types';
import { sampleWeightMap } from '../losses/weightMap';

const { dir, cleanup } = tempDir();
after(cleanup);
const W = 6;
const H = 5;

const categories = [{ id: 5, name: 'cat' }, { id: 2, name: 'dog' }, { id: 9, name: 'person' }];
const rect = [1, 1, 4, 1, 4, 3, 1, 3]; // columns 1..3, rows 1..2 (see polygon.test.ts)
/** Column 3, all rows, as an uncompressed RLE: 3 full columns of zeros, then 5 ones, then the rest. */
const column3 = { size: [H, W], counts: [3 * H, H, 2 * H] };
/** Crowd region: pixel (column 0, row 4) and (column 1, row 1), compressed. */
const crowdMask = new Uint8Array(H * W);
crowdMask[4 * W + 0] = 1;
crowdMask[1 * W + 1] = 1;
const crowdRle = { size: [H, W], counts: rleToString(rleEncode(crowdMask, H, W)) };

function cocoJson(annotations: object[], extra: object = {}): object {
  return {
    images: [{ id: 1, file_name: 'a.png', height: H, width: W }, { id: 2, file_name: 'b.png', height: H, width: W }],
    annotations, categories, ...extra,
  };
}

async function open(json: object, options: Partial<CocoOptions> = {}, name = 'ann.json'): Promise<CocoDataset> {
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify(json));
  return CocoDataset.open({ annotations: file, images: dir, ...options });
}

const standard = [
  { id: 10, image_id: 1, category_id: 9, iscrowd: 1, segmentation: crowdRle }, // crowd first in the file
  { id: 11, image_id: 1, category_id: 5, iscrowd: 0, segmentation: [rect] },
  { id: 12, image_id: 1, category_id: 2, iscrowd: 0, segmentation: column3 },
];

/** Builds the expected mask from (column, row, value) paints applied in order. */
function expectedMask(paints: [number, number, number][]): number[] {
  const m = new Array<number>(H * W).fill(0);
  for (const [c, r, v] of paints) m[r * W + c] = v;
  return m;
}
const rectPixels = (v: number) => [1, 2, 3].flatMap((c) => [1, 2].map((r) => [c, r, v] as [number, number, number]));
const columnPixels = (v: number) => [0, 1, 2, 3, 4].map((r) => [3, r, v] as [number, number, number]);
const crowdPixels = (v: number): [number, number, number][] => [[0, 4, v], [1, 1, v]];

before(async () => {
  const img = Uint8Array.from({ length: H * W * 3 }, (_, i) => i % 256);
  await pngFile(path.join(dir, 'a.png'), img, W, H, 3);
  await pngFile(path.join(dir, 'b.png'), img, W, H, 3);
  await pngFile(path.join(dir, 'small.png'), img.subarray(0, 4 * 4 * 3), 4, 4, 3);
});

describe('CocoDataset', () => {
  test('classes: background then categories in ascending id order; subset keeps order', async () => {
    const ds = await open(cocoJson(standard));
    assert.equal(ds.classes, 4);
    assert.deepEqual(ds.classNames, ['background', 'dog', 'cat', 'person']);
    assert.deepEqual(ds.categoryIds, [2, 5, 9]);
    const sub = await open(cocoJson(standard), { categories: [9, 2] });
    assert.deepEqual(sub.classNames, ['background', 'dog', 'person']);
  });

  test('polygon, then uncompressed RLE over it, crowd (compressed RLE) applied last as ignore', async () => {
    const ds = await open(cocoJson(standard));
    // cat = class 2 (rectangle), dog = class 1 (column 3, painted later), crowd -> 255
    const want = expectedMask([...rectPixels(2), ...columnPixels(1), ...crowdPixels(255)]);
    assert.deepEqual(Array.from(ds.rasterize(0)), want);
    assert.deepEqual(Array.from(ds.rasterize(1)), new Array(H * W).fill(0));
    const sample = await ds.get(0);
    assert.equal(sample.id, 'a.png');
    assert.equal(sample.channels, 3);
    assert.equal(sample.image.length, H * W * 3);
    assert.deepEqual(Array.from(sample.mask), want);
  });

  test('crowd modes foreground and background; excluded categories are not painted', async () => {
    const fg = await open(cocoJson(standard), { crowd: 'foreground' });
    assert.deepEqual(Array.from(fg.rasterize(0)), expectedMask([...crowdPixels(3), ...rectPixels(2), ...columnPixels(1)]));
    const bg = await open(cocoJson(standard), { crowd: 'background' });
    assert.deepEqual(Array.from(bg.rasterize(0)), expectedMask([...rectPixels(2), ...columnPixels(1)]));
    const noDog = await open(cocoJson(standard), { categories: [5, 9] });
    assert.deepEqual(Array.from(noDog.rasterize(0)), expectedMask([...rectPixels(1), ...crowdPixels(255)]));
  });

  test('multi-polygon annotations paint every part', async () => {
    const ann = [{ id: 1, image_id: 2, category_id: 2, iscrowd: 0, segmentation: [[0, 0, 1, 0, 1, 1, 0, 1], [5, 4, 6, 4, 6, 5, 5, 5]] }];
    const ds = await open(cocoJson(ann));
    assert.deepEqual(Array.from(ds.rasterize(1)), expectedMask([[0, 0, 1], [5, 4, 1]]));
  });
});

/** Checks that a pixel with instance id k has the class of the image's annotation k (classOf[k - 1]). */
function assertAgree(mask: Uint8Array, instances: Uint16Array, classOf: number[]): void {
  instances.forEach((id, i) => {
    if (id > 0) assert.equal(mask[i], classOf[id - 1], `pixel ${i}: instance ${id}`);
  });
}

/** w(x) with w_c = 1 by brute force: distance from every pixel to every pixel of every instance, O(n^2). */
function bruteInstanceWeights(mask: Uint8Array, instances: Uint16Array, w0: number, sigma: number): number[] {
  const ids = [...new Set(instances)].filter((id) => id > 0);
  return Array.from(mask, (cls, p) => {
    if (cls !== 0) return 1;
    const [py, px] = [Math.floor(p / W), p % W];
    const d = ids.map((id) => Math.min(...Array.from(instances, (v, q) => (v === id ? Math.hypot(py - Math.floor(q / W), px - (q % W)) : Infinity))));
    d.sort((a, b) => a - b);
    return d.length < 2 ? 1 : 1 + w0 * Math.exp(-((d[0] + d[1]) ** 2) / (2 * sigma * sigma));
  });
}

describe('CocoDataset instance maps', () => {
  test('annotation k paints id k with its class, later over earlier; ignored crowds clear the ids beneath', async () => {
    const ds = await open(cocoJson(standard));
    const { mask, instances } = ds.labels(0);
    assert.ok(instances instanceof Uint16Array);
    // Annotation 1 is the crowd (no instance), 2 the rectangle, 3 the column painted over it; crowd pixel (1, 1) -> 0.
    assert.deepEqual(Array.from(instances), expectedMask([...rectPixels(2), ...columnPixels(3), ...crowdPixels(0)]));
    assertAgree(mask, instances, [3, 2, 1]);
    const sample = await ds.get(0);
    assert.deepEqual(sample.instances, instances);
    assert.deepEqual(Array.from(ds.labels(1).instances), new Array(H * W).fill(0));
  });

  test('crowds painted as foreground still paint no instance, and clear the ids of what they cover', async () => {
    const crowdLast = [standard[1], standard[2], standard[0]];
    const ds = await open(cocoJson(crowdLast), { crowd: 'foreground' });
    const { mask, instances } = ds.labels(0);
    assert.deepEqual(Array.from(mask), expectedMask([...rectPixels(2), ...columnPixels(1), ...crowdPixels(3)]));
    assert.deepEqual(Array.from(instances), expectedMask([...rectPixels(1), ...columnPixels(2), ...crowdPixels(0)]));
    assertAgree(mask, instances, [2, 1, 3]);
    const bg = (await open(cocoJson(standard), { crowd: 'background', categories: [5, 9] })).labels(0);
    // The dog column is left out: its id (3) is unused and the rectangle (id 2) keeps its pixels.
    assert.deepEqual(Array.from(bg.instances), expectedMask(rectPixels(2)));
  });

  test('two touching polygons of one class: one component, two instances, and the weight map sees the gap', async () => {
    // Cat 1: columns 0-1 plus the top pixel of column 2 (two polygons); cat 2: columns 3-4. They touch in row 0 only.
    const anns = [
      { id: 1, image_id: 1, category_id: 5, segmentation: [[0, 0, 2, 0, 2, 5, 0, 5], [2, 0, 3, 0, 3, 1, 2, 1]] },
      { id: 2, image_id: 1, category_id: 5, segmentation: [[3, 0, 5, 0, 5, 5, 3, 5]] },
    ];
    const sample = await (await open(cocoJson(anns))).get(0);
    const instances = sample.instances!;
    const left = [0, 1].flatMap((c) => [0, 1, 2, 3, 4].map((r) => [c, r, 1] as [number, number, number]));
    const right = [3, 4].flatMap((c) => [0, 1, 2, 3, 4].map((r) => [c, r, 2] as [number, number, number]));
    assert.deepEqual(Array.from(instances), expectedMask([...left, [2, 0, 1], ...right]));
    assert.deepEqual(Array.from(sample.mask), Array.from(instances, (id) => (id ? 2 : 0)));
    const opts = { classes: 4, classBalance: 'none' as const, sigma: 2 };
    const byInstances = sampleWeightMap(sample, opts);
    const byComponents = sampleWeightMap(withoutInstances(sample), opts);
    // One component: no border term anywhere. Two instances: gap pixels (column 2, rows 1-4) have d1 = d2 = 1.
    assert.deepEqual(Array.from(byComponents), new Array(H * W).fill(1));
    for (const r of [1, 2, 3, 4]) assert.ok(Math.abs(byInstances[r * W + 2] - (1 + 10 * Math.exp(-4 / 8))) < 1e-5, `row ${r}`);
    bruteInstanceWeights(sample.mask, instances, 10, 2).forEach((want, i) => assert.ok(Math.abs(byInstances[i] - want) < 1e-5, `pixel ${i}`));
  });

  test('more than 65535 annotations in one image cannot all have an id: refused naming the annotation', async () => {
    const skipped = Array.from({ length: 0xffff }, (_, i) => ({ id: i + 1, image_id: 1, category_id: 2, segmentation: [] }));
    const ds = await open(cocoJson([...skipped, { id: 99999, image_id: 1, category_id: 5, segmentation: [rect] }]), { categories: [5] }, 'many.json');
    assert.throws(() => ds.labels(0), /annotation 99999 \(image a\.png\) in .*many\.json is the image's annotation number 65536; instance maps hold at most 65535/);
  });
});

describe('CocoDataset errors', () => {
  test('polygon with fewer than 3 points names the annotation, image and field', async () => {
    const ds = await open(cocoJson([{ id: 77, image_id: 2, category_id: 2, segmentation: [[1, 1, 3, 3]] }]));
    assert.throws(() => ds.rasterize(1), /annotation 77 \(image b\.png\) in .*ann\.json: field "segmentation" polygon 0 has 2 points; a polygon needs at least 3/);
    await assert.rejects(ds.get(1), { name: 'DataError' });
  });

  test('unknown category id lists the valid ids', async () => {
    const ds = await open(cocoJson([{ id: 5, image_id: 1, category_id: 3, segmentation: [rect] }]));
    assert.throws(() => ds.rasterize(0), /annotation 5 \(image a\.png\).*category_id 3 is not in "categories"; valid ids: 2, 5, 9/);
  });

  test('"categories" option with an unknown id', async () => {
    await assert.rejects(open(cocoJson([]), { categories: [4] }), /"categories" lists 4, which is not a category in .*; valid ids: 2, 5, 9/);
  });

  test('missing image file', async () => {
    const json = cocoJson([]) as { images: object[] };
    json.images.push({ id: 3, file_name: 'gone.jpg', height: H, width: W });
    await assert.rejects(open(json), /1 of 3 images listed in .*ann\.json are missing from .*: gone\.jpg; check the "images" folder/);
  });

  test('RLE size that does not match the image', async () => {
    const ds = await open(cocoJson([{ id: 8, image_id: 1, category_id: 2, iscrowd: 1, segmentation: { size: [W, H], counts: [30] } }]));
    assert.throws(() => ds.rasterize(0), /annotation 8 \(image a\.png\).*RLE size \[6,5\] does not match the image size \[5, 6\]/);
  });

  test('RLE counts that do not cover the image', async () => {
    const ds = await open(cocoJson([{ id: 8, image_id: 1, category_id: 2, segmentation: { size: [H, W], counts: [3, 4] } }]));
    assert.throws(() => ds.rasterize(0), /annotation 8 .*RLE counts sum to 7, but size 5x6 needs 30/);
  });

  test('image whose real size differs from the JSON', async () => {
    const json = { images: [{ id: 1, file_name: 'small.png', height: H, width: W }], annotations: [], categories };
    const ds = await open(json);
    await assert.rejects(ds.get(0), /image .*small\.png is 4x4 but .*ann\.json says 6x5/);
  });

  test('JSON syntax error gives file:line:column', async () => {
    const file = path.join(dir, 'broken.json');
    writeFileSync(file, '{"images": [],\n"categories": [1 2]}');
    await assert.rejects(CocoDataset.open({ annotations: file, images: dir }), /broken\.json:2:18 is not valid JSON/);
  });

  test('structural problems name the field', async () => {
    await assert.rejects(open({ images: [{ id: 1, height: 2, width: 2 }], categories }), /images\[0\]\.file_name must be a string/);
    await assert.rejects(open({ images: [], categories: [] }), /"categories" is empty/);
    await assert.rejects(open(cocoJson([{ id: 1, image_id: 99, category_id: 2, segmentation: [] }])), /annotations\[0\]\.image_id 99 matches no entry/);
  });
});

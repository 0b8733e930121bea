import { after, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { MaskFolderDataset, MaskFolderOptions, splitIndices } from './maskFolder';
import { UnknownLabelError } from './errors';
import { encodeBmp } from './bmp';
import { pngFile, tempDir } from './fixtures';

const { dir, cleanup } = tempDir();
after(cleanup);

let counter = 0;
/** Makes images/ and masks/ folders; each image is 2x2 gray filled with `fill`, each mask given explicitly. */
async function folders(images: Record<string, number>, masks: Record<string, number[]>): Promise<{ images: string; masks: string }> {
  const root = path.join(dir, `set${counter++}`);
  const imagesDir = path.join(root, 'images');
  const masksDir = path.join(root, 'masks');
  mkdirSync(imagesDir, { recursive: true });
  mkdirSync(masksDir, { recursive: true });
  for (const [name, fill] of Object.entries(images)) {
    const data = new Uint8Array(4).fill(fill);
    if (name.endsWith('.bmp')) writeFileSync(path.join(imagesDir, name), encodeBmp(data, 2, 2, 1));
    else await pngFile(path.join(imagesDir, name), data, 2, 2, 1);
  }
  for (const [name, values] of Object.entries(masks)) {
    const side = Math.sqrt(values.length);
    await pngFile(path.join(masksDir, name), Uint8Array.from(values), side, side, 1);
  }
  return { images: imagesDir, masks: masksDir };
}

const base = (dirs: { images: string; masks: string }, extra: Partial<MaskFolderOptions> = {}): MaskFolderOptions => ({
  ...dirs, classes: 2, channels: 1, ...extra,
});

describe('MaskFolderDataset', () => {
  test('pairs by stem across extensions, in natural order (2 before 10)', async () => {
    const dirs = await folders({ '10.png': 10, '2.bmp': 2, '1.png': 1 }, { '1.png': [0, 0, 0, 0], '2.png': [1, 1, 1, 1], '10.png': [0, 1, 0, 1] });
    const ds = new MaskFolderDataset(base(dirs));
    assert.deepEqual(ds.stems, ['1', '2', '10']);
    const fills = [];
    for (let i = 0; i < ds.length; i++) {
      const s = await ds.get(i);
      assert.equal(s.id, ds.stems[i]);
      fills.push(s.image[0]);
    }
    assert.deepEqual(fills, [1, 2, 10]);
    assert.deepEqual(Array.from((await ds.get(2)).mask), [0, 1, 0, 1]);
  });

  test('labelMap turns 0/255 masks into classes; the ignore index passes through', async () => {
    const dirs = await folders({ 'a.png': 0 }, { 'a.png': [0, 255, 255, 0] });
    const ds = new MaskFolderDataset(base(dirs, { labelMap: { 0: 0, 255: 1 } }));
    assert.deepEqual(Array.from((await ds.get(0)).mask), [0, 1, 1, 0]);
    const plain = new MaskFolderDataset(base(dirs));
    assert.deepEqual(Array.from((await plain.get(0)).mask), [0, 255, 255, 0]); // 255 = ignore by default
  });

  test('channels 3 repeats a gray image; indices select from the sorted pairs', async () => {
    const dirs = await folders({ 'a.png': 5, 'b.png': 6, 'c.png': 7 }, { 'a.png': [0, 0, 0, 0], 'b.png': [0, 0, 0, 0], 'c.png': [1, 1, 1, 1] });
    const ds = new MaskFolderDataset(base(dirs, { channels: 3, indices: [2, 0] }));
    assert.deepEqual(ds.stems, ['c', 'a']);
    const s = await ds.get(0);
    assert.equal(s.channels, 3);
    assert.deepEqual(Array.from(s.image.subarray(0, 3)), [7, 7, 7]);
    assert.throws(() => new MaskFolderDataset(base(dirs, { indices: [3] })), /"indices" has 3 outside 0\.\.2/);
  });
});

describe('MaskFolderDataset errors', () => {
  test('image without a mask names the stem and both folders', async () => {
    const dirs = await folders({ 'a.png': 0, 'b.png': 0 }, { 'a.png': [0, 0, 0, 0] });
    assert.throws(() => new MaskFolderDataset(base(dirs)),
      (err: Error) => err.name === 'DataError' && /1 image\(s\) in .*images have no mask in .*masks: b;/.test(err.message));
  });

  test('mask without an image', async () => {
    const dirs = await folders({ 'a.png': 0 }, { 'a.png': [0, 0, 0, 0], 'z.png': [0, 0, 0, 0] });
    assert.throws(() => new MaskFolderDataset(base(dirs)), /1 mask\(s\) in .*masks have no image in .*images: z;/);
  });

  test('mask size differs from the image size: both files and sizes', async () => {
    const dirs = await folders({ 'a.png': 0 }, { 'a.png': [0, 0, 0, 0, 0, 0, 0, 0, 0] });
    const ds = new MaskFolderDataset(base(dirs));
    await assert.rejects(ds.get(0), /mask .*masks\/a\.png is 3x3 but image .*images\/a\.png is 2x2/);
  });

  test('label values >= classes: file, value, pixel count and the fix', async () => {
    const dirs = await folders({ 'a.png': 0 }, { 'a.png': [0, 7, 7, 1] });
    const ds = new MaskFolderDataset(base(dirs));
    await assert.rejects(ds.get(0), (err: Error) => {
      assert.ok(err instanceof UnknownLabelError);
      assert.match(err.message, /mask .*a\.png has values that are not classes: 7 \(2 pixels\); "classes" is 2 .*set "labelMap" .* or raise "classes"/);
      assert.deepEqual(err.values, [{ value: 7, count: 2 }]);
      return true;
    });
    const inspection = await ds.inspect(0);
    assert.deepEqual(inspection.unknownLabels, [{ value: 7, count: 2 }]);
    assert.deepEqual(Array.from(inspection.sample.mask), [0, 255, 255, 1]);
  });

  test('values missing from labelMap are errors', async () => {
    const dirs = await folders({ 'a.png': 0 }, { 'a.png': [0, 255, 128, 0] });
    const ds = new MaskFolderDataset(base(dirs, { labelMap: { 0: 0, 255: 1 }, ignoreIndex: 254 }));
    await assert.rejects(ds.get(0), /128 \(1 pixels\).*add these values to "labelMap"/);
  });

  test('bad options', async () => {
    const dirs = await folders({ 'a.png': 0 }, { 'a.png': [0, 0, 0, 0] });
    assert.throws(() => new MaskFolderDataset(base(dirs, { labelMap: { 0: 0, 255: 2 } })), /"labelMap" maps 255 to 2, which is neither a class/);
    assert.throws(() => new MaskFolderDataset(base(dirs, { ignoreIndex: 1 })), /"ignoreIndex" 1 must be an integer from 2/);
    assert.throws(() => new MaskFolderDataset(base(dirs, { classNames: ['x'] })), /"classNames" has 1 names but "classes" is 2/);
    assert.throws(() => new MaskFolderDataset({ ...base(dirs), images: path.join(dir, 'nowhere') }), /images folder .*nowhere does not exist/);
  });
});

describe('splitIndices', () => {
  test('last: the final samples validate', () => {
    assert.deepEqual(splitIndices(5, { count: 2, mode: 'last' }), { train: [0, 1, 2], val: [3, 4] });
    assert.deepEqual(splitIndices(10, { fraction: 0.2, mode: 'last' }).val, [8, 9]);
  });

  test('seeded: deterministic, disjoint, complete; seed changes the choice', () => {
    const a = splitIndices(20, { count: 5, mode: 'seeded', seed: 1 });
    assert.deepEqual(splitIndices(20, { count: 5, mode: 'seeded', seed: 1 }), a);
    assert.equal(a.val.length, 5);
    assert.deepEqual([...a.train, ...a.val].sort((x, y) => x - y), Array.from({ length: 20 }, (_, i) => i));
    const seeds = [2, 3, 4].map((seed) => splitIndices(20, { count: 5, mode: 'seeded', seed }).val.join());
    assert.ok(seeds.some((v) => v !== a.val.join()));
  });

  test('impossible splits are errors', () => {
    assert.throws(() => splitIndices(3, { count: 3, mode: 'last' }), /must hold 1 to 2 of 3 samples, got 3/);
    assert.throws(() => splitIndices(3, { fraction: 1.5, mode: 'last' }), /"fraction" must be between 0 and 1/);
    assert.throws(() => splitIndices(3, { mode: 'last' }), /give "count" or "fraction"/);
  });
});

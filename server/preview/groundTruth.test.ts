import { afterEach, beforeEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writePng } from '../data/image';
import { GroundTruthFinder } from './groundTruth';

type Data = ConstructorParameters<typeof GroundTruthFinder>[0];

describe('GroundTruthFinder', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seglab-gt-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const maskFolder = (extra: object = {}): Data =>
    ({ type: 'maskFolder', train: { images: 'images', masks: 'masks' }, split: { count: 1, mode: 'last' }, classes: 2, ignoreIndex: 255, ...extra }) as Data;

  async function pair(stem: string, mask: number[] | null): Promise<string> {
    const image = path.join(dir, 'images', `${stem}.png`);
    await writePng(image, new Uint8Array([10, 20, 30, 40]), 2, 2, 1);
    if (mask) await writePng(path.join(dir, 'masks', `${stem}.png`), new Uint8Array(mask), 2, 2, 1);
    return image;
  }

  test('mask folder: pairs by stem (paths relative to the run folder) and applies the label map', async () => {
    const image = await pair('a', [0, 255, 255, 7]);
    await pair('b', [0, 0, 0, 0]);
    const r = await new GroundTruthFinder(maskFolder({ labelMap: { '0': 0, '255': 1 } }), dir).find(image);
    assert.ok(r.gt);
    assert.deepEqual([...r.gt.mask], [0, 1, 1, 255], '255 → class 1; 7 is no class → ignored');
    assert.equal(r.gt.source, fs.realpathSync(path.join(dir, 'masks', 'a.png')));
    assert.match(r.problem ?? '', /1 pixel\(s\) of .*a\.png hold values that are not classes; shown as ignored/);
  });

  test('an image outside the dataset folders, or of synthetic data, has no ground truth and no problem', async () => {
    await pair('a', [0, 1, 1, 0]);
    const elsewhere = path.join(dir, 'other.png');
    await writePng(elsewhere, new Uint8Array(4), 2, 2, 1);
    assert.deepEqual(await new GroundTruthFinder(maskFolder(), dir).find(elsewhere), { gt: null, problem: null });
    const synthetic = { type: 'synthetic', kind: 'cells', trainCount: 1, valCount: 1, size: 8, seed: 1 } as Data;
    assert.deepEqual(await new GroundTruthFinder(synthetic, dir).find(path.join(dir, 'images', 'a.png')), { gt: null, problem: null });
  });

  test('an unpaired dataset gives a one-line problem instead of failing', async () => {
    const image = await pair('a', [0, 1, 1, 0]);
    await pair('lonely', null);
    const r = await new GroundTruthFinder(maskFolder(), dir).find(image);
    assert.equal(r.gt, null);
    assert.match(r.problem ?? '', /^no ground truth: 1 image\(s\) in .* have no mask in .*lonely/);
  });

  test('a mask added later is found (the pairing is redone when a folder changes)', async () => {
    await pair('a', [0, 1, 1, 0]);
    const finder = new GroundTruthFinder(maskFolder(), dir);
    const b = path.join(dir, 'images', 'b.png');
    assert.deepEqual(await finder.find(b), { gt: null, problem: null }, 'no such image yet');
    await pair('b', [1, 1, 0, 0]);
    const t = new Date(Date.now() + 5000); // folder mtimes can be coarse: make the change visible
    fs.utimesSync(path.join(dir, 'images'), t, t);
    fs.utimesSync(path.join(dir, 'masks'), t, t);
    assert.deepEqual([...((await finder.find(b)).gt?.mask ?? [])], [1, 1, 0, 0]);
  });

  test('COCO: rasterises the annotations of the image with that file_name', async () => {
    await writePng(path.join(dir, 'coco', 'sub', 'x.png'), new Uint8Array(16 * 3), 4, 4, 3);
    const ann = {
      images: [{ id: 1, file_name: 'sub/x.png', height: 4, width: 4 }],
      // Uncompressed RLE, column-major: 4 zeros (column 0), 4 ones (column 1), 8 zeros.
      annotations: [{ id: 1, image_id: 1, category_id: 7, segmentation: { size: [4, 4], counts: [4, 4, 8] } }],
      categories: [{ id: 7, name: 'cat' }],
    };
    fs.writeFileSync(path.join(dir, 'ann.json'), JSON.stringify(ann));
    const split = { annotations: 'ann.json', images: 'coco' };
    const data = { type: 'coco', train: split, val: split, crowd: 'ignore', ignoreIndex: 255 } as Data;
    const r = await new GroundTruthFinder(data, dir).find(path.join(dir, 'coco', 'sub', 'x.png'));
    assert.ok(r.gt, r.problem ?? 'no ground truth');
    assert.deepEqual([...r.gt.mask], [0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0]);
    assert.equal(r.gt.source, fs.realpathSync(path.join(dir, 'ann.json')));
  });
});

/** Smoke tests on the shared sample datasets; skipped cleanly when they are not present. */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { checkDataset } from './check';
import { annotationRles, CocoAnnotation, CocoDataset, CocoImage } from './coco';
import { MaskFolderDataset } from './maskFolder';
import { paintRle } from './rle';

const root = '/work/shared/datasets';
const coco = path.join(root, 'tiny-coco');
const isbi = path.join(root, 'isbi2012-membrane');

describe('shared datasets', () => {
  test('tiny-coco: every image rasterises; crowd RLE areas match the JSON', { skip: !existsSync(coco) && 'tiny-coco not present' }, async () => {
    const annotations = path.join(coco, 'annotations/instances_train2017.json');
    const ds = await CocoDataset.open({ annotations, images: path.join(coco, 'train2017') });
    assert.equal(ds.classes, 81);
    let labelled = 0;
    for (let i = 0; i < ds.length; i++) labelled += ds.rasterize(i).some((v) => v > 0 && v < 255) ? 1 : 0;
    assert.ok(labelled > ds.length / 2);
    // COCO's polygon "area" is the polygon's own area; summed over all polygons, the pixel counts must agree closely
    // (a swapped axis or wrong rounding would not).
    const json = JSON.parse(readFileSync(annotations, 'utf8')) as { images: CocoImage[]; annotations: (CocoAnnotation & { area: number })[] };
    const images = new Map(json.images.map((im) => [im.id, im]));
    let area = 0;
    let pixels = 0;
    for (const a of json.annotations.filter((x) => x.iscrowd === 0)) {
      const info = images.get(a.image_id) as CocoImage;
      const union = new Uint8Array(info.height * info.width);
      for (const rle of annotationRles(a, info, annotations)) paintRle(union, rle, 1);
      pixels += union.reduce((s, v) => s + v, 0);
      area += a.area;
    }
    assert.ok(Math.abs(pixels / area - 1) < 0.005, `pixels ${pixels} vs area ${area}`);
    const sample = await ds.get(0);
    assert.equal(sample.image.length, sample.height * sample.width * 3);
  });

  test('isbi2012-membrane: 0/255 labels map to 2 classes with no problems', { skip: !existsSync(isbi) && 'isbi2012-membrane not present' }, async () => {
    const ds = new MaskFolderDataset({
      images: path.join(isbi, 'train/image'), masks: path.join(isbi, 'train/label'), classes: 2, classNames: ['membrane', 'cell'],
      labelMap: { 0: 0, 255: 1 }, channels: 1,
    });
    assert.equal(ds.length, 30);
    const report = await checkDataset(ds, { maxSamples: 3 });
    assert.deepEqual(report.problems, []);
    assert.deepEqual(report.sizes, [{ value: '512x512', count: 3 }]);
  });
});

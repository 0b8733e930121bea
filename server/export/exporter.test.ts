import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readImage } from '../data/image';
import { tempDir } from '../data/fixtures';
import { resizeNearest } from '../infer/pixels';
import { PredictionWriter, parseFormats } from './exporter';
import { CocoSegResult, maskFromCocoResults, parseSubmission, readIndexPng } from './formats';
import { classColor } from './overlay';

const names = ['background', 'cell', 'membrane', 'nucleus'];

/** A mask with every class in stripes, on a black image (so an opaque overlay shows exactly the class colours). */
function item(id: string, imageId: number, h: number, w: number) {
  const mask = Uint8Array.from({ length: h * w }, (_, i) => (Math.floor(i / w) + (i % w)) % 4);
  return { id, imageId, height: h, width: w, mask, image: new Uint8Array(h * w * 3), channels: 3 };
}

test('every format decodes back to the mask', async () => {
  const { dir, cleanup } = tempDir('seglab-export-');
  try {
    const writer = new PredictionWriter({ outDir: dir, formats: ['png', 'overlay', 'coco', 'csv'], classNames: names, ignoreIndex: 255, alpha: 1, submissionSize: [6, 5] });
    const items = [item('first', 1, 9, 7), item('second', 2, 4, 11)];
    for (const it of items) assert.equal((await writer.add(it)).length, 2);
    const finals = (await writer.finish()).map((f) => path.basename(f));
    assert.deepEqual(finals, ['predictions.coco.json', 'submission.csv', 'legend.json']);

    const coco = JSON.parse(fs.readFileSync(path.join(dir, 'predictions.coco.json'), 'utf8')) as CocoSegResult[];
    const csv = parseSubmission(fs.readFileSync(path.join(dir, 'submission.csv'), 'utf8'), [6, 5]);
    const palette = new Map(names.map((_, c) => [classColor(c).join(','), c]));
    for (const it of items) {
      assert.deepEqual((await readIndexPng(path.join(dir, `${it.id}_mask.png`))).data, it.mask, 'index PNG');
      assert.deepEqual(maskFromCocoResults(coco, it.imageId, it.height, it.width), it.mask, 'COCO RLE');
      assert.deepEqual(csv.get(it.id), resizeNearest(it.mask, it.height, it.width, 6, 5), 'CSV');
      // the overlay is the left part of the PNG; with alpha 1 on black, each colour is its class's
      const ov = await readImage(path.join(dir, `${it.id}_overlay.png`));
      assert.ok(ov.width > it.width, 'the legend panel is to the right');
      const decoded = Uint8Array.from({ length: it.height * it.width }, (_, i) => {
        const p = ((Math.floor(i / it.width) * ov.width) + (i % it.width)) * 3;
        return palette.get([ov.data[p], ov.data[p + 1], ov.data[p + 2]].join(',')) ?? 99;
      });
      assert.deepEqual(decoded, it.mask, 'overlay colours');
    }
    const legend = JSON.parse(fs.readFileSync(path.join(dir, 'legend.json'), 'utf8'));
    assert.deepEqual(legend.map((e: { name: string }) => e.name), names);
  } finally {
    cleanup();
  }
});

test('format names are checked; overlays need the image', async () => {
  assert.throws(() => parseFormats(['png', 'tiff']), /--format: unknown format "tiff"; valid formats: png, overlay, coco, csv/);
  const writer = new PredictionWriter({ outDir: '/nonexistent', formats: ['overlay'], classNames: names, ignoreIndex: 255 });
  await assert.rejects(writer.add({ id: 'x', width: 1, height: 1, mask: new Uint8Array(1) }), /overlay format needs the input image/);
});

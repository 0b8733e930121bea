import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { checkDataset, CheckReport, formatCheckReport } from './check';
import { MaskFolderDataset } from './maskFolder';
import { SyntheticDataset } from './synthetic';
import { floatTiffFile, png16File, pngFile, tempDir } from './fixtures';
import { DataError, RawSample, SegDataset } from './types';

const { dir, cleanup } = tempDir();
after(cleanup);
const images = path.join(dir, 'images');
const masks = path.join(dir, 'masks');

// Every image is 2x2 gray. Masks use classes 0/1, ignore 255.
const masksByStem: Record<string, number[]> = {
  a: [0, 0, 1, 1], // 8-bit, fine
  b: [0, 1, 1, 1], // float in [0, 1]
  c: [1, 1, 1, 1], // float in [0, 255]
  d: [0, 0, 0, 1], // 16-bit
  e: [0, 1, 0, 1], // constant image
  f: [0, 0, 0, 1], // values 100..105 only
  g: [0, 7, 7, 1], // unknown label 7 (x2)
  h: [0, 0, 0, 0, 0, 0, 0, 0, 0], // 3x3 mask: size mismatch
  i: [255, 255, 255, 255], // all ignore
};

before(async () => {
  mkdirSync(images);
  mkdirSync(masks);
  const png = (stem: string, v: number[]) => pngFile(path.join(images, `${stem}.png`), Uint8Array.from(v), 2, 2, 1);
  await png('a', [10, 50, 90, 200]);
  floatTiffFile(path.join(images, 'b.tif'), Float32Array.from([0, 0.2, 0.6, 1]), 2, 2, 1);
  floatTiffFile(path.join(images, 'c.tif'), Float32Array.from([0, 30, 120, 250]), 2, 2, 1);
  await png16File(path.join(images, 'd.png'), Uint16Array.from([0, 1000, 30000, 65535]), 2, 2);
  await png('e', [77, 77, 77, 77]);
  await png('f', [100, 101, 103, 105]);
  for (const stem of ['g', 'h', 'i']) await png(stem, [0, 100, 200, 255]);
  for (const [stem, values] of Object.entries(masksByStem)) {
    const side = Math.sqrt(values.length);
    await pngFile(path.join(masks, `${stem}.png`), Uint8Array.from(values), side, side, 1);
  }
});

const kinds = (r: CheckReport) => r.problems.map((p) => `${path.basename(p.file)}:${p.kind}`).sort();

describe('checkDataset on a folder with one problem per file', () => {
  test('collects every problem, naming each file, and keeps going', async () => {
    const ds = new MaskFolderDataset({ images, masks, classes: 2, classNames: ['bg', 'fg'], channels: 1 });
    const r = await checkDataset(ds);
    assert.deepEqual(kinds(r), [
      'b.tif:float01', 'c.tif:float255', 'd.png:sixteenBit', 'e.png:constant', 'f.png:lowRange', 'g.png:unknownLabels',
      'h.png:sizeMismatch', 'i.png:allIgnore',
    ]);
    assert.equal(r.checked, 9);
    assert.equal(r.failed, 1);
    const msg = (kind: string) => r.problems.find((p) => p.kind === kind)?.message ?? '';
    assert.match(msg('float01'), /float already scaled to 0–1 \(stored range 0–1\)/);
    assert.match(msg('float255'), /float in 0–255 \(stored range 0–250\)/);
    assert.match(msg('sixteenBit'), /image is 16-bit \(stored range 0–65535\); values will be scaled/);
    assert.match(msg('constant'), /every value is 77/);
    assert.match(msg('lowRange'), /only values 100–105/);
    assert.match(msg('unknownLabels'), /7 \(2 px\)/);
    assert.match(msg('sizeMismatch'), /3x3 but image .*h\.png is 2x2/);
    assert.equal(r.problems.find((p) => p.kind === 'unknownLabels')?.file, path.join(masks, 'g.png'));
  });

  test('summary: sizes, formats, class shares (hand-counted), unknown labels', async () => {
    const ds = new MaskFolderDataset({ images, masks, classes: 2, classNames: ['bg', 'fg'], channels: 1 });
    const r = await checkDataset(ds);
    assert.deepEqual(r.sizes, [{ value: '2x2', count: 8 }]);
    assert.deepEqual(r.channels, [{ value: 1, count: 8 }]);
    assert.deepEqual(r.formats, [{ value: 'png uchar 1ch', count: 5 }, { value: 'tiff float 1ch', count: 2 }, { value: 'png ushort 1ch', count: 1 }]);
    // class 0: a2 b1 c0 d3 e2 f3 g1 = 12; class 1: a2 b3 c4 d1 e2 f1 g1 = 14; ignore: g2 + i4 = 6; 8 samples x 4 px
    assert.deepEqual(r.classPixels.map((c) => [c.name, c.pixels]), [['bg', 12], ['fg', 14]]);
    assert.equal(r.ignorePixels, 6);
    assert.equal(r.totalPixels, 32);
    assert.equal(r.classPixels[1].share, 14 / 32);
    assert.deepEqual(r.unknownLabels, [{ file: path.join(masks, 'g.png'), values: [{ value: 7, count: 2 }] }]);
    const text = formatCheckReport(r);
    assert.match(text, /Samples: 9, 1 could not be loaded/);
    assert.match(text, /Image sizes \(HxW\): 2x2 ×8/);
    assert.match(text, /\n\s+1 fg\s+43\.8%/);
    assert.match(text, /Unknown label values in 1 file\(s\):\n\s+.*g\.png: 7 ×2/);
    assert.match(text, /Problems \(8\):/);
    assert.match(text, /sixteenBit \(1\):\n\s+.*d\.png: image is 16-bit/);
  });

  test('maxSamples checks evenly spaced samples; the text caps each kind', async () => {
    const ds = new MaskFolderDataset({ images, masks, classes: 2, channels: 1 });
    const r = await checkDataset(ds, { maxSamples: 3 }); // samples 0, 3, 6: a, d, g
    assert.equal(r.checked, 3);
    assert.deepEqual(kinds(r), ['d.png:sixteenBit', 'g.png:unknownLabels']);
    const many: CheckReport = { ...r, problems: Array.from({ length: 12 }, (_, i) => ({ kind: 'constant' as const, file: `f${i}`, message: 'm' })) };
    assert.match(formatCheckReport(many, 10), /constant \(12\):[\s\S]*f9: m\n\s+\.\.\. and 2 more/);
  });
});

describe('dataset-level findings', () => {
  test('0/255 masks without a labelMap: mostly ignore, empty classes', async () => {
    const root = path.join(dir, 'isbi-like');
    mkdirSync(path.join(root, 'im'), { recursive: true });
    mkdirSync(path.join(root, 'm'), { recursive: true });
    await pngFile(path.join(root, 'im', '1.png'), Uint8Array.from([5, 60, 90, 200]), 2, 2, 1);
    await pngFile(path.join(root, 'm', '1.png'), Uint8Array.from([0, 255, 255, 255]), 2, 2, 1);
    const ds = new MaskFolderDataset({ images: path.join(root, 'im'), masks: path.join(root, 'm'), classes: 3, channels: 1 });
    const r = await checkDataset(ds);
    assert.deepEqual(r.problems.map((p) => p.kind), ['emptyClass', 'mostlyIgnore']);
    assert.match(r.problems[0].message, /2 class\(es\) have no pixels in the checked samples: 1 class1, 2 class2/);
    assert.match(r.problems[1].message, /75\.0% of mask pixels are ignored .*set "labelMap" such as \{"0": 0, "255": 1\}/);
    assert.equal(r.problems[1].file, ds.description);
  });
});

describe('checkDataset on other datasets', () => {
  test('synthetic data has no problems and both classes', async () => {
    const r = await checkDataset(new SyntheticDataset({ kind: 'cells', count: 2, size: 32, seed: 1 }));
    assert.deepEqual(r.problems, []);
    assert.ok(r.classPixels.every((c) => c.pixels > 0));
    assert.match(formatCheckReport(r), /No problems found\./);
  });

  test('errors from a plain dataset are recorded and the walk continues', async () => {
    const ok: RawSample = { id: 'ok', height: 1, width: 1, channels: 1, image: Uint8Array.of(9), mask: Uint8Array.of(0) };
    const ds: SegDataset = {
      description: 'flaky', classes: 1, classNames: ['x'], ignoreIndex: 255, length: 3,
      get: async (i) => {
        if (i === 0) throw new DataError('bad file zero: fix it', 'zero.png');
        if (i === 1) throw new Error('boom');
        return ok;
      },
    };
    const r = await checkDataset(ds);
    assert.equal(r.failed, 2);
    assert.deepEqual(r.problems.map((p) => [p.kind, p.file]), [['unreadable', 'zero.png'], ['unreadable', 'sample 1'], ['constant', 'ok']]);
  });
});

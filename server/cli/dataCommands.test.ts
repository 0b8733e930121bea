/**
 * The CLI's data preview / data weights commands and the inference and export flags of eval and predict: real
 * processes on generated data, as test/cli.test.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writePng } from '../data/image';
import { parseSubmission } from '../export/formats';

const CLI = path.join(__dirname, 'main.js');

function seglab(args: string[], cwd: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 180_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const noStack = (s: string): void => assert.doesNotMatch(s, /^\s+at .+\(.*:\d+:\d+\)$/m, `stack trace in:\n${s}`);

async function pngSize(file: string): Promise<[number, number]> {
  const { default: sharp } = await import('sharp');
  const m = await sharp(file).metadata();
  return [m.width ?? 0, m.height ?? 0];
}

const SMALL = {
  data: { type: 'synthetic', kind: 'cells', trainCount: 6, valCount: 2, size: 32, seed: 5 },
  input: { size: 32 },
  model: { encoderDepth: 2, baseFilters: 4 },
  train: { epochs: 1, batchSize: 2, stepsPerEpoch: 2, samples: 0, augment: 'unetPaper', loss: [{ type: 'weightedCe', sigma: 3 }] },
  output: { name: 'small' },
};

describe('seglab data preview / data weights', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seglab-datacmd-'));
    fs.writeFileSync(path.join(dir, 'seglab.json'), JSON.stringify(SMALL));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('preview writes a contact sheet: n tiles of image | overlay in ceil(sqrt(n)) columns', async () => {
    const r = seglab(['data', 'preview', '--n', '4', '--out', 'sheet.png'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /wrote .*sheet\.png: 4 augmented samples .*augmentation 'unetPaper'/);
    // 2 columns of (image, overlay) pairs = 4 tiles of 32 px across with 3 gaps of 4; 2 rows with one gap.
    assert.deepEqual(await pngSize(path.join(dir, 'sheet.png')), [4 * 32 + 3 * 4, 2 * 32 + 4]);
  });

  test('preview: a bad --n is refused naming the flag; exit 2, no stack', () => {
    const r = seglab(['data', 'preview', '--n', '0'], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--n must be a whole number from 1 to 1024; got "0"/);
    noStack(r.stderr);
  });

  test('weights writes the heatmap of one sample at its size, with the weightedCe term\'s w0 and sigma', async () => {
    const r = seglab(['data', 'weights', 'synthetic-1', '--out', 'w.png'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /weight map of synthetic-1 \(32x32\), w0 10, sigma 3; weights [\d.]+ \(black\) to [\d.]+ \(white\); objects: connected components of each class/);
    assert.deepEqual(await pngSize(path.join(dir, 'w.png')), [32, 32]);
  });

  test('weights: an image outside the data, or none, is refused with examples; exit 2, no stack', () => {
    const r = seglab(['data', 'weights', 'elsewhere.png'], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /elsewhere\.png is not an image of the configured data .*e\.g\. synthetic-0, synthetic-1/);
    noStack(r.stderr);
    assert.match(seglab(['data', 'weights'], dir).stderr, /data weights needs an image/);
    assert.match(seglab(['data', 'peek'], dir).stderr, /unknown data command "peek"; valid: check, preview, weights/);
  });
});

describe('seglab data weights on COCO data: the objects are the instances', () => {
  let dir: string;
  // 6x5 image; cat 1: columns 0-1 and the top pixel of column 2, cat 2: columns 3-4 (touching in row 0 only).
  const annotations = [
    { id: 1, image_id: 1, category_id: 1, segmentation: [[0, 0, 2, 0, 2, 5, 0, 5], [2, 0, 3, 0, 3, 1, 2, 1]] },
    { id: 2, image_id: 1, category_id: 1, segmentation: [[3, 0, 5, 0, 5, 5, 3, 5]] },
  ];
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seglab-cocoweights-'));
    fs.mkdirSync(path.join(dir, 'imgs'));
    await writePng(path.join(dir, 'imgs', 'a.png'), new Uint8Array(6 * 5).fill(120), 6, 5, 1);
    const json = { images: [{ id: 1, file_name: 'a.png', height: 5, width: 6 }], annotations, categories: [{ id: 1, name: 'cell' }] };
    fs.writeFileSync(path.join(dir, 'ann.json'), JSON.stringify(json));
    const split = { annotations: 'ann.json', images: 'imgs' };
    fs.writeFileSync(path.join(dir, 'seglab.json'), JSON.stringify({ ...SMALL, data: { type: 'coco', train: split, val: split }, input: { size: 32 } }));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('the gap between two touching instances of one class gets the border weight', () => {
    const r = seglab(['data', 'weights', 'a.png', '--out', 'w.png'], dir);
    assert.equal(r.code, 0, r.stderr);
    // 9 background and 21 cell pixels: w_c = 30 / (2 * 9) and 30 / (2 * 21); gap pixels have d1 = d2 = 1 (sigma 3).
    const lo = 30 / (2 * 21);
    const hi = 30 / (2 * 9) + 10 * Math.exp(-4 / (2 * 3 * 3));
    assert.match(r.stdout, new RegExp(`weights ${lo.toFixed(3)} \\(black\\) to ${hi.toFixed(3)} \\(white\\); objects: COCO instances`));
  });
});

describe('seglab eval / predict: inference and export flags', () => {
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seglab-predflags-'));
    fs.writeFileSync(path.join(dir, 'seglab.json'), JSON.stringify(SMALL));
    const t = seglab(['train'], dir);
    assert.equal(t.code, 0, t.stderr);
    fs.mkdirSync(path.join(dir, 'imgs'));
    await writePng(path.join(dir, 'imgs', 'a.png'), new Uint8Array(40 * 36).map((_, i) => (i * 13) % 256), 36, 40, 1);
    await writePng(path.join(dir, 'imgs', 'b.png'), new Uint8Array(20 * 24).fill(90), 24, 20, 1);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('predict --mode slide --crop 16 --tta-flip --format coco,csv --csv-size 4x6 writes the COCO results and the CSV', () => {
    const r = seglab(['predict', 'imgs', '--out', 'out', '--mode', 'slide', '--crop', '16', '--tta-flip', '--format', 'coco,csv', '--csv-size', '4x6'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'out')).sort(), ['predictions.coco.json', 'submission.csv']);
    const rows = parseSubmission(fs.readFileSync(path.join(dir, 'out', 'submission.csv'), 'utf8'), [4, 6]);
    assert.deepEqual([...rows.keys()], ['a', 'b']);
    const coco = JSON.parse(fs.readFileSync(path.join(dir, 'out', 'predictions.coco.json'), 'utf8')) as { image_id: string; segmentation: { size: number[] } }[];
    assert.ok(coco.every((c) => (c.image_id === 'a' ? c.segmentation.size.join() === '40,36' : c.segmentation.size.join() === '20,24')));
  });

  test('eval --mode slide --crop 16 --tta-flip hv --tta-scales 1,0.5 scores every validation pixel', () => {
    const r = seglab(['eval', '--mode', 'slide', '--crop', '16', '--tta-flip', 'hv', '--tta-scales', '1,0.5'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /mIoU\s+[\d.]+\s+\(dataset-wide over 2 images\)/);
  });

  test('bad flag values name the flag and list the valid ones; exit 2, no stack', () => {
    const bad: [string[], RegExp][] = [
      [['predict', 'imgs', '--mode', 'tiles'], /--mode: unknown value "tiles"; valid: whole, slide, overlapTile/],
      [['predict', 'imgs', '--format', 'png,tiff'], /--format: unknown value "tiff"; valid: png, overlay, coco, csv/],
      [['predict', 'imgs', '--csv-size', '0'], /--csv-size must be a size in pixels, N or HxW/],
      [['predict', 'imgs', '--tta-scales', '1,x'], /--tta-scales must be positive numbers/],
      [['predict', 'imgs', '--tta-flip=x'], /--tta-flip: unknown value "x"; valid: h, v, hv/],
      [['eval', '--tta-flip', 'vh'], /--tta-flip: unknown value "vh"; valid: h, v, hv/],
      [['eval', '--tta-flip', 'x'], /eval takes no IMAGE or other positional arguments; got "x"/],
      [['eval', '--format', 'csv'], /--format and --csv-size are for predict/],
      [['predict', 'imgs', '--mode', 'overlapTile'], /'overlapTile' is for valid-convolution U-Nets/],
    ];
    for (const [args, re] of bad) {
      const r = seglab(args, dir);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.stderr, re, args.join(' '));
      noStack(r.stderr);
    }
  });
});

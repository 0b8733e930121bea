import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { countWritten, folderImages, folderOutDir } from './folderPredict';
import { datasetImageFolders, isInFolders } from './datasetFolders';
import { TrainerChild } from '../../server/cli/child';
import type { PredictJob } from '../../server/train/predict';
import { copyFixture } from '../../server/preview/testing';

test('folderImages: images directly in the folder, sorted; countWritten: inputs whose mask exists', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seglab-folder-'));
  try {
    for (const f of ['b.png', 'a.JPG', 'notes.txt', '.hidden.png']) fs.writeFileSync(path.join(dir, f), '');
    fs.mkdirSync(path.join(dir, 'sub.png'));
    const images = folderImages(dir);
    assert.deepEqual(images, [path.join(dir, 'a.JPG'), path.join(dir, 'b.png')]);
    const out = path.join(dir, 'out');
    assert.equal(countWritten(out, images), 0, 'no output folder yet');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'b_mask.png'), '');
    fs.writeFileSync(path.join(out, 'a_overlay.png'), '');
    assert.equal(countWritten(out, images), 1);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('folderOutDir: <runDir>/predictions/<folder>-<checkpoint>', () => {
  assert.equal(folderOutDir('/runs/r', '/data/val/', 'best'), path.join('/runs/r', 'predictions', 'val-best'));
});

test('dataset image folders of mask-folder and COCO configs; isInFolders at any depth', () => {
  const mf = { type: 'maskFolder', train: { images: '/d/img', masks: '/d/m' }, val: { images: '/d/vimg', masks: '/d/vm' } };
  assert.deepEqual(datasetImageFolders(mf as never), [path.resolve('/d/img'), path.resolve('/d/vimg')]);
  assert.deepEqual(datasetImageFolders({ type: 'synthetic' } as never), []);
  assert.equal(isInFolders('/d/img/x.png', ['/d/img']), true);
  assert.equal(isInFolders('/d/img/sub/x.png', ['/d/img']), true);
  assert.equal(isInFolders('/d/images2/x.png', ['/d/img']), false);
  assert.equal(isInFolders('/d/img', ['/d/img']), false);
});

test('the predict job the command starts writes <stem>_mask.png and <stem>_overlay.png, as countWritten expects', async () => {
  const fx = copyFixture();
  try {
    const inputs = folderImages(fx.imagesDir).slice(0, 2);
    const outDir = folderOutDir(fx.runDir, fx.imagesDir, 'best');
    const events: { type: string; message?: string }[] = [];
    // The job previewCommands.ts starts (its export override of the run's formats).
    const job: PredictJob = { kind: 'predict', runDir: fx.runDir, checkpoint: 'best', inputs, outDir, backend: 'cpu', export: { formats: ['png', 'overlay'] } };
    const outcome = await new TrainerChild(job, (e) => events.push(e), { silentStderr: true }).done;
    assert.ok(outcome.ok && !events.some((e) => e.type === 'error'), events.find((e) => e.type === 'error')?.message ?? outcome.crash ?? 'failed');
    assert.equal(countWritten(outDir, inputs), 2);
    const stems = inputs.map((f) => path.basename(f, '.png'));
    assert.deepEqual(fs.readdirSync(outDir).filter((f) => f.endsWith('.png')).sort(), stems.flatMap((s) => [`${s}_mask.png`, `${s}_overlay.png`]).sort());
  } finally {
    fx.cleanup();
  }
});

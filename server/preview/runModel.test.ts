import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadModel } from '../train/checkpoint';
import { listSanityModels, loadFailureMessage, readSanityInfo, sanityModelDir, SanityModelInfo } from './runModel';
import { copyFixture } from './testing';

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'seglab-runmodel-'));
}

const info = (module: string, savedAt: string): SanityModelInfo => ({ module, status: 'passed', losses: [0.7, 0.4], size: [64, 64], savedAt });

/** A sanity model folder as saveModel.ts writes it (without the checkpoint). */
function writeSanity(dir: string, i: SanityModelInfo | string, runJson = true): void {
  fs.mkdirSync(dir, { recursive: true });
  if (runJson) fs.writeFileSync(path.join(dir, 'run.json'), '{}');
  fs.writeFileSync(path.join(dir, 'sanity.json'), typeof i === 'string' ? i : JSON.stringify(i));
}

describe('sanity model folders', () => {
  test('one folder per module under <runsDir>/.sanity, named after the file; same name elsewhere, other folder', () => {
    const a = sanityModelDir('/w/runs', '/w/models/net.ts');
    assert.equal(path.dirname(a), path.join('/w/runs', '.sanity'));
    assert.match(path.basename(a), /^net\.ts-[0-9a-f]{8}$/);
    assert.equal(sanityModelDir('/w/runs', '/w/models/net.ts'), a);
    assert.notEqual(sanityModelDir('/w/runs', '/w/other/net.ts'), a);
  });

  test('listSanityModels: newest save first; folders without run.json or a valid sanity.json are left out', () => {
    const runs = tmp();
    const root = path.join(runs, '.sanity');
    writeSanity(path.join(root, 'old'), info('/m/old.ts', '2026-01-01T00:00:00.000Z'));
    writeSanity(path.join(root, 'new'), info('/m/new.ts', '2026-02-01T00:00:00.000Z'));
    writeSanity(path.join(root, 'no-run'), info('/m/x.ts', '2026-03-01T00:00:00.000Z'), false);
    writeSanity(path.join(root, 'damaged'), '{"module": 1');
    writeSanity(path.join(root, 'incomplete'), '{"module": "/m/y.ts"}');
    assert.deepEqual(listSanityModels(runs).map((m) => [path.basename(m.dir), m.module]), [['new', '/m/new.ts'], ['old', '/m/old.ts']]);
    assert.equal(readSanityInfo(path.join(root, 'damaged')), null);
    assert.deepEqual(readSanityInfo(path.join(root, 'old')), info('/m/old.ts', '2026-01-01T00:00:00.000Z'));
    assert.deepEqual(listSanityModels(path.join(runs, 'none')), []);
  });

  test('listSanityModels over several runs folders: merged newest first, a folder named twice listed once', () => {
    const a = tmp();
    const b = tmp();
    writeSanity(path.join(a, '.sanity', 'mid'), info('/m/mid.ts', '2026-02-01T00:00:00.000Z'));
    writeSanity(path.join(b, '.sanity', 'new'), info('/m/new.ts', '2026-03-01T00:00:00.000Z'));
    writeSanity(path.join(b, '.sanity', 'old'), info('/m/old.ts', '2026-01-01T00:00:00.000Z'));
    const names = (dirs: string[]) => listSanityModels(dirs).map((m) => path.basename(m.dir));
    assert.deepEqual(names([a, b]), ['new', 'mid', 'old']);
    assert.deepEqual(names([a, path.join(a, '.', ''), path.join(b, 'missing')]), ['mid']);
  });
});

describe('loadFailureMessage', () => {
  test("tfjs' unknown layer class is said plainly, naming the sanity model's module", async () => {
    const fx = copyFixture();
    try {
      const file = path.join(fx.runDir, 'best', 'model.json');
      const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { modelTopology: { config: { layers: { class_name: string }[] } } };
      json.modelTopology.config.layers[1].class_name = 'Swish2D';
      fs.writeFileSync(file, JSON.stringify(json));
      const err = await loadModel(path.join(fx.runDir, 'best')).then(
        () => assert.fail('the tampered model loaded'),
        (e: unknown) => e,
      );
      const plain = loadFailureMessage(fx.runDir, 'best', err);
      assert.match(plain, /^the 'best' checkpoint of .* uses the layer class 'Swish2D', which previews cannot rebuild: .*TensorFlow\.js' and SegLab's layers/);
      writeSanity(fx.runDir, info('/m/unet.ts', '2026-01-01T00:00:00.000Z'));
      assert.match(loadFailureMessage(fx.runDir, 'best', err), /^the sanity model of unet\.ts \(.*\) uses the layer class 'Swish2D'/);
    } finally {
      fx.cleanup();
    }
  });

  test('any other failure is most likely a checkpoint caught mid-write', () => {
    const m = loadFailureMessage('/r', 'last', new Error('Unexpected end of JSON input\nat ...'));
    assert.equal(m, "cannot load the 'last' checkpoint of /r (Unexpected end of JSON input): it may be mid-write; try again");
  });
});

/**
 * Writes the preview tests' fixture, test/preview/fixtures/ (about 100 KB, committed):
 *
 *   npx tsc -p . && node out/test/preview/makeFixture.js --write
 *
 * (Without --write it only prints this usage: a test runner that picks up every .js under test/ must not retrain.)
 *
 * - `data/images`, `data/masks`: 16 synthetic 'cells' images (64×64 gray, 2 classes: boundary, cell) with their
 *   index masks, as a mask-folder dataset;
 * - `run/`: a real tiny run on that dataset, trained by the real trainer child process (U-Net depth 2, base 8,
 *   20 epochs of 8 steps): run.json, config.json (its data paths made relative to the run folder, which is how the
 *   preview's ground-truth lookup resolves them), metrics.jsonl and the `best` and `last` checkpoints without their
 *   optimizer state (previews only load the model).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TrainerChild } from '../../server/cli/child';
import type { TrainEvent } from '../../server/protocol';
import type { SeglabConfigInput } from '../../server/config/schema';
import { SyntheticDataset } from '../../server/data/synthetic';
import { writePng } from '../../server/data/image';

/** The fixture folder in the repository (this file runs from out/test/preview/). */
export const FIXTURE_DIR = path.join(__dirname, '..', '..', '..', 'test', 'preview', 'fixtures');
export const FIXTURE_IMAGES = 16;

async function writeDataset(dir: string): Promise<void> {
  const ds = new SyntheticDataset({ kind: 'cells', count: FIXTURE_IMAGES, size: 64, seed: 5, channels: 1 });
  for (let i = 0; i < ds.length; i++) {
    const s = ds.generate(i);
    const name = `cells-${String(i + 1).padStart(2, '0')}.png`;
    await writePng(path.join(dir, 'images', name), s.image, s.width, s.height, 1);
    await writePng(path.join(dir, 'masks', name), s.mask, s.width, s.height, 1);
  }
}

function config(dataDir: string, runsDir: string): SeglabConfigInput {
  return {
    data: {
      type: 'maskFolder',
      train: { images: path.join(dataDir, 'images'), masks: path.join(dataDir, 'masks') },
      split: { count: 4, mode: 'last' },
      classes: 2,
      classNames: ['boundary', 'cell'],
    },
    input: { size: 64, resize: 'crop', evalMode: 'full', normalize: { mode: 'none' } },
    model: { arch: 'unet', inChannels: 1, encoderDepth: 2, baseFilters: 8 },
    train: { epochs: 20, batchSize: 4, stepsPerEpoch: 8, samples: 0, seed: 3, optimizer: { type: 'adam', lr: 0.01 } },
    backend: 'wasm',
    output: { runsDir, name: 'tiny-cells' },
  };
}

function copyCheckpoint(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const f of ['model.json', 'weights.bin', 'state.json']) fs.copyFileSync(path.join(from, f), path.join(to, f));
}

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'seglab-preview-fixture-'));
  // Everything is written to a fresh folder first; the committed fixture is replaced only when training succeeded.
  const fresh = path.join(tmp, 'fixtures');
  try {
    const dataDir = path.join(fresh, 'data');
    await writeDataset(dataDir);
    const cfg = config(dataDir, path.join(tmp, 'runs'));
    const configPath = path.join(tmp, 'seglab.json');
    fs.writeFileSync(configPath, JSON.stringify(cfg, null, 2));
    const events: TrainEvent[] = [];
    const outcome = await new TrainerChild({ kind: 'train', configPath, cwd: tmp, backend: 'wasm' }, (e) => events.push(e)).done;
    const err = events.find((e) => e.type === 'error');
    if (!outcome.ok || err) throw new Error(`training the fixture run failed: ${err?.message ?? outcome.crash}`);
    const runDir = path.join(tmp, 'runs', 'tiny-cells');
    const out = path.join(fresh, 'run');
    fs.mkdirSync(out, { recursive: true });
    const runCfg = JSON.parse(fs.readFileSync(path.join(runDir, 'config.json'), 'utf8'));
    runCfg.data.train = { images: '../data/images', masks: '../data/masks' };
    runCfg.output.runsDir = '..';
    runCfg.source = null;
    fs.writeFileSync(path.join(out, 'config.json'), JSON.stringify(runCfg, null, 2) + '\n');
    const info = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8'));
    fs.writeFileSync(path.join(out, 'run.json'), JSON.stringify({ ...info, configSource: null }, null, 2) + '\n');
    fs.copyFileSync(path.join(runDir, 'metrics.jsonl'), path.join(out, 'metrics.jsonl'));
    copyCheckpoint(path.join(runDir, 'best'), path.join(out, 'best'));
    copyCheckpoint(path.join(runDir, 'last'), path.join(out, 'last'));
    fs.rmSync(FIXTURE_DIR, { recursive: true, force: true });
    fs.cpSync(fresh, FIXTURE_DIR, { recursive: true });
    const end = events.find((e) => e.type === 'runEnd');
    console.log(`wrote ${FIXTURE_DIR} (best val mIoU ${end?.type === 'runEnd' ? end.bestMIoU : '?'})`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module && process.argv.includes('--write')) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
} else if (require.main === module) {
  console.log('test/preview/makeFixture.ts: pass --write to retrain the tiny run and rewrite test/preview/fixtures/');
}

/**
 * Records the dashboard test fixture `test/dashboard/events.json` from real training runs of this project:
 *
 *   npx tsc -p . && node out/test/dashboard/record.js --write
 *
 * (Without --write it only prints this usage: `node --test out/` runs every .js under a test/ folder, and that
 * must not retrain and overwrite the fixture.)
 *
 * It trains two tiny synthetic runs (2 epochs each, 64×64 'shapes' data, batch 2, 3 steps an epoch, 2 samples) in
 * the real trainer child process ({@link TrainerChild}, the same path the CLI and the server use) and stores:
 * - `events`: every TrainEvent of the first run, in arrival order (what a `replay` message carries);
 * - `runs`: a `runs` message with both runs as RunSummary. The server's run-folder summariser (server/rpc) is not
 *   written yet, so {@link summarise} builds each summary from the run's own events instead; the fields mean the
 *   same (params = trainable + non-trainable, seconds = sum of epoch durations, curve = one point per epoch).
 * Run folders go to a temporary directory that is deleted afterwards. Re-record after a protocol change.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TrainerChild } from '../../server/cli/child';
import type { EpochEndEvent, RunSummary, TrainEvent } from '../../server/protocol';
import type { SeglabConfigInput } from '../../server/config/schema';
import { DashboardFixture, FIXTURE_PATH } from './fixture';

/** A tiny but real configuration: every feature of the dashboard gets data (steps, epochs, samples, 4 classes). */
export function tinyConfig(name: string, runsDir: string, seed: number, baseFilters: number): SeglabConfigInput {
  return {
    data: { type: 'synthetic', kind: 'shapes', trainCount: 8, valCount: 4, size: 64, seed },
    input: { size: 64, resize: 'crop', evalMode: 'full', normalize: { mode: 'none' } },
    model: { arch: 'unet', inChannels: 3, encoderDepth: 2, baseFilters },
    train: { epochs: 2, batchSize: 2, stepsPerEpoch: 3, samples: 2, seed, optimizer: { type: 'adam', lr: 0.01 } },
    backend: 'cpu',
    output: { runsDir, name },
  };
}

async function recordRun(cfg: SeglabConfigInput, dir: string): Promise<TrainEvent[]> {
  const configPath = path.join(dir, `${cfg.output?.name}.json`);
  fs.writeFileSync(configPath, JSON.stringify(cfg, null, 2));
  const events: TrainEvent[] = [];
  const child = new TrainerChild({ kind: 'train', configPath, cwd: dir, backend: 'cpu' }, (e) => events.push(e));
  const outcome = await child.done;
  const err = events.find((e) => e.type === 'error');
  if (!outcome.ok || err) throw new Error(`recording ${configPath} failed: ${err?.message ?? outcome.crash}`);
  // The worker's flush marker (an empty info log) is not part of the run's stream.
  return events.filter((e) => !(e.type === 'log' && e.message === ''));
}

/** Builds the runs-table row of one run from its events (stand-in for the server's run-folder summariser). */
export function summarise(events: readonly TrainEvent[], createdAt: string): RunSummary {
  const start = events.find((e) => e.type === 'runStart');
  const end = events.find((e) => e.type === 'runEnd');
  const backend = events.find((e) => e.type === 'backend');
  if (!start || !end || !backend) throw new Error('a recorded run lacks its backend, runStart or runEnd event');
  const epochs = events.filter((e): e is EpochEndEvent => e.type === 'epochEnd');
  return {
    runDir: start.runDir,
    name: path.basename(start.runDir),
    arch: start.arch,
    encoderName: start.encoderName,
    params: start.params.trainable + start.params.nonTrainable,
    backend: backend.name,
    createdAt,
    epochsDone: end.epochsDone,
    bestMIoU: end.bestMIoU,
    bestEpoch: end.bestEpoch,
    seconds: epochs.reduce((s, e) => s + e.seconds, 0),
    classNames: start.classNames,
    curve: epochs.map((e) => ({ epoch: e.epoch, trainLoss: e.trainLoss, mIoU: e.val.mIoU })),
    problem: null,
  };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seglab-dashboard-'));
  try {
    const runsDir = path.join(dir, 'runs');
    const first = tinyConfig('tiny-shapes-a', runsDir, 1, 4);
    const second = tinyConfig('tiny-shapes-b', runsDir, 2, 8);
    const eventsA = await recordRun(first, dir);
    const eventsB = await recordRun(second, dir);
    const fixture: DashboardFixture = {
      note:
        'Recorded by test/dashboard/record.ts from two real tiny runs. `events` is run A\'s TrainEvent stream; the ' +
        '`runs` summaries were built from each run\'s events by record.ts (not by the server\'s summariser).',
      config: first,
      events: eventsA,
      runs: { type: 'runs', runs: [summarise(eventsB, new Date().toISOString()), summarise(eventsA, new Date(Date.now() - 60_000).toISOString())] },
    };
    const text = JSON.stringify(fixture);
    fs.writeFileSync(FIXTURE_PATH, text + '\n');
    console.log(`wrote ${FIXTURE_PATH}: ${eventsA.length} events, ${(text.length / 1024).toFixed(0)} KiB`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module && process.argv.includes('--write')) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
} else if (require.main === module) {
  console.log('test/dashboard/record.ts: pass --write to retrain the tiny runs and rewrite test/dashboard/events.json');
}

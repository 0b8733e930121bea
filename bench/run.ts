/**
 * `npm run bench`: speed figures measured side by side in one run, written to bench/RESULTS.md with the machine
 * and the date. Speed goals live here, never in timed tests.
 *
 * - U-Net train step (forward + backward + Adam) per backend: wasm with the added kernels (a thread per core, and
 *   one thread in a child process started with SEGLAB_WASM_THREADS=1, stepping in turns with it) vs pure-JS cpu
 *   with the added filter-gradient kernel, at 128x128, batch 4, base 16.
 * - The default job (`npm start`): wall time and val mIoU, from a real run.
 * - Loader vs train step at 256x256: images/s the worker loader delivers vs images/s one train step consumes.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import * as readline from 'node:readline';
import * as tf from '@tensorflow/tfjs';
import { selectBackend, BackendName } from '../server/backend/ladder';
import { createModel } from '../server/models/registry';
import { combinedLoss } from '../server/losses';
import { loaderVsStep, loaderVsStepLines, StepTiming } from './loaderVsStep';
import { benchSanity, benchSanityThreads, sanityBenchLines, sanityThreadsBenchLines } from '../server/sanity/bench';
import { benchPreview, benchPreviewSetups, previewBenchLines, setupsBenchLines } from '../server/preview/bench';
import { WASM_THREADS_ENV } from '../server/backend/wasmThreads';

const ROOT = path.resolve(__dirname, '..', '..');

/** A U-Net train step on `backend`, warmed up: `step()` times one (ms). */
async function trainStepRunner(backend: BackendName, size: number, batch: number, base: number): Promise<{ step(): Promise<number>; dispose(): void }> {
  await selectBackend({ prefer: backend });
  const model = createModel(
    { arch: 'unet', inChannels: 1, classes: 2, encoderDepth: 4, baseFilters: base, padding: 'same', decoderUseBatchnorm: true, batchNormMomentum: 0.9, upsampling: 'transpose', dropout: 0 },
    [null, null],
  );
  const opt = tf.train.adam(1e-3);
  const loss = combinedLoss([{ type: 'ce', weight: 1, ignoreIndex: 255 }]);
  const x = tf.randomNormal([batch, size, size, 1], 0, 1, 'float32', 1);
  const y = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([batch, size, size], 0, 1, 'float32', 2), 0.5), 'int32'));
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const step = async (): Promise<number> => {
    const t0 = performance.now();
    const l = opt.minimize(() => loss(model.apply(x, { training: true }) as tf.Tensor, y), true, vars);
    await l!.data();
    l!.dispose();
    return performance.now() - t0;
  };
  await step(); // warm-up: kernels compiled, optimizer slots created
  return {
    step,
    dispose: () => {
      tf.dispose([x, y]);
      opt.dispose();
      model.dispose();
    },
  };
}

function medianOf(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function trainStepMs(backend: BackendName, size: number, batch: number, base: number, runs: number): Promise<StepTiming> {
  const runner = await trainStepRunner(backend, size, batch, base);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await runner.step());
  runner.dispose();
  return { backend, medianMs: medianOf(times), runs };
}

/**
 * The wasm train step on the default threads (here) and on one thread (a child process started with
 * SEGLAB_WASM_THREADS=1, stepping on request), `runs` steps each in turns, so both see the same host speed.
 */
async function trainStepsInTurns(runs: number): Promise<{ threads: StepTiming; one: StepTiming }> {
  const child = spawn(process.execPath, [__filename, '--train-step-server'], { env: { ...process.env, [WASM_THREADS_ENV]: '1' }, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const r = await lines.next();
    if (r.done) throw new Error('one-thread train step: the child process ended');
    return r.value as string;
  };
  try {
    if ((await next()) !== 'ready') throw new Error('one-thread train step: the child did not start');
    const here = await trainStepRunner('wasm', 128, 4, 16);
    const threads: number[] = [];
    const one: number[] = [];
    const childStep = async (): Promise<void> => {
      child.stdin!.write('step\n');
      one.push(Number(await next()));
    };
    for (let i = 0; i < runs; i++) {
      if (i % 2 === 0) {
        threads.push(await here.step());
        await childStep();
      } else {
        await childStep();
        threads.push(await here.step());
      }
    }
    here.dispose();
    return { threads: { backend: 'wasm', medianMs: medianOf(threads), runs }, one: { backend: 'wasm', medianMs: medianOf(one), runs } };
  } finally {
    child.stdin!.end();
  }
}

/** Child side of trainStepsInTurns: prints `ready`, then one step's milliseconds per line read. */
async function trainStepServer(): Promise<void> {
  const runner = await trainStepRunner('wasm', 128, 4, 16);
  process.stdout.write('ready\n');
  for await (const _ of readline.createInterface({ input: process.stdin })) {
    process.stdout.write(`${await runner.step()}\n`);
  }
  runner.dispose();
}

/**
 * This machine's speed right now: one wasm 3x3 conv (1x128x128x64 -> 64, 0.6 G multiply-adds) on the default
 * threads, median of 5, in
 * G multiply-adds per second. Measured at the start and the end of the run: the host's speed varies (up to 2x
 * within minutes here), and every other figure should be read against it.
 */
async function referenceGmacs(): Promise<number> {
  await selectBackend({ prefer: 'wasm' });
  const x = tf.randomNormal([1, 128, 128, 64], 0, 1, 'float32', 3);
  const w = tf.randomNormal([3, 3, 64, 64], 0, 1, 'float32', 4);
  const times: number[] = [];
  try {
    for (let i = 0; i < 6; i++) {
      const t0 = performance.now();
      const y = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same');
      await y.data();
      y.dispose();
      if (i > 0) times.push(performance.now() - t0);
    }
  } finally {
    tf.dispose([x, w]);
  }
  times.sort((a, b) => a - b);
  return (128 * 128 * 9 * 64 * 64) / 1e6 / times[Math.floor(times.length / 2)];
}

function defaultJob(): { seconds: number; mIoU: number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seglab-bench-'));
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [path.join(ROOT, 'out', 'server', 'cli', 'main.js'), 'train'], { cwd: dir, encoding: 'utf8' });
  const seconds = (performance.now() - t0) / 1000;
  fs.rmSync(dir, { recursive: true, force: true });
  const m = /best val mIoU ([\d.]+)/.exec(r.stdout);
  if (r.status !== 0 || !m) throw new Error(`default job failed:\n${r.stdout}\n${r.stderr}`);
  return { seconds, mIoU: Number(m[1]) };
}

async function main(): Promise<void> {
  const date = new Date().toISOString().slice(0, 10);
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const loadBefore = os.loadavg()[0];
  const speedBefore = await referenceGmacs();
  const { threads: wasm, one: wasmOne } = await trainStepsInTurns(5);
  const wasmDetail = (await selectBackend({ prefer: 'wasm' })).detail;
  const js = await trainStepMs('cpu', 128, 4, 16, 1);
  const feed = await loaderVsStep((size, batch) => trainStepMs('wasm', size, batch, 16, 2));
  const job = defaultJob();
  const sanity = await benchSanity(10);
  const preview = await benchPreview(10);
  const sanityThreads = await benchSanityThreads(10);
  const setups = await benchPreviewSetups(10);
  const loadAfter = os.loadavg()[0];
  const speedAfter = await referenceGmacs();
  const lines = [
    '# Benchmark results',
    '',
    `Machine: ${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}. Date: ${date}.`,
    'Measured side by side in one `npm run bench` run. ' +
      `Load average (1 min) ${loadBefore.toFixed(2)} at the start, ${loadAfter.toFixed(2)} at the end (the benchmark itself keeps the cores busy). ` +
      `Machine speed (one wasm 3x3 conv, 128x128x64 -> 64, default threads): ${speedBefore.toFixed(1)} G multiply-adds/s at the start, ${speedAfter.toFixed(1)} at the end (every time below scales with it).`,
    '',
    '## U-Net train step (128x128, batch 4, base 16, depth 4, BatchNorm; forward + backward + Adam)',
    '',
    '| backend | median step | runs | ratio to wasm |',
    '| --- | ---: | ---: | ---: |',
    `| ${wasmDetail} | ${(wasm.medianMs / 1000).toFixed(2)} s | ${wasm.runs} | 1.0x |`,
    `| wasm, one thread (SEGLAB_WASM_THREADS=1), in turns with the row above | ${(wasmOne.medianMs / 1000).toFixed(2)} s | ${wasmOne.runs} | ${(wasmOne.medianMs / wasm.medianMs).toFixed(2)}x |`,
    `| cpu, pure JS (added filter-gradient kernel) | ${(js.medianMs / 1000).toFixed(2)} s | ${js.runs} | ${(js.medianMs / wasm.medianMs).toFixed(1)}x |`,
    '',
    '## Default job (`npm start`: synthetic cells, 64x64, U-Net base 16)',
    '',
    '| wall time | best val mIoU | goal |',
    '| ---: | ---: | --- |',
    `| ${job.seconds.toFixed(0)} s | ${job.mIoU.toFixed(4)} | under 180 s, mIoU >= 0.80 |`,
    '',
    ...loaderVsStepLines(feed),
    '',
    '## Hot sanity run',
    '',
    ...sanityBenchLines(sanity),
    '',
    ...sanityThreadsBenchLines(sanityThreads),
    '',
    '## Prediction preview',
    '',
    ...previewBenchLines(preview),
    '',
    ...setupsBenchLines(setups),
  ];
  const file = path.join(ROOT, 'bench', 'RESULTS.md');
  fs.writeFileSync(file, lines.join('\n'));
  process.stdout.write(lines.join('\n') + `\nwrote ${path.relative(process.cwd(), file)}\n`);
}

// `--train-steps-in-turns N`: only that comparison, as JSON (a quick check of the threads).
const entry =
  process.argv[2] === '--train-step-server'
    ? trainStepServer()
    : process.argv[2] === '--train-steps-in-turns'
      ? trainStepsInTurns(Number(process.argv[3] ?? 5)).then((r) => void process.stdout.write(JSON.stringify(r) + '\n'))
      : main();
entry.catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});

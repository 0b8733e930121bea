/**
 * Benchmark of a prediction preview: a 512×512 image with the default U-Net (the built-in config's model:
 * classic U-Net, depth 4, base 16, 1 channel, 2 classes; untrained weights — speed does not depend on them),
 * through the real server path (PreviewService → warm predictor process), cache off. Reports the median of `n`
 * requests after one untimed request (process start-up, backend and model load), for a whole-image pass and for
 * the automatic mode (512 > 1.5 × the 64×64 training size: sliding windows, here one 512×512 window). The goal (issue 7) is ≤ 1 s
 * for the whole-image preview; it is a benchmark figure, never a test assertion. On a single-threaded backend
 * the predictor splits the image in two exact bands over two threads (bandedPredictor.ts); `bandThreads: 0`
 * measures the one-thread path for comparison.
 * `benchBandThreads` compares the two in turns. Run alone: `node out/server/preview/bench.js [n] [threads]`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadConfig } from '../config/load';
import { writePng } from '../data/image';
import { SyntheticDataset } from '../data/synthetic';
import { createModel, inputStrideOf, paramCount } from '../models/registry';
import type { PreviewMode } from '../protocol';
import { saveCheckpoint } from '../train/checkpoint';
import { modelConfigOf, RunInfo } from '../train/prepare';
import { WASM_THREADS_ENV } from '../backend/wasmThreads';
import { BAND_THREADS_ENV } from './bandedPredictor';
import { WINOGRAD_ENV } from '../infer/winograd';
import { PreviewService } from './service';

export const BENCH_SIZE = 512;

export interface PreviewBench {
  readonly runs: number;
  readonly size: number;
  /** Median request → result of a whole-image preview (warm predictor, cache off). */
  readonly medianSeconds: number;
  readonly seconds: readonly number[];
  /** The same with the automatic mode (sliding windows of ≥ 512 px: one window for 512×512), or null when not measured. */
  readonly slideMedianSeconds: number | null;
  /** The first request: predictor start-up, backend, model load and one prediction. */
  readonly startupSeconds: number;
  readonly backend: string;
  readonly params: number;
  /** Band threads the predictor was allowed (null: its default, one when the machine has a second core). */
  readonly bandThreads: number | null;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Writes a run folder with the default U-Net (untrained) and returns its params. */
async function writeDefaultRun(runDir: string): Promise<number> {
  const cfg = loadConfig(undefined, path.dirname(runDir)); // no seglab.json there: the built-in default
  const meta = { classes: 2, classNames: ['boundary', 'cell'], ignoreIndex: 255 };
  const inChannels = cfg.model.inChannels ?? 1;
  const modelCfg = modelConfigOf(cfg, meta, inChannels);
  const model = createModel(modelCfg, [null, null]);
  const optimizer = tf.train.adam(1e-3);
  try {
    const size = typeof cfg.input.size === 'number' ? ([cfg.input.size, cfg.input.size] as [number, number]) : cfg.input.size;
    const normalize = { mean: new Array<number>(inChannels).fill(0.5), std: new Array<number>(inChannels).fill(0.25) };
    const info: RunInfo = {
      arch: cfg.model.arch, ...meta, inChannels, normalize, inputSize: size,
      evalPrep: { channels: inChannels, ...normalize, padding: cfg.model.padding, encoderDepth: cfg.model.encoderDepth, stride: inputStrideOf(modelCfg), mode: cfg.input.evalMode, size },
      backend: tf.getBackend(), params: paramCount(model), createdAt: new Date().toISOString(), configSource: null,
    };
    fs.mkdirSync(runDir, { recursive: true });
    fs.writeFileSync(path.join(runDir, 'run.json'), JSON.stringify(info));
    fs.writeFileSync(path.join(runDir, 'config.json'), JSON.stringify(cfg));
    const state = { epoch: 1, globalStep: 1, stepInEpoch: 0, partialLossSum: 0, bestMIoU: null, bestEpoch: null, backend: tf.getBackend(), elapsedSeconds: 0 };
    await saveCheckpoint(path.join(runDir, 'best'), model, optimizer, state);
    return info.params.trainable + info.params.nonTrainable;
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

async function timed(service: PreviewService, imagePath: string, runDir: string, mode: PreviewMode | undefined, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await service.preview({ imagePath, runDir, checkpoint: 'best', mode, cache: false })).seconds);
  return out;
}

/** The default run and a 512×512 synthetic cells image in `dir`. */
async function writeBenchInputs(dir: string): Promise<{ runDir: string; image: string; params: number }> {
  const runDir = path.join(dir, 'default-unet');
  const params = await writeDefaultRun(runDir);
  const image = path.join(dir, 'cells-512.png');
  const s = new SyntheticDataset({ kind: 'cells', count: 1, size: BENCH_SIZE, seed: 7 }).generate(0);
  await writePng(image, s.image, s.width, s.height, s.channels);
  return { runDir, image, params };
}

/** Runs `fn` with environment settings that predictor processes started meanwhile inherit (undefined: unchanged). */
async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const previous = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(vars)) if (v !== undefined) process.env[k] = v;
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(previous)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** Median of `n` warm 512×512 previews with the default U-Net (see the file comment). */
export async function benchPreview(n = 10, opts: { backend?: string; slide?: boolean; bandThreads?: number } = {}): Promise<PreviewBench> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seglab-preview-bench-'));
  const service = new PreviewService({ backend: opts.backend ?? 'auto' });
  try {
    const { runDir, image, params } = await writeBenchInputs(dir);
    const first = await withEnv({ [BAND_THREADS_ENV]: opts.bandThreads?.toString() }, () => service.preview({ imagePath: image, runDir, checkpoint: 'best', mode: 'whole', cache: false }));
    const seconds = await timed(service, image, runDir, 'whole', n);
    const slide = opts.slide === false ? null : median(await timed(service, image, runDir, undefined, n));
    return { runs: n, size: BENCH_SIZE, medianSeconds: median(seconds), seconds, slideMedianSeconds: slide, startupSeconds: first.seconds, backend: first.backend, params, bandThreads: opts.bandThreads ?? null };
  } finally {
    service.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A predictor set-up the benchmark compares: a label and the environment its process starts with. */
interface Setup {
  readonly label: string;
  readonly env: Record<string, string>;
}

/**
 * The default (wasm on a thread per core with our inference kernels), the previous default (the same without
 * them: XNNPACK's direct convolutions), and one wasm thread with and without them.
 */
export const PREVIEW_SETUPS: readonly Setup[] = [
  { label: 'default (wasm threads per core, Winograd 3x3 + up-conv kernels)', env: {} },
  { label: `kernels off (${WINOGRAD_ENV}=0: tfjs/XNNPACK convs)`, env: { [WINOGRAD_ENV]: '0' } },
  { label: 'wasm 1 thread, kernels on', env: { [WASM_THREADS_ENV]: '1', [BAND_THREADS_ENV]: '0' } },
  { label: 'wasm 1 thread, kernels off', env: { [WASM_THREADS_ENV]: '1', [BAND_THREADS_ENV]: '0', [WINOGRAD_ENV]: '0' } },
];

export interface SetupsBench {
  readonly runs: number;
  readonly params: number;
  /** Per set-up: the predictor's backend line and its whole-image times, taken in turns (the same machine load for all). */
  readonly setups: ReadonlyArray<{ readonly label: string; readonly backend: string; readonly seconds: readonly number[] }>;
}

/**
 * The set-ups side by side: one warm predictor process each, answering `n` whole-image 512×512 previews in turns
 * (the order rotates every round), so that all see the same load on a shared machine.
 */
export async function benchPreviewSetups(n = 10, setups: readonly Setup[] = PREVIEW_SETUPS): Promise<SetupsBench> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seglab-preview-bench-'));
  const services = setups.map(() => new PreviewService({ backend: 'auto' }));
  try {
    const { runDir, image, params } = await writeBenchInputs(dir);
    const once = (i: number) => services[i].preview({ imagePath: image, runDir, checkpoint: 'best', mode: 'whole', cache: false });
    const backends: string[] = [];
    for (let i = 0; i < setups.length; i++) {
      backends.push((await withEnv(setups[i].env, () => once(i))).backend);
      await once(i); // a band thread starts with the first large image: give it one more request to come up
    }
    const times: number[][] = setups.map(() => []);
    for (let r = 0; r < n; r++) {
      for (let k = 0; k < setups.length; k++) {
        const i = (r + k) % setups.length;
        times[i].push((await once(i)).seconds);
      }
    }
    return { runs: n, params, setups: setups.map((s, i) => ({ label: s.label, backend: backends[i], seconds: times[i] })) };
  } finally {
    services.forEach((s) => s.dispose());
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function setupsBenchLines(b: SetupsBench): string[] {
  const base = median(b.setups[0].seconds);
  return [
    `Prediction preview set-ups, ${BENCH_SIZE}×${BENCH_SIZE}, default U-Net (${b.params} params), whole image, warm predictors, cache off, ${b.runs} runs each in turns (goal ≤ 1 s):`,
    '',
    '| set-up | backend | median | ratio to the first |',
    '| --- | --- | ---: | ---: |',
    ...b.setups.map((s) => `| ${s.label} | ${s.backend} | ${median(s.seconds).toFixed(2)} s | ${(median(s.seconds) / base).toFixed(2)}x |`),
  ];
}

/** Markdown lines for bench/RESULTS.md. */
export function previewBenchLines(b: PreviewBench): string[] {
  const slide = b.slideMedianSeconds === null ? '' : `; automatic mode (sliding window) ${b.slideMedianSeconds.toFixed(2)} s`;
  const threads = b.bandThreads === null ? 'default band threads' : b.bandThreads === 0 ? 'one thread' : `${b.bandThreads} band thread(s)`;
  return [
    `Prediction preview, ${b.size}×${b.size}, default U-Net (${b.params} params), ${b.backend}, ${threads}, warm predictor, cache off: ` +
      `whole image median ${b.medianSeconds.toFixed(2)} s over ${b.runs} runs (goal ≤ 1 s)${slide}; first request (start-up) ${b.startupSeconds.toFixed(1)} s.`,
  ];
}

if (require.main === module) {
  const n = Number(process.argv[2] ?? 10);
  if (process.argv[3] === 'setups') void benchPreviewSetups(n).then((b) => console.log(setupsBenchLines(b).join('\n')));
  else void benchPreview(n).then((b) => console.log(previewBenchLines(b).join('\n')));
}

/**
 * Benchmark of a prediction preview: a 512×512 image with the default U-Net (the built-in config's model:
 * classic U-Net, depth 4, base 16, 1 channel, 2 classes; untrained weights — speed does not depend on them),
 * through the real server path (PreviewService → warm predictor process), cache off. Reports the median of `n`
 * requests after one untimed request (process start-up, backend and model load), for a whole-image pass and for
 * the automatic mode (512 > 1.5 × the 64×64 training size: sliding windows, here one 512×512 window). The goal (issue 7) is ≤ 1 s
 * for the whole-image preview; it is a benchmark figure, never a test assertion.
 * Run alone: `node out/server/preview/bench.js [n]`.
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

/** Median of `n` warm 512×512 previews with the default U-Net (see the file comment). */
export async function benchPreview(n = 10, opts: { backend?: string; slide?: boolean } = {}): Promise<PreviewBench> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seglab-preview-bench-'));
  const service = new PreviewService({ backend: opts.backend ?? 'auto' });
  try {
    const runDir = path.join(dir, 'default-unet');
    const params = await writeDefaultRun(runDir);
    const image = path.join(dir, 'cells-512.png');
    const s = new SyntheticDataset({ kind: 'cells', count: 1, size: BENCH_SIZE, seed: 7 }).generate(0);
    await writePng(image, s.image, s.width, s.height, s.channels);
    const first = await service.preview({ imagePath: image, runDir, checkpoint: 'best', mode: 'whole', cache: false });
    const seconds = await timed(service, image, runDir, 'whole', n);
    const slide = opts.slide === false ? null : median(await timed(service, image, runDir, undefined, n));
    return { runs: n, size: BENCH_SIZE, medianSeconds: median(seconds), seconds, slideMedianSeconds: slide, startupSeconds: first.seconds, backend: first.backend, params };
  } finally {
    service.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Markdown lines for bench/RESULTS.md. */
export function previewBenchLines(b: PreviewBench): string[] {
  const slide = b.slideMedianSeconds === null ? '' : `; automatic mode (sliding window) ${b.slideMedianSeconds.toFixed(2)} s`;
  return [
    `Prediction preview, ${b.size}×${b.size}, default U-Net (${b.params} params), ${b.backend}, warm predictor, cache off: ` +
      `whole image median ${b.medianSeconds.toFixed(2)} s over ${b.runs} runs (goal ≤ 1 s)${slide}; first request (start-up) ${b.startupSeconds.toFixed(1)} s.`,
  ];
}

if (require.main === module) {
  void benchPreview(Number(process.argv[2] ?? 10)).then((b) => console.log(previewBenchLines(b).join('\n')));
}

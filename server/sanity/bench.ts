/**
 * Benchmark of the hot sanity loop: save → verdict for the example U-Net (examples/models/unet.ts) at 64x64,
 * batch 2, 5 steps, on the synthetic data, with a warm worker (started and warmed before timing, plus one untimed
 * run). Reports the median of `n` runs and each step's share. The goal (issue 4) is ≤ 2 s; it is a benchmark
 * figure, never a test assertion. Run alone: `node out/server/sanity/bench.js [n] [threads]` (`threads`: the default
 * against one wasm thread, in turns).
 */
import * as path from 'node:path';
import type { SanityRunParams, SanityStepName, SanityVerdict } from '../protocol';
import { SANITY_STEPS } from '../protocol';
import { WASM_THREADS_ENV } from '../backend/wasmThreads';
import { SanityRunner } from './runner';

/** The hand-written example U-Net (out/server/sanity → repository root). */
export const EXAMPLE_UNET = path.resolve(__dirname, '..', '..', '..', 'examples', 'models', 'unet.ts');

export interface SanityBench {
  readonly runs: number;
  /** Median request → verdict in the server, warm worker. */
  readonly medianSeconds: number;
  readonly seconds: readonly number[];
  /** Worker start-up (tfjs, backend, warm-up) paid once, before the first run. */
  readonly startupSeconds: number;
  readonly backend: string | null;
  readonly params: number | null;
  /** Median seconds of each step and its share of the median total; 'overhead' is IPC and bookkeeping. */
  readonly steps: readonly { readonly name: SanityStepName | 'overhead'; readonly medianSeconds: number; readonly share: number }[];
  /** Median save → verdict of a save made while the previous run was in its optimisation steps (it is cancelled). */
  readonly afterCancelSeconds: number;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median save → verdict of `n` warm runs of the example U-Net at 64x64 (or `modulePath`), with step shares. */
export async function benchSanity(n = 10, modulePath = EXAMPLE_UNET, backend = 'auto'): Promise<SanityBench> {
  const runner = new SanityRunner({ backend });
  try {
    const t0 = performance.now();
    await runner.warmUp();
    const startupSeconds = (performance.now() - t0) / 1000;
    const params: SanityRunParams = { configPath: null, cwd: path.dirname(modulePath), modulePath, settings: { size: 64, batchSize: 2, steps: 5 } };
    const warm = await runner.run(params);
    if (warm.status !== 'passed') throw new Error(`benchSanity: ${modulePath} did not pass: ${warm.message}`);
    const verdicts: SanityVerdict[] = [];
    for (let i = 0; i < n; i++) verdicts.push(await runner.run(params));
    const seconds = verdicts.map((v) => v.seconds);
    const total = median(seconds);
    const perStep = SANITY_STEPS.map((name) => ({ name, medianSeconds: median(verdicts.map((v) => v.steps.find((s) => s.name === name)?.seconds ?? 0)) }));
    const afterCancel: number[] = [];
    for (let i = 0; i < 3; i++) afterCancel.push(await saveDuringOverfit(runner, params));
    const overhead = Math.max(0, total - perStep.reduce((sum, s) => sum + s.medianSeconds, 0));
    const steps = [...perStep, { name: 'overhead' as const, medianSeconds: overhead }].map((s) => ({ ...s, share: total > 0 ? s.medianSeconds / total : 0 }));
    return { runs: n, medianSeconds: total, seconds, startupSeconds, backend: warm.backend, params: warm.params?.trainable ?? null, steps, afterCancelSeconds: median(afterCancel) };
  } finally {
    runner.dispose();
  }
}

/** Starts a run, and when it reaches its optimisation steps, a second one (the user saved again): the second's save → verdict. */
async function saveDuringOverfit(runner: SanityRunner, params: SanityRunParams): Promise<number> {
  let reached!: () => void;
  const inOverfit = new Promise<void>((r) => (reached = r));
  const first = runner.run({ ...params, settings: { size: 64, batchSize: 2, steps: 100 } }, (p) => p.step.name === 'forward' && reached());
  await inOverfit;
  const second = await runner.run(params);
  if ((await first).status !== 'cancelled' || second.status !== 'passed') throw new Error(`benchSanity: the save-during-run case went wrong: ${second.message}`);
  return second.seconds;
}

export interface SanityThreadsBench {
  readonly runs: number;
  /** Save → verdict with the default wasm threads (one per core) and with one thread, taken in turns. */
  readonly threaded: readonly number[];
  readonly oneThread: readonly number[];
}

/**
 * The default (wasm on a thread per core) against one wasm thread: two warm workers, the second started with
 * SEGLAB_WASM_THREADS=1, answering `n` runs each in turns, so that both see the same load on a shared machine.
 */
export async function benchSanityThreads(n = 10, modulePath = EXAMPLE_UNET): Promise<SanityThreadsBench> {
  const runners = [new SanityRunner({ backend: 'auto' }), new SanityRunner({ backend: 'auto', env: { [WASM_THREADS_ENV]: '1' } })];
  try {
    for (const r of runners) await r.warmUp();
    const params: SanityRunParams = { configPath: null, cwd: path.dirname(modulePath), modulePath, settings: { size: 64, batchSize: 2, steps: 5 } };
    const times: number[][] = [[], []];
    for (const r of runners) await r.run(params);
    for (let i = 0; i < n; i++) {
      for (const k of i % 2 ? [1, 0] : [0, 1]) {
        const v = await runners[k].run(params);
        if (v.status !== 'passed') throw new Error(`benchSanityThreads: ${modulePath} did not pass: ${v.message}`);
        times[k].push(v.seconds);
      }
    }
    return { runs: n, threaded: times[0], oneThread: times[1] };
  } finally {
    runners.forEach((r) => r.dispose());
  }
}

export function sanityThreadsBenchLines(b: SanityThreadsBench): string[] {
  const t = median(b.threaded);
  const one = median(b.oneThread);
  return [
    `Save → verdict side by side, ${b.runs} runs each in turns: wasm with a thread per core (default) median ${t.toFixed(2)} s, ` +
      `one wasm thread (SEGLAB_WASM_THREADS=1) ${one.toFixed(2)} s: ${(one / t).toFixed(2)}x.`,
  ];
}

/** Markdown lines for bench/RESULTS.md. */
export function sanityBenchLines(b: SanityBench): string[] {
  const pct = (x: number): string => `${(100 * x).toFixed(0)} %`;
  return [
    `Save → verdict, example U-Net (${b.params ?? '?'} params) at 64x64, batch 2, 5 steps, ${b.backend ?? '?'}: ` +
      `median ${b.medianSeconds.toFixed(2)} s over ${b.runs} warm runs (goal ≤ 2 s); worker start-up ${b.startupSeconds.toFixed(1)} s once. ` +
      `A save while the previous run is in its optimisation steps (that run is cancelled, the worker stays warm): ${b.afterCancelSeconds.toFixed(2)} s (median of 3).`,
    '',
    '| step | median s | share |',
    '|---|---|---|',
    ...b.steps.map((s) => `| ${s.name} | ${s.medianSeconds.toFixed(3)} | ${pct(s.share)} |`),
  ];
}

if (require.main === module) {
  const n = Number(process.argv[2] ?? 10);
  if (process.argv[3] === 'threads') void benchSanityThreads(n).then((b) => console.log(sanityThreadsBenchLines(b).join('\n')));
  else void benchSanity(n).then((b) => console.log(sanityBenchLines(b).join('\n')));
}

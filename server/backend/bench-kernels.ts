/**
 * Quick timing of the added training kernels against the stock ones (not a test; run by hand):
 *   node out/server/backend/bench-kernels.js
 * One U-Net-sized layer by default: x [4, 128, 128, 32], 3x3 filter, 32 output channels, 'same' padding.
 * The stock pure-JS Conv2DBackpropFilter is first timed on 1/16 of the batch rows; when the extrapolated full
 * time exceeds `stockLimitMs` it is reported as an estimate instead of being run.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {installTrainingKernels, uninstallTrainingKernels} from './wasmKernels';

export interface KernelTiming {
  /** e.g. 'Conv2DBackpropFilter wasm-added'. */
  readonly label: string;
  /** Milliseconds of one call (best of the timed calls); null when skipped. */
  readonly ms: number | null;
  readonly note: string;
}

export interface BenchOptions {
  readonly xShape?: [number, number, number, number];
  readonly kernel?: number;
  readonly outChannels?: number;
  /** Skip a stock cpu run whose extrapolated time exceeds this (default 60 000). */
  readonly stockLimitMs?: number;
}

type Run = () => tf.Tensor;

function timeOnce(run: Run): number {
  const t0 = performance.now();
  const out = run();
  out.dataSync();
  const ms = performance.now() - t0;
  out.dispose();
  return ms;
}

/** Best of `reps` timed calls after one untimed warm-up call (when warm). */
function best(run: Run, reps: number, warm: boolean): number {
  if (warm) {
    timeOnce(run);
  }
  let ms = Infinity;
  for (let i = 0; i < reps; i++) {
    ms = Math.min(ms, timeOnce(run));
  }
  return ms;
}

function filterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: [number, number, number, number]): Run {
  const attrs = {strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape};
  return () => tf.engine().runKernel('Conv2DBackpropFilter', {x, dy}, attrs) as tf.Tensor;
}

function inputGrad(xShape: [number, number, number, number], dy: tf.Tensor4D, filter: tf.Tensor4D, stride: number): Run {
  return () => tf.conv2dTranspose(dy, filter, xShape, stride, 'same');
}

interface Layer {
  x: tf.Tensor4D;
  dy: tf.Tensor4D;
  filter: tf.Tensor4D;
}

function makeLayer(xShape: [number, number, number, number], k: number, cout: number): Layer {
  return {
    x: tf.randomNormal(xShape),
    dy: tf.randomNormal([xShape[0], xShape[1], xShape[2], cout]),
    filter: tf.randomNormal([k, k, xShape[3], cout]),
  };
}

function disposeLayer(l: Layer): void {
  tf.dispose([l.x, l.dy, l.filter]);
}

async function benchWasm(xShape: [number, number, number, number], k: number, cout: number): Promise<KernelTiming[]> {
  await tf.setBackend('wasm');
  const l = makeLayer(xShape, k, cout);
  const fShape: [number, number, number, number] = [k, k, xShape[3], cout];
  const up = makeLayer([xShape[0], xShape[1] / 2, xShape[2] / 2, cout * 2], 2, xShape[3]);
  const upFilter = tf.randomNormal([2, 2, xShape[3], cout * 2]) as tf.Tensor4D;
  try {
    uninstallTrainingKernels('wasm');
    const stockIn = best(inputGrad(xShape, l.dy, l.filter, 1), 1, true);
    const stockUp = best(inputGrad(xShape, up.x, upFilter, 2), 1, true);
    installTrainingKernels('wasm');
    return [
      {label: 'Conv2DBackpropFilter wasm-added', ms: best(filterGrad(l.x, l.dy, fShape), 2, true), note: 'stock wasm has none'},
      {label: 'Conv2DBackpropInput wasm-stock', ms: stockIn, note: `${k}x${k} stride 1`},
      {label: 'Conv2DBackpropInput wasm-added', ms: best(inputGrad(xShape, l.dy, l.filter, 1), 2, true), note: `${k}x${k} stride 1`},
      {label: 'conv2dTranspose wasm-stock', ms: stockUp, note: `2x2 stride 2 from [${up.x.shape}]`},
      {label: 'conv2dTranspose wasm-added', ms: best(inputGrad(xShape, up.x, upFilter, 2), 2, true), note: '2x2 stride 2'},
    ];
  } finally {
    disposeLayer(l);
    disposeLayer(up);
    upFilter.dispose();
  }
}

async function benchCpu(xShape: [number, number, number, number], k: number, cout: number, limitMs: number): Promise<KernelTiming[]> {
  await tf.setBackend('cpu');
  const fShape: [number, number, number, number] = [k, k, xShape[3], cout];
  const l = makeLayer(xShape, k, cout);
  const part = makeLayer([1, Math.max(1, xShape[1] / 4), xShape[2], xShape[3]], k, cout);
  try {
    uninstallTrainingKernels('cpu');
    const scale = (xShape[0] * xShape[1]) / part.x.shape[1];
    const estimate = best(filterGrad(part.x, part.dy, fShape), 1, false) * scale;
    const stock: KernelTiming =
      estimate > limitMs
        ? {label: 'Conv2DBackpropFilter cpu-stock', ms: null, note: `skipped: estimated ${(estimate / 1000).toFixed(1)} s`}
        : {label: 'Conv2DBackpropFilter cpu-stock', ms: best(filterGrad(l.x, l.dy, fShape), 1, false), note: ''};
    installTrainingKernels('cpu');
    const added = best(filterGrad(l.x, l.dy, fShape), 1, false);
    return [stock, {label: 'Conv2DBackpropFilter cpu-added', ms: added, note: ''}];
  } finally {
    disposeLayer(l);
    disposeLayer(part);
  }
}

/** Times the added kernels against the stock ones on one layer; leaves both backends with the added kernels. */
export async function benchKernels(opts: BenchOptions = {}): Promise<KernelTiming[]> {
  tf.env().set('PROD', true);
  const xShape = opts.xShape ?? [4, 128, 128, 32];
  const k = opts.kernel ?? 3;
  const cout = opts.outChannels ?? 32;
  const wasm = await benchWasm(xShape, k, cout);
  const cpu = await benchCpu(xShape, k, cout, opts.stockLimitMs ?? 60_000);
  return [...wasm, ...cpu];
}

if (require.main === module) {
  benchKernels().then(
    (rows) => {
      for (const r of rows) {
        const ms = r.ms == null ? '-' : `${r.ms.toFixed(0)} ms`;
        process.stdout.write(`${r.label.padEnd(34)} ${ms.padStart(10)}  ${r.note}\n`);
      }
    },
    (err: unknown) => {
      process.stderr.write(`bench-kernels failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}

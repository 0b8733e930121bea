/**
 * Training kernels added to the WASM backend (and the pure-JS 'cpu' backend).
 *
 * - wasm: Conv2DBackpropFilter (missing from the stock backend, so it cannot train convs) and a faster
 *   Conv2DBackpropInput (also conv2dTranspose's forward pass), both composed from the backend's XNNPACK Conv2D;
 *   a OneHot that honours its dtype (the stock one writes int32 bits into float32 outputs); and the depthwise
 *   conv gradients (missing from stock wasm: MobileNetV2, EfficientNet and separable convs could not train).
 * - cpu: the same Conv2D-based Conv2DBackpropFilter (the stock one is a naive loop, tens of seconds at U-Net sizes).
 * - every backend: a FusedBatchNorm gradient that broadcasts instead of tiling (gradients are global in tfjs).
 *
 * Replaced stock kernels are remembered so `uninstallTrainingKernels` can put them back (tests, benchmarks).
 */
import * as tf from '@tensorflow/tfjs';
import {broadcastBatchNormGrad} from './batchNormGrad';
import {makeConv2DBackpropFilterKernel} from './convFilterGrad';
import {makeConv2DBackpropInputKernel} from './convInputGrad';
import {makeOneHotKernel} from './oneHotKernel';
import {filterGradKernel as depthwiseFilterGradKernel, inputGradKernel as depthwiseInputGradKernel} from './depthwiseGrads';

type KernelMaker = (backendName: string, fallback?: tf.KernelFunc) => tf.KernelFunc;

/** Which kernels each backend gets. */
const KERNELS_BY_BACKEND: Readonly<Record<string, ReadonlyArray<readonly [string, KernelMaker]>>> = {
  wasm: [
    ['Conv2DBackpropFilter', makeConv2DBackpropFilterKernel],
    ['Conv2DBackpropInput', makeConv2DBackpropInputKernel],
    ['OneHot', makeOneHotKernel],
    ['DepthwiseConv2dNativeBackpropInput', () => depthwiseInputGradKernel],
    ['DepthwiseConv2dNativeBackpropFilter', () => depthwiseFilterGradKernel],
  ],
  cpu: [['Conv2DBackpropFilter', makeConv2DBackpropFilterKernel]],
};

/** What installTrainingKernels added, for logs and the ladder's `detail`. */
export interface InstalledKernels {
  readonly backendName: string;
  /** Kernel names registered (or already registered) for this backend. */
  readonly kernels: string[];
  /** Gradient names registered (global). */
  readonly gradients: string[];
}

/** Our kernel functions, to recognise an installed kernel (idempotence). */
const ours = new WeakSet<tf.KernelFunc>();
/** Stock configs we replaced, by `${backend}/${kernel}`; null when the backend had none. */
const replaced = new Map<string, tf.KernelConfig | null>();
/** Backends with our kernels installed; the gradient stays while any is left. */
const installedOn = new Set<string>();
let stockBatchNormGrad: tf.GradConfig | null = null;

function key(backendName: string, kernelName: string): string {
  return `${backendName}/${kernelName}`;
}

function installKernel(backendName: string, kernelName: string, make: KernelMaker): void {
  const current = tf.getKernel(kernelName, backendName);
  if (current != null && ours.has(current.kernelFunc)) {
    return;
  }
  const kernelFunc = make(backendName, current?.kernelFunc);
  ours.add(kernelFunc);
  replaced.set(key(backendName, kernelName), current ?? null);
  if (current != null) {
    tf.unregisterKernel(kernelName, backendName); // avoids tfjs' "already registered" warning
  }
  tf.registerKernel({kernelName, backendName, kernelFunc});
}

function installGradient(): void {
  const current = tf.getGradient(broadcastBatchNormGrad.kernelName);
  if (current === broadcastBatchNormGrad) {
    return;
  }
  stockBatchNormGrad = current ?? null;
  if (current != null) {
    tf.unregisterGradient(broadcastBatchNormGrad.kernelName); // no "Overriding the gradient" warning in DEBUG
  }
  tf.registerGradient(broadcastBatchNormGrad);
}

/**
 * Registers the added training kernels for `backendName` ('wasm' or 'cpu'; any other backend only gets the
 * BatchNorm gradient). Idempotent. Call after the backend is registered (e.g. after tf.setBackend).
 */
export function installTrainingKernels(backendName: string): InstalledKernels {
  const kernels = KERNELS_BY_BACKEND[backendName] ?? [];
  for (const [kernelName, make] of kernels) {
    installKernel(backendName, kernelName, make);
  }
  installGradient();
  installedOn.add(backendName);
  return {backendName, kernels: kernels.map(([name]) => name), gradients: [broadcastBatchNormGrad.kernelName]};
}

/** Restores the stock kernels of `backendName` (and the stock BatchNorm gradient once no backend uses ours). */
export function uninstallTrainingKernels(backendName: string): void {
  for (const [kernelName] of KERNELS_BY_BACKEND[backendName] ?? []) {
    const k = key(backendName, kernelName);
    const current = tf.getKernel(kernelName, backendName);
    if (!replaced.has(k) || current == null || !ours.has(current.kernelFunc)) {
      continue;
    }
    tf.unregisterKernel(kernelName, backendName);
    const stock = replaced.get(k);
    if (stock != null) {
      tf.registerKernel(stock);
    }
    replaced.delete(k);
  }
  installedOn.delete(backendName);
  if (installedOn.size === 0 && tf.getGradient(broadcastBatchNormGrad.kernelName) === broadcastBatchNormGrad) {
    tf.unregisterGradient(broadcastBatchNormGrad.kernelName);
    if (stockBatchNormGrad != null) {
      tf.registerGradient(stockBatchNormGrad);
    }
  }
}

/** True when `kernelName` on `backendName` is one of the added kernels. */
export function isAddedKernel(kernelName: string, backendName: string): boolean {
  const current = tf.getKernel(kernelName, backendName);
  return current != null && ours.has(current.kernelFunc);
}

import * as assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {describe, test} from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {selectBackend} from './ladder';
import {isInstalled} from './rungs';
import {isAddedKernel} from './wasmKernels';
import {requestedWasmThreads} from './wasmThreads';
import {interpretProbe, probeWebGpuAdapter, softwareAdapterReason} from './webgpuProbe';

function run(script: string): Promise<{stdout: string; stderr: string; code: number}> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['-e', script], {timeout: 60_000}, (err, stdout, stderr) => {
      resolve({stdout: String(stdout), stderr: String(stderr), code: err == null ? 0 : ((err as {code?: number}).code ?? 1)});
    });
  });
}

/** Why this machine is not the "no native TF, no GPU" machine the selection test describes, or false. */
async function notThisMachine(): Promise<string | false> {
  if (isInstalled('@tensorflow/tfjs-node-gpu') || isInstalled('@tensorflow/tfjs-node')) {
    return 'tfjs-node is installed here';
  }
  if (isInstalled('webgpu') && (await probeWebGpuAdapter(require.resolve('webgpu'))).ok) {
    return 'a hardware WebGPU adapter is present';
  }
  return false;
}

describe('selectBackend', async () => {
  const skip = await notThisMachine();

  test('auto: picks wasm here, says why node-gpu, webgpu and node were skipped, prints nothing', {skip}, async () => {
    const ladder = JSON.stringify(require.resolve('./ladder'));
    const t0 = Date.now();
    const {stdout, stderr, code} = await run(
      `require(${ladder}).selectBackend({}).then((r) => process.stdout.write(JSON.stringify(r) + '\\n'))`,
    );
    assert.equal(code, 0, stderr);
    assert.ok(Date.now() - t0 < 30_000, 'selection should not wait long on WebGPU');
    assert.equal(stderr, '');
    const lines = stdout.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 1, `stdout must hold only the result, got:\n${stdout}`);
    const result = JSON.parse(lines[0]) as {name: string; skipped: {name: string; reason: string}[]; detail: string};
    assert.equal(result.name, 'wasm');
    assert.deepEqual(result.skipped.map((s) => s.name), ['node-gpu', 'webgpu', 'node']);
    assert.match(result.skipped[0].reason, /^@tensorflow\/tfjs-node-gpu is not installed \(optional dependency; needs CUDA\)$/);
    assert.match(result.skipped[1].reason, /^WebGPU: (no adapter|no hardware adapter|the optional 'webgpu' package is not installed)/);
    assert.match(result.skipped[2].reason, /^@tensorflow\/tfjs-node is not installed/);
    const threads = requestedWasmThreads();
    assert.match(result.detail, new RegExp(`^wasm \\((SIMD|no SIMD), ${threads} threads?, training kernels added\\)$`));
  });

  test('forcing cpu, then computing on it, prints no tfjs banner or warning', async () => {
    const ladder = JSON.stringify(require.resolve('./ladder'));
    const tfjs = JSON.stringify(require.resolve('@tensorflow/tfjs'));
    const {stdout, stderr, code} = await run(
      `require(${ladder}).selectBackend({prefer: 'cpu'}).then((r) => {` +
        `const tf = require(${tfjs}); const s = tf.sum(tf.tensor([1, 2])).dataSync()[0];` +
        `process.stdout.write(r.name + ' ' + s + '\\n'); })`,
    );
    assert.equal(code, 0, stderr);
    assert.equal(stdout, 'cpu 3\n');
    assert.equal(stderr, '');
  });

  test('forcing cpu selects the pure-JS backend with the added kernels', async () => {
    const r = await selectBackend({prefer: 'cpu'});
    assert.deepEqual(r, {name: 'cpu', skipped: [], detail: 'cpu (pure JS, training kernels added)'});
    assert.equal(tf.getBackend(), 'cpu');
    assert.equal(isAddedKernel('Conv2DBackpropFilter', 'cpu'), true);
  });

  test('forcing wasm selects wasm with the added kernels', async () => {
    const r = await selectBackend({prefer: 'wasm'});
    assert.equal(r.name, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
    assert.equal(isAddedKernel('Conv2DBackpropFilter', 'wasm'), true);
  });

  test('forcing node when tfjs-node is missing throws why and what is available', {skip: isInstalled('@tensorflow/tfjs-node')}, async () => {
    await assert.rejects(
      selectBackend({prefer: 'node'}),
      /^Error: backend "node" is not available: @tensorflow\/tfjs-node is not installed .*Available here: (.*, )?wasm, cpu; choose one of them or "auto"\.$/,
    );
  });

  test('an unknown name lists the valid ones', async () => {
    await assert.rejects(
      selectBackend({prefer: 'gpu' as 'cpu'}),
      /unknown backend "gpu": use "auto" or one of node-gpu, webgpu, node, wasm, cpu/,
    );
  });
});

describe('WebGPU adapter probe', () => {
  test('no adapter: quotes Dawn\'s first warning line', () => {
    const stderr = "Warning: Couldn't load Vulkan: libvulkan.so.1: cannot open shared object file\n    at operator() (x.cpp:368)\n";
    assert.deepEqual(interpretProbe('{"adapter":null}\n', stderr), {
      ok: false,
      reason: "WebGPU: no adapter (Dawn: Couldn't load Vulkan: libvulkan.so.1: cannot open shared object file)",
    });
  });

  test('software adapters are rejected by name or by the fallback flag', () => {
    assert.equal(
      softwareAdapterReason({vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.7, 256 bits)'}),
      'WebGPU: no hardware adapter (only a software/fallback adapter: llvmpipe (LLVM 15.0.7, 256 bits))',
    );
    assert.match(softwareAdapterReason({description: 'SwiftShader Device (Subzero)'}) ?? '', /only a software\/fallback adapter: SwiftShader/);
    assert.match(softwareAdapterReason({description: 'Some GPU', isFallbackAdapter: true}) ?? '', /no hardware adapter/);
    assert.match(softwareAdapterReason({description: 'Lavapipe', adapterType: 'cpu'}) ?? '', /no hardware adapter/);
  });

  test('a hardware adapter passes', () => {
    const adapter = {vendor: 'nvidia', description: 'NVIDIA GeForce RTX 3080', backendType: 'vulkan', isFallbackAdapter: false};
    assert.deepEqual(interpretProbe(JSON.stringify({adapter}), ''), {ok: true, adapter});
  });

  test('garbage from the child is a failed probe, not a crash', () => {
    assert.deepEqual(interpretProbe('', 'Segmentation fault'), {ok: false, reason: 'WebGPU: adapter probe failed (Segmentation fault)'});
  });
});

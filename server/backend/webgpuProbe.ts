/**
 * WebGPU adapter probe, run in a child process.
 *
 * Dawn (the `webgpu` package) writes native warnings straight to the process's stderr ("Couldn't load Vulkan",
 * ...) and may keep the event loop alive or crash on broken drivers. Asking for an adapter in a short-lived child
 * keeps all of that out of the server; only when the child reports a hardware adapter does the ladder load Dawn
 * in-process.
 */
import {execFile} from 'node:child_process';
import {pathToFileURL} from 'node:url';

/** What the child saw (fields of GPUAdapterInfo, plus isFallbackAdapter). */
export interface AdapterReport {
  readonly vendor?: string;
  readonly architecture?: string;
  readonly device?: string;
  readonly description?: string;
  readonly adapterType?: string;
  readonly backendType?: string;
  readonly isFallbackAdapter?: boolean;
}

export type ProbeResult = {ok: true; adapter: AdapterReport} | {ok: false; reason: string};

/** Runs in the child (ESM): prints one JSON line {adapter: AdapterReport | null}. */
const CHILD_SCRIPT = `
const {create} = await import(process.env.SEGLAB_WEBGPU_URL);
const gpu = create([]);
const a = await gpu.requestAdapter({powerPreference: 'high-performance'});
let adapter = null;
if (a) {
  const i = a.info ?? {};
  adapter = {vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description,
    adapterType: i.adapterType, backendType: i.backendType, isFallbackAdapter: a.isFallbackAdapter ?? i.isFallbackAdapter};
}
process.stdout.write(JSON.stringify({adapter}) + '\\n', () => process.exit(0));
`;

/** Software rasterisers that Dawn may expose as an ordinary adapter. */
const SOFTWARE = /llvmpipe|lavapipe|swiftshader|softpipe|software|basic render/i;

/** A one-line name for the adapter, e.g. "NVIDIA GeForce RTX 3080 (vulkan)". */
export function adapterName(a: AdapterReport): string {
  const name = [a.description, a.device, a.vendor, a.architecture].find((s) => s != null && s !== '') ?? 'unknown adapter';
  return a.backendType ? `${name} (${a.backendType})` : name;
}

/** Why `a` is not a hardware adapter, or null when it is one. */
export function softwareAdapterReason(a: AdapterReport): string | null {
  const text = [a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' ');
  if (a.isFallbackAdapter === true || a.adapterType === 'cpu' || SOFTWARE.test(text)) {
    return `WebGPU: no hardware adapter (only a software/fallback adapter: ${adapterName(a)})`;
  }
  return null;
}

/** The first meaningful line Dawn printed, shortened, e.g. "Couldn't load Vulkan: libvulkan.so.1: ...". */
function firstStderrLine(stderr: string): string | null {
  const line = stderr
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '' && !l.startsWith('at '));
  if (line == null) {
    return null;
  }
  const short = line.replace(/^Warning:\s*/, '');
  return short.length > 110 ? `${short.slice(0, 107)}...` : short;
}

/** Interprets the child's output. Exported for tests. */
export function interpretProbe(stdout: string, stderr: string): ProbeResult {
  const line = stdout.trim().split('\n').pop() ?? '';
  let parsed: {adapter: AdapterReport | null} | null = null;
  try {
    parsed = JSON.parse(line) as {adapter: AdapterReport | null};
  } catch {
    parsed = null;
  }
  const dawn = firstStderrLine(stderr);
  if (parsed == null) {
    return {ok: false, reason: `WebGPU: adapter probe failed${dawn ? ` (${dawn})` : ''}`};
  }
  if (parsed.adapter == null) {
    return {ok: false, reason: `WebGPU: no adapter${dawn ? ` (Dawn: ${dawn})` : ''}`};
  }
  const software = softwareAdapterReason(parsed.adapter);
  return software != null ? {ok: false, reason: software} : {ok: true, adapter: parsed.adapter};
}

/** Asks Dawn for an adapter in a child process (at most `timeoutMs`). `webgpuEntry` is the package's index.js. */
export function probeWebGpuAdapter(webgpuEntry: string, timeoutMs = 15_000): Promise<ProbeResult> {
  const env = {...process.env, SEGLAB_WEBGPU_URL: pathToFileURL(webgpuEntry).href};
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', CHILD_SCRIPT],
      {env, timeout: timeoutMs, maxBuffer: 1 << 20, windowsHide: true},
      (err, stdout, stderr) => {
        if (err != null && (err as {killed?: boolean}).killed) {
          resolve({ok: false, reason: `WebGPU: adapter probe timed out after ${Math.round(timeoutMs / 1000)} s`});
          return;
        }
        resolve(interpretProbe(String(stdout), String(stderr)));
      },
    );
  });
}

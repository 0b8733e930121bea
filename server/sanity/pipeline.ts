/**
 * One sanity run, inside the sanity worker: transpile → data → build → summary → forward → overfit → gradients →
 * leaks, each timed and reported as it finishes, and a verdict with diagnostics at the user's own lines. Problems in
 * the user's code never throw out of {@link runSanity}; they end up in the verdict.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { SANITY_STEPS } from '../protocol';
import type { SanityDiagnostic, SanityStepName, SanityStepReport, SanityVerdict } from '../protocol';
import { ConfigError, loadConfig, ResolvedConfig } from '../config/load';
import { DataError } from '../data/types';
import { paramCount } from '../models/registry';
import { combinedLoss } from '../losses';
import { lossTermsOf } from '../train/prepare';
import { withSeededRandom } from '../train/seeded';
import { DEFAULT_SANITY, resolveSanitySettings, SanitySettings } from './settings';
import { Bundle, transpileModule } from './transpile';
import { buildLocation, diagnosticAt, SanityFinding, SourceLines } from './diagnostics';
import { callBuild, diagnosticOfError, loadBundle, ModuleError, modulePathOf } from './userModule';
import { createContext } from './context';
import { LayerSites } from './layerSites';
import { SanityBatch, sanityBatch } from './batch';
import { atLayer, checkFinalActivation, checkOutputShape, firstNonFiniteLayer, Locator } from './checks';
import { forward, LossOf, optimizerOf, overfit, OverfitResult, predictionSample } from './overfit';
import { describeRun, isOutOfMemory, StepOutcome } from './outcome';
import type { SanityJob } from './workerProtocol';
import type { FittedModel } from './saveModel';

/** Everything one run accumulates; the steps below read and fill it. */
class RunState {
  readonly diagnostics: SanityDiagnostic[] = [];
  readonly reports: SanityStepReport[] = [];
  readonly sources = new SourceLines();
  readonly started = performance.now();
  readonly tensorsAtStart = tf.memory().numTensors;
  settings: SanitySettings = DEFAULT_SANITY;
  cfg: ResolvedConfig | null = null;
  entry = '';
  files: readonly string[] = [];
  bundle: Bundle | null = null;
  batch: SanityBatch | null = null;
  tensors: { x: tf.Tensor4D; y: tf.Tensor3D } | null = null;
  model: tf.LayersModel | null = null;
  sites: LayerSites | null = null;
  optimizer: tf.Optimizer | null = null;
  lossOf: LossOf | null = null;
  buildExtras = 0;
  params: SanityVerdict['params'] = null;
  outputShape: (number | null)[] | null = null;
  expectedShape: number[] | null = null;
  fit: OverfitResult | null = null;
  sample: SanityVerdict['sample'] = null;
  oom = false;

  constructor(
    readonly job: SanityJob,
    readonly backend: string | null,
    private readonly onStep: (s: SanityStepReport) => void,
    readonly keep?: (fitted: FittedModel) => void,
    readonly signal?: AbortSignal,
  ) {}

  /**
   * Lets pending messages in (a `cancel` from the server arrives as a macrotask, and WASM kernels never yield),
   * then says whether the run was cancelled.
   */
  async cancelled(): Promise<boolean> {
    if (!this.signal) return false;
    await new Promise<void>((resolve) => setImmediate(resolve));
    return this.signal.aborted;
  }

  get locator(): Locator {
    if (!this.sites) throw new Error('internal: no layer sites before build');
    return { entry: this.entry, sites: this.sites, sources: this.sources };
  }

  report(name: SanityStepName, status: SanityStepReport['status'], seconds: number, detail: string): void {
    const r: SanityStepReport = { name, status, seconds, detail };
    this.reports.push(r);
    this.onStep(r);
  }

  /** Runs one step, times it and reports it; an exception in it becomes a diagnostic. False: stop here. */
  async step(name: SanityStepName, f: () => Promise<StepOutcome> | StepOutcome): Promise<boolean> {
    if (await this.cancelled()) throw new SanityCancelled();
    const t0 = performance.now();
    const before = this.diagnostics.length;
    let outcome: StepOutcome;
    try {
      outcome = await f();
    } catch (err) {
      if (err instanceof SanityCancelled) throw err;
      outcome = this.unexpected(name, err);
    }
    const seconds = outcome.seconds ?? (performance.now() - t0) / 1000 - (outcome.excludeSeconds ?? 0);
    const fresh = this.diagnostics.slice(before);
    const status = !outcome.ok || fresh.some((d) => d.severity === 'error') ? 'failed' : fresh.length ? 'warning' : 'ok';
    this.report(name, status, seconds, outcome.detail);
    return !outcome.stop;
  }

  private unexpected(name: SanityStepName, err: unknown): StepOutcome {
    if (isOutOfMemory(err)) this.oom = true;
    const what = this.oom ? `ran out of memory in the ${name} step` : `the ${name} step failed`;
    if (this.bundle) {
      this.diagnostics.push({ ...diagnosticOfError(err, this.bundle, this.sources, what), code: 'runtime-error' });
    } else if (!(err instanceof ConfigError || err instanceof DataError)) {
      throw err;
    }
    return { ok: false, stop: true, detail: `${what}: ${err instanceof Error ? err.message : String(err)}` };
  }

  /** A diagnostic on the config file (the one given, the one loaded, or where `seglab.json` would be). */
  configDiagnostic(message: string): void {
    const file = this.job.configPath ?? this.cfg?.source ?? path.join(this.job.cwd, 'seglab.json');
    const m = /:(\d+):(\d+): /.exec(message);
    const at = m ? { file, line: Number(m[1]), column: Number(m[2]) } : { file, line: 1, column: 1 };
    this.diagnostics.push(diagnosticAt(at, 'error', 'config', message, this.sources));
  }
}

async function transpileStep(s: RunState): Promise<StepOutcome> {
  try {
    s.cfg = loadConfig(s.job.configPath ?? undefined, s.job.cwd);
    s.settings = resolveSanitySettings(s.cfg.sanity, s.job.settings);
  } catch (err) {
    if (!(err instanceof ConfigError) && !(err instanceof Error && /^`sanity/.test(err.message))) throw err;
    s.configDiagnostic(err.message);
    return { ok: false, stop: true, detail: err.message };
  }
  const entry = s.job.modulePath ?? modulePathOf(s.cfg, s.job.cwd);
  if (!entry) {
    const message = 'seglab.json names no model module: add "model": {"module": "models/myNet.ts"} (a file exporting build(ctx))';
    s.configDiagnostic(message);
    return { ok: false, stop: true, detail: message };
  }
  s.entry = entry;
  const t = transpileModule(entry);
  s.files = t.ok ? t.bundle.files : t.files;
  if (!t.ok) {
    s.diagnostics.push(...t.diagnostics);
    return { ok: false, stop: true, detail: `${t.diagnostics.length} error(s): ${t.diagnostics[0].message}` };
  }
  s.bundle = t.bundle;
  return { ok: true, detail: `${t.bundle.files.length} file(s) bundled` };
}

async function dataStep(s: RunState, cfg: ResolvedConfig): Promise<StepOutcome> {
  try {
    s.batch = await sanityBatch(cfg, s.settings.size, s.settings.batchSize);
  } catch (err) {
    if (!(err instanceof DataError)) throw err;
    s.configDiagnostic(`the sanity batch could not be loaded: ${err.message}`);
    return { ok: false, stop: true, detail: err.message };
  }
  const b = s.batch;
  s.tensors = { x: tf.tensor4d(b.x, [...b.shape]), y: tf.tensor3d(b.y, [b.shape[0], b.shape[1], b.shape[2]], 'int32') };
  s.expectedShape = [b.shape[0], b.shape[1], b.shape[2], b.classes];
  const meta = { classes: b.classes, classNames: b.classNames, ignoreIndex: b.ignoreIndex };
  s.lossOf = combinedLoss(lossTermsOf(cfg, meta, b.crops)) as LossOf;
  return { ok: true, detail: b.description };
}

function buildStep(s: RunState, cfg: ResolvedConfig, bundle: Bundle, batch: SanityBatch): StepOutcome {
  const sites = new LayerSites(bundle.map);
  s.sites = sites;
  const uninstall = sites.install();
  try {
    const build = loadBundle(bundle, s.sources);
    const [, h, w, c] = batch.shape;
    s.model = withSeededRandom(cfg.train.seed, () => callBuild(build, createContext([h, w, c], batch.classes), bundle, s.sources));
  } catch (err) {
    if (err instanceof ModuleError) s.diagnostics.push(err.diagnostic);
    else if (err instanceof SanityFinding) s.diagnostics.push(atLayer(s.locator, err.layer as tf.layers.Layer | null, 'error', err.code, err.message));
    else throw err;
    return { ok: false, stop: true, detail: s.diagnostics[s.diagnostics.length - 1].message };
  } finally {
    uninstall();
  }
  s.buildExtras = tf.memory().numTensors - s.tensorsAtStart - s.model.weights.length;
  return { ok: true, detail: `${s.model.layers.length} layers` };
}

function summaryStep(s: RunState, model: tf.LayersModel, expected: number[]): StepOutcome {
  s.params = paramCount(model);
  const shape = model.outputs[0].shape;
  s.outputShape = shape;
  const shapeProblems = checkOutputShape(model, shape, expected, s.locator);
  s.diagnostics.push(...shapeProblems, ...checkFinalActivation(model, s.locator));
  const detail = `${s.params.trainable.toLocaleString('en-US')} trainable params · output ${fmt(shape)} · expected ${fmt([null, ...expected.slice(1)])}`;
  return { ok: true, stop: shapeProblems.length > 0, detail };
}

function forwardStep(s: RunState, model: tf.LayersModel, expected: number[], lossOf: LossOf): StepOutcome {
  const tensors = s.tensors as NonNullable<RunState['tensors']>;
  const r = forward(model, tensors, lossOf, expected);
  s.outputShape = r.shape;
  if (r.loss === null) {
    s.diagnostics.push(...checkOutputShape(model, r.shape, expected, s.locator));
    return { ok: false, stop: true, detail: `output ${fmt(r.shape)}, expected ${fmt(expected)}` };
  }
  if (!Number.isFinite(r.loss)) {
    nanDiagnostic(s, model, 'the loss of the forward pass is NaN or infinite');
    return { ok: false, stop: true, detail: `loss ${r.loss}` };
  }
  return { ok: true, detail: `output ${fmt(r.shape)} · loss ${r.loss.toFixed(3)}` };
}

function nanDiagnostic(s: RunState, model: tf.LayersModel, what: string): void {
  const layer = firstNonFiniteLayer(model, (s.tensors as NonNullable<RunState['tensors']>).x);
  const where = layer ? `; the first layer whose output is not finite is '${layer.name}'` : '';
  const msg = `${what}${where}: look for log/sqrt/division of values that can be 0 or negative, or a huge initializer or learning rate`;
  s.diagnostics.push(atLayer(s.locator, layer, 'error', 'nan-loss', msg));
}

async function overfitStep(s: RunState, model: tf.LayersModel, lossOf: LossOf, cfg: ResolvedConfig): Promise<StepOutcome> {
  const tensors = s.tensors as NonNullable<RunState['tensors']>;
  s.optimizer = optimizerOf(cfg);
  const fit = await overfit(model, tensors, lossOf, s.optimizer, s.settings.steps, s.locator, () => s.cancelled());
  if (s.signal?.aborted) throw new SanityCancelled();
  s.fit = fit;
  const { losses } = fit;
  const first = losses[0];
  const last = losses[losses.length - 1];
  const trend = `loss ${first.toFixed(3)} → ${last.toFixed(3)} in ${losses.length} step(s)`;
  if (!Number.isFinite(last)) {
    nanDiagnostic(s, model, `the loss became NaN or infinite at step ${losses.length}`);
  } else if (losses.length > 1 && !(last < first)) {
    const msg =
      `the loss did not fall in ${losses.length} steps on one batch (${first.toFixed(3)} → ${last.toFixed(3)}): the model cannot fit ` +
      'even one batch; check `train.optimizer.lr`, the final layer (logits, ctx.classes filters) and dead layers';
    s.diagnostics.push(diagnosticAt(buildLocation(s.entry, s.sources), 'error', 'loss-not-falling', msg, s.sources));
  }
  s.sample = await predictionSample(model, tensors.x, (s.batch as SanityBatch).crops[0]);
  return { ok: true, detail: trend, excludeSeconds: fit.gradients.seconds };
}

function gradientsStep(s: RunState): StepOutcome {
  const g = (s.fit as OverfitResult).gradients;
  s.diagnostics.push(...g.diagnostics);
  const detail = g.dead.length
    ? `${g.dead.length} layer(s) got no gradient: ${g.dead.join(', ')}`
    : `all ${g.weights} trainable weights got finite gradients`;
  return { ok: true, detail, seconds: g.seconds };
}

/** Disposes what the run made: the model, the optimizer and the batch tensors. */
function disposeRun(s: RunState): void {
  s.model?.dispose();
  s.optimizer?.dispose();
  if (s.tensors) tf.dispose([s.tensors.x, s.tensors.y]);
  s.model = null;
  s.optimizer = null;
  s.tensors = null;
}

/** Hands the fitted model to `keep` instead of disposing it (the worker saves it after the verdict); its weight count. */
function handOverFitted(s: RunState): number {
  const { keep, model, fit, cfg, bundle, batch } = s;
  if (!keep || !model || !fit || !cfg || !bundle || !batch || !fit.losses.every(Number.isFinite)) return 0;
  s.model = null;
  keep({ model, entry: s.entry, bundle, cfg, batch, losses: fit.losses, backend: s.backend });
  return model.weights.length;
}

function leaksStep(s: RunState): StepOutcome {
  const kept = handOverFitted(s);
  disposeRun(s);
  const leaked = tf.memory().numTensors - s.tensorsAtStart - kept;
  if (leaked > 0) {
    const inBuild = Math.min(leaked, Math.max(0, s.buildExtras));
    const msg =
      `${leaked} tensor(s) stayed allocated after the sanity run` +
      (inBuild ? ` (${inBuild} created in build(ctx) outside the model: a tensor constant, or a layer whose output is never used)` : '') +
      ': create tensors inside tf.tidy in custom layers, and dispose what build(ctx) does not put in the model';
    s.diagnostics.push(diagnosticAt(buildLocation(s.entry, s.sources), 'warning', 'tensor-leak', msg, s.sources));
  }
  return { ok: true, detail: leaked > 0 ? `${leaked} tensor(s) leaked` : 'no tensors leaked' };
}

function fmt(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? 'N' : d)).join(',')}]`;
}

/** Thrown by {@link runSanity} when its `signal` aborts: the run stopped at a step boundary, its tensors freed. */
export class SanityCancelled extends Error {
  constructor() {
    super('sanity run cancelled');
    this.name = 'SanityCancelled';
  }
}

/**
 * Runs every step that can run and returns the verdict; `onStep` hears each step as it finishes. With `keep`, a
 * run that fitted its batch (finite losses) hands it the fitted model to save (saveModel.ts) and to dispose.
 * With `signal`, an abort stops the run before its next step (or optimisation step) with {@link SanityCancelled}.
 */
export async function runSanity(
  job: SanityJob,
  onStep: (s: SanityStepReport) => void,
  backend: string | null = null,
  keep?: (fitted: FittedModel) => void,
  signal?: AbortSignal,
): Promise<SanityVerdict> {
  const s = new RunState(job, backend, onStep, keep, signal);
  const go = async (): Promise<void> => {
    if (!(await s.step('transpile', () => transpileStep(s)))) return;
    const cfg = s.cfg as ResolvedConfig;
    if (!(await s.step('data', () => dataStep(s, cfg)))) return;
    const batch = s.batch as SanityBatch;
    const buildOk = await s.step('build', () => buildStep(s, cfg, s.bundle as Bundle, batch));
    const model = s.model;
    if (buildOk && model) {
      const expected = s.expectedShape as number[];
      const lossOf = s.lossOf as LossOf;
      if (
        (await s.step('summary', () => summaryStep(s, model, expected))) &&
        (await s.step('forward', () => forwardStep(s, model, expected, lossOf))) &&
        (await s.step('overfit', () => overfitStep(s, model, lossOf, cfg)))
      ) {
        await s.step('gradients', () => gradientsStep(s));
      }
      await s.step('leaks', () => leaksStep(s));
    }
  };
  try {
    await go();
  } finally {
    // After a failed build, layers it applied may hold weights: the worker frees them (tf.disposeVariables).
    disposeRun(s);
  }
  for (const name of SANITY_STEPS) if (!s.reports.some((r) => r.name === name)) s.report(name, 'skipped', 0, 'skipped after an earlier failure');
  s.reports.sort((a, b) => SANITY_STEPS.indexOf(a.name) - SANITY_STEPS.indexOf(b.name));
  return describeRun(s, (performance.now() - s.started) / 1000);
}

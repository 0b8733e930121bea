/** How a sanity step ends, how a run's verdict is put together, and which errors mean "out of memory". No tfjs. */
import type { SanityDiagnostic, SanityStatus, SanityStepReport, SanityVerdict } from '../protocol';
import type { SanitySettings } from './settings';

/** What a step function returns. */
export interface StepOutcome {
  /** False: the step failed (its diagnostics say why). */
  readonly ok: boolean;
  /** True: later steps cannot run. */
  readonly stop?: boolean;
  /** One line for the step report. */
  readonly detail: string;
  /** Seconds of this step's work that belong to another step's report (the gradient check inside overfit). */
  readonly excludeSeconds?: number;
  /** Report this duration instead of the measured one (the gradient check, timed inside overfit). */
  readonly seconds?: number;
}

/** True for the errors JS engines and tfjs raise when memory runs out. */
export function isOutOfMemory(err: unknown): boolean {
  const msg = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return /Array buffer allocation failed|Invalid typed array length|out of memory|Cannot enlarge memory|Aborted\(OOM\)|heap limit/i.test(msg);
}

/** What {@link describeRun} reads of a finished run. */
export interface FinishedRun {
  readonly job: { readonly runId: string };
  readonly entry: string;
  readonly files: readonly string[];
  readonly reports: readonly SanityStepReport[];
  readonly diagnostics: readonly SanityDiagnostic[];
  readonly settings: SanitySettings;
  readonly params: SanityVerdict['params'];
  readonly outputShape: readonly (number | null)[] | null;
  readonly expectedShape: readonly number[] | null;
  readonly fit: { readonly losses: readonly number[] } | null;
  readonly sample: SanityVerdict['sample'];
  readonly backend: string | null;
  readonly oom: boolean;
}

function statusOf(r: FinishedRun): SanityStatus {
  if (r.oom) return 'oom';
  const failed = r.reports.some((s) => s.status === 'failed') || r.diagnostics.some((d) => d.severity === 'error');
  return failed ? 'failed' : 'passed';
}

function messageOf(r: FinishedRun, status: SanityStatus, seconds: number): string {
  if (status === 'passed') {
    const warnings = r.diagnostics.length;
    return `sanity passed in ${seconds.toFixed(1)} s${warnings ? ` with ${warnings} warning(s)` : ''}`;
  }
  const firstError = r.diagnostics.find((d) => d.severity === 'error');
  if (firstError) return firstError.message;
  const failed = r.reports.find((s) => s.status === 'failed');
  return failed ? `${failed.name}: ${failed.detail}` : 'sanity failed';
}

/** The verdict of a finished run (the worker's own timing; the runner replaces `seconds` with save→verdict). */
export function describeRun(r: FinishedRun, seconds: number): SanityVerdict {
  const status = statusOf(r);
  return {
    runId: r.job.runId,
    status,
    message: messageOf(r, status, seconds),
    module: r.entry,
    files: r.files,
    seconds,
    steps: r.reports,
    diagnostics: r.diagnostics,
    params: r.params,
    outputShape: r.outputShape,
    expectedShape: r.expectedShape,
    losses: r.fit ? [...r.fit.losses] : [],
    sample: r.sample,
    settings: r.settings,
    backend: r.backend,
  };
}

/** A verdict for a run that ended outside the worker's control: timeout, out of memory, crash or cancellation. */
export function abortedVerdict(
  runId: string,
  status: Exclude<SanityStatus, 'passed' | 'failed'>,
  message: string,
  settings: SanitySettings,
  entry: string,
  steps: readonly SanityStepReport[],
  seconds: number,
): SanityVerdict {
  return {
    runId,
    status,
    message,
    module: entry,
    files: entry ? [entry] : [],
    seconds,
    steps,
    diagnostics: [],
    params: null,
    outputShape: null,
    expectedShape: null,
    losses: [],
    sample: null,
    settings,
    backend: null,
  };
}

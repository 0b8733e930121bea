/**
 * The models a preview can use: each run's best and last checkpoints, then the latest sanity model of each model
 * module (server/sanity/saveModel.ts) (pure; no 'vscode' import).
 */
import type { PreviewModelChoice, RunSummary } from '../../server/protocol';
import type { SanityModelEntry } from '../../server/preview/runModel';

/** Formats one choice's label, e.g. "isbi2012 · best (mIoU 0.8123 @ epoch 5)". */
export function choiceLabel(run: RunSummary, checkpoint: 'best' | 'last'): string {
  if (checkpoint === 'best') {
    return `${run.name} · best${run.bestMIoU !== null ? ` (mIoU ${run.bestMIoU.toFixed(4)} @ epoch ${run.bestEpoch})` : ''}`;
  }
  return `${run.name} · last (${run.epochsDone} epoch${run.epochsDone === 1 ? '' : 's'})`;
}

function baseName(p: string): string {
  return p.split(/[\\/]/).filter(Boolean).pop() ?? p;
}

/** A sanity model's label, e.g. "sanity · unet.ts (5 steps, loss 0.69 → 0.41)". */
export function sanityLabel(m: Pick<SanityModelEntry, 'module' | 'losses'>): string {
  const n = m.losses.length;
  const loss = n > 1 ? `, loss ${m.losses[0].toFixed(2)} → ${m.losses[n - 1].toFixed(2)}` : n ? `, loss ${m.losses[0].toFixed(2)}` : '';
  return `sanity · ${baseName(m.module)} (${n} step${n === 1 ? '' : 's'}${loss})`;
}

/**
 * Best then last of every run that has that checkpoint, in the runs' order (newest first from listRuns), then
 * the sanity models that have their 'last' checkpoint, in the given order (newest save first from listSanityModels).
 */
export function modelChoices(
  runs: readonly RunSummary[],
  hasCheckpoint: (runDir: string, checkpoint: 'best' | 'last') => boolean,
  sanity: readonly SanityModelEntry[] = [],
): PreviewModelChoice[] {
  const fromRuns = runs.flatMap((run) =>
    (['best', 'last'] as const).filter((ck) => hasCheckpoint(run.runDir, ck)).map((checkpoint) => ({ runDir: run.runDir, checkpoint, label: choiceLabel(run, checkpoint) })),
  );
  const fromSanity = sanity.filter((m) => hasCheckpoint(m.dir, 'last')).map((m) => ({ runDir: m.dir, checkpoint: 'last' as const, label: sanityLabel(m) }));
  return [...fromRuns, ...fromSanity];
}

/** The remembered choice when it is still offered, else the first (the newest run's best). */
export function defaultChoice(choices: readonly PreviewModelChoice[], remembered: { runDir: string; checkpoint: string } | undefined): PreviewModelChoice | null {
  const same = remembered && choices.find((c) => c.runDir === remembered.runDir && c.checkpoint === remembered.checkpoint);
  return same ?? choices[0] ?? null;
}

/**
 * "<run name> · <checkpoint>" for messages; a sanity model folder (`.sanity/<module>-<hash>`) is
 * "sanity · <module>".
 */
export function shortLabel(c: Pick<PreviewModelChoice, 'runDir' | 'checkpoint'>): string {
  const parts = c.runDir.split(/[\\/]/).filter(Boolean);
  const name = parts.pop() ?? c.runDir;
  if (parts.pop() === '.sanity') return `sanity · ${name.replace(/-[0-9a-f]{8}$/, '')}`;
  return `${name} · ${c.checkpoint}`;
}

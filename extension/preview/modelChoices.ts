/** The models a preview can use: each run's best and last checkpoints (pure; no 'vscode' import). */
import type { PreviewModelChoice, RunSummary } from '../../server/protocol';

/** Formats one choice's label, e.g. "isbi2012 · best (mIoU 0.8123 @ epoch 5)". */
export function choiceLabel(run: RunSummary, checkpoint: 'best' | 'last'): string {
  if (checkpoint === 'best') {
    return `${run.name} · best${run.bestMIoU !== null ? ` (mIoU ${run.bestMIoU.toFixed(4)} @ epoch ${run.bestEpoch})` : ''}`;
  }
  return `${run.name} · last (${run.epochsDone} epoch${run.epochsDone === 1 ? '' : 's'})`;
}

/** Best then last of every run that has that checkpoint, in the runs' order (newest first from listRuns). */
export function modelChoices(runs: readonly RunSummary[], hasCheckpoint: (runDir: string, checkpoint: 'best' | 'last') => boolean): PreviewModelChoice[] {
  return runs.flatMap((run) =>
    (['best', 'last'] as const).filter((ck) => hasCheckpoint(run.runDir, ck)).map((checkpoint) => ({ runDir: run.runDir, checkpoint, label: choiceLabel(run, checkpoint) })),
  );
}

/** The remembered choice when it is still offered, else the first (the newest run's best). */
export function defaultChoice(choices: readonly PreviewModelChoice[], remembered: { runDir: string; checkpoint: string } | undefined): PreviewModelChoice | null {
  const same = remembered && choices.find((c) => c.runDir === remembered.runDir && c.checkpoint === remembered.checkpoint);
  return same ?? choices[0] ?? null;
}

/** "<run name> · <checkpoint>" for messages. */
export function shortLabel(c: Pick<PreviewModelChoice, 'runDir' | 'checkpoint'>): string {
  const name = c.runDir.split(/[\\/]/).filter(Boolean).pop() ?? c.runDir;
  return `${name} · ${c.checkpoint}`;
}

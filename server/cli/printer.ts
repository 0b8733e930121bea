/** Turns trainer events into the CLI's output: one line per epoch, a live progress bar on a terminal, tables. */
import type { EvalResult, TrainEvent } from '../protocol';
import { formatDuration, perClassTable, progressBar } from './format';

interface Out {
  write(s: string): unknown;
  isTTY?: boolean;
}

function fmtParams(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : String(n);
}

const mib = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MiB`;

export class Printer {
  /** An error event arrived (the command should exit non-zero). */
  failed = false;
  private barShown = false;

  constructor(
    private readonly out: Out,
    private readonly err: Out,
  ) {}

  private clearBar(): void {
    if (this.barShown) {
      this.err.write('\r\x1b[2K');
      this.barShown = false;
    }
  }

  private line(s: string): void {
    this.clearBar();
    this.out.write(s + '\n');
  }

  /** A message from the CLI itself. */
  note(s: string): void {
    this.clearBar();
    this.err.write(s + '\n');
  }

  fatal(s: string): void {
    this.failed = true;
    this.note(`error: ${s}`);
  }

  handle(e: TrainEvent): void {
    switch (e.type) {
      case 'backend':
        this.line(`backend: ${e.detail}`);
        for (const s of e.skipped) this.line(`  skipped ${s.name}: ${s.reason}`);
        return;
      case 'log':
        if (e.message) this.line(e.level === 'warn' ? `warning: ${e.message}` : e.message);
        return;
      case 'runStart': {
        const [h, w] = e.inputSize;
        const mem = e.memory.limitBytes
          ? `~${mib(e.memory.estimatedBytes)} of ${mib(e.memory.limitBytes)} heap`
          : `~${mib(e.memory.estimatedBytes)}`;
        this.line(`run folder: ${e.runDir}`);
        this.line(
          `model: ${e.arch}, ${fmtParams(e.params.trainable)} trainable params (+${fmtParams(e.params.nonTrainable)} BatchNorm statistics)`,
        );
        this.line(
          `data: ${e.trainCount} train / ${e.valCount} val images, ${e.classNames.length} classes (${e.classNames.join(', ')}); ` +
            `crops ${h}x${w}, batch ${e.batchSize}, ${e.stepsPerEpoch} steps/epoch; memory ${mem}`,
        );
        this.line(
          `normalize: mean [${e.normalize.mean.map((v) => v.toFixed(3)).join(', ')}] std [${e.normalize.std.map((v) => v.toFixed(3)).join(', ')}] (0-1 scale)`,
        );
        if (e.startEpoch > 1) this.line(`resuming at epoch ${e.startEpoch}/${e.epochs}`);
        return;
      }
      case 'step':
        if (!this.err.isTTY) return;
        this.err.write(
          `\r\x1b[2Kepoch ${e.epoch} ${progressBar(e.step, e.stepsPerEpoch)} loss ${e.loss.toFixed(4)} ` +
            `lr ${e.lr.toExponential(1)} ${e.imagesPerSecond.toFixed(1)} img/s ETA ${formatDuration(e.etaSeconds)}`,
        );
        this.barShown = true;
        return;
      case 'epochEnd':
        this.line(
          `epoch ${String(e.epoch).padStart(String(e.epochs).length)}/${e.epochs}  loss ${e.trainLoss.toFixed(4)}  ` +
            `val mIoU ${e.val.mIoU.toFixed(4)} (per-batch mean ${e.val.batchMeanIoU.toFixed(4)})  ` +
            `pixel acc ${e.val.pixelAccuracy.toFixed(4)}  ${e.seconds.toFixed(1)} s  ETA ${formatDuration(e.etaSeconds)}` +
            (e.isBest ? '  * best' : ''),
        );
        return;
      case 'runEnd':
        this.runEnd(e.last, e);
        return;
      case 'evalDone':
        this.line(perClassTable(e.result));
        if (e.predictionsDir) this.line(`predictions: ${e.predictionsDir}`);
        return;
      case 'predictDone':
        for (const f of e.files) this.line(`${f.input} -> ${f.mask}, ${f.overlay}`);
        return;
      case 'error':
        this.failed = true;
        this.clearBar();
        this.err.write(e.kind === 'user' ? `error: ${e.message}\n` : `internal error: ${e.stack ?? e.message}\n`);
        return;
    }
  }

  private runEnd(last: EvalResult | null, e: Extract<TrainEvent, { type: 'runEnd' }>): void {
    if (last) {
      this.line('');
      this.line(`per-class IoU on the validation set (epoch ${e.epochsDone}):`);
      this.line(perClassTable(last));
    }
    const best = e.bestMIoU === null ? 'none yet' : `${e.bestMIoU.toFixed(4)} at epoch ${e.bestEpoch}`;
    this.line(`${e.status === 'completed' ? 'done' : 'stopped'} in ${formatDuration(e.elapsedSeconds)}; best val mIoU ${best}`);
    this.line(`run folder: ${e.runDir}`);
    if (e.status === 'stopped') this.line(`resume with: seglab train --resume ${e.runDir}`);
  }
}

#!/usr/bin/env node
/**
 * The `seglab` command line: train, eval, predict, data check, backends, schema. Training, evaluation and
 * prediction run in a child process (see child.ts), so a WASM abort or a crash never takes this process down.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { TrainerJob } from '../protocol';
import { ConfigError, loadConfig } from '../config/load';
import { DataError } from '../data/types';
import { UserFacingError } from '../train/errors';
import { TrainerChild } from './child';
import { Printer } from './printer';
import { resolveInputs, resolveRun } from './runs';
import { dataCheck } from './dataCheck';
import { dataPreview, dataWeights, parseCount } from './dataCommands';
import { INFER_FLAG_OPTIONS, inferOverrides, normalizeOptionalFlags } from './inferFlags';
import type { EvalJob, PredictJob } from '../train/predict';

const USAGE = `usage: seglab <command> [options]

commands:
  train                 train per seglab.json (or the built-in synthetic default) and report val mIoU
  eval                  evaluate a run's checkpoint on the validation set (dataset-wide mIoU)
  predict IMAGE|DIR...  write a mask PNG and an overlay PNG per image (or the formats of --format)
  data check            check a dataset: counts, sizes, class shares, label and value-range problems
  data preview          write a contact sheet of augmented training samples with their masks overlaid
  data weights IMAGE    write the U-Net weight map of a training image as a heatmap PNG
  backends              show which TensorFlow.js backend would be used and why the others were skipped
  models                list every architecture x encoder with parameter counts and multiply-adds
  schema                print the JSON Schema of seglab.json

options:
  --config FILE         config file (default: ./seglab.json if present, else the built-in default)
  --backend NAME        force a backend: node-gpu, webgpu, node, wasm, cpu (default: auto)
  --resume RUN          (train) continue RUN (a run folder or a name under the runs folder) from its last checkpoint
  --run RUN             (eval, predict) run folder or name; default: the newest run
  --checkpoint WHICH    (eval, predict) best (default) or last
  --save-predictions DIR  (eval) write index PNGs named like the inputs
  --out DIR|FILE        (predict) output folder (default: <run>/predictions); (data preview, data weights) the PNG
  --mode MODE           (eval, predict) whole, slide or overlapTile (default: the config's infer.mode)
  --crop S, --stride S  (eval, predict) sliding-window / tile size and step: N or HxW
  --tta-flip [h|v|hv]   (eval, predict) add flipped passes and average: h left-right (the default), v top-bottom,
                        hv both; e.g. --tta-flip, --tta-flip hv, --tta-flip=v
  --tta-scales LIST     (eval, predict) multi-scale TTA, e.g. 0.75,1,1.25
  --format LIST         (predict) png, overlay, coco, csv (default: the config's export.formats: png,overlay)
  --csv-size S          (predict) mask size of the submission CSV rows: N or HxW (default: each image's size)
  --n N                 (data preview) number of augmented samples (default 16)
  --input-size N        (models) side of the square input for multiply-adds (default 256)
  --json                (models) print the rows as JSON
  -h, --help            this help`;

function fail(message: string): never {
  process.stderr.write(`seglab: ${message}\n`);
  process.exit(2);
}

/** `seglab models`: builds every architecture x encoder (zero weights, counting only) in this process. */
async function listModelsCommand(sizeArg: string, json: boolean): Promise<number> {
  const inputSize = Number(sizeArg);
  if (!Number.isInteger(inputSize) || inputSize < 32) fail(`--input-size must be a whole number >= 32; got ${JSON.stringify(sizeArg)}`);
  const tf = await import('@tensorflow/tfjs');
  tf.env().set('PROD', true);
  const { listModels, formatModelTable } = await import('../models/list.js');
  const rows = listModels({ inputSize });
  process.stdout.write((json ? JSON.stringify(rows, null, 2) : formatModelTable(rows, inputSize)) + '\n');
  return 0;
}

/** `--backend` wins over the config's `backend`; 'auto' walks the ladder. */
function backendOf(flag: string | undefined, configured: string): string | undefined {
  return flag ?? (configured === 'auto' ? undefined : configured);
}

function runChild(job: TrainerJob): Promise<number> {
  const printer = new Printer(process.stdout, process.stderr);
  const child = new TrainerChild(job, (e) => printer.handle(e));
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    if (interrupts === 1) {
      printer.note('stopping after the current step and saving the checkpoint… (Ctrl+C again to abort now)');
      child.stop();
    } else {
      child.kill();
    }
  };
  process.on('SIGINT', onSigint);
  return child.done.then((outcome) => {
    process.off('SIGINT', onSigint);
    if (outcome.crash) printer.fatal(outcome.crash);
    if (printer.failed || !outcome.ok) return 1;
    // Interrupted runs exit like any Ctrl+C'd command (130), after saving when it was the first Ctrl+C.
    return interrupts > 0 ? 130 : 0;
  });
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: normalizeOptionalFlags(argv),
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      backend: { type: 'string' },
      resume: { type: 'string' },
      run: { type: 'string' },
      checkpoint: { type: 'string', default: 'best' },
      'save-predictions': { type: 'string' },
      out: { type: 'string' },
      'input-size': { type: 'string', default: '256' },
      ...INFER_FLAG_OPTIONS,
      n: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE + '\n');
    return command || values.help ? 0 : 2;
  }
  const checkpoint = values.checkpoint as string;
  if (checkpoint !== 'best' && checkpoint !== 'last') fail(`--checkpoint must be best or last; got ${JSON.stringify(checkpoint)}`);
  const cwd = process.cwd();
  const configPath = values.config ? path.resolve(cwd, values.config) : null;
  switch (command) {
    case 'train': {
      const cfg = loadConfig(configPath ?? undefined, cwd);
      const resumeRunDir = values.resume ? resolveRun(values.resume, cfg.output.runsDir) : undefined;
      return runChild({ kind: 'train', configPath, cwd, backend: backendOf(values.backend, cfg.backend), resumeRunDir });
    }
    case 'eval': {
      if (rest.length) fail(`eval takes no IMAGE or other positional arguments; got ${JSON.stringify(rest.join(' '))} (use predict for images)`);
      const cfg = loadConfig(configPath ?? undefined, cwd);
      const runDir = resolveRun(values.run, cfg.output.runsDir);
      const save = values['save-predictions'];
      const { infer, export: exp } = inferOverrides(values);
      if (exp) fail('--format and --csv-size are for predict; eval writes index PNGs with --save-predictions');
      const job: EvalJob = {
        kind: 'eval',
        runDir,
        checkpoint,
        backend: backendOf(values.backend, cfg.backend),
        configPath: configPath ?? undefined,
        savePredictionsDir: save ? path.resolve(cwd, save) : undefined,
        ...(infer ? { infer } : {}),
      };
      return runChild(job);
    }
    case 'predict': {
      if (rest.length === 0) fail('predict needs at least one image or folder: seglab predict IMAGE|DIR...');
      const cfg = loadConfig(configPath ?? undefined, cwd);
      const runDir = resolveRun(values.run, cfg.output.runsDir);
      const inputs = resolveInputs(rest.map((p) => path.resolve(cwd, p)));
      const outDir = values.out ? path.resolve(cwd, values.out) : path.join(runDir, 'predictions');
      const job: PredictJob = { kind: 'predict', runDir, checkpoint, backend: backendOf(values.backend, cfg.backend), inputs, outDir, ...inferOverrides(values) };
      return runChild(job);
    }
    case 'data': {
      const cfg = loadConfig(configPath ?? undefined, cwd);
      if (rest[0] === 'check') return dataCheck(cfg, process.stdout);
      if (rest[0] === 'preview') {
        const out = path.resolve(cwd, values.out ?? 'augment-preview.png');
        return dataPreview(cfg, parseCount(values.n), out, process.stdout);
      }
      if (rest[0] === 'weights') {
        if (!rest[1]) fail('data weights needs an image of the configured data: seglab data weights IMAGE [--out FILE]');
        return dataWeights(cfg, rest[1], values.out ? path.resolve(cwd, values.out) : undefined, cwd, process.stdout);
      }
      fail(`unknown data command ${JSON.stringify(rest[0] ?? '')}; valid: check, preview, weights`);
    }
    case 'backends':
      return runChild({ kind: 'backends', backend: values.backend });
    case 'models':
      return listModelsCommand(values['input-size'] as string, values.json === true);
    case 'schema': {
      const { seglabJsonSchema } = await import('../config/writeSchema.js');
      process.stdout.write(JSON.stringify(seglabJsonSchema(), null, 2) + '\n');
      return 0;
    }
    default:
      fail(`unknown command ${JSON.stringify(command)}; valid: train, eval, predict, data check, backends, models, schema`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const e = err as Error;
    const user =
      e instanceof ConfigError ||
      e instanceof UserFacingError ||
      e instanceof DataError ||
      ((e as NodeJS.ErrnoException).code ?? '').startsWith('ERR_PARSE_ARGS');
    process.stderr.write(user ? `seglab: ${e.message}\n` : `seglab: internal error: ${e.stack ?? e.message}\n`);
    process.exitCode = user ? 2 : 1;
  },
);

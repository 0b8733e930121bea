/**
 * Rows of `seglab models`: every architecture x encoder in its default configuration, with trainable and
 * non-trainable parameter counts and multiply-adds at a given input size. Models are built with zero kernels
 * (counting only) and disposed at once.
 */
import {withZeroInit} from './base/layers';
import {DEFAULT_ENCODER_DEPTH} from './base/segmentationModel';
import {multiplyAdds, usesDepthwise} from './base/macs';
import {paramCount} from './base/paramCount';
import {ENCODERS, ENCODER_NAMES, EncoderName} from './encoders';
import {EncoderModelConfig, MODEL_ARCHS, ModelArch, createModel, inputStrideOf} from './registry';

export interface ModelRow {
  readonly arch: ModelArch;
  readonly encoderName: EncoderName;
  readonly encoderDepth: number;
  readonly outputStride: number;
  readonly trainableParams: number;
  /** BatchNorm moving means and variances. */
  readonly nonTrainableParams: number;
  /** Conv/dense multiply-adds for one image of inputSize x inputSize. */
  readonly multiplyAdds: number;
  /**
   * True when the model has depthwise convs (MobileNetV2, EfficientNet, separable convs): training them on WASM
   * needs the gradient kernels of server/backend/depthwiseGrads.ts installed.
   */
  readonly depthwise: boolean;
  readonly description: string;
}

export interface ListOptions {
  /** Square input size; must be a multiple of 32. */
  readonly inputSize: number;
  readonly inChannels?: number;
  readonly classes?: number;
  /** Restrict the rows (default: every architecture and encoder). */
  readonly archs?: readonly ModelArch[];
  readonly encoders?: readonly EncoderName[];
}

/** The default config of one architecture x encoder (what the table describes). */
export function defaultConfig(arch: ModelArch, encoderName: EncoderName, inChannels = 3, classes = 2): EncoderModelConfig {
  return {arch, encoderName, inChannels, classes} as EncoderModelConfig;
}

/** One row per architecture x encoder, architectures in registry order. */
export function listModels(opts: ListOptions): ModelRow[] {
  const rows: ModelRow[] = [];
  for (const arch of opts.archs ?? MODEL_ARCHS) {
    for (const encoderName of opts.encoders ?? ENCODER_NAMES) {
      const cfg = defaultConfig(arch, encoderName, opts.inChannels, opts.classes);
      const model = withZeroInit(() => createModel(cfg, [opts.inputSize, opts.inputSize]));
      try {
        const params = paramCount(model);
        rows.push({
          arch,
          encoderName,
          encoderDepth: DEFAULT_ENCODER_DEPTH,
          outputStride: inputStrideOf(cfg),
          trainableParams: params.trainable,
          nonTrainableParams: params.nonTrainable,
          multiplyAdds: multiplyAdds(model),
          depthwise: usesDepthwise(model),
          description: ENCODERS[encoderName].description,
        });
      } finally {
        model.dispose();
      }
    }
  }
  return rows;
}

function millions(n: number): string {
  return (n / 1e6).toFixed(2) + 'M';
}

/** A fixed-width text table of the rows (counts in millions, MACs in G). */
export function formatModelTable(rows: readonly ModelRow[], inputSize: number): string {
  const header = ['arch', 'encoder', 'params', 'BN stats', `GMACs@${inputSize}`, 'depthwise'];
  const body = rows.map((r) => [
    r.arch,
    r.encoderName,
    millions(r.trainableParams),
    millions(r.nonTrainableParams),
    (r.multiplyAdds / 1e9).toFixed(2),
    r.depthwise ? 'yes' : 'no',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), ...body.map(line)].join('\n');
}

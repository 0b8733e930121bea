/** Small model configs shared by the shape and gradient tests (test helper, not used at run time). */
import {EncoderModelConfig, ModelArch, describeOutputs} from './registry';
import {EncoderName} from './encoders';

export const CLASSES = 3;

/** A config of `arch` over `encoderName` with narrow decoders (2 input channels, 3 classes). */
export function smallConfig(arch: ModelArch, encoderName: EncoderName, encoderDepth: number, extra: object = {}): EncoderModelConfig {
  const small = encoderName === 'plain' ? {encoderParams: {baseFilters: 4}} : {};
  const narrow = arch.startsWith('deeplab') ? {decoderChannels: 16} : arch === 'unet3plus' ? {decoderCatChannels: 8} : {decoderChannels: [64, 32, 16, 8, 8].slice(0, encoderDepth)};
  return {arch, encoderName, encoderDepth, inChannels: 2, classes: CLASSES, ...small, ...narrow, ...extra} as EncoderModelConfig;
}

/** The shape of each model output for a batch of n size x size images. */
export function expectedShapes(c: EncoderModelConfig, n: number, size: number): number[][] {
  return describeOutputs(c).map((o) => (o.kind === 'mask' ? [n, size, size, o.channels] : [n, o.channels]));
}

export function asList<T>(x: T | T[]): T[] {
  return Array.isArray(x) ? x : [x];
}

export const label = (c: EncoderModelConfig): string => `${c.arch} ${c.encoderName} depth ${c.encoderDepth}`;

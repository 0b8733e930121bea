/**
 * What a user model module's `build(ctx)` receives: the server's own TensorFlow.js, the input shape, the number of
 * classes, and SegLab's encoders, blocks, layers, decoders and heads to compose with.
 *
 * The contract (documented with a complete example in examples/models/unet.ts):
 *   export function build(ctx: ModelContext): tf.LayersModel
 * returns a functional model from `ctx.inputShape` to logits [N, H, W, ctx.classes] (no final softmax: SegLab's
 * losses take logits). `build` must be synchronous.
 */
import * as tf from '@tensorflow/tfjs';
import * as blocks from '../models/base/blocks';
import * as layers from '../models/base/layers';
import { segmentationHead as encoderHead } from '../models/base/segmentationModel';
import { unetDecoder, UnetBlockOptions } from '../models/decoders/unet/decoder';
import { CenterCrop2D } from '../models/base/centerCrop';
import { Resize2D } from '../models/base/resize';
import { AtrousConv2D } from '../models/base/atrous';
import { createEncoder, Encoder, ENCODER_NAMES, EncoderOptions, OutputStride, TORCH_BN_EPSILON } from '../models/encoders';

/** [height, width, channels]: concrete in a sanity run; [null, null, C] in training (any size the model allows). */
export type InputShape = [number | null, number | null, number];

export interface EncoderRequest {
  /** Number of 2x downsampling stages, 3-5 (default 5). */
  readonly depth?: number;
  /** 32 (default), 16 or 8 (dilated last stages). */
  readonly outputStride?: OutputStride;
  /** TF.js BatchNorm momentum (keep factor), default 0.9 (PyTorch 0.1). */
  readonly batchNormMomentum?: number;
}

/** The `ctx` argument of a model module's `build`. */
export interface ModelContext {
  /** The server's TensorFlow.js: the same object `import * as tf from '@tensorflow/tfjs'` gives a module. */
  readonly tf: typeof tf;
  readonly inputShape: InputShape;
  /** Output channels the loss expects (classes including background). */
  readonly classes: number;
  /** U-Net building blocks (server/models/base/blocks.ts): convBnRelu, doubleConv, maxPool2x2, upsample2x, skipConcat, segmentationHead. */
  readonly blocks: typeof BLOCKS;
  /** Named-layer helpers (server/models/base/layers.ts) and SegLab's serialisable custom layers. */
  readonly layers: typeof LAYERS;
  /** The encoder zoo: `create(name)` gives an {@link Encoder} whose `features(input)` returns the feature pyramid. */
  readonly encoders: {
    readonly names: readonly string[];
    create(name: string, opts?: EncoderRequest): Encoder;
  };
  readonly decoders: {
    /** smp's U-Net decoder over an encoder's pyramid; `channels` deepest first, one per level. */
    unet(features: tf.SymbolicTensor[], encoder: Encoder, channels: readonly number[], opts?: Partial<UnetBlockOptions>): tf.SymbolicTensor;
  };
  readonly heads: {
    /** k×k conv to `classes` logits, then bilinear upsampling by `upsampling` (smp's SegmentationHead). */
    segmentation(x: tf.SymbolicTensor, classes: number, opts?: { kernel?: number; upsampling?: number; name?: string }): tf.SymbolicTensor;
  };
}

const BLOCKS = Object.freeze({
  applyLayer: blocks.applyLayer,
  convBnRelu: blocks.convBnRelu,
  doubleConv: blocks.doubleConv,
  maxPool2x2: blocks.maxPool2x2,
  upsample2x: blocks.upsample2x,
  skipConcat: blocks.skipConcat,
  segmentationHead: blocks.segmentationHead,
});

const LAYERS = Object.freeze({
  conv: layers.conv,
  convBnAct: layers.convBnAct,
  batchNorm: layers.batchNorm,
  activation: layers.activation,
  maxPool: layers.maxPool,
  resize: layers.resize,
  concat: layers.concat,
  add: layers.add,
  upConv2x2: layers.upConv2x2,
  globalPool: layers.globalPool,
  /** `new CenterCrop2D().apply([skip, reference])`: the skip cut to the reference's size (valid-padding U-Nets). */
  CenterCrop2D,
  Resize2D,
  AtrousConv2D,
});

/** The context for a model of `inChannels` input channels and `classes` outputs. */
export function createContext(inputShape: InputShape, classes: number): ModelContext {
  const inChannels = inputShape[2];
  return Object.freeze({
    tf,
    inputShape: [...inputShape] as InputShape,
    classes,
    blocks: BLOCKS,
    layers: LAYERS,
    encoders: Object.freeze({
      names: ENCODER_NAMES,
      create: (name: string, opts: EncoderRequest = {}): Encoder => {
        const o: EncoderOptions = {
          inChannels,
          depth: opts.depth ?? 5,
          outputStride: opts.outputStride ?? 32,
          batchNormMomentum: opts.batchNormMomentum ?? 0.9,
        };
        return createEncoder(name, o);
      },
    }),
    decoders: Object.freeze({
      unet: (features: tf.SymbolicTensor[], encoder: Encoder, channels: readonly number[], opts: Partial<UnetBlockOptions> = {}) =>
        unetDecoder(features, encoder, channels, {
          upsampling: opts.upsampling ?? 'nearest',
          norm: opts.norm === undefined ? { momentum: 0.9, epsilon: TORCH_BN_EPSILON } : opts.norm,
        }),
    }),
    heads: Object.freeze({
      segmentation: (x: tf.SymbolicTensor, n: number, opts: { kernel?: number; upsampling?: number; name?: string } = {}) =>
        encoderHead(x, n, opts.kernel ?? 3, opts.upsampling ?? 1, opts.name ?? 'segmentation_head'),
    }),
  });
}

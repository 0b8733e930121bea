/**
 * The one source of truth for `seglab.json`: a zod schema that validates the file at the edge and fills in every
 * default, and from which the committed JSON Schema (`server/config/seglab.schema.json`) is generated.
 * Field names follow smp (`encoderDepth`, `decoderUseBatchnorm`, `inChannels`, `classes`) and are the same in the
 * config, the protocol and the UI.
 */
import { z } from 'zod';
import { AugmentPipeline } from '../data/augment/spec';
import { SanitySettingsSchema } from '../sanity/settings';

export const BACKEND_NAMES = ['auto', 'node-gpu', 'webgpu', 'node', 'wasm', 'cpu'] as const;

/** Encoders of the model zoo (kept equal to server/models/encoders' registry by a test; no tfjs import here). */
export const ENCODER_NAMES = [
  'resnet18',
  'resnet34',
  'resnet50',
  'vgg16',
  'vgg16_bn',
  'mobilenet_v2',
  'efficientnet-b0',
  'efficientnet-b1',
  'efficientnet-b2',
  'efficientnet-b3',
  'plain',
] as const;

const positiveInt = z.number().int().positive();
const labelValue = z.number().int().min(0).max(255);

const Normalize = z
  .object({
    mode: z
      .enum(['dataset', 'given', 'imagenet', 'none'])
      .default('dataset')
      .describe(
        "How pixels are normalised after scaling to 0-1: 'dataset' computes mean/std from the training images, " +
          "'given' uses mean/std below, 'imagenet' uses the ImageNet statistics, 'none' only scales to 0-1.",
      ),
    mean: z.array(z.number()).optional().describe("Per-channel mean on the 0-1 scale (mode 'given')."),
    std: z.array(z.number().positive()).optional().describe("Per-channel std on the 0-1 scale (mode 'given')."),
  })
  .strict();

const Split = z
  .object({
    count: positiveInt.optional().describe('Number of samples held out for validation.'),
    fraction: z.number().gt(0).lt(1).optional().describe('Fraction of samples held out (when count is not given).'),
    mode: z.enum(['last', 'seeded']).default('last').describe("'last': the last ones in natural file order."),
  })
  .strict();

const Folder = z
  .object({
    images: z.string().min(1).describe('Folder of images (relative to the config file).'),
    masks: z.string().min(1).describe('Folder of index masks paired with the images by file stem.'),
  })
  .strict();

const SyntheticData = z
  .object({
    type: z.literal('synthetic'),
    kind: z
      .enum(['cells', 'shapes'])
      .default('cells')
      .describe("'cells': touching cell-like blobs, 2 classes; 'shapes': overlapping shapes, 4 classes."),
    trainCount: positiveInt.default(96),
    valCount: positiveInt.default(24),
    size: positiveInt.default(64).describe('Side of the square synthetic images in pixels.'),
    seed: z.number().int().default(1),
  })
  .strict();

const MaskFolderData = z
  .object({
    type: z.literal('maskFolder'),
    train: Folder,
    val: Folder.optional().describe('Separate validation folders; otherwise `split` holds out part of train.'),
    split: Split.optional(),
    classes: z.number().int().min(2).max(255).describe('Number of classes including background.'),
    classNames: z.array(z.string()).optional(),
    labelMap: z
      .record(z.string().regex(/^\d+$/, 'labelMap keys are raw mask values such as "255"'), labelValue)
      .optional()
      .describe('Raw mask value -> class index, e.g. {"0": 0, "255": 1} for masks stored as 0/255.'),
    ignoreIndex: labelValue.default(255),
  })
  .strict();

const CocoSplit = z
  .object({
    annotations: z.string().min(1).describe('COCO instances JSON (relative to the config file).'),
    images: z.string().min(1).describe('Folder holding the images named in the JSON.'),
  })
  .strict();

const CocoData = z
  .object({
    type: z.literal('coco'),
    train: CocoSplit,
    val: CocoSplit,
    categories: z.array(z.number().int()).optional().describe('COCO category ids to keep (default: all).'),
    crowd: z
      .enum(['ignore', 'foreground', 'background'])
      .default('ignore')
      .describe('What crowd (iscrowd=1) regions become.'),
    ignoreIndex: labelValue.default(255),
  })
  .strict();

export const DataConfig = z.discriminatedUnion('type', [SyntheticData, MaskFolderData, CocoData]);

const Input = z
  .object({
    size: z
      .union([positiveInt, z.tuple([positiveInt, positiveInt])])
      .default(64)
      .describe('Training crop [height, width] (or one number for a square).'),
    resize: z
      .enum(['crop', 'resize'])
      .default('crop')
      .describe("Training: 'crop' takes random crops of `size`; 'resize' scales whole images to `size`."),
    evalMode: z
      .enum(['full', 'resize'])
      .default('full')
      .describe("Validation: 'full' runs on whole images (padded to the model's stride); 'resize' scales to `size`."),
    normalize: Normalize.prefault({}),
    padToStride: z
      .boolean()
      .default(false)
      .describe(
        "Training crops that are not a multiple of the model's stride are mirror-padded up to one and the prediction " +
          'cropped back (otherwise such a size is an error naming the nearest valid sizes). Whole-image validation and ' +
          'prediction always pad this way.',
      ),
  })
  .strict();

const Model = z
  .object({
    module: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Your own model: a TS or JS module (relative to the config file) exporting `build(ctx)` that returns a ' +
          'tf.LayersModel; replaces `arch`/`encoderName`. See examples/models/unet.ts for the contract.',
      ),
    arch: z
      .enum(['unet', 'unetplusplus', 'unet3plus', 'deeplabv3', 'deeplabv3plus'])
      .default('unet')
      .describe("Architecture. Without `encoderName`, 'unet' is the classic U-Net (baseFilters, padding); the others need an encoder."),
    encoderName: z
      .enum(ENCODER_NAMES)
      .optional()
      .describe('Encoder of an encoder-decoder model (smp layout), e.g. "resnet34".'),
    encoderOutputStride: z
      .union([z.literal(8), z.literal(16), z.literal(32)])
      .optional()
      .describe('Encoder output stride (dilating the last stages); default 32 for the U-Nets, 8 for DeepLabV3, 16 for V3+.'),
    decoderChannels: z
      .union([positiveInt, z.array(positiveInt)])
      .optional()
      .describe('Decoder widths: a list, deepest first, for the U-Nets (smp: 256,128,64,32,16); one number for DeepLab.'),
    inChannels: z.union([z.literal(1), z.literal(3)]).optional().describe('Default: 1 for cells/ISBI-like data, 3 for COCO.'),
    encoderDepth: z
      .number()
      .int()
      .min(1)
      .max(6)
      .optional()
      .describe('Number of 2x down-samplings: default 4 for the classic U-Net, 5 (as smp) with an encoder.'),
    baseFilters: positiveInt.default(16).describe('Filters of the first level; doubled at each level.'),
    padding: z
      .enum(['same', 'valid'])
      .default('same')
      .describe("'same': padded convs (output = input size); 'valid': the paper's unpadded convs with crop-and-concat."),
    decoderUseBatchnorm: z.boolean().default(true),
    batchNormMomentum: z
      .number()
      .gt(0)
      .lt(1)
      .default(0.9)
      .describe('TF.js momentum (keep factor) of the moving statistics; 0.9 equals PyTorch momentum 0.1.'),
    upsampling: z.enum(['transpose', 'bilinear']).default('transpose'),
    dropout: z.number().min(0).lt(1).default(0),
    deepSupervision: z
      .boolean()
      .default(false)
      .describe(
        "Extra segmentation heads trained with the same loss: U-Net++ on X(0,1..depth-1) besides the main X(0,depth); " +
          'U-Net 3+ on every deeper decoder stage and the deepest encoder level. Weights: `train.deepSupervisionWeights`. ' +
          'Validation and prediction use the main head only.',
      ),
    cgm: z
      .union([z.boolean(), z.enum(['binary', 'multiclass'])])
      .default(false)
      .describe(
        "U-Net 3+ classification-guided module: true = the paper's binary CGM for 2 classes, per-class presence gating " +
          "for more ('binary' or 'multiclass' force one). Its BCE weight: `train.cgmLossWeight`.",
      ),
    pruneLevel: z
      .number()
      .int()
      .min(1)
      .max(5)
      .optional()
      .describe('U-Net++: eval and predict use the pruned network L1..L<encoderDepth> (needs deepSupervision); training uses the full one.'),
    encoderWeights: z
      .string()
      .min(1)
      .optional()
      .describe('TF.js Layers artefact (folder or model.json) whose `encoder_*` weights are loaded into the encoder by layer name.'),
  })
  .strict()
  .transform((m) => ({ ...m, encoderDepth: m.encoderDepth ?? (m.encoderName ? 5 : 4) }));

const LossTerm = z
  .object({
    type: z
      .enum(['ce', 'weightedCe', 'dice', 'focal', 'iou', 'lovasz', 'msssim', 'unet3plus'])
      .describe(
        "'ce' cross-entropy, 'weightedCe' cross-entropy weighted by the U-Net paper's weight map, 'dice' soft Dice, 'focal' focal loss, 'iou' soft Jaccard, 'lovasz' Lovasz-softmax, " +
          "'msssim' 1 - MS-SSIM, 'unet3plus' the U-Net 3+ hybrid (focal + MS-SSIM + IoU).",
      ),
    weight: z.number().positive().default(1),
    classWeights: z
      .union([z.array(z.number().nonnegative()), z.literal('balanced')])
      .optional()
      .describe(
        "Class weights, or 'balanced' (median-frequency, from training pixel counts): of 'ce', and the w_c term of " +
          "'weightedCe' (default there: inverse class frequency of each mask).",
      ),
    w0: z.number().nonnegative().optional().describe("'weightedCe': border weight w0 (default 10)."),
    sigma: z.number().positive().optional().describe("'weightedCe': border width sigma in pixels (default 5)."),
    smooth: z.number().nonnegative().default(1).describe("Smoothing of 'dice', 'iou' and 'unet3plus'."),
    gamma: z.number().nonnegative().optional().describe("Focusing parameter of 'focal' and 'unet3plus' (default 2)."),
    alpha: z
      .union([z.number().nonnegative(), z.array(z.number().nonnegative())])
      .optional()
      .describe("'focal'/'unet3plus' balance: one number for every pixel or one per class (default 1)."),
    classes: z
      .enum(['present', 'all'])
      .optional()
      .describe("Region losses average over classes 'present' in the batch (default) or 'all'."),
    perImage: z.boolean().optional().describe("'lovasz': average per image instead of over the batch (default false)."),
  })
  .strict();

const Optimizer = z
  .object({
    type: z.enum(['adam', 'sgd']).default('adam'),
    lr: z.number().positive().default(1e-3),
    momentum: z.number().min(0).lt(1).default(0.9).describe('SGD momentum.'),
    weightDecay: z.number().min(0).default(0).describe('L2 penalty added to the loss.'),
  })
  .strict();

const Schedule = z
  .object({
    type: z.enum(['constant', 'cosine', 'poly', 'step']).default('cosine'),
    warmupEpochs: z.number().min(0).default(0),
    minLr: z.number().min(0).default(0),
    power: z.number().positive().default(0.9).describe("'poly' exponent."),
    stepEpochs: positiveInt.default(10).describe("'step': decay every N epochs."),
    gamma: z.number().positive().default(0.1).describe("'step': decay factor."),
  })
  .strict();

const LegacyAugment = z
  .object({
    hflip: z.boolean().default(true),
    vflip: z.boolean().default(true),
    rot90: z.boolean().default(true),
  })
  .strict()
  .describe('The older form: flips and quarter turns switched on or off (all true = the preset "flips").');

export const AUGMENT_PRESET_NAMES = ['flips', 'unetPaper', 'mmseg', 'none'] as const;

const Augment = z
  .union([z.enum(AUGMENT_PRESET_NAMES), AugmentPipeline, LegacyAugment])
  .default('flips')
  .describe(
    "Training augmentation: a preset ('flips': flips + quarter turns; 'unetPaper': + elastic deformation and " +
      "photometric distortion; 'mmseg': random scale 0.5-2 + crop, flip, photometric; 'none'), or a list of steps " +
      '`{type, p, ...}` applied in order (see the README table). The crop/resize to `input.size` comes first unless ' +
      'the list has its own sizing step.',
  );

const Loader = z
  .object({
    workers: z
      .union([z.literal('auto'), z.number().int().min(0).max(16)])
      .default('auto')
      .describe("Worker threads that augment batches ('auto': CPU cores - 1, at most 4; 0: in the training thread)."),
    prefetch: positiveInt.optional().describe('Batches prepared ahead of the train step (default 2 per worker).'),
  })
  .strict();

const Train = z
  .object({
    epochs: positiveInt.default(6),
    batchSize: positiveInt.default(8),
    stepsPerEpoch: positiveInt.optional().describe('Default: one pass over the training set.'),
    optimizer: Optimizer.prefault({}),
    schedule: Schedule.prefault({}),
    loss: z.array(LossTerm).min(1).prefault([{ type: 'ce' }]),
    augment: Augment,
    loader: Loader.prefault({}),
    seed: z.number().int().default(0),
    deepSupervisionWeights: z
      .array(z.number().nonnegative())
      .min(1)
      .optional()
      .describe(
        'Loss weight per mask output, main first (U-Net++: then X(0,1..depth-1); U-Net 3+: shallow to deep). ' +
          'Default: U-Net++ 1/K each (the mean), U-Net 3+ 1 each (the sum, as the paper).',
      ),
    cgmLossWeight: z.number().nonnegative().default(1).describe('Weight of the CGM presence BCE (`model.cgm`).'),
    freezeEncoderEpochs: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('Keep the encoder (weights and BatchNorm statistics) fixed for the first N epochs.'),
    samples: z.number().int().min(0).default(3).describe('Validation images drawn per epoch as sample PNGs.'),
  })
  .strict();

const sizeField = z.union([positiveInt, z.tuple([positiveInt, positiveInt])]);

export const InferSettings = z
  .object({
    mode: z
      .enum(['whole', 'slide', 'overlapTile'])
      .default('whole')
      .describe(
        "'whole': the mirror-padded image in one pass; 'slide': MMSeg's sliding window (padded models; logits averaged " +
          "where windows overlap); 'overlapTile': the U-Net paper's tiles for valid-convolution U-Nets.",
      ),
    crop: sizeField.optional().describe("'slide': window size (default `input.size`); 'overlapTile': output tile size."),
    stride: sizeField.optional().describe("'slide': distance between windows (default 2/3 of the crop)."),
    flip: z
      .union([z.boolean(), z.enum(['h', 'v', 'hv'])])
      .default(false)
      .describe("Flip TTA: true or 'h' adds a left-right flipped pass, 'v' top-bottom, 'hv' both; probabilities are averaged."),
    scales: z.array(z.number().positive()).min(1).default([1]).describe('Multi-scale TTA: image scale factors, e.g. [0.75, 1, 1.25].'),
    batchSize: positiveInt.default(4).describe('Windows per forward pass.'),
  })
  .strict();

export const ExportSettings = z
  .object({
    formats: z
      .array(z.enum(['png', 'overlay', 'coco', 'csv']))
      .min(1)
      .default(['png', 'overlay'])
      .describe(
        "`seglab predict` outputs: 'png' index masks (<name>_mask.png), 'overlay' colours and legend over the image " +
          "(<name>_overlay.png), 'coco' one results JSON with RLE per class, 'csv' the submission CSV (image_id,PredictionString).",
      ),
    csvSize: sizeField.optional().describe("Mask size [height, width] of the 'csv' rows (default: each image's own size)."),
    alpha: z.number().min(0).max(1).default(0.5).describe('Overlay opacity.'),
    legendJson: z.boolean().default(false).describe("Also write legend.json (class id, name, colour) beside overlays."),
  })
  .strict();

const Output = z
  .object({
    runsDir: z.string().default('runs').describe('Folder for run folders (relative to the config file).'),
    name: z.string().regex(/^[\w.-]+$/).optional().describe('Run name; default: <arch>-<timestamp>.'),
  })
  .strict();

export const SeglabConfig = z
  .object({
    $schema: z.string().optional(),
    data: DataConfig.prefault({ type: 'synthetic' }),
    input: Input.prefault({}),
    model: Model.prefault({}),
    train: Train.prefault({}),
    backend: z.enum(BACKEND_NAMES).default('auto'),
    output: Output.prefault({}),
    infer: InferSettings.prefault({}).describe('How `seglab eval` and `seglab predict` run the model (per-epoch validation is whole-image).'),
    export: ExportSettings.prefault({}).describe('What `seglab predict` writes.'),
    sanity: SanitySettingsSchema.prefault({}).describe('Hot sanity runs of a `model.module` (size, batch, steps, time and memory budget).'),
  })
  .strict();

export type SeglabConfigInput = z.input<typeof SeglabConfig>;
export type ParsedConfig = z.output<typeof SeglabConfig>;
export type DataSpec = ParsedConfig['data'];
export type LossSpec = ParsedConfig['train']['loss'][number];
export type InferConfig = z.output<typeof InferSettings>;
export type ExportConfig = z.output<typeof ExportSettings>;

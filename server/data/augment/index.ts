/** Public API of the augmentation folder (the loader worker imports batch.ts directly, not this file). */
export { AUGMENT_PRESETS, AUGMENT_TYPES, AugmentPipeline, AugmentStep, parseAugmentSteps, SIZING_TYPES } from './spec';
export type { AugmentStepInput, AugmentType } from './spec';
export { buildPipeline, buildTrainPipeline } from './pipeline';
export type { PipelineOptions, TrainPipelineOptions } from './pipeline';
export { batchBuilder } from './batch';
export type { Batch, BatchRecipe, BatchRequest } from './batch';
export { BatchLoader, defaultWorkerCount } from './loader';
export type { LoaderOptions } from './loader';
export { packSamples } from './source';
export type { ModuleSource, SampleSource, SharedSource } from './source';
export { previewSheet } from './preview';
export type { PreviewOptions } from './preview';
export { benchLoader } from './bench';
export type { LoaderBenchOptions, LoaderBenchResult } from './bench';
export { augmentTable } from './docs';
export type { AugmentFn, AugSample, Border, Interpolation } from './types';

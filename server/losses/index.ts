/** Segmentation losses. All take NHWC logits and int32 [N,H,W] labels with an ignore index. */
export {CrossEntropyOptions, crossEntropy} from './crossEntropy';
export {DiceOptions, diceLoss} from './dice';
export {LossFn, LossTerm, combinedLoss} from './combined';
export {ClassWeightMethod, balancedClassWeights} from './classWeights';
export {DEFAULT_IGNORE_INDEX, centerCropLabels} from './labels';

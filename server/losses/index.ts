/** Segmentation losses. All take NHWC logits and int32 [N,H,W] labels with an ignore index. */
export {CrossEntropyOptions, crossEntropy} from './crossEntropy';
export {WeightedCrossEntropyOptions, weightedCrossEntropy} from './weightedCrossEntropy';
export {DiceOptions, diceLoss} from './dice';
export {SoftIoUOptions, softIoULoss} from './softIoU';
export {FocalOptions, focalLoss} from './focal';
export {LovaszOptions, lovaszSoftmaxLoss} from './lovasz';
export {MS_SSIM_WEIGHTS, MsSsimOptions, msSsim, msSsimLoss} from './msssim';
export {Unet3PlusLossOptions, unet3PlusLoss} from './hybrid';
export {DeepLossFn, deepSupervisionLoss, resizeBilinearExact} from './deepSupervision';
export {LOSS_TYPES, LossExtras, LossFn, LossTerm, combinedLoss, needsPixelWeights} from './combined';
export {ClassWeightMethod, balancedClassWeights} from './classWeights';
export {DEFAULT_IGNORE_INDEX, centerCropLabels} from './labels';
export {distanceTransform, squaredDistanceTransform} from './distanceTransform';
export {Connectivity, ObjectLabels, classObjects, connectedComponents, instanceObjects} from './components';
export {WeightMapOptions, borderRadius, nearestTwoObjectDistances, sampleWeightMap, unetWeightMap} from './weightMap';
export {Heatmap, HeatmapOptions, encodePngRgb, weightMapHeatmap, weightMapPng} from './heatmap';
export {PresenceMode, presenceLoss} from './presence';

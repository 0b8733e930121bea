/** Dataset-wide segmentation metrics. */
export {ConfusionMatrix, ConfusionMatrixJSON, LabelArray, nanmean} from './confusionMatrix';
export {BatchMeanIoU, BatchMeanIoUOptions} from './batchMeanIoU';

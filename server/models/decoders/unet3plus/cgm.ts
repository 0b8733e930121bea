/**
 * Classification-guided module (U-Net 3+, Sec. 2.3): a presence classifier on the deepest encoder level,
 * Dropout(0.5) -> 1x1 conv -> global max-pool, that suppresses over-segmentation in images without the organ.
 *
 * - 'binary' (the paper's): 2 logits (absent, present) trained with BCE on one-hot image labels; the mask logits
 *   of every foreground class are gated by P(present) = softmax(logits)[1].
 * - 'multiclass': one logit per class, sigmoid, trained with BCE on "class c occurs in the mask"; each class's
 *   mask logits are gated by its own P(present).
 *
 * The paper multiplies the mask by the arg-max of the classifier (a hard, non-differentiable gate). Here the gate
 * is soft and on logits: softmax outputs get `logit_c + log P_c` (the class probability scaled by P_c and
 * renormalised); a single sigmoid logit l becomes the logit of sigmoid(l) * P. Presence logits are an extra
 * model output; `presenceTargets` derives their labels from the masks.
 */
import * as tf from '@tensorflow/tfjs';
import {apply, conv} from '../../base/layers';

type LayerArgs = ConstructorParameters<typeof tf.layers.Layer>[0];
type Shape = (number | null)[];

export const CGM_MODES = ['none', 'binary', 'multiclass'] as const;
export type CgmMode = (typeof CGM_MODES)[number];

/** Presence logits [N, K] from the deepest feature: K = 2 ('binary') or classes ('multiclass'). */
export function cgmHead(deepest: tf.SymbolicTensor, mode: Exclude<CgmMode, 'none'>, classes: number, dropout: number): tf.SymbolicTensor {
  const k = mode === 'binary' ? 2 : classes;
  let x = dropout > 0 ? apply(tf.layers.dropout({rate: dropout, name: 'cgm_dropout'}), deepest) : deepest;
  x = conv(x, {name: 'cgm_conv', filters: k, kernel: 1, bias: true, init: 'glorotUniform'});
  return apply(tf.layers.globalMaxPooling2d({name: 'presence'}), x);
}

/**
 * log sigmoid(z) = -softplus(-z). Not tf.logSigmoid: its custom gradient reads a freed tensor on the WASM backend
 * when used inside a layer during training (tfjs 4.22).
 */
function logSigmoid(z: tf.Tensor): tf.Tensor {
  return tf.neg(tf.softplus(tf.neg(z)));
}

/** log P(present) per gated class, [N, C]: rows broadcast over pixels. */
function logPresence(presence: tf.Tensor2D, mode: Exclude<CgmMode, 'none'>, classes: number): tf.Tensor2D {
  if (mode === 'multiclass') return logSigmoid(presence) as tf.Tensor2D;
  const logPresent = tf.sub(tf.slice(presence, [0, 1], [-1, 1]), tf.logSumExp(presence, 1, true)) as tf.Tensor2D;
  if (classes === 1) return logPresent;
  // Background (class 0) is not gated.
  return tf.concat([tf.zerosLike(logPresent), tf.tile(logPresent, [1, classes - 1])], 1);
}

/** Logit of sigmoid(l) * P for log P = logP (<= 0), computed in log space. */
function gatedSigmoidLogit(logits: tf.Tensor, logP: tf.Tensor): tf.Tensor {
  const a = tf.minimum(tf.add(logSigmoid(logits), logP), -1e-6);
  return tf.sub(a, tf.log(tf.neg(tf.expm1(a))));
}

/** Gates mask logits [N, H, W, C] by presence logits [N, K]. */
export function gateLogits(logits: tf.Tensor4D, presence: tf.Tensor2D, mode: Exclude<CgmMode, 'none'>): tf.Tensor4D {
  return tf.tidy(() => {
    const classes = logits.shape[3];
    const logP = tf.reshape(logPresence(presence, mode, classes), [presence.shape[0], 1, 1, classes]);
    return (classes === 1 ? gatedSigmoidLogit(logits, logP) : tf.add(logits, logP)) as tf.Tensor4D;
  });
}

export interface PresenceGateArgs extends NonNullable<LayerArgs> {
  readonly mode: Exclude<CgmMode, 'none'>;
}

/** `[maskLogits, presenceLogits]` -> gated mask logits (serialisable). */
export class PresenceGate extends tf.layers.Layer {
  static readonly className = 'PresenceGate';
  readonly mode: Exclude<CgmMode, 'none'>;

  constructor(args: PresenceGateArgs) {
    super(args);
    this.mode = args.mode;
    if (this.mode !== 'binary' && this.mode !== 'multiclass') {
      throw new Error(`${this.name}: mode must be 'binary' or 'multiclass'; got ${JSON.stringify(this.mode)}`);
    }
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    if (!Array.isArray(inputShape[0]) || inputShape.length !== 2) throw new Error('PresenceGate expects [maskLogits, presenceLogits]');
    return (inputShape as Shape[])[0];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    if (!Array.isArray(inputs) || inputs.length !== 2) throw new Error(`${this.name} expects [maskLogits, presenceLogits]`);
    return gateLogits(inputs[0] as tf.Tensor4D, inputs[1] as tf.Tensor2D, this.mode);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {...super.getConfig(), mode: this.mode};
  }
}

tf.serialization.registerClass(PresenceGate);

/**
 * Image-level presence labels from masks [N, H, W] (class indices; `ignoreIndex` pixels skipped): 'multiclass'
 * -> [N, classes] with 1 where class c occurs (classes = 1: the foreground value 1); 'binary' -> [N, 2] one-hot of
 * "some foreground class occurs" (absent, present).
 */
export function presenceTargets(labels: tf.Tensor3D, classes: number, mode: Exclude<CgmMode, 'none'>, ignoreIndex?: number): tf.Tensor2D {
  return tf.tidy(() => {
    const n = labels.shape[0];
    const flat = tf.reshape(tf.cast(labels, 'int32'), [n, -1]);
    const ids = classes === 1 ? [1] : Array.from({length: classes}, (_, c) => c);
    const occurs = ids.map((c) => (c === ignoreIndex ? tf.zeros([n, 1]) : tf.cast(tf.any(tf.equal(flat, c), 1, true), 'float32')));
    if (mode === 'multiclass') return tf.concat(occurs, 1) as tf.Tensor2D;
    const fg = classes === 1 ? occurs[0] : tf.max(tf.concat(occurs.slice(1), 1), 1, true);
    return tf.concat([tf.sub(1, fg), fg], 1) as tf.Tensor2D;
  });
}

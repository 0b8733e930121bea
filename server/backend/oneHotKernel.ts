/**
 * The stock WASM OneHot writes int32 values into a buffer labelled with the requested dtype, so
 * `tf.oneHot(labels, n, 1, 0, 'float32')` yields tiny denormal floats (1 -> 1.4e-45) instead of 1.0: a loss built
 * on it silently becomes ~0. This kernel runs the stock one as int32 and casts to the requested dtype.
 */
import * as tf from '@tensorflow/tfjs';

/** OneHot for `backendName` that honours `attrs.dtype`; `fallback` is the stock kernel. */
export function makeOneHotKernel(backendName: string, fallback?: tf.KernelFunc): tf.KernelFunc {
  if (fallback == null) throw new Error(`no stock OneHot kernel on backend '${backendName}' to wrap`);
  const cast = tf.getKernel('Cast', backendName);
  if (cast == null) throw new Error(`backend '${backendName}' has no Cast kernel`);
  return (args) => {
    const attrs = args.attrs as unknown as tf.OneHotAttrs;
    if (attrs.dtype === 'int32') return fallback(args);
    const asInt = fallback({ ...args, attrs: { ...attrs, dtype: 'int32' } as unknown as tf.NamedAttrMap }) as tf.TensorInfo;
    try {
      return cast.kernelFunc({ inputs: { x: asInt }, backend: args.backend, attrs: { dtype: attrs.dtype } as unknown as tf.NamedAttrMap });
    } finally {
      (args.backend as unknown as { disposeData(id: object): void }).disposeData(asInt.dataId);
    }
  };
}

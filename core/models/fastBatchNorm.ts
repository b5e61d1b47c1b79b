// tfjs-layers' BatchNormalization with a fused training path: when the studio's norm kernels are
// registered on the active backend (core/tf/cpuNormKernels.ts, 'cpu-fast'), a training call
// over the last axis runs AvBatchNormTrain (y, batch mean, batch variance in one kernel, its
// gradient in one more) instead of tf.moments + FusedBatchNorm and their gradients, and updates the
// moving statistics with tfjs-layers' own formula. Every other call is the stock layer's.
// The class serialises as the stock 'BatchNormalization' (same config and weights) and is not
// registered for deserialisation, so saved models load as stock layers in plain tfjs.
import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from '../tf/tfBackend';
import { batchNormTrain, normKernelsActive } from '../tf/cpuNormKernels';

type BatchNormLayer = ReturnType<Tf['layers']['batchNormalization']>;
export type BatchNormArgs = NonNullable<Parameters<Tf['layers']['batchNormalization']>[0]>;
type Kwargs = Parameters<BatchNormLayer['call']>[1];
type BatchNormClass = new (args?: BatchNormArgs) => BatchNormLayer;

/** The stock layer's private fields this subclass reads (tfjs-layers 4.22 normalization.js). */
interface BatchNormInternals {
  axis: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma: tfjs.LayerVariable | null;
  beta: tfjs.LayerVariable | null;
  movingMean: tfjs.LayerVariable;
  movingVariance: tfjs.LayerVariable;
}

const classes = new WeakMap<object, BatchNormClass>();

/** The subclass for this tf namespace (built once; its base is the stock class of this tfjs). */
export function fastBatchNormClass(tf: Tf): BatchNormClass {
  const cached = classes.get(tf.layers.batchNormalization);
  if (cached) return cached;
  // An explicit name keeps tfjs's per-class name counter (auto layer names) untouched.
  const Base = Object.getPrototypeOf(tf.layers.batchNormalization({ name: 'av_fast_bn_probe' })).constructor as BatchNormClass;

  class FastBatchNormalization extends Base {
    static className = 'BatchNormalization';

    override call(inputs: tfjs.Tensor | tfjs.Tensor[], kwargs: Kwargs): tfjs.Tensor | tfjs.Tensor[] {
      const input = Array.isArray(inputs) ? (inputs.length === 1 ? inputs[0] : null) : inputs;
      const self = this as unknown as BatchNormInternals;
      const rank = input?.rank ?? 0;
      const fused = input != null && kwargs?.training === true && rank >= 2 && input.dtype === 'float32' && input.size > 0
        && (self.axis === -1 || self.axis === rank - 1) && self.center && self.scale && self.gamma != null && self.beta != null
        && normKernelsActive(tf);
      if (!fused) return super.call(inputs, kwargs);
      const { gamma, beta, movingMean, movingVariance, momentum, epsilon } = self;
      return tf.tidy(() => {
        const [y, mean, variance] = batchNormTrain(tf, input, (gamma as tfjs.LayerVariable).read(), (beta as tfjs.LayerVariable).read(), epsilon);
        // tfjs-layers' doMovingAverage, v ← v − (v − value)·(1 − momentum), on the few channel values
        // in float32 arithmetic (each step rounded with Math.fround, as the three stock kernels round
        // theirs: the same bits) and written as one new tensor, not three kernel calls per statistic
        const keep = Math.fround(1 - momentum);
        const update = (variable: tfjs.LayerVariable, value: tfjs.Tensor): void => {
          const v = variable.read().dataSync();
          const x = value.dataSync();
          const next = new Float32Array(v.length);
          for (let i = 0; i < v.length; i++) next[i] = Math.fround(v[i] - Math.fround(Math.fround(v[i] - x[i]) * keep));
          variable.write(tf.tensor(next, variable.read().shape, 'float32'));
        };
        update(movingMean, mean);
        update(movingVariance, variance);
        return y;
      });
    }
  }

  classes.set(tf.layers.batchNormalization, FastBatchNormalization);
  return FastBatchNormalization;
}

/** Same as tf.layers.batchNormalization(args), with the fused training path. */
export function fastBatchNormalization(tf: Tf, args: BatchNormArgs = {}): BatchNormLayer {
  return new (fastBatchNormClass(tf))(args);
}

// Adam in one pass per variable on the pure-JS CPU backend (issue 21). tfjs's AdamOptimizer runs
// about a dozen element-wise kernels per variable and step (mul, add, square, div, sqrt, …), each
// allocating a full-size array: on the paper-size G and D that was ~1.5 s of a training step. This
// subclass keeps tfjs's state exactly as AdamOptimizer lays it out — the moments as `<name>/m` and
// `<name>/v` variables in variable order, β₁ᵗ/β₂ᵗ in accBeta1/accBeta2, the iteration count — so
// getWeights/setWeights, checkpoints (training/checkpointIO.ts) and resumes are unchanged, and only
// replaces the arithmetic: m, v and the weight are computed in one loop and written as three new
// arrays. On any other backend (tfjs-node, GPU) it is tfjs's own Adam.
//
// Arithmetic: the same formula in the same order as tfjs (m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ),
// w − lr·m̂/(√v̂ + ε)), evaluated in float64 and rounded to float32 once per stored value instead
// of after every kernel; the results therefore differ from stock tfjs in the last bits, like any
// other cpu-fast kernel, and are the same on every rerun.
import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from './tfTypes';

interface MomentSlot {
  originalName: string;
  variable: tfjs.Variable;
}

/** AdamOptimizer's private fields, as tfjs-core 4.x names them. */
interface AdamState {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tfjs.Variable;
  accBeta2: tfjs.Variable;
  accumulatedFirstMoment: Array<MomentSlot | undefined>;
  accumulatedSecondMoment: Array<MomentSlot | undefined>;
  incrementIterations(): void;
}

type GradientsArg = Parameters<tfjs.AdamOptimizer['applyGradients']>[0];

/**
 * One Adam update of a flat parameter array: new m, v and weights into mOut, vOut, wOut. `c1`, `c2`
 * are 1 − β₁ᵗ and 1 − β₂ᵗ of this step. Exported for the test that checks it against tfjs's Adam.
 */
export function adamStep(
  w: ArrayLike<number>, g: ArrayLike<number>, m: ArrayLike<number>, v: ArrayLike<number>,
  h: { lr: number; beta1: number; beta2: number; epsilon: number; c1: number; c2: number },
  wOut: Float32Array, mOut: Float32Array, vOut: Float32Array,
): void {
  const { lr, beta1, beta2, epsilon, c1, c2 } = h;
  const a1 = 1 - beta1;
  const a2 = 1 - beta2;
  for (let k = 0; k < wOut.length; k++) {
    const gk = g[k];
    const mk = beta1 * m[k] + a1 * gk;
    const vk = beta2 * v[k] + a2 * (gk * gk);
    mOut[k] = mk;
    vOut[k] = vk;
    wOut[k] = w[k] + (mk / c1 / (Math.sqrt(vk / c2) + epsilon)) * -lr;
  }
}

const classes = new WeakMap<Tf, new (lr: number, beta1: number, beta2: number) => tfjs.AdamOptimizer>();

function fusedAdamClass(tf: Tf): new (lr: number, beta1: number, beta2: number) => tfjs.AdamOptimizer {
  let cls = classes.get(tf);
  if (cls) return cls;
  cls = class FusedAdam extends tf.AdamOptimizer {
    override applyGradients(variableGradients: GradientsArg): void {
      if (tf.getBackend() !== 'cpu') {
        super.applyGradients(variableGradients);
        return;
      }
      const s = this as unknown as AdamState;
      const list = Array.isArray(variableGradients) ? variableGradients : null;
      const names = list ? list.map((v) => v.name) : Object.keys(variableGradients);
      const acc1 = s.accBeta1.dataSync()[0];
      const acc2 = s.accBeta2.dataSync()[0];
      // as tfjs: 1 − β^t in float32 (sub(1, accBeta) is a float32 tensor)
      const h = { lr: s.learningRate, beta1: s.beta1, beta2: s.beta2, epsilon: s.epsilon, c1: Math.fround(1 - acc1), c2: Math.fround(1 - acc2) };
      tf.tidy(() => {
        names.forEach((name, i) => {
          const value = tf.engine().registeredVariables[name];
          if (!s.accumulatedFirstMoment[i]) s.accumulatedFirstMoment[i] = { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
          if (!s.accumulatedSecondMoment[i]) s.accumulatedSecondMoment[i] = { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
          const gradient = list ? list[i].tensor : (variableGradients as tfjs.NamedTensorMap)[name];
          if (gradient == null) return;
          const m = s.accumulatedFirstMoment[i]!.variable;
          const v = s.accumulatedSecondMoment[i]!.variable;
          const n = value.size;
          const wOut = new Float32Array(n);
          const mOut = new Float32Array(n);
          const vOut = new Float32Array(n);
          // dataSync on the CPU backend hands out the stored arrays: read only
          adamStep(value.dataSync(), gradient.dataSync(), m.dataSync(), v.dataSync(), h, wOut, mOut, vOut);
          m.assign(tf.tensor(mOut, value.shape, 'float32'));
          v.assign(tf.tensor(vOut, value.shape, 'float32'));
          value.assign(tf.tensor(wOut, value.shape, 'float32'));
        });
        s.accBeta1.assign(tf.scalar(acc1 * s.beta1));
        s.accBeta2.assign(tf.scalar(acc2 * s.beta2));
      });
      s.incrementIterations();
    }
  };
  classes.set(tf, cls);
  return cls;
}

/** Adam for training: tfjs's own on native backends, the one-pass update on the pure-JS CPU backend. */
export function adamOptimizer(tf: Tf, learningRate: number, beta1 = 0.9, beta2 = 0.999): tfjs.AdamOptimizer {
  const Cls = fusedAdamClass(tf);
  return new Cls(learningRate, beta1, beta2);
}

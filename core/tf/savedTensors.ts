// What tfjs keeps for the backward pass, without a kernel call per kept tensor. While a gradient
// tape records, the engine keeps every input or output a gradient needs (and everything a custom-
// gradient op saves) through `engine.clone`, which runs the Identity kernel and records that Identity
// on the tape: about a thousand Identity kernels per tiny GAN step, each paying a kernel dispatch.
// The clone only has to be a second handle on the same data (what the Identity kernel returns on the
// CPU backend: incRef of the data id, the same shape and dtype); recording it on the tape serves
// only gradients of gradients, which nothing in the studio takes (GAN-CLS needs first-order
// gradients only; the one-G-forward step nests two first-order tapes, see training/ganStep.ts).
// tfjs-core 4.22's engine (pinned in package.json); savedTensors.test.ts checks
// both the leak count and that gradients equal the stock engine's.
import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from './tfTypes';

interface EngineLike {
  clone(x: tfjs.Tensor): tfjs.Tensor;
  backend: { incRef(dataId: object): void };
  makeTensorFromTensorInfo(info: { dataId: object; shape: number[]; dtype: tfjs.DataType }): tfjs.Tensor;
}

const stockClone = new WeakMap<object, EngineLike['clone']>();

/** Turns the cheap saved-tensor handles on (true) or gives the engine back its own clone (false). */
export function useCheapSavedTensors(tf: Tf, on: boolean): void {
  const engine = tf.engine() as unknown as EngineLike;
  if (typeof engine.clone !== 'function' || typeof engine.makeTensorFromTensorInfo !== 'function') return;
  if (!stockClone.has(engine)) stockClone.set(engine, engine.clone);
  const stock = stockClone.get(engine)!;
  if (!on) {
    engine.clone = stock;
    return;
  }
  engine.clone = function cheapClone(this: EngineLike, x: tfjs.Tensor): tfjs.Tensor {
    const be = this.backend;
    // strings and complex numbers keep the engine's own path (their data is not one buffer)
    if ((x.dtype !== 'float32' && x.dtype !== 'int32' && x.dtype !== 'bool') || typeof be.incRef !== 'function') return stock.call(this, x);
    be.incRef(x.dataId);
    return this.makeTensorFromTensorInfo({ dataId: x.dataId, shape: x.shape, dtype: x.dtype });
  };
}

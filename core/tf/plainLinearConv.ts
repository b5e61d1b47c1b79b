// Gradients of bias-free linear convolutions only for the inputs a tape asks for. tfjs-layers runs
// every Conv2D layer through tf.fused.conv2d; while a gradient is recorded, that op (linear
// activation) is one custom-gradient op whose gradient always computes both the input and the
// filter gradient. The GAN-CLS G update back-propagates through D for D's input gradient only, so
// every D convolution paid a filter gradient that was thrown away (12 of the 3×3 ones alone per
// I2S paper step). With no bias, no activation and no PReLU weights, tf.fused.conv2d is exactly
// tf.conv2d (the same Conv2D kernel), whose gradient the engine evaluates per input, and only for
// inputs on the path to the variables asked for. Other calls go to the stock fused op unchanged.
import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from './tfTypes';

type FusedConv2d = Tf['fused']['conv2d'];
type FusedArgs = Parameters<FusedConv2d>[0];
const stock = new WeakMap<object, FusedConv2d>();

/** Routes bias-free linear fused convolutions to tf.conv2d (true) or restores the stock op (false). */
export function usePlainLinearConv(tf: Tf, on: boolean): void {
  const fused = tf.fused as unknown as { conv2d: FusedConv2d };
  if (!Object.getOwnPropertyDescriptor(fused, 'conv2d')?.writable) return;
  if (!stock.has(fused)) stock.set(fused, fused.conv2d);
  const original = stock.get(fused)!;
  if (!on) {
    fused.conv2d = original;
    return;
  }
  fused.conv2d = ((args: FusedArgs) => {
    const { bias, activation, preluActivationWeights } = args;
    if (bias != null || preluActivationWeights != null || (activation ?? 'linear') !== 'linear') return original(args);
    return tf.conv2d(
      args.x as tfjs.Tensor4D, args.filter as tfjs.Tensor4D, args.strides, args.pad, args.dataFormat ?? 'NHWC',
      args.dilations ?? [1, 1], args.dimRoundingMode,
    );
  }) as FusedConv2d;
}

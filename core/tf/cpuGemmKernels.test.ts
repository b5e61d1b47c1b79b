// The 'cpu-fast' kernels (WebAssembly-SIMD GEMM convs, per-channel reductions/broadcasts) against
// tfjs-backend-cpu's stock kernels on random inputs: forward values and gradients, then a few tiny
// S2I GAN-CLS training steps from the same seeds on both kernel sets.
// Tolerance: |ours − stock| ≤ 1e-4·(1 + max|stock|) per tensor (float32, different summation order);
// training losses within 1e-3 absolute after 3 steps.
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { expectClose, stockAndFast } from './kernelTolerance';
import type * as tfjs from '@tensorflow/tfjs';
import { loadTf } from './tfBackend';
import { geometryOf, useCpuKernels } from './cpuGemmKernels';
import { subpixelSupported, winogradSupported } from './kernels/winograd';
import { oneChannelRowsSupported } from './kernels/conv';
import { gemm } from './kernels/gemm';
import { gemmReference } from './kernels/gemmReference';
import { gemmAvailable, gemmHelperState, gemmThreads, gemmVariant, splitProductsFrom, type Strided } from './kernels/runtime';
import { timeSteps } from '../training/ganStepTiming';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { KERNEL_PARAMS, positional } from './kernels/signatures';
import { fileURLToPath } from 'node:url';

const WAT2WASM = '/usr/bin/wat2wasm';

const { tf, backend } = await loadTf();
afterAll(() => {
  if (backend === 'cpu-fast') useCpuKernels(tf, 'gemm');
});


const both = (f: () => tfjs.Tensor[]): [Float32Array[], Float32Array[]] => stockAndFast(tf, f);

describe.runIf(tf.getBackend() === 'cpu' && gemmAvailable())('cpu-fast kernels', () => {
  it('is what loadTf() picks on the pure-JS backend', () => {
    expect(backend).toBe(process.env.AVSTUDIO_TF_BACKEND === 'cpu-js' ? 'cpu-js' : 'cpu-fast');
  });

  it.runIf(existsSync(WAT2WASM))('the WebAssembly modules embedded in kernels/wasmModules.ts are the kernels\' .wat compiled', () => {
    const script = fileURLToPath(new URL('../../scripts/build-gemm-wasm.mjs', import.meta.url));
    const r = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  });

  it('calls every kernel with the parameters its .wat declares, in its order (kernels/signatures.ts)', () => {
    const wat = ['gemm', 'conv', 'norm', 'activation', 'winograd'].map((f) => readFileSync(fileURLToPath(new URL(`./kernels/${f}.wat`, import.meta.url)), 'utf8')).join('');
    const declared = Object.fromEntries(
      [...wat.matchAll(/\(func (?:\$\w+ )?\(export "(\w+)"\)((?:\s*\(param \$\w+ i32\))*)/g)].map((m) => [m[1], [...m[2].matchAll(/\$(\w+)/g)].map((p) => p[1])]),
    );
    expect(declared).toEqual(Object.fromEntries(Object.entries(KERNEL_PARAMS).map(([k, v]) => [k, [...v]])));
    expect(() => positional('relu', { x: 0, y: 16, r0: 0, r1: 0.5 })).toThrow(/r1 is 0.5/);
  });

  it('uses the fused multiply-add module here, and the plain SIMD module gives the same products', () => {
    expect(gemmVariant()).toBe('fma');
    const code = `
      const { gemm } = await import(${JSON.stringify(fileURLToPath(new URL('./kernels/gemm.ts', import.meta.url)))});
      const { gemmReference } = await import(${JSON.stringify(fileURLToPath(new URL('./kernels/gemmReference.ts', import.meta.url)))});
      const { gemmVariant } = await import(${JSON.stringify(fileURLToPath(new URL('./kernels/runtime.ts', import.meta.url)))});
      const { conv2dImplicit, conv2dBackpropFilterImplicit } = await import(${JSON.stringify(fileURLToPath(new URL('./kernels/conv.ts', import.meta.url)))});
      let s = 7; const rand = (n) => Float32Array.from({ length: n }, () => ((s = (s * 16807) % 2147483647) / 2147483647) - 0.5);
      const [m, n, k] = [37, 45, 300]; const a = rand(m * k), b = rand(k * n);
      const ours = new Float32Array(m * n), ref = new Float32Array(m * n);
      gemm(m, n, k, { data: a, offset: 0, rowStride: k, colStride: 1 }, { data: b, offset: 0, rowStride: n, colStride: 1 }, ours);
      gemmReference(m, n, k, { data: a, offset: 0, rowStride: k, colStride: 1 }, { data: b, offset: 0, rowStride: n, colStride: 1 }, ref);
      const g = { batch: 2, inH: 5, inW: 6, inC: 8, outH: 5, outW: 6, outC: 8, fh: 3, fw: 3, sh: 1, sw: 1, top: 1, left: 1 };
      const x = rand(2 * 5 * 6 * 8), w = rand(9 * 8 * 8);
      const y = conv2dImplicit(x, w, g), dw = conv2dBackpropFilterImplicit(x, y, g);
      const err = Math.max(...ours.map((v, i) => Math.abs(v - ref[i])));
      console.log(JSON.stringify({ variant: gemmVariant(), err, y: Array.from(y.slice(0, 5)), dw: Array.from(dw.slice(0, 5)) }));`;
    const run = (fma: string): { variant: string; err: number; y: number[]; dw: number[] } => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, AVSTUDIO_WASM_FMA: fma } });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { variant: string; err: number; y: number[]; dw: number[] };
    };
    const [plain, fused] = [run('0'), run('1')];
    expect([plain.variant, fused.variant]).toEqual(['simd', 'fma']);
    for (const v of [plain, fused]) expect(v.err).toBeLessThan(1e-4);
    plain.y.forEach((v, i) => expect(Math.abs(v - fused.y[i])).toBeLessThan(1e-4));
    plain.dw.forEach((v, i) => expect(Math.abs(v - fused.dw[i])).toBeLessThan(1e-3));
  });

  it('GEMM matches a triple loop, with plain and transposed (strided) operands', () => {
    expect([1, 2]).toContain(gemmThreads());
    const rand = (n: number, seed: number): Float32Array => tf.randomNormal([n], 0, 1, 'float32', seed).dataSync() as Float32Array;
    // 301×100×80 is split between two threads (when the machine has two cores) at the threshold set here.
    const threshold = splitProductsFrom(1 << 21);
    onTestFinished(() => void splitProductsFrom(threshold));
    for (const [m, n, k] of [[1, 1, 1], [5, 9, 7], [13, 17, 300], [64, 40, 33], [301, 100, 80]]) {
      const a = rand(m * k, m + 1);
      const b = rand(k * n, n + 2);
      const views: [Strided, Strided][] = [
        [{ data: a, offset: 0, rowStride: k, colStride: 1 }, { data: b, offset: 0, rowStride: n, colStride: 1 }],
        [{ data: a, offset: 0, rowStride: 1, colStride: m }, { data: b, offset: 0, rowStride: 1, colStride: k }],
      ];
      for (const [va, vb] of views) {
        const ours = new Float32Array(m * n).fill(0.5);
        const ref = new Float32Array(m * n).fill(0.5);
        gemm(m, n, k, va, vb, ours);
        gemmReference(m, n, k, va, vb, ref);
        expectClose(ours, ref, `gemm ${m}×${n}×${k}`);
      }
    }
  });

  it('starts the helper thread from its typechecked source and hands it the second half of large products', async () => {
    if (gemmThreads() < 2) return; // one core (or AVSTUDIO_GEMM_THREADS=1): no helper by design
    const big = (n: number, seed: number) => tf.randomNormal([n], 0, 1, 'float32', seed).dataSync() as Float32Array;
    const [m, n, k] = [512, 256, 256]; // 2²⁵ multiply-adds: split (kernels/runtime.ts)
    const a = big(m * k, 1);
    const b = big(k * n, 2);
    const run = () => {
      const c = new Float32Array(m * n);
      gemm(m, n, k, { data: a, offset: 0, rowStride: k, colStride: 1 }, { data: b, offset: 0, rowStride: n, colStride: 1 }, c);
      return c;
    };
    run(); // the first large product starts the helper
    for (let t = 0; t < 200 && gemmHelperState() !== 'ready'; t++) await new Promise((r) => setTimeout(r, 25));
    expect(gemmHelperState()).toBe('ready');
    const ref = new Float32Array(m * n);
    gemmReference(m, n, k, { data: a, offset: 0, rowStride: k, colStride: 1 }, { data: b, offset: 0, rowStride: n, colStride: 1 }, ref);
    expectClose(run(), ref, 'gemm on two threads');
  });

  const cases: { x: [number, number, number, number]; w: [number, number, number, number]; s: [number, number]; pad: 'same' | 'valid' }[] = [
    { x: [2, 7, 6, 3], w: [3, 3, 3, 4], s: [1, 1], pad: 'same' },
    { x: [3, 8, 8, 5], w: [4, 4, 5, 9], s: [2, 2], pad: 'same' },
    { x: [2, 10, 7, 2], w: [4, 4, 2, 3], s: [2, 1], pad: 'valid' },
    { x: [3, 4, 4, 20], w: [1, 1, 20, 11], s: [1, 1], pad: 'valid' },
    { x: [2, 4, 4, 6], w: [4, 4, 6, 5], s: [1, 1], pad: 'valid' },
    { x: [4, 16, 16, 8], w: [4, 4, 8, 16], s: [2, 2], pad: 'same' },
    // Implicit-GEMM paths (kernels/conv.ts): ≥ 8 input channels, rows not a multiple of 4,
    // stride-1 input gradients incl. an even kernel with uneven 'same' padding, a split product.
    { x: [3, 9, 7, 16], w: [3, 3, 16, 12], s: [1, 1], pad: 'same' },
    { x: [2, 6, 5, 8], w: [4, 4, 8, 8], s: [1, 1], pad: 'same' },
    { x: [2, 12, 11, 8], w: [4, 4, 8, 20], s: [2, 1], pad: 'valid' },
    // Winograd F(2×2, 3×3) (kernels/winograd.ts): 3×3 stride 1, channels in 8s (≥ 32 for the filter
    // gradient: the 16-channel case keeps conv_dwt); odd output sizes
    // (tiles hanging over the edge), 'valid' and 'same', in and out channels differing; the last two
    // split between the two threads (4.7M and 3.7M multiply-adds), 90 tiles a thread = a whole
    // and a partial block of 64.
    { x: [2, 10, 9, 16], w: [3, 3, 16, 16], s: [1, 1], pad: 'same' },
    { x: [3, 9, 7, 32], w: [3, 3, 32, 40], s: [1, 1], pad: 'same' },
    { x: [2, 16, 16, 32], w: [3, 3, 32, 32], s: [1, 1], pad: 'same' },
    { x: [2, 19, 21, 40], w: [3, 3, 40, 32], s: [1, 1], pad: 'valid' },
    // 4×4 stride 2 into 2–16 channels: the input gradient as one Winograd product + depth-to-space
    // (odd sizes, 'same' and 'valid', 4 and 6 channels); [4, 16, 16, 8] above too.
    { x: [3, 9, 11, 4], w: [4, 4, 4, 8], s: [2, 2], pad: 'same' },
    { x: [2, 12, 10, 6], w: [4, 4, 6, 16], s: [2, 2], pad: 'valid' },
    { x: [2, 10, 12, 16], w: [4, 4, 16, 8], s: [2, 2], pad: 'same' },
    // … and into more channels by stride phases again
    { x: [2, 8, 8, 24], w: [4, 4, 24, 8], s: [2, 2], pad: 'same' },
    // One input channel, stride 1 along the width, no padding there: the filter gradient as one
    // conv_fwd pass over dy (kernels/conv.ts conv2dBackpropFilterOneChannel), the I2S D's first conv
    { x: [2, 12, 9, 1], w: [4, 4, 1, 8], s: [2, 1], pad: 'valid' },
    { x: [3, 7, 10, 1], w: [3, 2, 1, 4], s: [1, 1], pad: 'valid' },
    // Stride phases of the input gradient that no tap reaches (kernel smaller than the stride).
    { x: [2, 9, 8, 8], w: [2, 2, 8, 8], s: [3, 3], pad: 'same' },
    { x: [2, 7, 7, 8], w: [1, 1, 8, 12], s: [2, 2], pad: 'valid' },
    // One output pixel per image (a generator's first layer, transposed): dx by GEMM + col2im.
    { x: [3, 4, 4, 12], w: [4, 4, 12, 10], s: [1, 1], pad: 'valid' },
  ];
  it.each(cases)('conv2d, its two gradients and conv2dTranspose match stock for %o', ({ x: xs, w: ws, s, pad }) => {
    // products split between the threads from 2²¹ multiply-adds here (2²⁵ in training), so the
    // cases marked "split" run the two-thread paths
    const threshold = splitProductsFrom(1 << 21);
    onTestFinished(() => void splitProductsFrom(threshold));
    const [ref, ours] = both(() => {
      const x = tf.randomNormal(xs, 0, 1, 'float32', 11) as tfjs.Tensor4D;
      const w = tf.randomNormal(ws, 0, 1, 'float32', 12) as tfjs.Tensor4D;
      const y = tf.conv2d(x, w, s, pad);
      const fused = tf.fused.conv2d({ x, filter: w, strides: s, pad });
      const r = tf.randomNormal(y.shape, 0, 1, 'float32', 13);
      const [dx, dw] = tf.grads((a: tfjs.Tensor, b: tfjs.Tensor) => tf.conv2d(a as tfjs.Tensor4D, b as tfjs.Tensor4D, s, pad).mul(r).sum())([x, w]);
      const yt = tf.conv2dTranspose(y, w, xs, s, pad);
      // Gradients of a transposed conv go through Conv2D and Conv2DBackpropFilter(dy, x).
      const [dyt, dwt] = tf.grads((a: tfjs.Tensor, b: tfjs.Tensor) => tf.conv2dTranspose(a as tfjs.Tensor4D, b as tfjs.Tensor4D, xs, s, pad).mul(x).sum())([y, w]);
      return [y, fused, dx, dw, yt, dyt, dwt];
    });
    ['conv2d', 'fused conv2d', 'dx', 'dw', 'conv2dTranspose', 'transpose dy', 'transpose dw'].forEach((name, i) => expectClose(ours[i], ref[i], name));
  });

  it('sends the 3×3 stride-1 cases with channels in 8s and the 4×4 stride-2 input gradients into 2–16 channels (and only those) to the Winograd kernels, one-channel filter gradients to their pass', () => {
    const wino = (pass: 'forward' | 'input' | 'filter'): number[][] => cases
      .filter(({ x, w, s, pad }) => winogradSupported(geometryOf(tf.backend_util.computeConv2DInfo(x, w, s, 1, pad)), pass)).map((c) => c.x);
    expect(wino('forward')).toEqual([[2, 10, 9, 16], [3, 9, 7, 32], [2, 16, 16, 32], [2, 19, 21, 40]]);
    expect(wino('input')).toEqual(wino('forward'));
    expect(wino('filter')).toEqual([[3, 9, 7, 32], [2, 16, 16, 32], [2, 19, 21, 40]]);
    expect(cases.filter(({ x, w, s, pad }) => subpixelSupported(geometryOf(tf.backend_util.computeConv2DInfo(x, w, s, 1, pad)))).map((c) => c.x))
      .toEqual([[4, 16, 16, 8], [3, 9, 11, 4], [2, 12, 10, 6], [2, 10, 12, 16]]);
    expect(cases.filter(({ x, w, s, pad }) => oneChannelRowsSupported(geometryOf(tf.backend_util.computeConv2DInfo(x, w, s, 1, pad)))).map((c) => c.x))
      .toEqual([[2, 12, 9, 1], [3, 7, 10, 1]]);
  });

  it('per-channel Sum/Mean/Add/Sub/Multiply/RealDiv/Tile, dense and scalar binary ops, SplitV, Slice, PadV2 and batch-norm gradients match stock', () => {
    const [ref, ours] = both(() => {
      const x = tf.randomNormal([4, 5, 6, 7], 0, 1, 'float32', 5) as tfjs.Tensor4D;
      const ch = tf.randomNormal([1, 1, 1, 7], 1, 0.3, 'float32', 6);
      const c1 = tf.randomNormal([7], 1, 0.3, 'float32', 7);
      const ops = [
        tf.sum(x, [0, 1, 2]), tf.sum(x, [0, 1, 2], true), tf.mean(x, [0, 1]), tf.mean(x, [0, 1, 2], true), tf.sum(x, 3), tf.sum(x),
        tf.mul(x, ch), tf.sub(ch, x), tf.sub(x, c1), tf.div(x, ch), tf.div(ch, x), tf.add(c1, x), tf.tile(ch, [4, 5, 6, 1]), tf.mul(x, x),
        tf.add(x, x), tf.sub(x, tf.neg(x)), tf.div(x, tf.add(tf.abs(x), 1)), tf.mul(x, 0.3), tf.div(2, tf.add(tf.abs(x), 1)), tf.sub(1, x),
        ...tf.split(x, [3, 4], 3), ...tf.split(x, 7, -1), ...tf.split(x, 5, 1),
        tf.slice(x, [1, 0, 2, 1], [2, 5, 3, 5]), tf.slice(x, [0, 1], [-1, 3]), tf.slice(tf.reshape(x, [840]), [7], [100]),
        tf.pad(x, [[0, 1], [2, 0], [1, 1], [0, 0]]), tf.pad(x, [[1, 1], [0, 0], [0, 0], [3, 2]], 0.5), tf.pad(tf.reshape(x, [840]), [[3, 4]]),
        // copyBox merges axes copied whole (one-channel maps as the I2S D pads them; rows crossing 16 floats)
        tf.pad(tf.reshape(x, [4, 5, 42, 1]), [[0, 0], [1, 1], [1, 1], [0, 0]]), tf.slice(tf.reshape(x, [4, 5, 42, 1]), [0, 1, 1, 0], [4, 3, 40, 1]),
        tf.pad(x, [[0, 0], [1, 2], [0, 0], [0, 0]]), tf.slice(x, [1, 1, 0, 0], [3, 3, 6, 7]), tf.slice(x, [0, 0, 1, 2], [4, 5, 4, 3]),
      ];
      // Batch norm as tf.layers does it in training, differentiated w.r.t. x, γ and β.
      const gamma = tf.randomNormal([7], 1, 0.1, 'float32', 8);
      const beta = tf.randomNormal([7], 0, 0.1, 'float32', 9);
      const r = tf.randomNormal(x.shape, 0, 1, 'float32', 10);
      const grads = tf.grads((a: tfjs.Tensor, g: tfjs.Tensor, b: tfjs.Tensor) => {
        const { mean, variance } = tf.moments(a, [0, 1, 2]);
        return tf.batchNorm(a as tfjs.Tensor4D, mean, variance, b as tfjs.Tensor1D, g as tfjs.Tensor1D, 1e-5).mul(r).sum();
      })([x, gamma, beta]);
      return [...ops, ...grads];
    });
    ref.forEach((v, i) => expectClose(ours[i], v, `op ${i}`));
  });

  it('LeakyRelu, its gradient and Relu on a tensor large enough for the WebAssembly loops match stock', () => {
    const [ref, ours] = both(() => {
      const x = tf.randomNormal([2, 32, 32, 17], 0, 1, 'float32', 21);
      const r = tf.randomNormal(x.shape, 0, 1, 'float32', 22);
      const [dx] = tf.grads((a: tfjs.Tensor) => tf.leakyRelu(a, 0.2).mul(r).sum())([x]);
      const special = tf.concat([tf.tensor1d([Number.NaN, -0, 0, -1, 1, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2]), tf.reshape(x, [-1])]);
      return [tf.leakyRelu(x, 0.2), dx, tf.leakyRelu(x, 0.3), tf.relu(x), tf.relu(special), tf.leakyRelu(special, 0.2)];
    });
    [0, 1, 2].forEach((i) => expectClose(ours[i], ref[i], `leaky relu ${i}`));
    // Relu exactly as Math.max(0, x) (NaN stays, −0 → +0); NaN, ±0, ±∞ through LeakyRelu as stock.
    expect(Array.from(ours[3])).toEqual(Array.from(ref[3]));
    expect(Array.from(ours[4])).toEqual(Array.from(ref[4]));
    expect(Array.from(ours[5].slice(0, 8))).toEqual(Array.from(ref[5].slice(0, 8)));
  });

  it('a tiny S2I training run gives the same losses with cpu-fast, cpu-js and stock kernels', () => {
    const runs = (['gemm', 'flat', 'stock'] as const).map((mode) => timeSteps(tf, 's2i', 'tiny', mode, 2));
    const [fast, flat, stock] = runs;
    console.log('tiny S2I losses (cpu-fast | cpu-js | stock):',
      fast.losses.map((l, i) => `D ${l.d.toFixed(5)}/${flat.losses[i].d.toFixed(5)}/${stock.losses[i].d.toFixed(5)} G ${l.g.toFixed(5)}/${flat.losses[i].g.toFixed(5)}/${stock.losses[i].g.toFixed(5)}`).join(' | '));
    for (const other of [flat, stock]) {
      fast.losses.forEach((l, i) => {
        expect(Math.abs(l.d - other.losses[i].d)).toBeLessThan(1e-3);
        expect(Math.abs(l.g - other.losses[i].g)).toBeLessThan(1e-3);
      });
    }
  }, 60_000);
});

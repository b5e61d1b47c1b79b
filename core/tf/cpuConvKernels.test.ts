// The flat-loop conv gradients (installed by loadTf on the 'cpu' backend) are checked against their
// definition: a naive JS convolution with the same padding arithmetic, differentiated exactly
// (the test loss is linear in x and in w).
import { describe, expect, it } from 'vitest';
import { probeBackend } from './tfBackendProbe';
import { loadTf } from './tfBackend';

const { tf, backend, package: pkg } = await loadTf();

/** Naive NHWC conv2d forward for given explicit top/left padding and output size. */
function naiveConv(x: number[][][][], w: number[][][][], s: [number, number], top: number, left: number, outH: number, outW: number): number[][][][] {
  const [B, H, W, C] = [x.length, x[0].length, x[0][0].length, x[0][0][0].length];
  const [KH, KW, , CO] = [w.length, w[0].length, w[0][0].length, w[0][0][0].length];
  return Array.from({ length: B }, (_, b) => Array.from({ length: outH }, (_, oh) => Array.from({ length: outW }, (_, ow) => Array.from({ length: CO }, (_, co) => {
    let sum = 0;
    for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
      const ih = oh * s[0] + kh - top;
      const iw = ow * s[1] + kw - left;
      if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
      for (let c = 0; c < C; c++) sum += x[b][ih][iw][c] * w[kh][kw][c][co];
    }
    return sum;
  }))));
}

describe('tf backend', () => {
  it('falls back to the pure-JS package here and describes the choice without loading add-ons', () => {
    expect(['gpu', 'native', 'cpu-fast', 'cpu-js']).toContain(backend);
    // what doctor reports without loading add-ons is what loadTf() picked
    expect(probeBackend()).toMatchObject({ kind: backend, package: pkg });
    if (backend === 'cpu-js' || backend === 'cpu-fast') expect(pkg).toBe('@tensorflow/tfjs');
  });
});

describe('fast cpu conv gradients', () => {
  const cases: { x: [number, number, number, number]; w: [number, number, number, number]; s: [number, number]; pad: 'same' | 'valid' }[] = [
    { x: [2, 7, 6, 3], w: [3, 3, 3, 4], s: [1, 1], pad: 'same' },
    { x: [2, 8, 8, 2], w: [4, 4, 2, 3], s: [2, 2], pad: 'same' },
    { x: [1, 10, 7, 2], w: [4, 4, 2, 3], s: [2, 1], pad: 'valid' },
    { x: [2, 7, 7, 2], w: [5, 5, 2, 2], s: [1, 1], pad: 'valid' },
  ];
  it.each(cases)('match a naive reference for %o', ({ x: xs, w: ws, s, pad }) => {
    const x = tf.randomNormal(xs, 0, 1, 'float32', 11);
    const w = tf.randomNormal(ws, 0, 1, 'float32', 12);
    const y = tf.conv2d(x as import('@tensorflow/tfjs').Tensor4D, w as import('@tensorflow/tfjs').Tensor4D, s, pad);
    const [, outH, outW] = y.shape;
    const info = tf.backend_util.computeConv2DInfo(xs, ws, s, 1, pad);
    // loss = Σ y·r for a random r ⇒ dL/dy = r; check the gradients against finite sums.
    const r = tf.randomNormal(y.shape, 0, 1, 'float32', 13);
    const [dx, dw] = tf.grads((a: import('@tensorflow/tfjs').Tensor, b: import('@tensorflow/tfjs').Tensor) =>
      tf.conv2d(a as import('@tensorflow/tfjs').Tensor4D, b as import('@tensorflow/tfjs').Tensor4D, s, pad).mul(r).sum())([x, w]);
    const xa = x.arraySync() as number[][][][];
    const wa = w.arraySync() as number[][][][];
    const ra = r.flatten().arraySync() as number[];
    const loss = (xv: number[][][][], wv: number[][][][]): number =>
      naiveConv(xv, wv, s, info.padInfo.top, info.padInfo.left, outH, outW).flat(3).reduce((acc, v, i) => acc + v * ra[i], 0);
    // The loss is linear in x and in w, so the gradient entry is exactly loss(e_i) for a unit input.
    const dwa = dw.arraySync() as number[][][][];
    const dxa = dx.arraySync() as number[][][][];
    const unitW = (kh: number, kw: number, c: number, co: number): number[][][][] => wa.map((r1, i) => r1.map((r2, j) => r2.map((r3, k) => r3.map((_, l) => (i === kh && j === kw && k === c && l === co ? 1 : 0)))));
    const unitX = (b: number, h: number, ww: number, c: number): number[][][][] => xa.map((r1, i) => r1.map((r2, j) => r2.map((r3, k) => r3.map((_, l) => (i === b && j === h && k === ww && l === c ? 1 : 0)))));
    for (const [kh, kw, c, co] of [[0, 0, 0, 0], [ws[0] - 1, ws[1] - 1, ws[2] - 1, ws[3] - 1], [1, 2, 1, 1]]) {
      expect(dwa[kh][kw][c][co]).toBeCloseTo(loss(xa, unitW(kh, kw, c, co)), 3);
    }
    for (const [b, h, ww, c] of [[0, 0, 0, 0], [xs[0] - 1, xs[1] - 1, xs[2] - 1, xs[3] - 1], [0, 3, 2, 1]]) {
      expect(dxa[b][h][ww][c]).toBeCloseTo(loss(unitX(b, h, ww, c), wa), 3);
    }
    tf.dispose([x, w, y, r, dx, dw]);
  });
});

// The implicit convolutions' saved layouts (layoutCache.ts): a conv run again reads its table and
// packed filter from the cache and gives the same output; a new filter array (as Adam writes each
// step) is packed afresh; a recycled output block is never taken from the cache, whatever it held.
import { describe, expect, it } from 'vitest';
import { cachedPanels, layoutCacheCounts } from './layoutCache';
import { conv2dImplicit, conv2dBackpropInputImplicit, type ConvGeometry } from './conv';
import { outputArray, recyclingOutputs } from './outputArrays';
import { gemmAvailable } from './runtime';

const g: ConvGeometry = { batch: 2, inH: 9, inW: 7, inC: 8, outH: 5, outW: 4, outC: 12, fh: 3, fw: 3, sh: 2, sw: 2, top: 1, left: 1 };
const random = (n: number, seed: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed * 78.233) * 0.5);

/** The direct definition, y[b, oh, ow, o] = Σ x[b, oh·sh + kh − top, ow·sw + kw − left, c]·w[kh, kw, c, o]. */
function naive(x: Float32Array, w: Float32Array): Float32Array {
  const y = new Float32Array(g.batch * g.outH * g.outW * g.outC);
  for (let b = 0; b < g.batch; b++) for (let oh = 0; oh < g.outH; oh++) for (let ow = 0; ow < g.outW; ow++) for (let o = 0; o < g.outC; o++) {
    let s = 0;
    for (let kh = 0; kh < g.fh; kh++) for (let kw = 0; kw < g.fw; kw++) {
      const ih = oh * g.sh + kh - g.top;
      const iw = ow * g.sw + kw - g.left;
      if (ih < 0 || ih >= g.inH || iw < 0 || iw >= g.inW) continue;
      for (let c = 0; c < g.inC; c++) s += x[((b * g.inH + ih) * g.inW + iw) * g.inC + c] * w[((kh * g.fw + kw) * g.inC + c) * g.outC + o];
    }
    y[((b * g.outH + oh) * g.outW + ow) * g.outC + o] = s;
  }
  return y;
}

const maxDiff = (a: Float32Array, b: Float32Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe.runIf(gemmAvailable())('saved conv layouts', () => {
  it('a conv run again takes its table and packed filter from the cache and gives the same output', () => {
    const x = random(g.batch * g.inH * g.inW * g.inC, 1);
    const w = random(g.fh * g.fw * g.inC * g.outC, 2);
    const first = conv2dImplicit(x, w, g);
    const before = layoutCacheCounts();
    const again = conv2dImplicit(x, w, g);
    const after = layoutCacheCounts();
    expect(after.tableHits).toBe(before.tableHits + 1);
    expect(after.packHits).toBe(before.packHits + 1);
    expect(Array.from(again)).toEqual(Array.from(first));
    expect(maxDiff(first, naive(x, w))).toBeLessThan(1e-4);
    // the input gradient of the same geometry has tables of its own (one per stride phase)
    const dy = random(g.batch * g.outH * g.outW * g.outC, 3);
    const dx1 = conv2dBackpropInputImplicit(dy, w, g);
    const dx2 = conv2dBackpropInputImplicit(dy, w, g);
    expect(Array.from(dx2)).toEqual(Array.from(dx1));
  });

  it('packs a new filter array afresh: the output follows the new values', () => {
    const x = random(g.batch * g.inH * g.inW * g.inC, 4);
    const w1 = random(g.fh * g.fw * g.inC * g.outC, 5);
    const w2 = w1.map((v) => -2 * v);
    conv2dImplicit(x, w1, g);
    const y2 = conv2dImplicit(x, w2, g);
    expect(maxDiff(y2, naive(x, w2))).toBeLessThan(1e-4);
  });

  it('never serves a recycled output block from the cache', () => {
    recyclingOutputs(() => {
      const block = outputArray(4096);
      const f32 = new Float32Array(64);
      block.fill(1);
      cachedPanels(block, 'k', f32, 0, 64, () => f32.fill(block[0]));
      block.fill(7);
      cachedPanels(block, 'k', f32, 0, 64, () => f32.fill(block[0]));
      expect(f32[10]).toBe(7);
    });
  });
});

import { describe, expect, it } from 'vitest';
import { CQT_BINS, cqtFrequencies, cqtQ, getCqt } from './cqt';
import { tone } from './testUtil';

/** Independent direct evaluation of one CQT coefficient (recomputes the kernel on the fly). */
function directCqt(x: Float32Array, freq: number, frame: number, hop = 512, sr = 44100): number {
  const q = 1 / (Math.pow(2, 1 / 12) - 1);
  const len = Math.ceil((q * sr) / freq);
  const centre = frame * hop;
  let re = 0;
  let im = 0;
  for (let n = 0; n < len; n++) {
    const idx = centre - Math.floor(len / 2) + n;
    if (idx < 0 || idx >= x.length) continue;
    const w = 0.5 * (1 - Math.cos((2 * Math.PI * n) / len));
    re += x[idx] * w * Math.cos((2 * Math.PI * freq * n) / sr);
    im -= x[idx] * w * Math.sin((2 * Math.PI * freq * n) / sr);
  }
  return Math.hypot(re, im) / len;
}

describe('constant-Q transform (direct, Hann kernels, C1, 84 bins, 12/oct, hop 512)', () => {
  const cqt = getCqt();
  const freqs = cqtFrequencies();

  it('has 84 bins from C1 with Q ≈ 16.82', () => {
    expect(freqs.length).toBe(CQT_BINS);
    expect(freqs[0]).toBeCloseTo(32.7032, 4);
    expect(freqs[57]).toBeCloseTo(880, 6); // A5 = C1 · 2^(57/12)
    expect(cqtQ(12)).toBeCloseTo(16.817, 3);
  });

  for (const bin of [24, 45, 57, 70, 83]) {
    it(`a pure tone at bin ${bin}'s centre frequency peaks in bin ${bin} and matches the direct sum`, () => {
      const x = tone(0.5, [[freqs[bin], 0.5]]);
      const out = cqt.magnitude(x);
      const [bins, frames] = out.shape;
      expect([bins, frames]).toEqual([84, 44]);
      const t = 22;
      let peak = 0;
      for (let k = 0; k < bins; k++) if (out.data[k * frames + t] > out.data[peak * frames + t]) peak = k;
      expect(peak).toBe(bin);
      // amplitude A = 0.5 → |X| ≈ A/4 when the kernel fits in the clip
      expect(out.data[bin * frames + t]).toBeCloseTo(0.125, 3);
      for (const k of [bin - 1, bin, Math.min(bin + 1, 83), 10]) {
        for (const m of [0, 5, t, 43]) {
          const direct = directCqt(x, freqs[k], m);
          expect(Math.abs(out.data[k * frames + m] - direct)).toBeLessThan(1e-6 * Math.max(1, direct) + 1e-7);
        }
      }
    });
  }
});

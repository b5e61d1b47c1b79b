import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeNpy } from './npy';
import { fromGanSpectrogram, resizeBilinear, toAutoencoderInput, toGanSpectrogram } from './resize';
import { featureMatrix } from './spectrogram';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const load = (name: string) => decodeNpy(readFileSync(FIXTURES + name));

describe('bilinear resize (skimage order=1, mode=edge, no anti-aliasing)', () => {
  it('matches a hand-computed 1×4 → 1×2 and 1×2 → 1×4 example', () => {
    // down: scale 2, src = (d+0.5)·2 − 0.5 = 0.5, 2.5 → [(1+2)/2, (3+4)/2]
    expect(Array.from(resizeBilinear(featureMatrix(1, 4, Float32Array.from([1, 2, 3, 4])), [1, 2]).data)).toEqual([1.5, 3.5]);
    // up: scale 0.5, src = −0.25 (→0), 0.25, 0.75, 1.25 (→1) → [10, 12.5, 17.5, 20]
    expect(Array.from(resizeBilinear(featureMatrix(1, 2, Float32Array.from([10, 20])), [1, 4]).data)).toEqual([10, 12.5, 17.5, 20]);
  });

  it('matches a hand-computed 2×2 → 3×3 example', () => {
    // rows/cols src = (d+0.5)·(2/3) − 0.5 = −1/6 (→0), 0.5, 7/6 (→1)
    const out = resizeBilinear(featureMatrix(2, 2, Float32Array.from([0, 4, 8, 12])), [3, 3]);
    expect(Array.from(out.data)).toEqual([0, 2, 4, 4, 6, 8, 8, 10, 12]);
  });

  it('keeps constants and size-preserving resizes unchanged', () => {
    const x = featureMatrix(3, 5, Float32Array.from({ length: 15 }, (_, i) => i * 1.5));
    expect(Array.from(resizeBilinear(x, [3, 5]).data)).toEqual(Array.from(x.data));
  });

  it('LMS 128×44 ↔ 128×34 and → 120×36 match torch interpolate(bilinear, align_corners=False)', () => {
    const lms = load('chord.lms.npy');
    const m = featureMatrix(128, 44, lms.data);
    const cases: Array<[ReturnType<typeof toGanSpectrogram>, string, number[]]> = [
      [toGanSpectrogram(m), 'chord.lms.resize128x34.npy', [128, 34]],
      [toAutoencoderInput(m), 'chord.lms.resize120x36.npy', [120, 36]],
      [fromGanSpectrogram(toGanSpectrogram(m)), 'chord.lms.resize128x34to128x44.npy', [128, 44]],
    ];
    for (const [got, name, shape] of cases) {
      const ref = load(name);
      expect(got.shape).toEqual(shape);
      expect(ref.shape).toEqual(shape);
      let err = 0;
      for (let i = 0; i < ref.data.length; i++) err = Math.max(err, Math.abs(got.data[i] - ref.data[i]));
      expect(err).toBeLessThan(1e-4); // dB; float32 rounding only
    }
  });
});

// Agreement with torchaudio 0.13 references (fixtures/gen_fixtures.py, analysed in float64).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AvError } from '../errors';
import { hzToMelSlaney, melFilterbank, melToHzSlaney, powerToDbInPlace } from './mel';
import { decodeNpy } from './npy';
import { computeRepresentation, type Representation } from './representations';
import { periodicHann, reflectIndex } from './stft';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const load = (name: string) => decodeNpy(readFileSync(FIXTURES + name));
const CLIPS = ['tone440', 'chord', 'noise', 'chirp'];

/** Stated tolerances: LMS in dB (absolute); others as max |error| / max |reference|. */
const LMS_MAX_ABS_DB = 1e-3;
const REL_TOL: Record<string, number> = { ms: 1e-5, mfcc: 1e-5, stft: 1e-5 };

function maxAbsError(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
function maxAbs(a: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

describe('representations match torchaudio', () => {
  for (const clip of CLIPS) {
    const x = load(`${clip}.input.npy`).data;
    it(`${clip}: LMS is 128×44 within ${LMS_MAX_ABS_DB} dB`, () => {
      expect(x.length).toBe(22050);
      const ref = load(`${clip}.lms.npy`);
      const got = computeRepresentation('lms', x);
      expect(got.shape).toEqual([128, 44]);
      expect(ref.shape).toEqual([128, 44]);
      expect(maxAbsError(got.data, ref.data)).toBeLessThan(LMS_MAX_ABS_DB);
    });
    const reps: Representation[] = ['ms', 'mfcc', ...(clip === 'tone440' || clip === 'chord' ? (['stft'] as const) : [])];
    for (const rep of reps) {
      it(`${clip}: ${rep} within relative ${REL_TOL[rep]}`, () => {
        const ref = load(`${clip}.${rep}.npy`);
        const got = computeRepresentation(rep, x);
        expect(got.shape).toEqual(ref.shape);
        expect(maxAbsError(got.data, ref.data) / maxAbs(ref.data)).toBeLessThan(REL_TOL[rep]);
      });
    }
  }

  it('shapes: stft 1025×44, ms 128×44, mfcc 20×44, cqt 84×44 for 0.5 s', () => {
    const x = load('chord.input.npy').data;
    expect(computeRepresentation('stft', x).shape).toEqual([1025, 44]);
    expect(computeRepresentation('ms', x).shape).toEqual([128, 44]);
    expect(computeRepresentation('mfcc', x).shape).toEqual([20, 44]);
    expect(computeRepresentation('cqt', x).shape).toEqual([84, 44]);
  });

  it('LMS of a tone: 440 Hz band is the loudest, rows are low → high frequency', () => {
    const lms = computeRepresentation('lms', load('tone440.input.npy').data);
    const [bands, frames] = lms.shape;
    const t = 20;
    let best = 0;
    for (let m = 1; m < bands; m++) if (lms.data[m * frames + t] > lms.data[best * frames + t]) best = m;
    const filters = melFilterbank();
    const centreHz = melToHzSlaney((hzToMelSlaney(22050) * (best + 1)) / 129);
    expect(Math.abs(centreHz - 440)).toBeLessThan(25);
    expect(filters[best].weights.length).toBeGreaterThan(0);
  });

  it('empty clips are refused', () => {
    expect(() => computeRepresentation('lms', new Float32Array(0), 'e.wav')).toThrow(AvError);
  });
});

describe('building blocks', () => {
  it('periodic Hann', () => {
    const w = periodicHann(4);
    expect(Array.from(w).map((v) => +v.toFixed(12))).toEqual([0, 0.5, 1, 0.5]);
  });

  it('reflect padding index (numpy mode=reflect)', () => {
    // x = [a b c d]: reflect pad 3 → d c b | a b c d | c b a
    expect([-3, -2, -1, 0, 3, 4, 5, 6].map((j) => reflectIndex(j, 4))).toEqual([3, 2, 1, 0, 3, 2, 1, 0]);
  });

  it('Slaney mel scale: linear below 1 kHz, 15 mel at 1 kHz, log above', () => {
    expect(hzToMelSlaney(200 / 3)).toBeCloseTo(1, 12);
    expect(hzToMelSlaney(1000)).toBeCloseTo(15, 12);
    expect(hzToMelSlaney(6400)).toBeCloseTo(42, 12);
    expect(melToHzSlaney(hzToMelSlaney(3210))).toBeCloseTo(3210, 9);
  });

  it('power_to_db: 10·log10, amin 1e-10, top_db 80 below the clip max', () => {
    const d = powerToDbInPlace(Float32Array.from([100, 1, 1e-3, 0, 1e-12]));
    expect(Array.from(d).map((v) => +v.toFixed(4))).toEqual([20, 0, -30, -60, -60]);
    const raw = powerToDbInPlace(Float32Array.from([100, 0]), { topDb: null });
    expect(Array.from(raw)).toEqual([20, -100]);
  });
});

import { describe, expect, it } from 'vitest';
import { WrongPairSampler } from './wrongPairs';
import { createRng, mulberry32 } from '../rng';

const labels = [0, 0, 0, 1, 1, 2, 2, 2, 2];

describe('wrong-pair sampling ω (§3.2)', () => {
  it('instrument-oriented picks another class (Eq. 5)', () => {
    const s = new WrongPairSampler(labels, 'instrument');
    const rng = createRng(1);
    for (let n = 0; n < 500; n++) {
      const i = n % labels.length;
      expect(labels[s.sample(i, rng)]).not.toBe(labels[i]);
    }
  });

  it('pose-oriented picks another item of the same class, uniformly (Eq. 6)', () => {
    const s = new WrongPairSampler(labels, 'pose');
    const rng = createRng(2);
    const counts = new Map<number, number>();
    for (let n = 0; n < 3000; n++) {
      const j = s.sample(5, rng);
      expect(labels[j]).toBe(2);
      expect(j).not.toBe(5);
      counts.set(j, (counts.get(j) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual([6, 7, 8]);
    for (const c of counts.values()) expect(c).toBeGreaterThan(850);
  });

  it('is reproducible from the seed', () => {
    const s = new WrongPairSampler(labels, 'instrument');
    expect(s.sampleBatch([0, 1, 2, 3, 4], createRng(9))).toEqual(s.sampleBatch([0, 1, 2, 3, 4], createRng(9)));
    expect(mulberry32(42)()).toBe(mulberry32(42)());
  });

  it('rejects impossible settings', () => {
    expect(() => new WrongPairSampler([1, 1, 1], 'instrument')).toThrow(/two classes/);
    expect(() => new WrongPairSampler([0, 0, 1], 'pose')).toThrow(/class 1/);
  });
});

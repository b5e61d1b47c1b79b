// Wrong-pair sampling ω(·) of §3.2. For the pair (I_i^j, A_i^j) at dataset index n:
//  - 'instrument' (Eq. 5, and I2S Eq. 7; GAN-CLS): a uniformly drawn item of a *different* class, I_{-i}.
//  - 'pose' (Eq. 6): a uniformly drawn *other* item of the *same* class, I_i^{-j}.
// Works on indices; the caller gathers the images (or spectrograms) they point to.
import { AvError } from '../errors';
import type { Rng } from '../rng';

export type WrongPairMode = 'instrument' | 'pose';

export class WrongPairSampler {
  private readonly byClass = new Map<number, number[]>();
  private readonly all: number[];

  constructor(private readonly labels: readonly number[], readonly mode: WrongPairMode) {
    labels.forEach((label, index) => {
      const list = this.byClass.get(label);
      if (list) list.push(index);
      else this.byClass.set(label, [index]);
    });
    this.all = labels.map((_, i) => i);
    if (mode === 'instrument' && this.byClass.size < 2) {
      throw new AvError('bad_request', 'instrument-oriented wrong pairs need at least two classes');
    }
    if (mode === 'pose') {
      for (const [label, list] of this.byClass) {
        if (list.length < 2) throw new AvError('bad_request', `pose-oriented wrong pairs need two items per class; class ${label} has one`);
      }
    }
  }

  /** A wrong partner for the item at `index`. */
  sample(index: number, rng: Rng): number {
    const label = this.labels[index];
    if (label === undefined) throw new RangeError(`index ${index} outside the ${this.labels.length} labels`);
    const same = this.byClass.get(label) as number[];
    if (this.mode === 'pose') {
      // Uniform over the class minus this item: draw from n−1 slots and skip over `index`.
      const k = rng.int(same.length - 1);
      const pick = same[k];
      return pick === index ? same[same.length - 1] : pick;
    }
    // Uniform over the other classes' items: rejection sampling (classes are reasonably balanced).
    const others = this.all.length - same.length;
    if (others <= 0) throw new AvError('bad_request', 'no item of another class');
    for (;;) {
      const pick = this.all[rng.int(this.all.length)];
      if (this.labels[pick] !== label) return pick;
    }
  }

  sampleBatch(indices: readonly number[], rng: Rng): number[] {
    return indices.map((i) => this.sample(i, rng));
  }
}

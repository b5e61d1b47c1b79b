// Seeded choices for human evaluation: shuffles and derived seeds, reproducible from stored seeds.
import { seededUniform } from '../evaluation/statistics';

/** A stable 31-bit seed from parts (FNV-1a over their text). */
export function deriveSeed(...parts: Array<string | number>): number {
  let h = 0x811c9dc5;
  for (const ch of parts.join('\u0000')) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h & 0x7fffffff;
}

export { shuffled } from '../rng';

export { seededUniform };

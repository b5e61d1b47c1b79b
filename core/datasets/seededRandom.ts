// Seeded pseudo-random numbers for dataset building (video-level split, INIS chunk sampling and
// pairing): mulberry32, so the same seed gives the same dataset on every machine.

export const DEFAULT_DATASET_SEED = 2017;

export { mulberry32 } from '../rng';

export { shuffled } from '../rng';

/** A stable 32-bit seed derived from a base seed and a string (e.g. a class name). */
export function deriveSeed(seed: number, label: string): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

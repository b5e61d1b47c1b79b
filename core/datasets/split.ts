// The Sub-URMP train/test split (§4.1): "We separate about 80% videos for training and about 20% for
// testing and ensure that a video will not appear in both training and testing sets". A URMP video
// shows several players (instruments), so the split is made over videos, aiming at ~20 % test
// videos for every instrument at once; it is seeded, so the same seed gives the same split.
import { mulberry32, shuffled } from './seededRandom';

/** §4.1: "about 20% for testing". */
export const TEST_FRACTION = 0.2;

export interface SplitVideo {
  video: string;
  instruments: readonly string[];
}

/** Test videos wanted for an instrument played in n videos: ~20 %, at least one when n ≥ 2. */
export function testQuota(n: number, fraction = TEST_FRACTION): number {
  if (n < 2) return 0;
  return Math.max(1, Math.round(n * fraction));
}

/**
 * Assigns every video to 'train' or 'test'. Videos are visited in a seeded order; one goes to test
 * while every instrument it shows still needs test videos. A second pass gives an instrument with
 * ≥ 2 videos and no test video one, when that leaves every instrument of the moved video a
 * training video.
 */
export function splitByVideo(videos: readonly SplitVideo[], seed: number, fraction = TEST_FRACTION): Map<string, 'train' | 'test'> {
  const rand = mulberry32(seed);
  const order = shuffled([...videos].sort((a, b) => a.video.localeCompare(b.video)), rand);
  const perInst = new Map<string, number>();
  for (const v of order) for (const i of new Set(v.instruments)) perInst.set(i, (perInst.get(i) ?? 0) + 1);
  const quota = new Map([...perInst].map(([i, n]) => [i, testQuota(n, fraction)]));
  const testCount = new Map<string, number>();
  const out = new Map<string, 'train' | 'test'>();
  for (const v of order) {
    const insts = [...new Set(v.instruments)];
    const toTest = insts.length > 0 && insts.every((i) => (testCount.get(i) ?? 0) < (quota.get(i) ?? 0));
    out.set(v.video, toTest ? 'test' : 'train');
    if (toTest) for (const i of insts) testCount.set(i, (testCount.get(i) ?? 0) + 1);
  }
  for (const [inst, q] of quota) {
    if (q === 0 || (testCount.get(inst) ?? 0) > 0) continue;
    for (const v of order) {
      const insts = [...new Set(v.instruments)];
      if (out.get(v.video) !== 'train' || !insts.includes(inst)) continue;
      const trainLeft = (i: string) => order.filter((o) => o !== v && out.get(o.video) === 'train' && o.instruments.includes(i)).length;
      if (insts.every((i) => trainLeft(i) > 0)) {
        out.set(v.video, 'test');
        for (const i of insts) testCount.set(i, (testCount.get(i) ?? 0) + 1);
        break;
      }
    }
  }
  return out;
}

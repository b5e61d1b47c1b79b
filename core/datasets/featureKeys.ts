// The feature cache's keys: what a pair's LMS and 64×64 picture are stored under. Its own small
// module so the feature-status thread (featureStatusWorker.ts) loads it without the media code.
import { createHash } from 'node:crypto';
import type { PairRow } from '../catalog/pairsRepo';

/** Bump when the way a feature is computed changes: old cache entries are then simply not found. */
export const FEATURE_VERSION = 1;
export const LMS_REP = 'lms';
export const IMAGE_REP = 'image64';

const key = (s: string) => createHash('sha256').update(s).digest('hex');

/** The cache keys of a pair's LMS and 64×64 picture (depend only on content, window, frame and crop). */
export function pairFeatureKeys(pair: PairRow): { lms: string; image: string } {
  // video pictures: `video2` since ffmpeg's scaler makes them (media/videoPictures.ts); earlier ones are not found
  const picture = pair.image ? `image:${pair.image.hash}` : pair.video ? `video2:${pair.video.hash}@${pair.frameS}` : 'none';
  return {
    lms: key(`${LMS_REP}:v${FEATURE_VERSION}:${pair.audio.hash}:${pair.startS}:${pair.durS}`),
    image: key(`${IMAGE_REP}:v${FEATURE_VERSION}:${picture}:${pair.crop ? JSON.stringify(pair.crop) : 'whole'}`),
  };
}

// 64×64 thumbnails of pairs whose picture is not a plain image file (a video frame, or a cropped
// image): rendered on the server by pairs.picture, a few at a time, remembered per pair content.
import type { Pair } from '../../../../core/contract/api';
import { api } from '../../api/client';

const MAX_PARALLEL = 3;
const cache = new Map<string, Promise<string>>();
const queue: Array<() => void> = [];
let running = 0;

function keyOf(p: Pair): string {
  return `${p.id}:${p.frameS}:${p.crop ? `${p.crop.x},${p.crop.y},${p.crop.w},${p.crop.h}` : ''}:${p.image?.hash ?? p.video?.hash ?? ''}`;
}

function schedule<T>(job: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const run = () => {
      running++;
      job()
        .then(resolve, reject)
        .finally(() => {
          running--;
          queue.shift()?.();
        });
    };
    if (running < MAX_PARALLEL) run();
    else queue.push(run);
  });
}

/** The media URL of the pair's thumbnail: the image file's thumbnail when it is uncropped, else the rendered 64×64. */
export function directThumbUrl(p: Pair): string | null {
  return p.image && !p.crop ? api.mediaUrl(p.image.hash, 'thumb') : null;
}

export function renderedThumbUrl(p: Pair): Promise<string> {
  const k = keyOf(p);
  let hit = cache.get(k);
  if (!hit) {
    hit = schedule(() => api.call('pairs.picture', { id: p.id })).then((pic) => api.mediaUrl(pic.small.hash));
    hit.catch(() => cache.delete(k));
    cache.set(k, hit);
  }
  return hit;
}

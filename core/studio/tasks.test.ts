import { describe, expect, it } from 'vitest';
import { openStudio } from './context';
import { dispatch } from '../api/dispatch';
import { handlers } from '../api/handlers';
import { listDatasets } from '../catalog/datasetsRepo';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { tempDir } from '../datasets/testFixtures';
import { encodeWav } from '../media/wav';

/** A Sub-URMP release layout with enough pairs that an import takes a while. */
async function bigRelease(n: number): Promise<string> {
  const root = join(tempDir('release-'), 'Sub-URMP');
  const img = join(root, 'img', 'train', 'violin');
  const chunk = join(root, 'chunk', 'train', 'violin');
  mkdirSync(img, { recursive: true });
  mkdirSync(chunk, { recursive: true });
  const jpg = await sharp({ create: { width: 32, height: 32, channels: 3, background: { r: 200, g: 40, b: 40 } } }).jpeg().toBuffer();
  for (let i = 0; i < n; i++) {
    const samples = new Float32Array(22_050).map((_, t) => 0.3 * Math.sin((2 * Math.PI * (300 + i) * t) / 44_100));
    writeFileSync(join(img, `violin01_${i}.jpg`), jpg);
    writeFileSync(join(chunk, `violin01_${i}.wav`), encodeWav(samples, 44_100));
  }
  return root;
}

describe('tasks.cancel', () => {
  it('cancels a running import by the id of its progress events; nothing is left in the catalog', async () => {
    const ctx = openStudio(tempDir('home-'));
    const release = await bigRelease(400);
    let cancelled: unknown = null;
    ctx.events.on((e) => {
      if (e.type === 'task.progress' && cancelled === null) {
        cancelled = 'pending';
        void dispatch(handlers, ctx, 'tasks.cancel', { taskId: e.taskId }).then((r) => (cancelled = r));
      }
    });
    const r = await dispatch(handlers, ctx, 'datasets.ingest', { kind: 'sub-urmp', path: release, name: 'rel' });
    expect(cancelled).toEqual({ ok: true, result: { cancelled: true } });
    expect(r).toMatchObject({ ok: false, error: { kind: 'cancelled' } });
    expect(listDatasets(ctx.catalog).map((d) => d.name)).not.toContain('rel');
    // a finished or unknown task cannot be cancelled
    expect(await dispatch(handlers, ctx, 'tasks.cancel', { taskId: 'ingest-nope' })).toEqual({ ok: true, result: { cancelled: false } });
    ctx.close();
  });
});

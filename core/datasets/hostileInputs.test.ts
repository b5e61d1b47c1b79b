// Issue 19: inputs a careful tester feeds an import — special files, oversize files, things that are
// not manifests, null rows, an empty folder, a full disk — each end in a typed error naming the file
// (or a skip entry), quickly, with no dataset and no staging rows left behind.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../catalog/catalog';
import { listDatasets } from '../catalog/datasetsRepo';
import { AvError } from '../errors';
import { SAMPLE_RATE } from '../media/constants';
import { encodeWav } from '../media/wav';
import { assertMediaFile } from './fileSource';
import { importManifest } from './manifestImport';
import { importUrmp } from './urmpImport';
import { makeVideo, solidImage, tempCatalog, tempDir, tone } from './testFixtures';

let dir: string;
let cat: Catalog;
beforeAll(async () => {
  dir = tempDir('avds-hostile-');
  cat = tempCatalog(dir);
  writeFileSync(join(dir, 'a.wav'), encodeWav(tone(2, 440), SAMPLE_RATE));
  await solidImage(join(dir, 'a.png'), [200, 40, 40]);
});
afterAll(() => {
  cat.close();
  rmSync(dir, { recursive: true, force: true });
});

async function kindOf(p: Promise<unknown>): Promise<{ kind: string; file?: string; message: string }> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(AvError);
    return { kind: (err as AvError).kind, file: (err as AvError).file, message: (err as AvError).message };
  }
  throw new Error('expected a typed error');
}

const stagingRows = () => (cat.db.prepare('SELECT (SELECT COUNT(*) FROM import_staging_pairs) + (SELECT COUNT(*) FROM import_staging_sources) AS n').get() as { n: number }).n;

describe('special and oversize files are refused by kind, before reading', () => {
  it('a device, a FIFO and a folder', async () => {
    const fifo = join(dir, 'pipe.wav');
    execFileSync('mkfifo', [fifo]);
    for (const [file, what] of [['/dev/zero', 'character device'], ['/dev/urandom', 'character device'], [fifo, 'FIFO'], [dir, 'folder']] as const) {
      const e = await kindOf(assertMediaFile(file, 'audio'));
      expect(e.kind).toBe('unsupported');
      expect(e.file).toBe(file);
      expect(e.message).toContain(what);
    }
  });

  it('a manifest row whose audio is /dev/zero or a FIFO is skipped at once, naming the file', async () => {
    const fifo = join(dir, 'pipe2.png');
    execFileSync('mkfifo', [fifo]);
    writeFileSync(join(dir, 'dev.csv'), `image,audio,class\na.png,/dev/zero,vn\n${fifo},a.wav,vn\na.png,a.wav,vn\n`);
    const t0 = Date.now();
    const r = await importManifest(cat, join(dir, 'dev.csv'), { name: 'dev' });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(r.added).toBe(1);
    expect(r.skipped.map((s) => s.file)).toEqual(['/dev/zero', fifo]);
    expect(r.skipped[0].reason).toMatch(/character device/);
  });

  it('a file over the size limit', async () => {
    process.env.AVSTUDIO_MAX_MEDIA_BYTES = '1000';
    try {
      const e = await kindOf(assertMediaFile(join(dir, 'a.wav'), 'audio'));
      expect(e).toMatchObject({ kind: 'unsupported', file: join(dir, 'a.wav') });
      expect(e.message).toMatch(/larger than/);
    } finally {
      delete process.env.AVSTUDIO_MAX_MEDIA_BYTES;
    }
  });

  it('a NUL byte in a path is a bad request, not an io error', async () => {
    expect((await kindOf(assertMediaFile('a\u0000b.wav', 'audio'))).kind).toBe('bad_request');
    expect((await kindOf(importManifest(cat, join(dir, 'x\u0000.csv'), { name: 'nul' }))).kind).toBe('bad_request');
    // a loop of symbolic links: a bad path too, not a 500 io error
    symlinkSync(join(dir, 'loop-b'), join(dir, 'loop-a'));
    symlinkSync(join(dir, 'loop-a'), join(dir, 'loop-b'));
    expect(await kindOf(importManifest(cat, join(dir, 'loop-a'), { name: 'loop' }))).toMatchObject({ kind: 'bad_request', file: join(dir, 'loop-a') });
  });
});

describe('things that are not manifests are refused, creating no dataset', () => {
  it('/etc/passwd, a CSV without the columns, an empty CSV, a binary file, an empty JSON list, a folder, a device', async () => {
    const before = listDatasets(cat).length;
    writeFileSync(join(dir, 'cols.csv'), 'name,age\nann,3\n');
    writeFileSync(join(dir, 'empty.csv'), '');
    writeFileSync(join(dir, 'blank.csv'), '\n\n  \n');
    writeFileSync(join(dir, 'header-only.csv'), 'image,audio,class\n');
    writeFileSync(join(dir, 'bin.csv'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 1, 2]));
    writeFileSync(join(dir, 'empty.json'), '[]');
    writeFileSync(join(dir, 'other.json'), '[{"a": 1}, {"b": 2}]');
    const cases: Array<[string, string]> = [
      ['/etc/passwd', 'unsupported'],
      [join(dir, 'cols.csv'), 'unsupported'],
      [join(dir, 'empty.csv'), 'empty_input'],
      [join(dir, 'blank.csv'), 'empty_input'],
      [join(dir, 'header-only.csv'), 'empty_input'],
      [join(dir, 'bin.csv'), 'unsupported'],
      [join(dir, 'empty.json'), 'empty_input'],
      [join(dir, 'other.json'), 'unsupported'],
      [dir, 'unsupported'],
      ['/dev/zero', 'unsupported'],
    ];
    for (const [file, kind] of cases) {
      const e = await kindOf(importManifest(cat, file, { name: `bad-${kind}` }));
      expect(e.kind, file).toBe(kind);
      expect(e.file, file).toBe(file);
    }
    expect(listDatasets(cat).length).toBe(before);
  });

  it('a null (or non-object) row in a JSON manifest is a skip entry, not an internal error', async () => {
    writeFileSync(join(dir, 'nulls.json'), JSON.stringify([null, 7, ['a'], { image: 'a.png', audio: 'a.wav', class: 'vn', start: 0.5 }]));
    const r = await importManifest(cat, join(dir, 'nulls.json'), { name: 'nulls' });
    expect(r.added).toBe(1);
    expect(r.skipped).toHaveLength(3);
    expect(r.skipped[0].reason).toMatch(/row must be an object.*null/);
  });

  it('an empty URMP folder → empty_input, no dataset', async () => {
    const empty = join(dir, 'empty-urmp');
    mkdirSync(empty);
    const before = listDatasets(cat).length;
    const e = await kindOf(importUrmp(cat, empty, { name: 'nothing' }));
    expect(e.kind).toBe('empty_input');
    expect(listDatasets(cat).length).toBe(before);
  });
});

describe('a full disk during an import', () => {
  it('ends the import failed with a typed io error and no staging rows', async () => {
    const rows = ['image,audio,class,start'];
    for (let i = 0; i < 1400; i++) rows.push(`a.png,a.wav,vn,${(i / 1000).toFixed(3)}`);
    writeFileSync(join(dir, 'big.csv'), rows.join('\n'));
    // the catalog may not grow: the next page SQLite needs is "disk full" (SQLITE_FULL)
    const pages = cat.db.pragma('page_count', { simple: true }) as number;
    cat.db.pragma(`max_page_count = ${pages}`);
    let e: { kind: string; message: string };
    try {
      e = await kindOf(importManifest(cat, join(dir, 'big.csv'), { name: 'full' }));
    } finally {
      cat.db.pragma('max_page_count = 1073741823');
    }
    expect(e.kind).toBe('io');
    expect(e.message).toMatch(/disk is full/);
    const report = cat.db.prepare("SELECT status, error FROM import_reports WHERE dataset_name = 'full'").get() as { status: string; error: string };
    expect(report.status).toBe('failed');
    expect(stagingRows()).toBe(0);
    expect(listDatasets(cat).some((d) => d.name === 'full')).toBe(false);
  });
});

describe('export to an unusable place (issue 19, item 7)', () => {
  it('answers quickly with a typed error naming the path: a file in the way, /proc, under a file', async () => {
    const { ensureWritableFolder } = await import('./fileSource');
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const t0 = Date.now();
    expect(await kindOf(ensureWritableFolder(file))).toMatchObject({ kind: 'conflict', file });
    expect(await kindOf(ensureWritableFolder(join(file, 'Sub-URMP')))).toMatchObject({ kind: 'conflict', file });
    expect(await kindOf(ensureWritableFolder('/proc/x/Sub-URMP'))).toMatchObject({ kind: 'io', file: '/proc/x' });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(await ensureWritableFolder(join(dir, 'out', 'deep', 'Sub-URMP'))).toBe(join(dir, 'out', 'deep', 'Sub-URMP'));
  });

  it('datasets.export through the API: typed errors, no hang, nothing reported as written', async () => {
    const { dispatch } = await import('../api/dispatch');
    const { handlers } = await import('../api/handlers');
    const { openStudio } = await import('../studio/context');
    const ctx = openStudio(join(dir, 'export-home'));
    try {
      const { createDemoDataset } = await import('./demoDataset');
      const id = await createDemoDataset(ctx.catalog, ctx.blobs, 'small', { trackSeconds: 1 });
      writeFileSync(join(dir, 'target-file'), 'x');
      for (const [out, kind] of [['/proc/x', 'io'], [join(dir, 'target-file'), 'conflict']] as const) {
        const r = await dispatch(handlers, ctx, 'datasets.export', { datasetId: id, layout: 'sub-urmp', out });
        expect(r.ok, out).toBe(false);
        if (!r.ok) expect(r.error.kind, out).toBe(kind);
      }
    } finally {
      ctx.close();
    }
  });
});

describe('a silent URMP track (issue 19, item 11)', () => {
  it('is reported in the skip report, not dropped without a trace', async () => {
    const root = join(dir, 'urmp-silent');
    const piece = join(root, '01_Quiet_vn_vc');
    mkdirSync(piece, { recursive: true });
    makeVideo(join(piece, 'Vid_01_Quiet_vn_vc.mp4'), 2);
    writeFileSync(join(piece, 'AuSep_1_vn_01_Quiet.wav'), encodeWav(new Float32Array(2 * SAMPLE_RATE), SAMPLE_RATE));
    writeFileSync(join(piece, 'AuSep_2_vc_01_Quiet.wav'), encodeWav(tone(2, 130), SAMPLE_RATE));
    const r = await importUrmp(cat, root, { name: 'quiet' });
    expect(r.added).toBeGreaterThan(0); // the cello's windows
    const silent = r.skipped.find((s) => s.file === join(piece, 'AuSep_1_vn_01_Quiet.wav'));
    expect(silent?.reason).toMatch(/silent track/);
  });
});

describe('a non-UTF-8 file name (issue 19, item 11)', () => {
  it('is reported as such, not as a missing file under a garbled name', async () => {
    const root = join(dir, 'urmp-latin1');
    const piece = join(root, '01_Cafe_vn_vc');
    mkdirSync(piece, { recursive: true });
    makeVideo(join(piece, 'Vid_01_Cafe_vn_vc.mp4'), 2);
    writeFileSync(join(piece, 'AuSep_1_vn_01_Cafe.wav'), encodeWav(tone(2, 440), SAMPLE_RATE));
    // "AuSep_2_vc_01_Café.wav" with é as the single byte 0xe9 (Latin-1), not valid UTF-8
    const raw = Buffer.concat([Buffer.from(`${piece}/AuSep_2_vc_01_Caf`), Buffer.from([0xe9]), Buffer.from('.wav')]);
    writeFileSync(raw, encodeWav(tone(2, 130), SAMPLE_RATE));
    const r = await importUrmp(cat, root, { name: 'latin1' });
    expect(r.added).toBeGreaterThan(0);
    const entry = r.skipped.find((s) => s.reason.includes('not valid UTF-8'));
    expect(entry?.reason).toContain('e9');
    expect(entry?.file.startsWith(join(piece, 'AuSep_2_vc_01_Caf'))).toBe(true);
  });
});

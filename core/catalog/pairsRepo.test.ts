// pairs.list's file-name search (names kept in memory per connection) against SQLite's own LIKE.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nowIso, openCatalog } from './catalog';
import { createDataset } from './datasetsRepo';
import { listPairs } from './pairsRepo';

const NAMES = ['Violin01_100.wav', 'violin01_200.WAV', 'cello_50%_mix.wav', 'a_b.wav', 'aXb.wav', 'back\\slash.wav', 'Ärger_01.wav', 'ärger_02.wav', 'flute.jpg'];

describe('pair search by file name', () => {
  it('matches what LIKE matches (ASCII case folded, % _ \\ literal), and sees sources another process adds', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pairs-search-')), 'catalog.sqlite');
    const cat = openCatalog(file);
    const other = openCatalog(file);
    try {
      const add = (c: typeof cat, ds: number, name: string, k: number) => {
        const audio = Number(c.db.prepare("INSERT INTO sources (hash, kind, path, original_name, bytes, created_at) VALUES (?, 'audio', ?, ?, 0, ?)").run(`h-${name}-${k}`, `/x/${k}`, name, nowIso()).lastInsertRowid);
        c.db.prepare("INSERT INTO pairs (dataset_id, pair_key, instrument, split, audio_source_id, start_s) VALUES (?, ?, 'vn', 'train', ?, 0)").run(ds, `p${k}`, audio);
      };
      const ds = createDataset(cat, { name: 's', kind: 'manifest' });
      NAMES.forEach((n, k) => add(cat, ds, n, k));
      const like = (s: string) => cat.db
        .prepare("SELECT COUNT(*) FROM pairs p JOIN sources a ON a.id = p.audio_source_id WHERE p.dataset_id = ? AND (a.original_name LIKE ? ESCAPE '\\' OR p.instrument LIKE ? ESCAPE '\\')")
        .pluck().get(ds, ...Array(2).fill(`%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)) as number;
      for (const s of ['violin01', 'VIOLIN', '_1', '50%', 'a_b', '\\', 'ärger', 'Ärger', 'wav', 'VN', 'nothing'])
        expect(listPairs(cat, { datasetId: ds, search: s }).total, s).toBe(like(s));
      expect(listPairs(cat, { datasetId: ds, search: 'a_b' }).items.map((p) => p.audio.name)).toEqual(['a_b.wav']);
      // rows added by another connection after this one searched are found by the next search
      add(other, ds, 'Violin09_1.wav', 100);
      expect(listPairs(cat, { datasetId: ds, search: 'violin0' }).total).toBe(3);
    } finally {
      other.close();
      cat.close();
    }
  });
});

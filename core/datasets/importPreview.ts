// A dry run of an import (issue 18): what a Sub-URMP release would add per category and split, what
// would be skipped and why, and warnings (a category with an empty split) — from the folder scan
// alone, before anything is written. Files are decoded and checked during the import itself, so a
// few more may be skipped then (the preview says so).
import { existsSync, statSync } from 'node:fs';
import { AvError } from '../errors';
import { codeForFolder } from './instruments';
import { SkipReport } from './skipReport';
import { releaseRoot, RELEASE_SPLITS, scanRelease } from './subUrmpRelease';

export interface ImportPreview {
  kind: 'sub-urmp';
  root: string;
  categories: Array<{ instrument: string; train: number; test: number }>;
  total: number;
  skipped: Array<{ file: string; reason: string }>;
  warnings: string[];
  note: string;
}

export async function previewSubUrmpRelease(dir: string): Promise<ImportPreview> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new AvError('not_found', `no folder ${dir}`, { file: dir });
  const root = releaseRoot(dir);
  const skips = new SkipReport();
  const items = await scanRelease(root, skips);
  const counts = new Map<string, { train: number; test: number }>();
  for (const it of items) {
    const code = codeForFolder(it.instFolder) ?? it.instFolder;
    const split = RELEASE_SPLITS[it.splitFolder];
    const c = counts.get(code) ?? { train: 0, test: 0 };
    c[split]++;
    counts.set(code, c);
  }
  const categories = [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([instrument, c]) => ({ instrument, ...c }));
  const warnings: string[] = [];
  for (const c of categories) {
    if (c.test === 0) warnings.push(`${c.instrument}: every pair is in train — the test split would be empty for this category`);
    if (c.train === 0) warnings.push(`${c.instrument}: every pair is in test — nothing to train on for this category`);
  }
  if (!items.length) warnings.push('no image–chunk pair found: is this the release folder (img/ and chunk/, or Sub-URMP/ holding them)?');
  return {
    kind: 'sub-urmp',
    root,
    categories,
    total: items.length,
    skipped: skips.entries.map((e) => ({ file: e.file, reason: e.reason })),
    warnings,
    note: 'from the folder scan: pictures and chunks are decoded during the import, where unreadable or too-short files are skipped too',
  };
}

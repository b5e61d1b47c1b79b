// A dry run of an import (issue 18): what a Sub-URMP release would add per category and split, what
// would be skipped and why, and warnings (a category with an empty split) — from the folder scan
// alone, before anything is written. Files are decoded and checked during the import itself, so a
// few more may be skipped then (the preview says so).
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AvError } from '../errors';
import { codeForFolder } from './instruments';
import { SkipReport } from './skipReport';
import { classFolders, INIS_AUDIO_EXT, INIS_IMAGE_EXT, INIS_TEST_FRACTION, splitItems } from './inisImport';
import { parsedManifestRows, readManifest } from './manifestImport';
import { DEFAULT_DATASET_SEED, deriveSeed } from './seededRandom';
import { recordingOf, releaseRoot, RELEASE_SPLITS, scanRelease } from './subUrmpRelease';
import { scanUrmp } from './urmpLayout';
import { DEFAULT_URMP_DATASET, urmpVideoSplits } from './urmpImport';
import type { Catalog } from '../catalog/catalog';

export interface ImportPreview {
  kind: 'sub-urmp' | 'urmp' | 'manifest' | 'inis';
  root: string;
  /** What the category counts count: image–chunk pairs (a release) or player tracks (URMP, whose pairs are known only once the audio is decoded). */
  unit: 'pairs' | 'tracks' | 'recordings';
  categories: Array<{ instrument: string; train: number; test: number }>;
  total: number;
  skipped: Array<{ file: string; reason: string }>;
  warnings: string[];
  note: string;
}

/** Below this many pairs the one-pair-recording warning is not given (a tiny release may be sparse). */
const SINGLE_RECORDING_MIN_PAIRS = 10;

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
  // pairs are grouped as recordings by their chunk names (`violin01_4000` → recording `violin01`); a
  // release whose names do not follow that (e.g. one written by another tool) comes out as hundreds
  // of one-pair "recordings"
  const recordings = new Map<string, number>();
  for (const it of items) {
    const key = `${it.splitFolder}/${it.instFolder}/${recordingOf(it.name)}`;
    recordings.set(key, (recordings.get(key) ?? 0) + 1);
  }
  const singles = [...recordings.values()].filter((n) => n === 1).length;
  if (items.length >= SINGLE_RECORDING_MIN_PAIRS && singles > items.length / 2) {
    const example = items.find((it) => recordings.get(`${it.splitFolder}/${it.instFolder}/${recordingOf(it.name)}`) === 1)!;
    warnings.push(
      `pairs are not grouped as recordings: ${singles} of ${items.length} pairs would be the only pair of their recording (e.g. ${example.name} → "${recordingOf(example.name)}"); chunk names are expected as <recording>_<index>, e.g. violin01_4000`,
    );
  }
  if (!items.length) warnings.push('no image–chunk pair found: is this the release folder (img/ and chunk/, or Sub-URMP/ holding them)?');
  return {
    kind: 'sub-urmp',
    root,
    unit: 'pairs',
    categories,
    total: items.length,
    skipped: skips.entries.map((e) => ({ file: e.file, reason: e.reason })),
    warnings,
    note: 'from the folder scan: pictures and chunks are decoded during the import, where unreadable or too-short files are skipped too',
  };
}

/**
 * A dry run of a URMP import: the seeded video split (the same `splitByVideo` the import uses, same
 * seed), player tracks per instrument and split, the skip list of the folder scan, and a warning for
 * every instrument whose tracks all land in one split (e.g. an instrument played in one video only).
 * A re-import into an existing dataset keeps the splits that dataset stores for its videos, as the
 * import does (`urmpVideoSplits`, the one place that decides it).
 */
export async function previewUrmp(cat: Catalog, dir: string, seed = DEFAULT_DATASET_SEED, datasetName = DEFAULT_URMP_DATASET): Promise<ImportPreview> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new AvError('not_found', `no folder ${dir}`, { file: dir });
  const skips = new SkipReport();
  const pieces = await scanUrmp(dir, skips);
  const { splits, kept } = urmpVideoSplits(cat, pieces, seed, datasetName);
  const counts = new Map<string, { train: number; test: number; videos: Set<string> }>();
  for (const piece of pieces) {
    const split = splits.get(piece.folder) ?? 'train';
    for (const t of piece.tracks) {
      const c = counts.get(t.instrument) ?? { train: 0, test: 0, videos: new Set<string>() };
      c[split]++;
      c.videos.add(piece.folder);
      counts.set(t.instrument, c);
    }
  }
  const sorted = [...counts.entries()].sort(([a], [b]) => a.localeCompare(b));
  const warnings: string[] = [];
  for (const [inst, c] of sorted) {
    const where = c.videos.size === 1 ? `it appears in one video only, ${[...c.videos][0]}` : `its ${c.videos.size} videos`;
    if (c.test === 0) warnings.push(`${inst}: every track goes to train (${where}) — the test split would be empty for this category`);
    else if (c.train === 0) warnings.push(`${inst}: every track goes to test (${where}) — nothing to train on for this category`);
  }
  const total = sorted.reduce((n, [, c]) => n + c.train + c.test, 0);
  if (!pieces.length) warnings.push('no URMP piece folder found (NN_Piece_inst1_inst2… with Vid_*.mp4 and AuSep_*.wav): is this the URMP root?');
  return {
    kind: 'urmp',
    root: dir,
    unit: 'tracks',
    categories: sorted.map(([instrument, c]) => ({ instrument, train: c.train, test: c.test })),
    total,
    skipped: skips.entries.map((e) => ({ file: e.file, reason: e.reason })),
    warnings,
    note: `from the folder scan with split seed ${seed}${kept ? ` (${kept} of ${pieces.length} videos keep the split dataset "${datasetName}" already stores for them)` : ''}: pairs are cut from each track (0.5 s windows, 0.1 s stride) during the import, where silent windows, unreadable videos and tracks are skipped too`,
  };
}

/**
 * A dry run of a manifest import: its rows parsed as the import parses them, per class and split,
 * rows that are invalid or name a missing file skipped (with the row number), and a warning for a
 * class with an empty split. Files are decoded (and windows checked against the audio's length)
 * during the import itself.
 */
export async function previewManifest(file: string): Promise<ImportPreview> {
  if (!existsSync(file) || !statSync(file).isFile()) throw new AvError('not_found', `no manifest file ${file}`, { file });
  const raw = await readManifest(file);
  const skips = new SkipReport();
  const counts = new Map<string, { train: number; test: number }>();
  let total = 0;
  for (const { where, row, image, audio } of parsedManifestRows(raw, file, skips)) {
    const missing = [image, audio].find((f) => !existsSync(f) || !statSync(f).isFile());
    if (missing) {
      skips.add(missing, `${where}: ${existsSync(missing) ? 'not a regular file' : 'no such file'}`);
      continue;
    }
    const c = counts.get(row.class) ?? { train: 0, test: 0 };
    c[row.split]++;
    counts.set(row.class, c);
    total++;
  }
  const categories = [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([instrument, c]) => ({ instrument, ...c }));
  const warnings: string[] = [];
  for (const c of categories) {
    if (c.test === 0) warnings.push(`${c.instrument}: every pair is in train — the test split would be empty for this category`);
    if (c.train === 0) warnings.push(`${c.instrument}: every pair is in test — nothing to train on for this category`);
  }
  if (!raw.length) warnings.push('the manifest lists no rows');
  return {
    kind: 'manifest',
    root: file,
    unit: 'pairs',
    categories,
    total,
    skipped: skips.entries.map((e) => ({ file: e.file, reason: e.reason })),
    warnings,
    note: 'from the manifest rows and a check that their files exist: pictures and audio are decoded during the import, where unreadable files and windows past the end of the audio are skipped too',
  };
}

/**
 * A dry run of an INIS import: recordings per class and split, split as the import splits them (by
 * recording, seeded per class, ~70/30), classes without pictures or recordings and files of the wrong
 * kind skipped, and a warning for a class whose test (or train) split comes out empty — e.g. a class
 * with one recording. Chunks are cut from the decoded recordings during the import.
 */
export async function previewInis(imagesDir: string, audioDir: string, seed = DEFAULT_DATASET_SEED): Promise<ImportPreview> {
  for (const d of [imagesDir, audioDir]) if (!existsSync(d) || !statSync(d).isDirectory()) throw new AvError('not_found', `no folder ${d}`, { file: d });
  const skips = new SkipReport();
  const images = await classFolders(imagesDir);
  const audio = await classFolders(audioDir);
  for (const c of images.keys()) if (!audio.has(c)) skips.add(join(imagesDir, c), `class "${c}" has pictures but no recordings folder`);
  for (const c of audio.keys()) if (!images.has(c)) skips.add(join(audioDir, c), `class "${c}" has recordings but no pictures folder`);
  const categories: ImportPreview['categories'] = [];
  for (const cls of [...images.keys()].filter((c) => audio.has(c)).sort()) {
    const pics = images.get(cls)!.filter((f) => {
      if (INIS_IMAGE_EXT.test(f)) return true;
      skips.add(f, 'not a picture (.jpg/.png/.webp)');
      return false;
    });
    const recordings = audio.get(cls)!.filter((f) => {
      if (INIS_AUDIO_EXT.test(f)) return true;
      skips.add(f, 'not an audio file');
      return false;
    });
    if (!pics.length) {
      skips.add(join(imagesDir, cls), `class "${cls}" has no pictures; its recordings are skipped`);
      continue;
    }
    const split = splitItems(recordings, deriveSeed(seed, `rec:${cls}`));
    const c = { instrument: cls, train: 0, test: 0 };
    for (const r of recordings) c[split.get(r)!]++;
    categories.push(c);
  }
  const warnings: string[] = [];
  for (const c of categories) {
    const n = c.train + c.test;
    if (c.test === 0) warnings.push(`${c.instrument}: every recording goes to train${n === 1 ? ' (the class has one recording)' : ''} — the test split would be empty for this category`);
    else if (c.train === 0) warnings.push(`${c.instrument}: every recording goes to test — nothing to train on for this category`);
  }
  if (!categories.length) warnings.push('no class has both a pictures folder and a recordings folder of the same name');
  return {
    kind: 'inis',
    root: `${imagesDir} + ${audioDir}`,
    unit: 'recordings',
    categories,
    total: categories.reduce((n, c) => n + c.train + c.test, 0),
    skipped: skips.entries.map((e) => ({ file: e.file, reason: e.reason })),
    warnings,
    note: `from the folder scan with split seed ${seed} (~${Math.round(INIS_TEST_FRACTION * 100)} % of each class's recordings in test): pictures and recordings are decoded during the import, where unreadable or too-short files are skipped too`,
  };
}

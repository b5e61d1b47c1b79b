// Pairs listed in a manifest: CSV with a header row, or JSON (an array of rows, or {"rows": […]}),
// each row giving image, audio, start (seconds, default 0), class, split (train | test |
// validation → test; default train). Paths are relative to the manifest's folder. Rows that do not
// check out (missing or unreadable file, window past the end) go to the skip report. A file that is
// not a manifest at all (no image/audio/class columns, binary, empty) is refused with a typed error
// naming it, instead of importing as an empty dataset; media paths are checked by kind (a device or
// FIFO is never opened) before anything reads them.
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import sharp from 'sharp';
import type { Catalog } from '../catalog/catalog';
import type { Split } from '../catalog/pairsRepo';
import { AvError } from '../errors';
import { WINDOW_SECONDS } from '../media/constants';
import { decodeAudio } from '../media/decodeAudio';
import { assertMediaFile, describeFile } from './fileSource';
import { type ImportResult, type ImportRunOptions, runImport, type StagedSource, throwIfAborted } from './importWriter';
import { SkipReport } from './skipReport';

export interface ManifestRow {
  image: string;
  audio: string;
  start: number;
  class: string;
  split: Split;
}

/** Parses CSV (RFC 4180 quoting) into records keyed by the header row. */
export function parseCsv(text: string): Array<Record<string, string>> {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += ch;
  }
  if (cell !== '' || row.length) {
    row.push(cell);
    rows.push(row);
  }
  const nonEmpty = rows.filter((r) => r.some((c) => c.trim() !== ''));
  if (!nonEmpty.length) return [];
  const header = nonEmpty[0].map((h) => h.trim().toLowerCase());
  return nonEmpty.slice(1).map((r) => Object.fromEntries(header.map((h, i) => [h, (r[i] ?? '').trim()])));
}

const SPLITS: Record<string, Split> = { train: 'train', test: 'test', validation: 'test', val: 'test' };

/** Checks one raw record; throws bad_request naming what is wrong. */
export function toManifestRow(raw: Record<string, unknown>): ManifestRow {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new AvError('bad_request', `a row must be an object with image, audio and class, not ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw}`);
  }
  const str = (k: string) => (raw[k] === undefined || raw[k] === null ? '' : String(raw[k]).trim());
  const image = str('image');
  const audio = str('audio');
  const cls = str('class') || str('instrument');
  if (!image || !audio || !cls) throw new AvError('bad_request', 'a row needs image, audio and class');
  const start = str('start') === '' ? 0 : Number(str('start'));
  if (!Number.isFinite(start) || start < 0) throw new AvError('bad_request', `invalid start "${str('start')}"`);
  const split = SPLITS[(str('split') || 'train').toLowerCase()];
  if (!split) throw new AvError('bad_request', `invalid split "${str('split')}" (train, test or validation)`);
  if (!/^[\w.-]{1,64}$/.test(cls)) throw new AvError('bad_request', `invalid class "${cls}"`);
  return { image, audio, start: Math.round(start * 1000) / 1000, class: cls, split };
}

const REQUIRED = 'image, audio and class (or instrument)';
const hasColumns = (keys: string[]) => keys.includes('image') && keys.includes('audio') && (keys.includes('class') || keys.includes('instrument'));

export async function readManifest(file: string): Promise<Array<Record<string, unknown>>> {
  await assertMediaFile(file, 'manifest');
  const bytes = await readFile(file);
  if (bytes.length === 0 || bytes.toString('utf8').trim() === '') throw new AvError('empty_input', 'the manifest is empty', { file });
  if (bytes.includes(0)) throw new AvError('unsupported', 'not a manifest: a binary file (a manifest is CSV or JSON text)', { file });
  const text = bytes.toString('utf8');
  const rows = parseManifestText(file, text);
  if (rows.length === 0) throw new AvError('empty_input', 'the manifest lists no rows', { file });
  return rows;
}

function parseManifestText(file: string, text: string): Array<Record<string, unknown>> {
  if (/\.json$/i.test(file) || /^\s*[[{]/.test(text)) {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (err) {
      throw new AvError('corrupt_file', `the manifest is not valid JSON (${(err as Error).message})`, { file });
    }
    const rows = Array.isArray(data) ? data : (data as { rows?: unknown }).rows;
    if (!Array.isArray(rows)) throw new AvError('unsupported', 'not a manifest: a JSON manifest is an array of rows or {"rows": [...]}', { file });
    const objects = rows.filter((r): r is Record<string, unknown> => r !== null && typeof r === 'object' && !Array.isArray(r));
    if (rows.length > 0 && !objects.some((r) => hasColumns(Object.keys(r).map((k) => k.toLowerCase())))) {
      throw new AvError('unsupported', `not a manifest: no row has the fields ${REQUIRED}`, { file });
    }
    return rows as Array<Record<string, unknown>>;
  }
  const records = parseCsv(text);
  const header = (text.split(/\r?\n/).find((l) => l.trim() !== '') ?? '').split(',').map((h) => h.trim().replace(/^"|"$/g, '').toLowerCase());
  if (!hasColumns(header)) {
    throw new AvError('unsupported', `not a manifest: its first line has no ${REQUIRED} columns (found ${JSON.stringify(header.slice(0, 6).join(',').slice(0, 120))})`, { file });
  }
  return records;
}

export interface ManifestImportOptions extends ImportRunOptions {
  name?: string;
}

/** A manifest row that parses, with its picture and audio paths resolved against the manifest's folder. */
export interface ParsedManifestRow {
  /** 0-based position in the manifest */
  index: number;
  /** `<manifest> row <n>`, for skip messages */
  where: string;
  row: ManifestRow;
  image: string;
  audio: string;
}

/** The manifest's rows that parse (import and dry run alike); a row that does not goes to `skips` with its row number. */
export function* parsedManifestRows(raw: Array<Record<string, unknown>>, file: string, skips: SkipReport): Generator<ParsedManifestRow> {
  const resolvePath = (p: string) => (isAbsolute(p) ? p : join(dirname(file), p));
  for (const [i, r] of raw.entries()) {
    const where = `${file} row ${i + 1}`;
    let row: ManifestRow;
    try {
      row = toManifestRow(r);
    } catch (err) {
      skips.addError(where, err);
      continue;
    }
    yield { index: i, where, row, image: resolvePath(row.image), audio: resolvePath(row.audio) };
  }
}

export async function importManifest(cat: Catalog, file: string, opts: ManifestImportOptions = {}): Promise<ImportResult> {
  const raw = await readManifest(file);
  const skips = new SkipReport();
  const images = new Map<string, StagedSource | Error>();
  const audios = new Map<string, StagedSource | Error>();
  return runImport(cat, { name: opts.name ?? 'manifest', kind: 'manifest', description: `pairs listed in ${file}`, config: { manifest: file } }, skips, async (w) => {
    for (const { index, where, row, image: imgPath, audio: audioPath } of parsedManifestRows(raw, file, skips)) {
      throwIfAborted(opts.signal);
      if (!images.has(imgPath)) {
        try {
          await assertMediaFile(imgPath, 'image');
          const meta = await sharp(imgPath).metadata();
          images.set(imgPath, await describeFile(imgPath, 'image', { width: meta.width, height: meta.height }));
        } catch (err) {
          images.set(imgPath, err as Error);
        }
      }
      if (!audios.has(audioPath)) {
        try {
          await assertMediaFile(audioPath, 'audio');
          const d = await decodeAudio(audioPath);
          audios.set(audioPath, await describeFile(audioPath, 'audio', { durationS: d.durationSeconds }));
        } catch (err) {
          audios.set(audioPath, err as Error);
        }
      }
      const img = images.get(imgPath)!;
      const aud = audios.get(audioPath)!;
      if (img instanceof Error) {
        skips.add(imgPath, `${where}: unreadable picture (${img.message})`);
        continue;
      }
      if (aud instanceof Error) {
        skips.addError(audioPath, aud);
        continue;
      }
      if (aud.durationS != null && row.start + WINDOW_SECONDS > aud.durationS + 1e-6) {
        skips.add(audioPath, `${where}: the window at ${row.start} s runs past the end (${aud.durationS.toFixed(3)} s)`);
        continue;
      }
      w.source(img);
      w.source(aud);
      w.pair({
        pairKey: `${row.image}|${row.audio}|${row.start}`,
        instrument: row.class,
        split: row.split,
        audioHash: aud.hash,
        imageHash: img.hash,
        groupKey: row.audio,
        startS: row.start,
        durS: WINDOW_SECONDS,
      });
      opts.onProgress?.({ done: index + 1, total: raw.length });
    }
  });
}

// Curation of a dataset's pairs: accept / reject / relabel / move the window start / set a track's
// crop box / re-pair a picture with another chunk. Every edit is written to pair_edits (old and new
// column values as JSON) in the same transaction as the change, and can be undone: the latest edit
// of a pair, or the latest edit of a dataset. Setting a crop box touches every pair of the track,
// so it is one batch of edits and is undone as one; so is a bulk edit of selected pairs (editPairs:
// accept / reject / reset / relabel / move to a split), which one undo reverts.
import { randomUUID } from 'node:crypto';
import { type Catalog, nowIso } from '../catalog/catalog';
import { getDataset } from '../catalog/datasetsRepo';
import { getPair, type PairRow, type PairState } from '../catalog/pairsRepo';
import { AvError } from '../errors';
import { boxInside, type CropBox } from '../media/image';
import { sourceOf } from './pairMedia';

export type PairEdit =
  | { action: 'accept' }
  | { action: 'reject' }
  | { action: 'reset' }
  | { action: 'relabel'; instrument: string }
  | { action: 'split'; split: 'train' | 'test' }
  | { action: 'move'; startS: number }
  | { action: 'crop'; crop: CropBox | null }
  | { action: 'repair'; chunkFromPairId: number };

export interface EditRecord {
  id: number;
  pairId: number;
  at: string;
  field: string;
  oldValue: Record<string, unknown>;
  newValue: Record<string, unknown>;
  undone: boolean;
  batch: string | null;
  /** who made it ("ana (CLI)"); null for edits recorded before the studio kept this */
  actor: string | null;
}

/** The pair columns an edit may write (whitelist: values are bound, names are not). */
const EDITABLE = ['state', 'instrument', 'split', 'start_s', 'frame_s', 'dur_s', 'crop', 'audio_source_id'] as const;
type Column = (typeof EDITABLE)[number];
type Values = Partial<Record<Column, string | number | null>>;

const INSTRUMENT_RE = /^[\w.-]{1,64}$/;
/** Window starts are kept to the millisecond (the stride is 0.1 s, §4.1). */
const roundMs = (s: number) => Math.round(s * 1000) / 1000;

function readColumns(cat: Catalog, pairId: number, cols: readonly Column[]): Values {
  return cat.db.prepare(`SELECT ${cols.join(', ')} FROM pairs WHERE id = ?`).get(pairId) as Values;
}

function writeColumns(cat: Catalog, pairId: number, v: Values): void {
  const cols = Object.keys(v) as Column[];
  for (const c of cols) if (!EDITABLE.includes(c)) throw new AvError('internal', `column ${c} is not editable`);
  cat.db.prepare(`UPDATE pairs SET ${cols.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`).run(...cols.map((c) => v[c] ?? null), pairId);
}

function record(cat: Catalog, pairId: number, field: string, oldV: Values, newV: Values, batch: string | null): void {
  cat.db
    .prepare('INSERT INTO pair_edits (pair_id, at, field, old_value, new_value, batch, actor) VALUES (?, ?, ?, ?, ?, ?, ?)')
    .run(pairId, nowIso(), field, JSON.stringify(oldV), JSON.stringify(newV), batch, cat.actor);
}

function mustPair(cat: Catalog, id: number): PairRow {
  const p = getPair(cat, id);
  if (!p) throw new AvError('not_found', `no pair ${id}`);
  return p;
}

function checkWindow(cat: Catalog, pair: PairRow, audioSourceId: number, startS: number, durS: number): void {
  if (!Number.isFinite(startS) || startS < 0) throw new AvError('out_of_range', `invalid window start ${startS} s`);
  const audio = sourceOf(cat, audioSourceId);
  if (audio.durationS != null && startS + durS > audio.durationS + 1e-6) {
    throw new AvError('out_of_range', `a ${durS} s window at ${startS} s runs past the end of the track (${audio.durationS.toFixed(3)} s)`, { file: audio.path });
  }
  if (pair.video && pair.frameS !== null) {
    const video = sourceOf(cat, pair.video.id);
    if (video.durationS != null && startS >= video.durationS) {
      throw new AvError('out_of_range', `the video has no frame at ${startS} s (it lasts ${video.durationS.toFixed(3)} s)`, { file: video.path });
    }
  }
}

function checkCrop(cat: Catalog, pair: PairRow, crop: CropBox): void {
  if (!boxInside(crop, Infinity, Infinity)) throw new AvError('bad_request', `invalid crop box ${JSON.stringify(crop)} (integers, x,y ≥ 0, w,h > 0)`);
  const pic = pair.video ? sourceOf(cat, pair.video.id) : pair.image ? sourceOf(cat, pair.image.id) : null;
  if (pic?.width && pic.height && (crop.x + crop.w > pic.width || crop.y + crop.h > pic.height)) {
    throw new AvError('out_of_range', `crop box ${JSON.stringify(crop)} is outside the ${pic.width}×${pic.height} picture`, { file: pic.path });
  }
}

/** Edits that apply to many selected pairs at once. */
export type BulkEdit = Extract<PairEdit, { action: 'accept' | 'reject' | 'reset' | 'relabel' | 'split' }>;
const BULK_ACTIONS = new Set(['accept', 'reject', 'reset', 'relabel', 'split']);
export const BULK_MAX = 5000;

/**
 * Applies one edit to many pairs of a dataset in one transaction, recorded as one batch: one undo
 * (undoDataset, or undoPair on any of them) reverts every pair of it. Pairs the edit does not change
 * are left out of the batch. Returns the pairs as they are afterwards and the batch id (null when
 * nothing changed).
 */
export function editPairs(cat: Catalog, datasetRef: number | string, pairIds: number[], edit: BulkEdit): { pairs: PairRow[]; changed: number; batch: string | null } {
  if (!BULK_ACTIONS.has(edit.action)) throw new AvError('bad_request', `"${edit.action}" cannot be applied to several pairs at once (accept, reject, reset, relabel, split)`);
  const ids = [...new Set(pairIds)];
  if (!ids.length) throw new AvError('bad_request', 'select at least one pair');
  if (ids.length > BULK_MAX) throw new AvError('out_of_range', `${ids.length} pairs selected; a bulk edit takes at most ${BULK_MAX}`);
  return cat.tx(() => {
    const ds = getDataset(cat, datasetRef);
    const batch = randomUUID();
    let changed = 0;
    for (const id of ids) {
      const pair = mustPair(cat, id);
      if (pair.datasetId !== ds.id) throw new AvError('bad_request', `pair ${id} is not in dataset "${ds.name}"`);
      if (applyEdit(cat, pair, edit, batch)) changed++;
    }
    // a batch of one pair is still a batch: undo finds it the same way
    return { pairs: ids.map((id) => mustPair(cat, id)), changed, batch: changed ? batch : null };
  });
}

/** Applies one edit (recorded in pair_edits); returns the pair as it is afterwards. */
export function editPair(cat: Catalog, pairId: number, edit: PairEdit): PairRow {
  return cat.tx(() => {
    applyEdit(cat, mustPair(cat, pairId), edit, null);
    return mustPair(cat, pairId);
  });
}

/** Writes one edit of one pair (inside the caller's transaction); true when something changed. */
function applyEdit(cat: Catalog, pair: PairRow, edit: PairEdit, bulkBatch: string | null): boolean {
  const pairId = pair.id;
  let changedAny = false;
  {
    const change = (field: string, next: Values, batch: string | null = bulkBatch, id = pairId) => {
      const old = readColumns(cat, id, Object.keys(next) as Column[]);
      if (JSON.stringify(old) === JSON.stringify(next)) return; // nothing changes: nothing to record
      writeColumns(cat, id, next);
      record(cat, id, field, old, next, batch);
      changedAny = true;
    };
    switch (edit.action) {
      case 'accept':
      case 'reject':
      case 'reset': {
        const state: PairState = edit.action === 'accept' ? 'accepted' : edit.action === 'reject' ? 'rejected' : 'pending';
        change('state', { state });
        break;
      }
      case 'relabel':
        if (!INSTRUMENT_RE.test(edit.instrument)) throw new AvError('bad_request', `invalid instrument label "${edit.instrument}"`);
        change('instrument', { instrument: edit.instrument });
        break;
      case 'split':
        if (edit.split !== 'train' && edit.split !== 'test') throw new AvError('bad_request', `invalid split "${String(edit.split)}" (train or test)`);
        change('split', { split: edit.split });
        break;
      case 'move': {
        const startS = roundMs(edit.startS);
        checkWindow(cat, pair, pair.audio.id, startS, pair.durS);
        change('window', pair.frameS !== null && pair.video ? { start_s: startS, frame_s: startS } : { start_s: startS });
        break;
      }
      case 'crop': {
        if (edit.crop) checkCrop(cat, pair, edit.crop);
        const crop = edit.crop ? JSON.stringify({ x: edit.crop.x, y: edit.crop.y, w: edit.crop.w, h: edit.crop.h }) : null;
        // the crop box belongs to the track: every pair of the same track (group) gets it
        const ids = pair.groupKey
          ? (cat.db.prepare('SELECT id FROM pairs WHERE dataset_id = ? AND group_key = ? ORDER BY id').all(pair.datasetId, pair.groupKey) as Array<{ id: number }>).map((r) => r.id)
          : [pairId];
        const batch = ids.length > 1 ? randomUUID() : null;
        for (const id of ids) change('crop', { crop }, batch, id);
        break;
      }
      case 'repair': {
        const other = mustPair(cat, edit.chunkFromPairId);
        if (other.datasetId !== pair.datasetId) throw new AvError('bad_request', `pair ${other.id} is in another dataset`);
        checkWindow(cat, { ...pair, video: null }, other.audio.id, other.startS, other.durS);
        change('chunk', { audio_source_id: other.audio.id, start_s: other.startS, dur_s: other.durS });
        break;
      }
      default:
        throw new AvError('bad_request', `unknown edit ${JSON.stringify(edit)}`);
    }
  }
  return changedAny;
}

function fromRaw(r: Record<string, unknown>): EditRecord {
  return {
    id: r.id as number,
    pairId: r.pair_id as number,
    at: r.at as string,
    field: r.field as string,
    oldValue: JSON.parse((r.old_value as string) ?? '{}'),
    newValue: JSON.parse((r.new_value as string) ?? '{}'),
    undone: !!r.undone,
    batch: (r.batch as string | null) ?? null,
    actor: (r.actor as string | null) ?? null,
  };
}

/** Every edit of a pair, oldest first. */
export function pairHistory(cat: Catalog, pairId: number): EditRecord[] {
  mustPair(cat, pairId);
  return (cat.db.prepare('SELECT * FROM pair_edits WHERE pair_id = ? ORDER BY id').all(pairId) as Record<string, unknown>[]).map(fromRaw);
}

/** The latest edits of a dataset, newest first. */
export function datasetHistory(cat: Catalog, datasetRef: number | string, limit = 100): EditRecord[] {
  const ds = getDataset(cat, datasetRef);
  return (
    cat.db
      .prepare('SELECT e.* FROM pair_edits e JOIN pairs p ON p.id = e.pair_id WHERE p.dataset_id = ? ORDER BY e.id DESC LIMIT ?')
      .all(ds.id, limit) as Record<string, unknown>[]
  ).map(fromRaw);
}

function undoEdit(cat: Catalog, edit: EditRecord): EditRecord[] {
  const group = edit.batch
    ? (cat.db.prepare('SELECT * FROM pair_edits WHERE batch = ? AND undone = 0 ORDER BY id DESC').all(edit.batch) as Record<string, unknown>[]).map(fromRaw)
    : [edit];
  for (const e of group) {
    const latest = cat.db.prepare('SELECT id FROM pair_edits WHERE pair_id = ? AND undone = 0 ORDER BY id DESC LIMIT 1').get(e.pairId) as { id: number };
    if (latest.id !== e.id) throw new AvError('conflict', `pair ${e.pairId} was edited after this change; undo its later edits first`);
  }
  for (const e of group) {
    writeColumns(cat, e.pairId, e.oldValue as Values);
    cat.db.prepare('UPDATE pair_edits SET undone = 1 WHERE id = ?').run(e.id);
  }
  return group.map((e) => ({ ...e, undone: true }));
}

/** Undoes the latest (not yet undone) edit of a pair — the whole batch when it was a track crop. */
export function undoPair(cat: Catalog, pairId: number): EditRecord[] {
  return cat.tx(() => {
    mustPair(cat, pairId);
    const r = cat.db.prepare('SELECT * FROM pair_edits WHERE pair_id = ? AND undone = 0 ORDER BY id DESC LIMIT 1').get(pairId) as Record<string, unknown> | undefined;
    if (!r) throw new AvError('not_found', `pair ${pairId} has no edit to undo`);
    return undoEdit(cat, fromRaw(r));
  });
}

/** Undoes the latest (not yet undone) edit made in a dataset. */
export function undoDataset(cat: Catalog, datasetRef: number | string): EditRecord[] {
  return cat.tx(() => {
    const ds = getDataset(cat, datasetRef);
    const r = cat.db
      .prepare('SELECT e.* FROM pair_edits e JOIN pairs p ON p.id = e.pair_id WHERE p.dataset_id = ? AND e.undone = 0 ORDER BY e.id DESC LIMIT 1')
      .get(ds.id) as Record<string, unknown> | undefined;
    if (!r) throw new AvError('not_found', `dataset "${ds.name}" has no edit to undo`);
    return undoEdit(cat, fromRaw(r));
  });
}

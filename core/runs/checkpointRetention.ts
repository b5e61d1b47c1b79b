// Checkpoint retention (a run's `keepCheckpoints`, 0 = keep every epoch's): after an epoch lands,
// only the last K checkpoints and the best one stay — best by the run's own held-out evaluation
// (Γ accuracy for S2I, the sound classifier's for I2S, test accuracy for classifiers; the latest
// epoch among ties). The catalog rows go first, in one transaction, then the folders: a crash in
// between leaves an unreferenced folder, never a row pointing at a deleted checkpoint.
import { rmSync } from 'node:fs';
import { relative, isAbsolute } from 'node:path';
import type { Catalog } from '../catalog/catalog';

const ACCURACY_KINDS = ['gamma_accuracy', 'sound_clf_accuracy', 'classifier_accuracy'];

/** The epoch whose held-out accuracy is best (latest among ties), or null without evaluations. */
export function bestEpoch(cat: Catalog, runId: number): number | null {
  const rows = cat.db
    .prepare(
      `SELECT epoch, split, value FROM evaluations
        WHERE run_id = ? AND instrument = '' AND kind IN (${ACCURACY_KINDS.map(() => '?').join(', ')})`,
    )
    .all(runId, ...ACCURACY_KINDS) as Array<{ epoch: number; split: string; value: number }>;
  const heldOut = rows.filter((r) => r.split !== 'train');
  const pool = heldOut.length ? heldOut : rows;
  let best: { epoch: number; value: number } | null = null;
  for (const r of pool) if (!best || r.value > best.value || (r.value === best.value && r.epoch > best.epoch)) best = r;
  return best?.epoch ?? null;
}

/**
 * Deletes the run's checkpoints beyond the last `keepLast` and the best; returns the epochs removed.
 * Folders are removed only inside `runsDir` (a row pointing elsewhere loses its row, not the folder).
 */
export function pruneCheckpoints(cat: Catalog, runId: number, keepLast: number, runsDir: string): number[] {
  if (keepLast <= 0) return [];
  const removed = cat.tx(() => {
    const rows = cat.db.prepare('SELECT epoch, path FROM checkpoints WHERE run_id = ? ORDER BY epoch DESC').all(runId) as Array<{ epoch: number; path: string }>;
    const keep = new Set(rows.slice(0, keepLast).map((r) => r.epoch));
    const best = bestEpoch(cat, runId);
    if (best !== null) keep.add(best);
    const drop = rows.filter((r) => !keep.has(r.epoch));
    const del = cat.db.prepare('DELETE FROM checkpoints WHERE run_id = ? AND epoch = ?');
    for (const r of drop) del.run(runId, r.epoch);
    return drop;
  });
  for (const r of removed) {
    const rel = relative(runsDir, r.path);
    if (rel && !rel.startsWith('..') && !isAbsolute(rel)) rmSync(r.path, { recursive: true, force: true });
  }
  return removed.map((r) => r.epoch).sort((a, b) => a - b);
}

// Table 1 as one sweep (§3.3): a sound classifier for every representation × 3 and 4 conv layers, all
// on one snapshot of the dataset so the cells compare like with like. The one place both the Runs
// launch form and the Tables screen queue it from.
import { REPRESENTATION_VALUES, type PRESET_VALUES, type RunSummary } from '../../../core/contract/api';
import { api } from './client';

export type Table1Rep = (typeof REPRESENTATION_VALUES)[number];
export type Table1Depth = 3 | 4;
export const TABLE1_DEPTHS: readonly Table1Depth[] = [4, 3];

export interface Table1SweepOptions {
  dataset: number;
  preset: (typeof PRESET_VALUES)[number];
  epochs?: number;
  seed?: number;
  batchSize?: number;
  /** cells to leave out (they already have a run) */
  skip?: (rep: Table1Rep, depth: Table1Depth) => boolean;
}

export interface Table1SweepResult {
  runIds: number[];
  snapshotId: number | null;
  skipped: number;
}

/** The cells of Table 1 that already have a sound-classifier run (queued, running or done) on this dataset and preset. */
export function table1Covered(runs: RunSummary[], dataset: number, preset: string): (rep: Table1Rep, depth: Table1Depth) => boolean {
  const have = new Set(
    runs
      .filter((r) => r.model === 'sound-clf' && r.datasetId === dataset && r.preset === preset && ['queued', 'running', 'done'].includes(r.status))
      .map((r) => `${r.representation}×${r.convLayers === 3 ? 3 : 4}`),
  );
  return (rep, depth) => have.has(`${rep}×${depth}`);
}

/** Queue the missing Table 1 runs: the first launch takes a new snapshot, the others reuse it. */
export async function queueTable1Sweep(o: Table1SweepOptions): Promise<Table1SweepResult> {
  let snapshotId: number | undefined;
  const runIds: number[] = [];
  let skipped = 0;
  for (const representation of REPRESENTATION_VALUES) {
    for (const soundConvLayers of TABLE1_DEPTHS) {
      if (o.skip?.(representation, soundConvLayers)) {
        skipped++;
        continue;
      }
      const r = await api.call('runs.launch', {
        model: 'sound-clf',
        dataset: o.dataset,
        preset: o.preset,
        ...(o.epochs ? { epochs: o.epochs } : {}),
        ...(o.seed !== undefined ? { seed: o.seed } : {}),
        ...(o.batchSize ? { batchSize: o.batchSize } : {}),
        representation,
        soundConvLayers,
        ...(snapshotId ? { snapshotId } : {}),
      });
      runIds.push(r.targetRunId);
      snapshotId ??= (await api.call('runs.get', { id: r.targetRunId })).snapshotId ?? undefined;
    }
  }
  return { runIds, snapshotId: snapshotId ?? null, skipped };
}

// Turns "train this model on this dataset" into the runs to queue: S2I and I2S runs name the encoder
// run that gives their condition (and the evaluator that scores their output). When the user names
// none, the newest finished run of the right kind on the same dataset and preset is used; when there
// is none, one is queued first, on the same snapshot. Everything is created in one transaction.
import type { Catalog } from '../catalog/catalog';
import { getDataset } from '../catalog/datasetsRepo';
import { createSnapshot } from '../datasets/snapshots';
import { AvError } from '../errors';
import type { PresetName } from '../models/presets';
import { DEFAULT_EPOCHS, ENCODER_FOR, resolveRunConfig, type ModelKind, type RunRequest } from './runConfig';
import { createRun, getRun, listRuns } from './runsRepo';

export interface LaunchRequest {
  model: ModelKind;
  dataset: number | string;
  preset: PresetName;
  epochs?: number;
  seed?: number;
  snapshotId?: number;
  encoderRunId?: number;
  evaluatorRunId?: number;
  wrongPairs?: 'instrument' | 'pose';
  instrument?: string;
  soundConvLayers?: 3 | 4;
  /** sound-classifier input representation (Table 1); default lms */
  representation?: RunRequest['representation'];
  batchSize?: number;
  /** epochs of encoder/evaluator runs queued on the way (default: the preset's) */
  encoderEpochs?: number;
  /** checkpoint retention of the requested run: the last K and the best (default: every epoch's) */
  keepCheckpoints?: number;
}

export interface LaunchPlan {
  runIds: number[];
  targetRunId: number;
  created: Array<{ runId: number; model: ModelKind; reason: string }>;
}

/** The model that scores a run's output: Γ for S2I (§5.2.2), the sound classifier for I2S (§5.4). */
export const EVALUATOR_FOR: Partial<Record<ModelKind, ModelKind>> = { 's2i-c': 'image-clf', 's2i-n': 'image-clf', 's2i-a': 'image-clf', i2s: 'sound-clf' };

export function planRun(cat: Catalog, req: LaunchRequest): LaunchPlan {
  return cat.tx(() => {
    const dataset = getDataset(cat, req.dataset);
    const snapshotId = req.snapshotId ?? createSnapshot(cat, dataset.id).id;
    const snap = cat.db.prepare('SELECT dataset_id FROM snapshots WHERE id = ?').get(snapshotId) as { dataset_id: number } | undefined;
    if (!snap) throw new AvError('not_found', `no snapshot ${snapshotId}`);
    if (snap.dataset_id !== dataset.id) throw new AvError('bad_request', `snapshot ${snapshotId} belongs to another dataset`);
    if (req.wrongPairs === 'pose' && !req.instrument) throw new AvError('bad_request', 'pose-oriented S2I trains one model per instrument: name it with --instrument');
    const created: LaunchPlan['created'] = [];

    const dependency = (kind: ModelKind | undefined, given: number | undefined, role: string): number | null => {
      if (!kind) return null;
      if (given) {
        const r = getRun(cat, given);
        if (r.config.model !== kind) throw new AvError('bad_request', `run ${given} is a ${r.config.model} run, but the ${role} must be a ${kind} run`);
        if (r.config.preset !== req.preset) throw new AvError('bad_request', `run ${given} used the ${r.config.preset} preset, this run uses ${req.preset}`);
        return given;
      }
      const usable = listRuns(cat, { model: kind, datasetId: dataset.id })
        // an encoder or evaluator sound classifier reads LMS (§3.3): Table 1's other representations do not qualify
        .filter((r) => r.config.preset === req.preset && r.config.representation === 'lms' && (r.status === 'done' || r.status === 'queued' || r.status === 'running'))
        .pop();
      if (usable) return usable.id;
      const cfg = resolveRunConfig({ model: kind, preset: req.preset, epochs: req.encoderEpochs ?? DEFAULT_EPOCHS[req.preset], seed: req.seed, datasetId: dataset.id, snapshotId });
      const id = createRun(cat, cfg);
      created.push({ runId: id, model: kind, reason: `${role} for the ${req.model} run` });
      return id;
    };

    const encoderRunId = dependency(ENCODER_FOR[req.model], req.encoderRunId, 'encoder');
    const evaluatorRunId = dependency(EVALUATOR_FOR[req.model], req.evaluatorRunId, 'evaluator');
    const request: RunRequest = {
      model: req.model,
      preset: req.preset,
      epochs: req.epochs,
      seed: req.seed,
      datasetId: dataset.id,
      snapshotId,
      encoderRunId,
      evaluatorRunId,
      wrongPairs: req.wrongPairs,
      instrument: req.instrument,
      soundConvLayers: req.soundConvLayers,
      representation: req.representation,
      batchSize: req.batchSize,
      keepCheckpoints: req.keepCheckpoints,
    };
    const targetRunId = createRun(cat, resolveRunConfig(request));
    created.push({ runId: targetRunId, model: req.model, reason: 'requested' });
    return { runIds: created.map((c) => c.runId), targetRunId, created };
  });
}

class PreviewRollback extends Error {}

/** What `planRun` would queue, with each run's resolved config, without writing anything. */
export function previewRun(cat: Catalog, req: LaunchRequest): Array<{ model: ModelKind; reason: string; config: ReturnType<typeof resolveRunConfig> }> {
  let preview: Array<{ model: ModelKind; reason: string; config: ReturnType<typeof resolveRunConfig> }> = [];
  try {
    cat.tx(() => {
      const plan = planRun(cat, req);
      preview = plan.created.map((c) => ({ model: c.model, reason: c.reason, config: getRun(cat, c.runId).config }));
      throw new PreviewRollback();
    });
  } catch (err) {
    if (!(err instanceof PreviewRollback)) throw err;
  }
  return preview;
}

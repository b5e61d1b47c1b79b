// Opening a run: its snapshot's pack, its encoder and evaluator runs, and the trainer for its model,
// untrained or ready to restore a checkpoint. Shared by the epoch loop (runTraining.ts) and on-demand
// evaluation (core/evaluation/evaluateRun.ts).
import { AvError } from '../errors';
import { ENCODER_FOR, type RunConfig } from '../runs/runConfig';
import { getRun } from '../runs/runsRepo';
import type { StudioContext } from '../studio/context';
import type { Tf } from '../tf/tfBackend';
import { autoencoderTrainer } from './autoencoderTrainer';
import { classifierTrainer } from './classifierTrainer';
import { loadEncoderRun, type LoadedEncoder } from './encoders';
import { ganTrainer } from './ganTrainer';
import { openSnapshotPack, packNeedsFor, type PackedData } from './packedStore';
import type { Trainer } from './trainer';

/** A run's data and networks, ready to train an epoch, restore a checkpoint or evaluate. */
export interface OpenedRun {
  config: RunConfig;
  /** the snapshot's pack (labels in memory, arrays read in batches) */
  data: PackedData;
  trainer: Trainer;
  /** the classifier that scores generated output (S2I: Γ, I2S: the sound classifier), if any */
  evaluator: LoadedEncoder | null;
  dispose(): void;
}

/**
 * Loads a run's snapshot data, its encoder and evaluator runs, and builds its trainer (untrained, or
 * as restored by `trainer.restore(checkpointDir)`). Shared by training and on-demand evaluation.
 */
export async function openRunTrainer(
  ctx: StudioContext,
  runId: number,
  tf: Tf,
  opts: { onProgress?: (done: number, total: number) => void; onWarn?: (message: string) => void } = {},
): Promise<OpenedRun> {
  const cat = ctx.catalog;
  const config = getRun(cat, runId).config;
  const data = await openSnapshotPack({ catalog: cat, blobs: ctx.blobs, root: ctx.home.root }, config.snapshotId, config.datasetId, {
    instrument: config.wrongPairs === 'pose' ? config.instrument : null,
    representation: config.model === 'sound-clf' ? config.representation : 'lms',
    needs: packNeedsFor(config.model),
    onProgress: opts.onProgress,
  });
  if (data.train.labels.length < 2) {
    data.close();
    throw new AvError('empty_input', `snapshot ${config.snapshotId} has ${data.train.labels.length} training pair(s): too few to train`);
  }

  const loaded: LoadedEncoder[] = [];
  let trainer: Trainer;
  let evaluator: LoadedEncoder | null = null;
  try {
    if (config.model === 'sound-clf' || config.model === 'image-clf') trainer = classifierTrainer(tf, config, runId, data);
    else if (config.model === 'autoencoder') trainer = autoencoderTrainer(tf, config, runId, data);
    else {
      if (!config.encoderRunId) throw new AvError('bad_request', `a ${config.model} run needs an encoder run (${ENCODER_FOR[config.model]})`);
      const encoder = await loadEncoderRun(tf, cat, ctx.home.runsDir, config.encoderRunId, [ENCODER_FOR[config.model] as string]);
      loaded.push(encoder);
      evaluator = config.evaluatorRunId
        ? await loadEncoderRun(tf, cat, ctx.home.runsDir, config.evaluatorRunId, [config.model === 'i2s' ? 'sound-clf' : 'image-clf'])
        : null;
      if (evaluator) loaded.push(evaluator);
      else opts.onWarn?.('no evaluator run: generated samples will not be scored');
      trainer = ganTrainer(tf, config, runId, data, encoder, evaluator);
    }
  } catch (err) {
    loaded.forEach((l) => l.dispose());
    data.close();
    throw err;
  }
  return {
    config,
    data,
    trainer,
    evaluator,
    dispose: () => {
      trainer.dispose();
      loaded.forEach((l) => l.dispose());
      data.close();
    },
  };
}

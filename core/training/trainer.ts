// One kind of training behind one interface (a classifier, the stacked autoencoder, a GAN-CLS pair),
// so the epoch loop (runTraining.ts) and on-demand evaluation treat them alike.
import type { EvaluationPoint } from '../runs/runsRepo';
import type { Rng } from '../rng';

export interface EpochResult {
  metrics: Record<string, number>;
  items: number;
  stopped: boolean;
}

/** One kind of training, behind one interface so the epoch loop is the same for all. */
export interface Trainer {
  parts: string[];
  restore(dir: string): Promise<void>;
  trainEpoch(epoch: number, rng: Rng, onStep: (metrics: Record<string, number | null>) => boolean): EpochResult;
  save(dir: string): Promise<void>;
  sampleGrid(): Promise<{ png: Buffer; meta: Record<string, unknown> } | null>;
  evaluate(epoch: number): EvaluationPoint[];
  dispose(): void;
}

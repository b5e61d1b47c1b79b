// One GAN-CLS training step (core/training/ganStep.ts) of a preset's S2I or I2S networks on a fixed
// synthetic batch, with a chosen CPU kernel set, timed: the figures of `npm run bench -- train` and
// the kernel tests' check that cpu-fast, cpu-js and stock kernels give the same losses.
import type * as tfjs from '@tensorflow/tfjs';
import { I2S_SPECTROGRAM_SHAPE, PRESETS, type ModelPreset, type PresetName } from '../models/presets';
import { buildI2SDiscriminator, buildI2SGenerator } from '../models/i2sGan';
import { buildS2IDiscriminator, buildS2IGenerator } from '../models/s2iGan';
import { useCpuKernels, type CpuKernelMode } from '../tf/cpuGemmKernels';
import { createGanOptimizers, ganClsStep, type GanClsModels, type GanStepStats } from './ganStep';
import { createRng } from '../rng';
import type { Tf } from '../tf/tfBackend';

const MODE_LABEL: Record<CpuKernelMode, string> = { gemm: 'cpu-fast', flat: 'cpu-js', stock: 'stock' };

/** Which GAN-CLS step: sound → image or image → sound. */
export type GanNet = 's2i' | 'i2s';

export interface StepTiming {
  net: GanNet;
  preset: PresetName;
  backend: string;
  batch: number;
  steps: number;
  stepSeconds: number;
  imagesPerSecond: number;
  losses: { d: number; g: number }[];
}

function buildModels(tf: Tf, net: GanNet, preset: ModelPreset): GanClsModels {
  const generator = net === 's2i' ? buildS2IGenerator(tf, { preset, seed: 1 }) : buildI2SGenerator(tf, { preset, seed: 1 });
  const discriminator = net === 's2i' ? buildS2IDiscriminator(tf, { preset, seed: 1 }) : buildI2SDiscriminator(tf, { preset, seed: 1 });
  return { generator, discriminator, ...createGanOptimizers(tf, preset), zDim: preset.zDim, variant: 'matching-aware' };
}

function makeBatch(tf: Tf, net: GanNet, preset: ModelPreset): { real: tfjs.Tensor; wrong: tfjs.Tensor; embedding: tfjs.Tensor } {
  const b = preset.batchSize;
  const shape: [number, number, number, number] = net === 's2i'
    ? [b, preset.imageSize, preset.imageSize, 3]
    : [b, I2S_SPECTROGRAM_SHAPE[0], I2S_SPECTROGRAM_SHAPE[1], 1];
  return {
    real: tf.randomUniform(shape, -1, 1, 'float32', 1),
    wrong: tf.randomUniform(shape, -1, 1, 'float32', 2),
    embedding: tf.randomNormal([b, preset.embeddingDim], 0, 1, 'float32', 3),
  };
}

interface StepRig { preset: ModelPreset; step: () => GanStepStats; dispose: () => void }

/** A preset's networks (seed 1) and a fixed batch, under the kernel set `mode`; the caller disposes it. */
function stepRig(tf: Tf, net: GanNet, presetName: PresetName, mode: CpuKernelMode): StepRig {
  if (!useCpuKernels(tf, mode)) throw new Error(`kernel set ${mode} is not available here`);
  const preset = PRESETS[presetName];
  const models = buildModels(tf, net, preset);
  const batch = makeBatch(tf, net, preset);
  const rng = createRng(5);
  return {
    preset,
    step: () => ganClsStep(tf, models, batch, rng),
    dispose: () => {
      tf.dispose([batch.real, batch.wrong, batch.embedding]);
      models.generator.dispose();
      models.discriminator.dispose();
      models.generatorOptimizer.dispose();
      models.discriminatorOptimizer.dispose();
    },
  };
}

/** The figures of `steps` timed steps of `stepSeconds` each (and the losses of every step run). */
function timing(net: GanNet, presetName: PresetName, mode: CpuKernelMode, steps: number, stepSeconds: number, losses: GanStepStats[]): StepTiming {
  const batch = PRESETS[presetName].batchSize;
  return {
    net, preset: presetName, backend: MODE_LABEL[mode], batch, steps, stepSeconds, imagesPerSecond: batch / stepSeconds,
    losses: losses.map((s) => ({ d: s.dLoss, g: s.gLoss })),
  };
}

/** `warmup` untimed steps (JIT, output pool), then `steps` timed steps, with the given kernel set; models are rebuilt (same seed). */
export function timeSteps(tf: Tf, net: GanNet, presetName: PresetName, mode: CpuKernelMode, steps: number, warmup = 1): StepTiming {
  const { step, dispose } = stepRig(tf, net, presetName, mode);
  try {
    const losses: GanStepStats[] = [];
    for (let i = 0; i < warmup; i++) losses.push(step());
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) losses.push(step());
    return timing(net, presetName, mode, steps, (performance.now() - t0) / 1000 / steps, losses);
  } finally {
    dispose();
  }
}

/**
 * As timeSteps, timed in `rounds` rounds of `steps` steps after the warm-up, with `between()` awaited
 * (untimed) after each round: the bench runs a round of the PyTorch reference there, so that both
 * sides share the machine's load of the moment. stepSeconds is the mean over all rounds.
 */
export async function timeStepRounds(
  tf: Tf, net: GanNet, presetName: PresetName, mode: CpuKernelMode, rounds: number, steps: number, warmup: number,
  between: () => Promise<void>,
): Promise<StepTiming & { roundSeconds: number[] }> {
  const { step, dispose } = stepRig(tf, net, presetName, mode);
  try {
    const losses: GanStepStats[] = [];
    for (let i = 0; i < warmup; i++) losses.push(step());
    const roundSeconds: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const t0 = performance.now();
      for (let i = 0; i < steps; i++) losses.push(step());
      roundSeconds.push((performance.now() - t0) / 1000 / steps);
      await between();
    }
    const stepSeconds = roundSeconds.reduce((a, b) => a + b, 0) / rounds;
    return { ...timing(net, presetName, mode, rounds * steps, stepSeconds, losses), roundSeconds };
  } finally {
    dispose();
  }
}

export interface StepProfile {
  net: GanNet;
  preset: PresetName;
  /** kernels run by one step, and the sum of their times */
  kernels: number;
  kernelMs: number;
  /** wall time of the profiled step: what is not kernel time is tfjs's per-op bookkeeping (slower while profiling) */
  wallMs: number;
  /** kernel name → calls per step and milliseconds, most time first */
  ops: Array<{ name: string; calls: number; ms: number }>;
}

/**
 * One cpu-fast step under tf.profile, after two warm-up steps: which kernels a step runs, how many
 * and for how long — the op-by-op view behind the step times of `npm run bench -- train`.
 */
export async function profileStep(tf: Tf, net: GanNet, presetName: PresetName): Promise<StepProfile> {
  const { step, dispose } = stepRig(tf, net, presetName, 'gemm');
  try {
    step();
    step();
    const t0 = performance.now();
    const info = await tf.profile(() => void step());
    const wallMs = performance.now() - t0;
    const byName = new Map<string, { calls: number; ms: number }>();
    // op scopes (`fusedConv2d__op`) wrap the kernels they run, which are listed too: counted once
    const kernels = info.kernels.filter((k) => !k.name.endsWith('__op'));
    for (const k of kernels) {
      const e = byName.get(k.name) ?? { calls: 0, ms: 0 };
      e.calls++;
      e.ms += Number(await k.kernelTimeMs) || 0;
      byName.set(k.name, e);
    }
    const ops = [...byName].map(([name, e]) => ({ name, ...e })).sort((a, b) => b.ms - a.ms);
    return { net, preset: presetName, kernels: kernels.length, kernelMs: ops.reduce((s, o) => s + o.ms, 0), wallMs, ops };
  } finally {
    dispose();
  }
}

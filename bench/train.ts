// `npm run bench -- train [--preset tiny|small|paper|both] [--steps N] [--rounds N] [--paper-steps N] [--warmup N] [--all] [--fast-only] [--i2s-paper] [--no-torch] [--no-profile]`:
// images/second of one full GAN-CLS training step (D on real, wrong and fake pairs, then G;
// core/training/ganStep.ts) with the studio's CPU kernel sets on TensorFlow.js's pure-JS backend:
//   cpu-fast  WebAssembly-SIMD convs (implicit GEMM, Winograd), batch norm, per-channel Sum/Mean/binary/Tile (what loadTf() uses)
//   cpu-js    flat-loop conv gradients (the previous default), stock forward kernels
//   stock     tfjs-backend-cpu 4.22 as shipped
// and, in the same run, the PyTorch reference steps on /usr/bin/python3 with the same networks and
// batch: S2I bench/torch_s2i_step.py, I2S bench/torch_i2s_step.py; at tiny in --rounds rounds (default 5)
// alternating with ours (bench/torchRounds.ts), so both sides share the load of the moment. Prints each figure, the ratio PyTorch ÷ ours
// (images/s), a per-kernel profile of one tiny step of each net, and one JSON line with every figure. S2I at tiny and paper; I2S at tiny (and paper
// with --i2s-paper: its 12 extra 3×3 layers on 32×32×128 maps make a step take minutes). cpu-js and
// stock are slow at the paper preset (minutes per step): they run there only with --all; --fast-only
// skips them at every preset.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadTf } from '../core/tf/tfBackend';
import { type CpuKernelMode } from '../core/tf/cpuGemmKernels';
import { PRESETS, type PresetName } from '../core/models/presets';
import { startTorchRounds } from './torchRounds';
import { profileStep, timeStepRounds, timeSteps, type GanNet as Net, type StepProfile, type StepTiming } from '../core/training/ganStepTiming';

const PYTHON = '/usr/bin/python3';
const TORCH_SCRIPTS: Record<Net, string> = {
  // Next to this file: core/models/s2iGan.ts and i2sGan.ts layer for layer in PyTorch.
  s2i: fileURLToPath(new URL('./torch_s2i_step.py', import.meta.url)),
  i2s: fileURLToPath(new URL('./torch_i2s_step.py', import.meta.url)),
};
function flag(args: string[], name: string): boolean {
  return args.includes(name);
}
function opt(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
}

interface TorchFigure { net: Net; preset: PresetName; imagesPerSecond: number; stepSeconds: number; threads: number; torch: string }

/** The reference script's arguments for a preset's networks and batch. */
function torchArgs(net: Net, presetName: PresetName, steps: number, warmup: number): string[] {
  const p = PRESETS[presetName];
  const shape = net === 's2i'
    ? ['--size', String(p.imageSize)]
    : ['--extra-g', String(p.i2sExtraGeneratorLayers), '--extra-d', String(p.i2sExtraDiscriminatorLayers)];
  return ['--batch', String(p.batchSize), '--ngf', String(p.ngf), '--ndf', String(p.ndf), ...shape, '--steps', String(steps), '--warmup', String(warmup)];
}

function torchStep(net: Net, presetName: PresetName, steps: number, warmup: number): TorchFigure | string {
  const script = TORCH_SCRIPTS[net];
  if (!existsSync(PYTHON) || !existsSync(script)) return `skipped: ${PYTHON} or ${script} missing`;
  const r = spawnSync(PYTHON, [script, ...torchArgs(net, presetName, steps, warmup)], { encoding: 'utf8' });
  if (r.status !== 0) {
    const err = `${r.stderr ?? ''}`;
    return /No module named 'torch'/.test(err) ? 'skipped: torch is not installed for /usr/bin/python3' : `failed: ${err.trim().split('\n').pop()}`;
  }
  const line = r.stdout.trim().split('\n').pop() ?? '{}';
  const j = JSON.parse(line) as { images_per_s: number; step_s: number; threads: number; torch: string };
  return { net, preset: presetName, imagesPerSecond: j.images_per_s, stepSeconds: j.step_s, threads: j.threads, torch: j.torch };
}

const fmt = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

export async function run(args: string[]): Promise<void> {
  const which = opt(args, '--preset', 'both');
  const presets: PresetName[] = which === 'both' ? ['tiny', 'paper'] : [which as PresetName];
  // 100 timed tiny steps (~2 s of S2I, ~17 s of I2S, in 5 rounds): with 10, one collection or a burst
  // of load on the shared machine moved a run's mean by a tenth or more
  const tinySteps = Number(opt(args, '--steps', '100'));
  const paperSteps = Number(opt(args, '--paper-steps', '1'));
  // Untimed steps first, the same number on both sides: a process's first steps run cold (JIT,
  // allocator, our output pool; PyTorch's allocator): S2I tiny's first steps took 25–28 ms here, later ones 13–20.
  const tinyWarmup = Number(opt(args, '--warmup', '20'));
  const all = flag(args, '--all');
  const { tf, backend } = await loadTf();
  if (tf.getBackend() !== 'cpu') {
    process.stdout.write(`tf backend is ${backend} (${tf.getBackend()}), not the pure-JS cpu backend: these kernel sets do not apply\n`);
    return;
  }
  process.stdout.write(`loadTf() picks: ${backend}\n`);
  const ours: StepTiming[] = [];
  const torch: Record<string, TorchFigure | string> = {};
  const ratiosByRound: Record<string, number[]> = {};
  const say = (s: string): void => void process.stdout.write(`${s}\n`);
  for (const presetName of presets) {
    const paper = presetName === 'paper';
    const steps = paper ? paperSteps : tinySteps;
    const warmup = paper ? 1 : tinyWarmup;
    const modes: CpuKernelMode[] = (paper && !all) || flag(args, '--fast-only') ? ['gemm'] : ['gemm', 'flat', 'stock'];
    if (paper && !all) say('paper preset: cpu-js and stock kernel sets skipped (minutes per step; add --all)');
    const nets: Net[] = paper && !flag(args, '--i2s-paper') ? ['s2i'] : ['s2i', 'i2s'];
    if (paper && !nets.includes('i2s')) say('paper preset: I2S skipped (add --i2s-paper)');
    // cpu-fast first, every net (at tiny in rounds alternating with PyTorch's), then the reference sets
    const rounds = paper ? 0 : Math.max(1, Number(opt(args, '--rounds', '5')));
    for (const net of nets) {
      const key = `${net}_${presetName}`;
      let t: StepTiming | null = null;
      if (rounds > 0 && !flag(args, '--no-torch')) {
        const perRound = Math.max(1, Math.round(steps / rounds));
        const tr = await startTorchRounds(PYTHON, TORCH_SCRIPTS[net], torchArgs(net, presetName, perRound, warmup), rounds);
        if (typeof tr === 'string') torch[key] = tr;
        else {
          const torchRounds: number[] = [];
          try {
            const timed = await timeStepRounds(tf, net, presetName, 'gemm', rounds, perRound, warmup, async () => void torchRounds.push(await tr.round()));
            const stepSeconds = torchRounds.reduce((a, b) => a + b, 0) / torchRounds.length;
            const batch = PRESETS[presetName].batchSize;
            torch[key] = { net, preset: presetName, imagesPerSecond: batch / stepSeconds, stepSeconds, threads: tr.threads, torch: tr.torch };
            ratiosByRound[key] = timed.roundSeconds.map((s, i) => s / torchRounds[i]);
            t = timed;
          } finally {
            tr.close();
          }
        }
      }
      t ??= timeSteps(tf, net, presetName, 'gemm', steps, warmup);
      ours.push(t);
      const how = ratiosByRound[key] ? `${rounds} rounds of ${t.steps / rounds}, alternating with PyTorch's` : `${t.steps} steps`;
      say(`${net.toUpperCase()} ${presetName} ${t.backend.padEnd(8)} ${fmt(t.imagesPerSecond)} images/s (${t.stepSeconds.toFixed(3)} s/step, batch ${t.batch}, ${how}, after ${warmup} untimed)`);
    }
    for (const net of nets) {
      for (const mode of modes.filter((m) => m !== 'gemm')) {
        if (mode === 'stock' && net === 'i2s' && !all) {
          say(`I2S ${presetName} stock: skipped (stock conv gradients on 128×34 maps take minutes; add --all)`);
          continue;
        }
        // (the slower kernel sets are reference points: one untimed step, at most 10 timed)
        const t = timeSteps(tf, net, presetName, mode, Math.min(steps, 10), 1);
        ours.push(t);
        say(`${net.toUpperCase()} ${presetName} ${t.backend.padEnd(8)} ${fmt(t.imagesPerSecond)} images/s (${t.stepSeconds.toFixed(3)} s/step, batch ${t.batch}, ${t.steps} steps after 1 untimed)`);
      }
    }
    for (const net of nets) {
      const key = `${net}_${presetName}`;
      if (flag(args, '--no-torch')) torch[key] = 'skipped: --no-torch';
      else torch[key] ??= torchStep(net, presetName, paper ? Math.max(1, paperSteps) : steps, warmup);
      const tr = torch[key];
      const label = `${net.toUpperCase()} ${presetName} pytorch `;
      if (typeof tr === 'string') say(`${label} ${tr}`);
      else {
        const how = ratiosByRound[key] ? `, in the rounds between ours` : '';
        say(`${label} ${fmt(tr.imagesPerSecond)} images/s (${tr.stepSeconds.toFixed(3)} s/step, torch ${tr.torch}, ${tr.threads} threads${how})`);
        for (const t of ours.filter((o) => o.preset === presetName && o.net === net)) {
          const r = ratiosByRound[key];
          const range = t.backend === 'cpu-fast' && r ? ` (rounds ${Math.min(...r).toFixed(2)}–${Math.max(...r).toFixed(2)})` : '';
          say(`  ratio PyTorch ÷ ${t.backend}: ${(tr.imagesPerSecond / t.imagesPerSecond).toFixed(2)}${range}`);
        }
      }
    }
  }
  // op by op: where a tiny step's time goes (tfjs's per-op overhead is what separates us from PyTorch there)
  const profiles: StepProfile[] = [];
  if (presets.includes('tiny') && !flag(args, '--no-profile')) {
    for (const net of ['s2i', 'i2s'] as const) {
      const p = await profileStep(tf, net, 'tiny');
      profiles.push({ ...p, ops: p.ops.slice(0, 12) });
      say(`profile ${net.toUpperCase()} tiny (cpu-fast, one step): ${p.kernels} kernels, ${p.kernelMs.toFixed(1)} ms in kernels of ${p.wallMs.toFixed(1)} ms wall (profiling adds to both)`);
      for (const o of p.ops.slice(0, 12)) say(`  ${o.name.padEnd(28)} ${String(o.calls).padStart(4)} calls ${o.ms.toFixed(2).padStart(8)} ms`);
    }
  }
  const ratios: Record<string, number> = {};
  for (const t of ours) {
    const tr = torch[`${t.net}_${t.preset}`];
    if (tr && typeof tr !== 'string') ratios[`${t.net}_${t.preset}_${t.backend}`] = tr.imagesPerSecond / t.imagesPerSecond;
  }
  say(JSON.stringify({
    bench: 'train', chosen: backend,
    ours: ours.map(({ losses: _l, ...rest }) => rest),
    torch, ratioTorchOverOurs: ratios, ratioTorchOverOursByRound: ratiosByRound, profiles,
  }));
}

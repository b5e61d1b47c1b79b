// `npm run bench -- kernels [--reps N]`: times each cpu-fast WebAssembly kernel family on the shapes
// the paper preset trains (G and D of S2I at batch 64, the sound classifier's LMS convs) and prints
// GFLOP/s beside this machine's measured peak: the throughput of a register-only loop of 4-wide
// SIMD multiply-adds (8 independent accumulators, compiled here with wat2wasm), per thread and for
// the threads the kernels use. Memory-bound kernels (batch norm, activations) also print GB/s.
// Every figure is the median of --reps timed calls after one warm-up call.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { conv2dBackpropFilterWinograd, conv2dBackpropInputSubpixel, conv2dBackpropInputWinograd, conv2dWinograd, subpixelSupported, winogradSupported } from '../core/tf/kernels/winograd';
import { conv2dBackpropFilterOneChannel, conv2dBackpropInputOneChannel, oneChannelRowsSupported, conv2dBackpropFilterImplicit, conv2dBackpropInputImplicit, conv2dImplicit, filterImplicitSupported, type ConvGeometry } from '../core/tf/kernels/conv';
import { gemm } from '../core/tf/kernels/gemm';
import { conv2dBackpropInputGemm, type Conv2DInfo } from '../core/tf/cpuGemmKernels';
import { loadTf } from '../core/tf/tfBackend';
import { gemmAvailable, gemmThreads, gemmVariant } from '../core/tf/kernels/runtime';
import { channelAffine, channelGradCombine, channelGradSums, channelShiftedSums, leakyReluGradWasm, leakyReluWasm } from '../core/tf/kernels/norm';
import { createRng } from '../core/rng';

const say = (s: string): void => void process.stdout.write(`${s}\n`);

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  const v = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

function random(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Seconds per call: one warm-up, then the median of `reps` calls. */
function time(reps: number, f: () => void): number {
  f();
  const t: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    f();
    t.push((performance.now() - t0) / 1000);
  }
  return median(t);
}

/**
 * The machine's SIMD peak per thread: 8 independent f32x4 accumulators, each step a multiply and an
 * add (or one relaxed fused multiply-add, as the fma module does), `iters` times. 8 × 4 × 2 flops a step.
 */
function peakGflops(fused: boolean): number | null {
  const body = Array.from({ length: 8 }, (_, k) =>
    fused
      ? `(local.set $a${k} (f32x4.relaxed_madd (local.get $a${k}) (local.get $m) (local.get $b)))`
      : `(local.set $a${k} (f32x4.add (f32x4.mul (local.get $a${k}) (local.get $m)) (local.get $b)))`,
  ).join('\n        ');
  const locals = Array.from({ length: 8 }, (_, k) => `(local $a${k} v128)`).join(' ');
  const sum = Array.from({ length: 7 }, () => 'f32x4.add').join(' ');
  const wat = `(module
  (func (export "peak") (param $iters i32) (result f32)
    ${locals} (local $m v128) (local $b v128)
    (local.set $m (f32x4.splat (f32.const 0.999999)))
    (local.set $b (f32x4.splat (f32.const 0.000001)))
    ${Array.from({ length: 8 }, (_, k) => `(local.set $a${k} (f32x4.splat (f32.const ${k + 1})))`).join(' ')}
    (block $done (loop $l
        ${body}
        (local.set $iters (i32.sub (local.get $iters) (i32.const 1)))
        (br_if $l (i32.gt_s (local.get $iters) (i32.const 0)))))
    ${Array.from({ length: 8 }, (_, k) => `(local.get $a${k})`).join(' ')} ${sum}
    (f32x4.extract_lane 0)))`;
  const dir = mkdtempSync(join(tmpdir(), 'avstudio-peak-'));
  try {
    writeFileSync(join(dir, 'peak.wat'), wat);
    const r = spawnSync('wat2wasm', [...(fused ? ['--enable-relaxed-simd'] : []), join(dir, 'peak.wat'), '-o', join(dir, 'peak.wasm')], { encoding: 'utf8' });
    if (r.error || r.status !== 0) return null;
    const W = (globalThis as unknown as { WebAssembly: { Module: new (b: Uint8Array) => object; Instance: new (m: object, i: object) => { exports: { peak: (n: number) => number } } } }).WebAssembly;
    let inst;
    try {
      inst = new W.Instance(new W.Module(readFileSync(join(dir, 'peak.wasm'))), {});
    } catch {
      return null; // relaxed SIMD not accepted by this runtime
    }
    const iters = 20_000_000;
    const s = time(3, () => void inst.exports.peak(iters));
    return (iters * 8 * 4 * 2) / s / 1e9;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Row {
  kernel: string;
  shape: string;
  ms: number;
  gflops: number;
  gbps?: number;
}

const geometry = (batch: number, inH: number, inC: number, outC: number, k: number, s: number, outH: number, pad: number): ConvGeometry => ({
  batch, inH, inW: inH, inC, outH, outW: outH, outC, fh: k, fw: k, sh: s, sw: s, top: pad, left: pad,
});

/** tfjs's conv info for a geometry (explicit padding), for the im2col path's functions. */
async function convInfoFor(g: ConvGeometry): Promise<Conv2DInfo> {
  const { tf } = await loadTf();
  const bottom = (g.outH - 1) * g.sh + g.fh - g.inH - g.top;
  const right = (g.outW - 1) * g.sw + g.fw - g.inW - g.left;
  return tf.backend_util.computeConv2DInfo([g.batch, g.inH, g.inW, g.inC], [g.fh, g.fw, g.inC, g.outC], [g.sh, g.sw], 1,
    [[0, 0], [g.top, bottom], [g.left, right], [0, 0]] as never);
}

export async function run(args: string[]): Promise<void> {
  if (!gemmAvailable()) {
    say('the WebAssembly SIMD kernels do not instantiate in this runtime: nothing to time');
    return;
  }
  const reps = arg(args, '--reps', 5);
  const threads = gemmThreads();
  const variant = gemmVariant();
  const peak1 = peakGflops(variant === 'fma');
  const peak = peak1 === null ? null : peak1 * threads;
  say(`module: ${variant}, threads: ${threads}; measured SIMD peak ${peak1?.toFixed(1) ?? '?'} GFLOP/s per thread, ${peak?.toFixed(1) ?? '?'} for ${threads}`);
  const rows: Row[] = [];
  const add = (kernel: string, shape: string, seconds: number, flops: number, bytes?: number) => {
    rows.push({ kernel, shape, ms: seconds * 1000, gflops: flops / seconds / 1e9, ...(bytes ? { gbps: bytes / seconds / 1e9 } : {}) });
  };

  // packed GEMM (pointwise convs, dense layers, im2col fallbacks)
  for (const [m, n, k] of [[4096, 128, 256], [64, 1024, 8192]] as const) {
    const a = random(m * k, 1);
    const b = random(k * n, 2);
    const c = new Float32Array(m * n);
    const s = time(reps, () => gemm(m, n, k, { data: a, offset: 0, rowStride: k, colStride: 1 }, { data: b, offset: 0, rowStride: n, colStride: 1 }, c));
    add('gemm', `${m}×${k} · ${k}×${n}`, s, 2 * m * n * k);
  }

  // implicit-GEMM convolutions: the paper D's 4×4 stride-2 layers at batch 64, the I2S paper D's
  // 3×3 layers on its 32×32 square map (12 of them: most of an I2S paper step) and an LMS conv
  const convs: Array<[string, ConvGeometry]> = [
    ['D conv 32²×64→16²×128', geometry(64, 32, 64, 128, 4, 2, 16, 1)],
    ['D conv 16²×128→8²×256', geometry(64, 16, 128, 256, 4, 2, 8, 1)],
    ['I2S D extra conv 32²×128→32²×128, 3×3', geometry(64, 32, 128, 128, 3, 1, 32, 1)],
    ['I2S tiny D conv 8×130×36×1→…×8, 4×4 stride 2×1', { batch: 8, inH: 130, inW: 36, inC: 1, outH: 64, outW: 33, outC: 8, fh: 4, fw: 4, sh: 2, sw: 1, top: 0, left: 0 }],
    ['S2I paper D conv 64×64²×3→32²×64', geometry(64, 64, 3, 64, 4, 2, 32, 1)],
    ['I2S tiny G 8×64²×8 ← 32²×16, 4×4 stride 2', geometry(8, 64, 8, 16, 4, 2, 32, 1)],
    ['I2S tiny conv 8×32²×16→16, 3×3', geometry(8, 32, 16, 16, 3, 1, 32, 1)],
    ['LMS conv 64×22×32→…×64, 3×3', { batch: 64, inH: 64, inW: 22, inC: 32, outH: 64, outW: 22, outC: 64, fh: 3, fw: 3, sh: 1, sw: 1, top: 1, left: 1 }],
  ];
  for (const [label, g] of convs) {
    const x = random(g.batch * g.inH * g.inW * g.inC, 3);
    const w = random(g.fh * g.fw * g.inC * g.outC, 4);
    const dy = random(g.batch * g.outH * g.outW * g.outC, 5);
    const flops = 2 * g.batch * g.outH * g.outW * g.outC * g.fh * g.fw * g.inC;
    add('conv_fwd', label, time(reps, () => void conv2dImplicit(x, w, g)), flops);
    // (with < 8 input channels the studio takes im2col for dx: cpuGemmKernels.ts)
    if (g.inC >= 8) add('conv dx (conv_fwd by stride phase)', label, time(reps, () => void conv2dBackpropInputImplicit(dy, w, g)), flops);
    if (filterImplicitSupported(g)) add('conv_dwt (filter gradient)', label, time(reps, () => void conv2dBackpropFilterImplicit(x, dy, g)), flops);
    if (oneChannelRowsSupported(g)) add('conv dW, one channel (conv_fwd over dy)', label, time(reps, () => void conv2dBackpropFilterOneChannel(x, dy, g)), flops);
    if (oneChannelRowsSupported(g)) add('conv dx, one channel (conv_fwd, 8-column blocks)', label, time(reps, () => void conv2dBackpropInputOneChannel(dy, w, g)), flops);
    if (oneChannelRowsSupported(g)) {
      const info = await convInfoFor(g);
      add('conv dx, one channel (GEMM + col2im, before)', label, time(reps, () => void conv2dBackpropInputGemm(dy, w, info)), flops);
    }
    // GFLOP/s of the direct convolution's multiply-adds (Winograd does 2.25× fewer), so rows compare
    if (winogradSupported(g, 'forward')) add('wino_fwd (Winograd, direct FLOP)', label, time(reps, () => void conv2dWinograd(x, w, g)), flops);
    if (winogradSupported(g, 'input')) add('wino dx (wino_fwd, direct FLOP)', label, time(reps, () => void conv2dBackpropInputWinograd(dy, w, g)), flops);
    if (subpixelSupported(g)) add('wino dx (subpixel: one 3×3 product, direct FLOP)', label, time(reps, () => void conv2dBackpropInputSubpixel(dy, w, g)), flops);
    if (winogradSupported(g, 'filter')) add('wino_dwt (filter gradient, direct FLOP)', label, time(reps, () => void conv2dBackpropFilterWinograd(x, dy, g)), flops);
  }

  // batch norm and activations: memory-bound, one or two passes over the activations
  const c = 128;
  const len = 64 * 16 * 16 * c;
  const x = random(len, 6);
  const dy = random(len, 7);
  const mean = random(c, 8);
  const a = random(c, 9);
  const b = random(c, 10);
  const e = random(c, 11);
  const shape = `64×16×16×${c}`;
  add('bn_stats (shifted sums)', shape, time(reps, () => void channelShiftedSums(x, c)), 3 * len, 4 * len);
  add('bn_affine', shape, time(reps, () => void channelAffine(x, mean, a, b, c)), 3 * len, 8 * len);
  add('bn_gsums', shape, time(reps, () => void channelGradSums(dy, x, mean, c)), 4 * len, 8 * len);
  add('bn_dx', shape, time(reps, () => void channelGradCombine(dy, x, mean, a, e, b, c)), 5 * len, 12 * len);
  add('lrelu', shape, time(reps, () => void leakyReluWasm(x, 0.2)), 2 * len, 8 * len);
  add('lrelu_grad', shape, time(reps, () => void leakyReluGradWasm(dy, x, 0.2)), 2 * len, 12 * len);

  const w1 = Math.max(...rows.map((r) => r.kernel.length));
  const w2 = Math.max(...rows.map((r) => r.shape.length));
  say(`${'kernel'.padEnd(w1)}  ${'shape'.padEnd(w2)}  ${'ms'.padStart(8)}  ${'GFLOP/s'.padStart(8)}  ${'of peak'.padStart(7)}  GB/s`);
  for (const r of rows) {
    const frac = peak ? `${((100 * r.gflops) / peak).toFixed(0)} %` : '?';
    say(`${r.kernel.padEnd(w1)}  ${r.shape.padEnd(w2)}  ${r.ms.toFixed(2).padStart(8)}  ${r.gflops.toFixed(1).padStart(8)}  ${frac.padStart(7)}  ${r.gbps?.toFixed(1) ?? ''}`);
  }
  say(JSON.stringify({ bench: 'kernels', variant, threads, peakPerThreadGflops: peak1, peakGflops: peak, reps, rows: rows.map((r) => ({ ...r, ms: Number(r.ms.toFixed(3)), gflops: Number(r.gflops.toFixed(2)), gbps: r.gbps === undefined ? undefined : Number(r.gbps.toFixed(2)) })) }));
}

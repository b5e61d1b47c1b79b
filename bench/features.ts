// `npm run bench -- features [--windows N] [--batch B] [--no-torch]`: log-mel spectrograms (LMS,
// §3.3) of N ≥ 2,000 half-second windows (§4.1: 0.5 s, stride 0.1 s) of a synthesised track, in
// TypeScript (core/media/mel.ts, one thread) and, on the same windows, torchaudio on the CPU via
// /usr/bin/python3 (MelSpectrogram + AmplitudeToDB, batched, per-clip top_db). Prints windows/second
// for both, their ratio, the largest LMS difference on the first windows, and one JSON line.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SAMPLE_RATE, WINDOW_SAMPLES } from '../core/media/constants';
import { getMel } from '../core/media/mel';
import { decodeNpy } from '../core/media/npy';
import { windowStart } from '../core/media/windows';

const PYTHON = '/usr/bin/python3';
const COMPARE_WINDOWS = 64;

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : fallback;
}

/** A deterministic "melody": harmonic notes changing every 0.25 s plus a little noise. */
function synthesise(samples: number): Float32Array {
  const out = new Float32Array(samples);
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296) * 2 - 1;
  const note = Math.round(0.25 * SAMPLE_RATE);
  let phase = 0;
  let f0 = 220;
  for (let i = 0; i < samples; i++) {
    if (i % note === 0) f0 = 110 * Math.pow(2, Math.floor(((rand() + 1) / 2) * 36) / 12);
    phase += (2 * Math.PI * f0) / SAMPLE_RATE;
    const env = Math.exp(-4 * ((i % note) / SAMPLE_RATE));
    out[i] = env * (0.4 * Math.sin(phase) + 0.2 * Math.sin(2 * phase) + 0.1 * Math.sin(3 * phase)) + 0.01 * rand();
  }
  return out;
}

const TORCH_SCRIPT = String.raw`
import json, sys, time
import numpy as np, torch, torchaudio
track_path, n_windows, batch, out_path, n_compare = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
x = torch.from_numpy(np.fromfile(track_path, dtype='<f4'))
starts = [round(k * 0.1 * 44100) for k in range(n_windows)]
windows = torch.stack([x[s:s + 22050] for s in starts]).unsqueeze(1)  # (N, 1, 22050): one top_db max per clip
mel = torchaudio.transforms.MelSpectrogram(sample_rate=44100, n_fft=2048, hop_length=512, n_mels=128, norm='slaney',
                                           mel_scale='slaney', center=True, pad_mode='reflect', power=2.0)
todb = torchaudio.transforms.AmplitudeToDB(stype='power', top_db=80)
with torch.inference_mode():
    todb(mel(windows[:8]))  # warm-up
    t0 = time.perf_counter()
    outs = [todb(mel(windows[i:i + batch])) for i in range(0, n_windows, batch)]
    dt = time.perf_counter() - t0
lms = torch.cat(outs)[:, 0]
np.save(out_path, lms[:n_compare].numpy().astype('<f4'))
print(json.dumps({'seconds': dt, 'shape': list(lms.shape), 'threads': torch.get_num_threads(),
                  'torch': torch.__version__, 'torchaudio': torchaudio.__version__}))
`;

export async function run(args: string[]): Promise<void> {
  const nWindows = Math.max(2000, arg(args, '--windows', 2000));
  const batch = arg(args, '--batch', 250);
  const samples = windowStart(nWindows - 1) + WINDOW_SAMPLES;
  const track = synthesise(samples);
  process.stdout.write(`${nWindows} windows of 0.5 s (stride 0.1 s) over ${(samples / SAMPLE_RATE).toFixed(1)} s of synthesised audio\n`);

  // TypeScript
  const mel = getMel();
  const out = new Float32Array(128 * 44);
  for (let k = 0; k < 20; k++) mel.logMel(track.subarray(windowStart(k), windowStart(k) + WINDOW_SAMPLES), out); // warm-up (JIT)
  const keep: Float32Array[] = [];
  const t0 = performance.now();
  for (let k = 0; k < nWindows; k++) {
    const s = windowStart(k);
    mel.logMel(track.subarray(s, s + WINDOW_SAMPLES), out);
    if (k < COMPARE_WINDOWS) keep.push(out.slice());
  }
  const tsSeconds = (performance.now() - t0) / 1000;
  const tsRate = nWindows / tsSeconds;
  process.stdout.write(`typescript  ${tsRate.toFixed(1)} windows/s (${tsSeconds.toFixed(3)} s, 1 thread, fft.js)\n`);

  const figures: Record<string, unknown> = {
    bench: 'features',
    windows: nWindows,
    trackSeconds: samples / SAMPLE_RATE,
    tsSeconds,
    tsWindowsPerSecond: tsRate,
    node: process.version,
  };

  const haveTorch = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torchaudio'], { encoding: 'utf8' }).status === 0;
  if (!haveTorch || args.includes('--no-torch')) {
    process.stdout.write(`torchaudio  skipped (${haveTorch ? '--no-torch' : `no torchaudio for ${PYTHON}`})\n`);
    figures.torchaudio = null;
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'avstudio-bench-'));
    try {
      const trackPath = join(dir, 'track.f32');
      const refPath = join(dir, 'lms.npy');
      const scriptPath = join(dir, 'bench_torch.py');
      writeFileSync(trackPath, Buffer.from(track.buffer, track.byteOffset, track.byteLength));
      writeFileSync(scriptPath, TORCH_SCRIPT);
      const r = spawnSync(PYTHON, [scriptPath, trackPath, String(nWindows), String(batch), refPath, String(COMPARE_WINDOWS)], { encoding: 'utf8', maxBuffer: 1 << 24 });
      if (r.status !== 0) throw new Error(`torchaudio benchmark failed: ${r.stderr}`);
      const t = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { seconds: number; threads: number; torch: string; torchaudio: string };
      const ref = decodeNpy(readFileSync(refPath));
      let maxDiff = 0;
      keep.forEach((w, k) => {
        for (let i = 0; i < w.length; i++) maxDiff = Math.max(maxDiff, Math.abs(w[i] - ref.data[k * w.length + i]));
      });
      const torchRate = nWindows / t.seconds;
      process.stdout.write(`torchaudio  ${torchRate.toFixed(1)} windows/s (${t.seconds.toFixed(3)} s, ${t.threads} thread(s), batch ${batch}, torch ${t.torch}, torchaudio ${t.torchaudio})\n`);
      process.stdout.write(`ratio       ${(tsRate / torchRate).toFixed(2)}× (typescript / torchaudio)\n`);
      process.stdout.write(`agreement   max |LMS_ts − LMS_torch| = ${maxDiff.toExponential(2)} dB over the first ${keep.length} windows (torchaudio float32)\n`);
      Object.assign(figures, {
        torchSeconds: t.seconds,
        torchWindowsPerSecond: torchRate,
        torchThreads: t.threads,
        torchBatch: batch,
        torch: t.torch,
        torchaudio: t.torchaudio,
        ratioTsOverTorch: tsRate / torchRate,
        maxAbsDiffDb: maxDiff,
        comparedWindows: keep.length,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  process.stdout.write(JSON.stringify(figures) + '\n');
}

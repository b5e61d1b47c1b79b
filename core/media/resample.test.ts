// The in-process resamplers (resample.ts: the polyphase FIR for common rates, libsamplerate for any
// other ratio) against ffmpeg on real files.
//
// Measure: for a 0.5 s window (22,050 samples at 44.1 kHz) cut from our decode and from ffmpeg's,
// compute both LMS (computeRepresentation('lms'), 128 × 44 dB values) and take |ΔdB| over the bins
// whose ffmpeg value is within 60 dB of that window's ffmpeg maximum; report the mean and the max.
// The reference is ffmpeg's soxr resampler (`-af aresample=resampler=soxr`): ffmpeg's default swr
// resampler itself differs from soxr by 0.06–0.12 dB on these clips (its 32-tap filter passes more
// imaging / aliasing near the Nyquist frequency), more than the 0.05 dB we test for. Stereo is
// downmixed the same way on both sides (mean of channels: ffmpeg's own `-ac 1` on stereo is
// (L+R)/√2, 3 dB louder, so ffmpeg gets `pan=mono|c0=0.5*c0+0.5*c1`).
// Windows are taken inside 2 s clips (at 0.5 s and 1.0 s) and over a whole 0.5 s file, edges
// included (libsamplerate treats a stream's last milliseconds a little differently from soxr: its
// whole-file bound is 0.1 dB).
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeAudio } from './decodeAudio';
import { runFfmpeg } from './ffmpegRun';
import { computeRepresentation } from './representations';
import { type ResamplerKind, resampledLength, resampleMono, resamplerFor } from './resample';
import { POLYPHASE_WASM } from './polyphaseWasm';
import { scratchDir } from './testUtil';
import { encodeWavChannels, parseWav } from './wav';

const s = scratchDir();
afterAll(() => s.cleanup());

function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => ((x = (x * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

/** Music-like test signal: plucked harmonic notes (40 partials, vibrato, decaying envelope) + white noise. */
function music(rate: number, seconds: number, channels: number, seed: number): Float32Array[] {
  const n = Math.round(rate * seconds);
  const r = rng(seed);
  const notes = [220, 277.18, 329.63, 440, 554.37].map((f) => f * (1 + 0.02 * r()));
  return Array.from({ length: channels }, (_, c) => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const t = i / rate;
      const note = notes[Math.floor(t * 4) % notes.length];
      let v = 0;
      for (let h = 1; h <= 40; h++) {
        const f = note * h * (1 + 0.003 * Math.sin(2 * Math.PI * 5 * t));
        if (f < rate / 2) v += (0.3 / h) * Math.sin(2 * Math.PI * f * t + h * c);
      }
      out[i] = 0.6 * (v * Math.exp(-3 * ((t * 4) % 1)) + 0.05 * (2 * r() - 1));
    }
    return out;
  });
}

async function ffmpegDecode(file: string, filters: string[]): Promise<Float32Array> {
  const args = ['-i', file, ...(filters.length ? ['-af', filters.join(',')] : []), '-f', 'f32le', '-ac', '1', '-ar', '44100', 'pipe:1'];
  const r = await runFfmpeg(args);
  expect(r.code, r.stderr).toBe(0);
  return new Float32Array(r.stdout.buffer.slice(r.stdout.byteOffset, r.stdout.byteOffset + Math.floor(r.stdout.length / 4) * 4));
}

/** Mean and max |ΔdB| between the LMS of two 0.5 s windows, over bins within 60 dB of the reference's max. */
function lmsAgreement(ours: Float32Array, ref: Float32Array): { mean: number; max: number; bins: number } {
  const a = computeRepresentation('lms', ours).data;
  const b = computeRepresentation('lms', ref).data;
  let top = -Infinity;
  for (const v of b) top = Math.max(top, v);
  let sum = 0;
  let max = 0;
  let bins = 0;
  for (let i = 0; i < b.length; i++) {
    if (b[i] < top - 60) continue;
    const d = Math.abs(a[i] - b[i]);
    sum += d;
    max = Math.max(max, d);
    bins++;
  }
  return { mean: sum / bins, max, bins };
}

const window = (x: Float32Array, startS: number) => x.slice(Math.round(startS * 44100), Math.round(startS * 44100) + 22050);

interface Case {
  name: string;
  make: (file: string, seconds: number) => void;
  stereo?: boolean;
}

const CASES: Case[] = [
  {
    name: '48 kHz stereo 16-bit',
    stereo: true,
    make: (f, sec) => writeFileSync(f, encodeWavChannels(music(48000, sec, 2, 1), { sampleRate: 48000, bits: 16 })),
  },
  { name: '22.05 kHz mono 16-bit', make: (f, sec) => writeFileSync(f, encodeWavChannels(music(22050, sec, 1, 2), { sampleRate: 22050, bits: 16 })) },
  {
    // written by sox (an independent WAV writer): plucked strings, a chord and noise
    name: '96 kHz mono 24-bit (sox)',
    make: (f, sec) => {
      const r = spawnSync('sox', ['-R', '-n', '-r', '96000', '-b', '24', '-c', '1', f, 'synth', String(sec), 'pluck', '220', 'pluck', '330', 'pluck', '440', 'whitenoise', 'remix', '-', 'vol', '0.5'], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`sox failed: ${r.stderr}`);
    },
  },
  { name: '32 kHz mono 32-bit float', make: (f, sec) => writeFileSync(f, encodeWavChannels(music(32000, sec, 1, 4), { sampleRate: 32000, bits: 32, float: true })) },
];

/** Our decode of `file` through one resampler path (the WAV read in process, then resampleMono). */
async function oursVia(file: string, kind: ResamplerKind): Promise<Float32Array> {
  const wav = parseWav(readFileSync(file), file)!;
  return resampleMono(wav.samples, wav.sampleRate, 44100, { resampler: kind });
}

describe('in-process resampling vs ffmpeg (LMS agreement)', () => {
  for (const c of CASES) {
    it(`${c.name}: LMS within 0.05 dB of ffmpeg+soxr (polyphase; libsamplerate fallback too)`, async () => {
      const long = s.path(`${c.name.replace(/\W+/g, '_')}-2s.wav`);
      const chunk = s.path(`${c.name.replace(/\W+/g, '_')}-0.5s.wav`);
      c.make(long, 2);
      c.make(chunk, 0.5);
      const pan = c.stereo ? ['pan=mono|c0=0.5*c0+0.5*c1'] : [];
      const decoded = await decodeAudio(long);
      expect(decoded.decoder).toBe('wav-resampled');
      expect(decoded.samples.length).toBe(88200);
      const rate = parseWav(readFileSync(long))!.sampleRate;
      expect(resamplerFor(rate, 44100)).toBe('polyphase');
      const soxr = await ffmpegDecode(long, [...pan, 'aresample=resampler=soxr']);
      const swr = await ffmpegDecode(long, pan);
      const soxrChunk = (await ffmpegDecode(chunk, [...pan, 'aresample=resampler=soxr'])).slice(0, 22050);
      const report: string[] = [];
      for (const kind of ['polyphase', 'libsamplerate'] as const) {
        const ours = kind === 'polyphase' ? decoded.samples : await oursVia(long, kind);
        for (const at of [0.5, 1.0]) {
          const vsSoxr = lmsAgreement(window(ours, at), window(soxr, at));
          const vsSwr = lmsAgreement(window(ours, at), window(swr, at));
          report.push(`${kind} @${at}s: ours−soxr mean ${vsSoxr.mean.toFixed(4)} max ${vsSoxr.max.toFixed(2)} (${vsSoxr.bins} bins); ours−swr mean ${vsSwr.mean.toFixed(4)}`);
          expect(vsSoxr.mean, report.join('\n')).toBeLessThan(0.05);
          expect(vsSoxr.bins).toBeGreaterThan(3000);
        }
        const whole = lmsAgreement(kind === 'polyphase' ? (await decodeAudio(chunk)).samples : await oursVia(chunk, kind), soxrChunk);
        report.push(`${kind} whole 0.5 s file: ours−soxr mean ${whole.mean.toFixed(4)} max ${whole.max.toFixed(2)}`);
        expect(whole.mean, report.join('\n')).toBeLessThan(kind === 'polyphase' ? 0.05 : 0.1);
      }
      const swrVsSoxr = lmsAgreement(window(swr, 0.5), window(soxr, 0.5));
      report.push(`ffmpeg default swr vs soxr @0.5s: mean ${swrVsSoxr.mean.toFixed(4)} max ${swrVsSoxr.max.toFixed(2)}`);
      console.log(`${c.name}\n  ${report.join('\n  ')}`);
    });
  }

  it('a rate with no small polyphase table (44,101 Hz) goes through libsamplerate and still agrees', async () => {
    expect(resamplerFor(44101, 44100)).toBe('libsamplerate');
    const f = s.path('odd-rate.wav');
    writeFileSync(f, encodeWavChannels(music(44101, 2, 1, 11), { sampleRate: 44101, bits: 16 }));
    const ours = await decodeAudio(f);
    expect(ours.decoder).toBe('wav-resampled');
    const soxr = await ffmpegDecode(f, ['aresample=resampler=soxr']);
    expect(lmsAgreement(window(ours.samples, 0.5), window(soxr, 0.5)).mean).toBeLessThan(0.05);
  });

  it('a mismatched resampler fails the measure (the check can fail)', async () => {
    const f = s.path('fail-check.wav');
    writeFileSync(f, encodeWavChannels(music(48000, 2, 1, 9), { sampleRate: 48000, bits: 16 }));
    const soxr = await ffmpegDecode(f, ['aresample=resampler=soxr']);
    // linear interpolation: no anti-aliasing filter
    const x = parseWav(readFileSync(f))!.samples;
    const lin = new Float32Array(88200);
    for (let i = 0; i < lin.length; i++) {
      const p = (i * 48000) / 44100;
      const k = Math.floor(p);
      lin[i] = x[k] + (p - k) * ((x[k + 1] ?? 0) - x[k]);
    }
    expect(lmsAgreement(window(lin, 0.5), window(soxr, 0.5)).mean).toBeGreaterThan(0.05);
  });
});

describe('resampleMono', () => {
  it('joins blocks exactly where a one-block conversion puts its samples (both paths)', async () => {
    const x = music(48000, 1, 1, 5)[0];
    for (const kind of ['polyphase', 'libsamplerate'] as const) {
      const one = await resampleMono(x, 48000, 44100, { resampler: kind });
      const blocks = await resampleMono(x, 48000, 44100, { resampler: kind, maxBlock: 5_000 }); // ~9 blocks
      expect(blocks.length).toBe(one.length);
      let err = 0;
      for (let i = 0; i < one.length; i++) err = Math.max(err, Math.abs(one[i] - blocks[i]));
      expect(err, kind).toBeLessThan(1e-6);
    }
  });

  it('the embedded WebAssembly is polyphase.wat compiled (when wat2wasm is installed)', (ctx) => {
    const r = spawnSync('wat2wasm', [join(import.meta.dirname, 'polyphase.wat'), '--output=-']);
    if (r.error) ctx.skip();
    expect(r.status, r.stderr?.toString()).toBe(0);
    expect(r.stdout.toString('base64')).toBe(POLYPHASE_WASM);
  });

  it('gives round(n · out / in) samples for any length and keeps a tone where it was', async () => {
    for (const [rate, n] of [
      [48000, 24001],
      [96000, 48000],
      [8000, 4001],
      [11025, 1],
      [44101, 22051],
    ] as const) {
      for (const kind of ['polyphase', 'libsamplerate'] as const) {
        if (kind === 'polyphase' && resamplerFor(rate, 44100) !== 'polyphase') continue;
        expect((await resampleMono(new Float32Array(n), rate, 44100, { resampler: kind })).length).toBe(resampledLength(n, rate, 44100));
      }
    }
    // a 1 kHz sine at 48 kHz, resampled: the output is the same sine sampled at 44.1 kHz (no delay)
    const x = new Float32Array(48000);
    for (let i = 0; i < x.length; i++) x[i] = 0.5 * Math.sin((2 * Math.PI * 1000 * i) / 48000);
    for (const kind of ['polyphase', 'libsamplerate'] as const) {
      const y = await resampleMono(x, 48000, 44100, { resampler: kind });
      let err = 0;
      for (let i = 2000; i < 42000; i++) err = Math.max(err, Math.abs(y[i] - 0.5 * Math.sin((2 * Math.PI * 1000 * i) / 44100)));
      expect(err, kind).toBeLessThan(1e-3);
    }
  });

  it('refuses rates it cannot convert, naming the file', async () => {
    await expect(resampleMono(new Float32Array(10), 0, 44100, { file: 'x.wav' })).rejects.toMatchObject({ kind: 'unsupported', file: 'x.wav' });
    await expect(resampleMono(new Float32Array(10), 384000, 44100, { file: 'y.wav' })).rejects.toMatchObject({ kind: 'unsupported', file: 'y.wav' });
  });
});

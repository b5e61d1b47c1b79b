import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { AvError } from '../errors';
import { decodeAudio } from './decodeAudio';
import { assertNotSilent, rms } from './silence';
import { caught, ffmpegMake, scratchDir, tone } from './testUtil';
import { encodeWav, encodeWavChannels } from './wav';

const s = scratchDir();
afterAll(() => s.cleanup());

async function expectAvError(fn: () => unknown, kind: string, file: string): Promise<AvError> {
  const err = await caught(fn);
  expect(err).toBeInstanceOf(AvError);
  expect((err as AvError).kind).toBe(kind);
  expect((err as AvError).file).toBe(file);
  return err as AvError;
}

describe('decodeAudio', () => {
  const x = tone(1, [[440, 0.5]]);
  const wav = s.path('tone.wav');
  writeFileSync(wav, encodeWav(x, 44100));

  it('decodes a 44.1 kHz PCM WAV in JS, and ffmpeg agrees', async () => {
    const js = await decodeAudio(wav);
    expect(js.decoder).toBe('wav');
    expect(js.sampleRate).toBe(44100);
    expect(js.samples.length).toBe(44100);
    const ff = await decodeAudio(wav, { forceFfmpeg: true });
    expect(ff.decoder).toBe('ffmpeg');
    expect(ff.samples.length).toBe(44100);
    let err = 0;
    for (let i = 0; i < js.samples.length; i++) err = Math.max(err, Math.abs(js.samples[i] - ff.samples[i]));
    expect(err).toBeLessThan(1e-6);
    expect(rms(js.samples)).toBeCloseTo(0.5 / Math.SQRT2, 3);
  });

  it('resamples a 22.05 kHz WAV to 44.1 kHz in process, no ffmpeg', async () => {
    const p = s.path('low.wav');
    writeFileSync(p, encodeWav(tone(1, [[440, 0.5]], 22050), 22050));
    const d = await decodeAudio(p);
    expect(d.decoder).toBe('wav-resampled');
    expect(d.samples.length).toBe(44100);
    expect(rms(d.samples.subarray(1000, 43000))).toBeCloseTo(0.5 / Math.SQRT2, 3);
  });

  it('reads every PCM layout in process: 8/16/24/32-bit integer, 32/64-bit float, 1–6 channels, any rate; mono = mean of channels', async () => {
    const rates = [8000, 22050, 32000, 44100, 48000, 96000];
    const layouts: Array<{ bits: 8 | 16 | 24 | 32 | 64; float?: boolean; tol: number }> = [
      { bits: 8, tol: 0.02 },
      { bits: 16, tol: 1e-3 },
      { bits: 24, tol: 1e-3 },
      { bits: 32, tol: 1e-3 },
      { bits: 32, float: true, tol: 1e-3 },
      { bits: 64, float: true, tol: 1e-3 },
    ];
    for (const [k, fmt] of layouts.entries()) {
      const rate = rates[k];
      const channels = [1, 3, 6][k % 3];
      // channel c holds a 1 kHz sine scaled by (c + 1) / channels: the mean is 0.5·(channels+1)/channels of the unit sine
      const chans = Array.from({ length: channels }, (_, c) => tone(0.5, [[1000, (0.6 * (c + 1)) / channels]], rate));
      const p = s.path(`layout-${k}.wav`);
      writeFileSync(p, encodeWavChannels(chans, { sampleRate: rate, bits: fmt.bits, float: fmt.float }));
      const d = await decodeAudio(p);
      expect(d.decoder).toBe(rate === 44100 ? 'wav' : 'wav-resampled');
      expect(d.samples.length).toBe(22050);
      const amp = (0.6 * (channels + 1)) / (2 * channels);
      let err = 0;
      for (let i = 2000; i < 20000; i++) err = Math.max(err, Math.abs(d.samples[i] - amp * Math.sin((2 * Math.PI * 1000 * i) / 44100)));
      expect(err, `${fmt.bits}-bit${fmt.float ? ' float' : ''} ${channels} ch at ${rate} Hz`).toBeLessThan(fmt.tol);
    }
  });

  it('in-process and ffmpeg decodes of a 48 kHz WAV agree (ffmpeg for the same mean downmix)', async () => {
    const p = s.path('agree48.wav');
    writeFileSync(p, encodeWavChannels([tone(1, [[440, 0.4], [3000, 0.1]], 48000)], { sampleRate: 48000, bits: 24 }));
    const ours = await decodeAudio(p);
    const ff = await decodeAudio(p, { forceFfmpeg: true });
    expect(ff.decoder).toBe('ffmpeg');
    expect(ours.samples.length).toBe(ff.samples.length);
    let err = 0;
    for (let i = 500; i < ours.samples.length - 500; i++) err = Math.max(err, Math.abs(ours.samples[i] - ff.samples[i]));
    expect(err).toBeLessThan(2e-3);
  });

  it('a WAV at an unsupported rate for the resampler still decodes (through ffmpeg)', async () => {
    const p = s.path('hi-rate.wav');
    writeFileSync(p, encodeWavChannels([tone(0.25, [[440, 0.5]], 384000)], { sampleRate: 384000, bits: 16 }));
    const d = await decodeAudio(p);
    expect(d.decoder).toBe('ffmpeg');
    expect(Math.abs(d.samples.length - 11025)).toBeLessThanOrEqual(2);
  });

  it('decodes the audio track of a video (stereo AAC in MP4 → mono)', async () => {
    const p = s.path('clip.mp4');
    ffmpegMake(['-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10:duration=1', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=1', '-ac', '2', '-c:v', 'mpeg4', '-c:a', 'aac', '-shortest', p]);
    const d = await decodeAudio(p);
    expect(d.decoder).toBe('ffmpeg');
    expect(Math.abs(d.durationSeconds - 1)).toBeLessThan(0.05);
    expect(rms(d.samples.subarray(4410, 39690))).toBeCloseTo(0.125 / Math.SQRT2, 2); // lavfi sine amplitude 1/8
  });

  it('truncated WAV → truncated_file', async () => {
    const p = s.path('truncated.wav');
    writeFileSync(p, encodeWav(x, 44100).subarray(0, 5000));
    await expectAvError(() => decodeAudio(p), 'truncated_file', p);
  });

  it('garbage bytes → corrupt_file', async () => {
    const p = s.path('garbage.mp3');
    writeFileSync(p, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251)));
    await expectAvError(() => decodeAudio(p), 'corrupt_file', p);
  });

  it('a text file named .mp4 → corrupt_file', async () => {
    const p = s.path('notes.mp4');
    writeFileSync(p, 'this is not a video, just some text\n'.repeat(20));
    await expectAvError(() => decodeAudio(p), 'corrupt_file', p);
  });

  it('a zero-byte file and a zero-sample WAV → empty_input', async () => {
    const p = s.path('zero.wav');
    writeFileSync(p, encodeWav(new Float32Array(0), 44100));
    await expectAvError(() => decodeAudio(p), 'empty_input', p);
    const q = s.path('empty.wav');
    writeFileSync(q, Buffer.alloc(0));
    await expectAvError(() => decodeAudio(q), 'empty_input', q);
  });

  it('an unknown WAV codec → unsupported', async () => {
    const p = s.path('odd-codec.wav');
    const wavBytes = encodeWav(x.subarray(0, 1000), 44100);
    wavBytes.writeUInt16LE(0x7777, 20); // an unregistered format tag
    writeFileSync(p, wavBytes);
    await expectAvError(() => decodeAudio(p), 'unsupported', p);
  });

  it('a missing file → not_found', async () => {
    const p = s.path('missing.wav');
    await expectAvError(() => decodeAudio(p), 'not_found', p);
  });

  it('silent audio → silent_audio with a user threshold', async () => {
    const p = s.path('silent.wav');
    writeFileSync(p, encodeWav(new Float32Array(22050), 44100));
    const d = await decodeAudio(p);
    await expectAvError(() => assertNotSilent(d.samples, { file: p }), 'silent_audio', p);
    const quiet = tone(0.5, [[440, 0.001]]); // RMS ≈ 7.1e-4
    expect(assertNotSilent(quiet)).toBeCloseTo(0.001 / Math.SQRT2, 5);
    await expectAvError(() => assertNotSilent(quiet, { threshold: 0.01, file: 'q.wav' }), 'silent_audio', 'q.wav');
    await expectAvError(() => assertNotSilent(new Float32Array(0), { file: 'z.wav' }), 'empty_input', 'z.wav');
  });
});

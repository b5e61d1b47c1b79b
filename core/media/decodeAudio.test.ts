import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { AvError } from '../errors';
import { decodeAudio } from './decodeAudio';
import { assertNotSilent, rms } from './silence';
import { caught, ffmpegMake, scratchDir, tone } from './testUtil';
import { encodeWav } from './wav';

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

  it('resamples a 22.05 kHz WAV to 44.1 kHz through ffmpeg', async () => {
    const p = s.path('low.wav');
    writeFileSync(p, encodeWav(tone(1, [[440, 0.5]], 22050), 22050));
    const d = await decodeAudio(p);
    expect(d.decoder).toBe('ffmpeg');
    expect(Math.abs(d.samples.length - 44100)).toBeLessThanOrEqual(2);
    expect(rms(d.samples.subarray(1000, 43000))).toBeCloseTo(0.5 / Math.SQRT2, 2);
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

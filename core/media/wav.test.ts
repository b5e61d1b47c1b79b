import { describe, expect, it } from 'vitest';
import { AvError } from '../errors';
import { encodeWav, parseWav } from './wav';

function wavHeader(opts: { format: number; channels: number; rate: number; bits: number; dataBytes: number; declared?: number }): Buffer {
  const block = (opts.bits / 8) * opts.channels;
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + opts.dataBytes, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(opts.format, 20);
  h.writeUInt16LE(opts.channels, 22);
  h.writeUInt32LE(opts.rate, 24);
  h.writeUInt32LE(opts.rate * block, 28);
  h.writeUInt16LE(block, 32);
  h.writeUInt16LE(opts.bits, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(opts.declared ?? opts.dataBytes, 40);
  return h;
}

describe('encodeWav / parseWav', () => {
  it('writes a 16-bit PCM mono WAV with a correct header', () => {
    const buf = encodeWav(Float32Array.from([0, 0.5, -0.5, 1, -1, 2]), 44100);
    expect(buf.length).toBe(44 + 12);
    expect(buf.toString('ascii', 0, 4)).toBe('RIFF');
    expect(buf.readUInt32LE(4)).toBe(36 + 12);
    expect(buf.readUInt16LE(20)).toBe(1);
    expect(buf.readUInt16LE(22)).toBe(1);
    expect(buf.readUInt32LE(24)).toBe(44100);
    expect(buf.readUInt32LE(28)).toBe(88200);
    expect(buf.readUInt16LE(34)).toBe(16);
    expect(buf.readUInt32LE(40)).toBe(12);
    expect([0, 1, 2, 3, 4, 5].map((i) => buf.readInt16LE(44 + 2 * i))).toEqual([0, 16384, -16383, 32767, -32767, 32767]);
  });

  it('round-trips through the JS parser within 16-bit quantisation', () => {
    const x = Float32Array.from({ length: 1000 }, (_, i) => 0.8 * Math.sin(i / 7));
    const p = parseWav(encodeWav(x, 44100));
    expect(p).not.toBeNull();
    expect(p!.sampleRate).toBe(44100);
    expect(p!.samples.length).toBe(1000);
    for (let i = 0; i < x.length; i++) expect(Math.abs(p!.samples[i] - x[i])).toBeLessThan(1 / 16000);
  });

  it('decodes 24-bit stereo as the mean of the channels', () => {
    const data = Buffer.alloc(2 * 6);
    // frame 0: L = +2^22 (0.5), R = -2^21 (-0.25); frame 1: L = -2^23 (-1), R = 0
    data.writeIntLE(1 << 22, 0, 3);
    data.writeIntLE(-(1 << 21), 3, 3);
    data.writeIntLE(-(1 << 23), 6, 3);
    data.writeIntLE(0, 9, 3);
    const p = parseWav(Buffer.concat([wavHeader({ format: 1, channels: 2, rate: 44100, bits: 24, dataBytes: 12 }), data]));
    expect(p!.channels).toBe(2);
    expect(Array.from(p!.samples)).toEqual([0.125, -0.5]);
  });

  it('decodes 32-bit float with 3 channels', () => {
    const data = Buffer.alloc(12);
    data.writeFloatLE(0.3, 0);
    data.writeFloatLE(0.6, 4);
    data.writeFloatLE(-0.3, 8);
    const p = parseWav(Buffer.concat([wavHeader({ format: 3, channels: 3, rate: 48000, bits: 32, dataBytes: 12 }), data]));
    expect(p!.encoding).toBe('float');
    expect(p!.sampleRate).toBe(48000);
    expect(p!.samples[0]).toBeCloseTo(0.2, 6);
  });

  it('returns null for files it leaves to ffmpeg', () => {
    expect(parseWav(Buffer.from('ID3 not a wav at all'))).toBeNull();
    expect(parseWav(Buffer.concat([wavHeader({ format: 0x55, channels: 1, rate: 44100, bits: 16, dataBytes: 2 }), Buffer.alloc(2)]))).toBeNull();
  });

  it('reports truncation with the file name', () => {
    const full = encodeWav(new Float32Array(100), 44100);
    for (const cut of [full.subarray(0, 30), full.subarray(0, 100), full.subarray(0, 44 + 199)]) {
      let err: unknown;
      try {
        parseWav(cut, '/x/cut.wav');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(AvError);
      expect((err as AvError).kind).toBe('truncated_file');
      expect((err as AvError).file).toBe('/x/cut.wav');
    }
  });
});

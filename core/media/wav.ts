// WAV (RIFF/WAVE) reading and writing in pure JS.
//  - `encodeWav`: mono Float32 samples → 16-bit PCM WAV (used to synthesise demo and test data).
//  - `parseWav`: the fast decoding path for plain PCM WAV (8/16/24/32-bit integer, 32/64-bit float,
//    any channel count → mono mean). It returns null for anything it does not handle (not RIFF,
//    compressed codecs), so the caller can hand the file to ffmpeg instead.
import { AvError } from '../errors';

export interface ParsedWav {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** 'int' for PCM integer samples, 'float' for IEEE float. */
  encoding: 'int' | 'float';
  /** Mono samples (mean of all channels), in [-1, 1] for integer sources. */
  samples: Float32Array;
}

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/** Mono Float32 samples → a 16-bit PCM WAV file (values clipped to [-1, 1], scaled by 32767). */
export function encodeWav(samples: Float32Array, sampleRate: number): Buffer {
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) throw new AvError('bad_request', `invalid sample rate ${sampleRate}`);
  const dataBytes = samples.length * 2;
  const buf = Buffer.alloc(44 + dataBytes);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + dataBytes, 4);
  buf.write('WAVE', 8, 'ascii');
  buf.write('fmt ', 12, 'ascii');
  buf.writeUInt32LE(16, 16); // fmt chunk size
  buf.writeUInt16LE(WAVE_FORMAT_PCM, 20);
  buf.writeUInt16LE(1, 22); // channels
  buf.writeUInt32LE(sampleRate, 24);
  buf.writeUInt32LE(sampleRate * 2, 28); // byte rate
  buf.writeUInt16LE(2, 32); // block align
  buf.writeUInt16LE(16, 34); // bits per sample
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(dataBytes, 40);
  // an Int16Array over the data when the host is little-endian and the data aligned (Buffer.alloc
  // gives a buffer of its own): ~10× writeInt16LE per sample
  const pcm = LITTLE_ENDIAN && (buf.byteOffset + 44) % 2 === 0 ? new Int16Array(buf.buffer, buf.byteOffset + 44, samples.length) : null;
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i];
    const c = v > 1 ? 1 : v < -1 ? -1 : Number.isNaN(v) ? 0 : v;
    if (pcm) pcm[i] = Math.round(c * 32767);
    else buf.writeInt16LE(Math.round(c * 32767), 44 + 2 * i);
  }
  return buf;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export interface WavFormat {
  sampleRate: number;
  /** 8/16/24/32 for integer PCM, 32/64 for float. */
  bits: 8 | 16 | 24 | 32 | 64;
  float?: boolean;
}

/**
 * Interleaves `channels` (equal lengths) into a PCM or IEEE-float WAV of the given format (values
 * clipped to [-1, 1] for integer formats). Used to write test media and benchmark fixtures at the
 * rates and sample formats recorders produce.
 */
export function encodeWavChannels(channels: Float32Array[], fmt: WavFormat): Buffer {
  const { sampleRate, bits } = fmt;
  const isFloat = !!fmt.float;
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) throw new AvError('bad_request', `invalid sample rate ${sampleRate}`);
  if (isFloat ? bits !== 32 && bits !== 64 : bits === 64) throw new AvError('bad_request', `no ${bits}-bit ${isFloat ? 'float' : 'integer'} WAV format`);
  const nch = channels.length;
  const frames = nch ? channels[0].length : 0;
  if (nch === 0 || channels.some((c) => c.length !== frames)) throw new AvError('bad_request', 'channels must be non-empty and of equal length');
  const bps = bits / 8;
  const dataBytes = frames * nch * bps;
  const buf = Buffer.alloc(44 + dataBytes);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + dataBytes, 4);
  buf.write('WAVE', 8, 'ascii');
  buf.write('fmt ', 12, 'ascii');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(isFloat ? WAVE_FORMAT_IEEE_FLOAT : WAVE_FORMAT_PCM, 20);
  buf.writeUInt16LE(nch, 22);
  buf.writeUInt32LE(sampleRate, 24);
  buf.writeUInt32LE(sampleRate * nch * bps, 28);
  buf.writeUInt16LE(nch * bps, 32);
  buf.writeUInt16LE(bits, 34);
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(dataBytes, 40);
  let at = 44;
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < nch; c++) {
      const v = channels[c][i];
      if (isFloat) {
        if (bits === 32) buf.writeFloatLE(v, at);
        else buf.writeDoubleLE(v, at);
      } else {
        const x = v > 1 ? 1 : v < -1 ? -1 : Number.isNaN(v) ? 0 : v;
        if (bits === 8) buf.writeUInt8(Math.max(0, Math.min(255, Math.round(x * 127) + 128)), at);
        else if (bits === 16) buf.writeInt16LE(Math.round(x * 32767), at);
        else if (bits === 24) buf.writeIntLE(Math.round(x * 8388607), at, 3);
        else buf.writeInt32LE(Math.round(x * 2147483647), at);
      }
      at += bps;
    }
  }
  return buf;
}

/** True when the bytes start like a RIFF/WAVE file. */
export function looksLikeWav(buf: Uint8Array): boolean {
  return buf.length >= 12 && ascii(buf, 0) === 'RIFF' && ascii(buf, 8) === 'WAVE';
}

function ascii(buf: Uint8Array, at: number): string {
  return String.fromCharCode(buf[at], buf[at + 1], buf[at + 2], buf[at + 3]);
}

/** Where a PCM / float WAV's samples are and how they are laid out (no sample is read). */
export interface WavLayout {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  encoding: 'int' | 'float';
  /** Byte offset of the first sample frame. */
  dataOffset: number;
  /** Sample frames (samples per channel). */
  frames: number;
}

/**
 * Reads a WAV's header chunks only. Returns null when the file is not a WAV this parser handles
 * (the caller falls back to ffmpeg). Throws `truncated_file` when the header or the sample data
 * ends early and `corrupt_file` when the RIFF structure is invalid.
 */
export function readWavLayout(input: Uint8Array, file?: string): WavLayout | null {
  if (!looksLikeWav(input)) return null;
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  let pos = 12;
  let fmt: { format: number; channels: number; sampleRate: number; blockAlign: number; bits: number } | null = null;
  while (true) {
    if (pos + 8 > input.length) {
      throw new AvError('truncated_file', fmt ? 'WAV file ends before its data chunk' : 'WAV file ends before its format chunk', { file });
    }
    const id = ascii(input, pos);
    const size = view.getUint32(pos + 4, true);
    const body = pos + 8;
    if (id === 'fmt ') {
      if (size < 16) throw new AvError('corrupt_file', `WAV format chunk too small (${size} bytes)`, { file });
      if (body + 16 > input.length) throw new AvError('truncated_file', 'WAV file ends inside its format chunk', { file });
      let format = view.getUint16(body, true);
      const channels = view.getUint16(body + 2, true);
      const sampleRate = view.getUint32(body + 4, true);
      const blockAlign = view.getUint16(body + 12, true);
      const bits = view.getUint16(body + 14, true);
      if (format === WAVE_FORMAT_EXTENSIBLE) {
        if (size < 40 || body + 26 > input.length) return null; // let ffmpeg judge an odd extensible header
        format = view.getUint16(body + 24, true); // first two bytes of the SubFormat GUID
      }
      if (channels === 0 || sampleRate === 0) throw new AvError('corrupt_file', `WAV header has ${channels} channels at ${sampleRate} Hz`, { file });
      fmt = { format, channels, sampleRate, blockAlign, bits };
    } else if (id === 'data') {
      if (!fmt) throw new AvError('corrupt_file', 'WAV data chunk before its format chunk', { file });
      const supported =
        (fmt.format === WAVE_FORMAT_PCM && [8, 16, 24, 32].includes(fmt.bits)) ||
        (fmt.format === WAVE_FORMAT_IEEE_FLOAT && (fmt.bits === 32 || fmt.bits === 64));
      if (!supported) return null;
      const bytesPerSample = fmt.bits / 8;
      if (fmt.blockAlign !== bytesPerSample * fmt.channels) throw new AvError('corrupt_file', `WAV block align ${fmt.blockAlign} does not match ${fmt.channels}×${fmt.bits}-bit`, { file });
      // 0xFFFFFFFF (and 0 followed by bytes, as some streaming writers leave it) means "to the end of file"
      const available = input.length - body;
      let dataBytes = size;
      if (size === 0xffffffff) dataBytes = available - (available % fmt.blockAlign);
      if (dataBytes > available) {
        throw new AvError('truncated_file', `WAV data chunk declares ${size} bytes but only ${available} are present`, { file, details: { declared: size, available } });
      }
      if (dataBytes % fmt.blockAlign !== 0) throw new AvError('truncated_file', 'WAV data ends in the middle of a sample frame', { file });
      return {
        sampleRate: fmt.sampleRate,
        channels: fmt.channels,
        bitsPerSample: fmt.bits,
        encoding: fmt.format === WAVE_FORMAT_IEEE_FLOAT ? 'float' : 'int',
        dataOffset: body,
        frames: dataBytes / fmt.blockAlign,
      };
    }
    pos = body + size + (size & 1); // chunks are word-aligned
  }
}

/**
 * Parses a PCM / float WAV into mono samples. Returns null when the file is not a WAV this parser
 * handles (the caller falls back to ffmpeg). Throws `truncated_file` when the header or the sample
 * data ends early and `corrupt_file` when the RIFF structure is invalid.
 */
export function parseWav(input: Uint8Array, file?: string): ParsedWav | null {
  const l = readWavLayout(input, file);
  if (!l) return null;
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  return {
    sampleRate: l.sampleRate,
    channels: l.channels,
    bitsPerSample: l.bitsPerSample,
    encoding: l.encoding,
    samples: toMono(view, l.dataOffset, l.frames, l.channels, l.bitsPerSample, l.encoding === 'float'),
  };
}

function toMono(view: DataView, start: number, frames: number, channels: number, bits: number, isFloat: boolean): Float32Array {
  const out = new Float32Array(frames);
  const bps = bits / 8;
  const read: (at: number) => number = isFloat
    ? bits === 32
      ? (at) => view.getFloat32(at, true)
      : (at) => view.getFloat64(at, true)
    : bits === 8
      ? (at) => (view.getUint8(at) - 128) / 128
      : bits === 16
        ? (at) => view.getInt16(at, true) / 32768
        : bits === 24
          ? (at) => ((view.getUint8(at) | (view.getUint8(at + 1) << 8) | (view.getInt8(at + 2) << 16)) / 8388608)
          : (at) => view.getInt32(at, true) / 2147483648;
  const frameBytes = bps * channels;
  if (channels === 1) {
    for (let i = 0; i < frames; i++) out[i] = read(start + i * frameBytes);
    return out;
  }
  for (let i = 0; i < frames; i++) {
    let acc = 0;
    const at = start + i * frameBytes;
    for (let c = 0; c < channels; c++) acc += read(at + c * bps);
    out[i] = acc / channels;
  }
  return out;
}

// NumPy .npy files (format v1.0): little-endian float32, C order. The header is the magic
// "\x93NUMPY", version 1.0, a uint16 LE header length, then a Python dict literal padded with
// spaces and ending in '\n' so that the data starts at a multiple of 64 bytes.
import { AvError } from '../errors';

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY
const ALIGN = 64;

/** Python tuple literal for a shape: () , (5,) , (128, 44). */
export function shapeLiteral(shape: readonly number[]): string {
  if (shape.length === 0) return '()';
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(', ')})`;
}

/** Float32 data + shape → .npy bytes ('<f4', fortran_order False). */
export function encodeNpy(data: Float32Array, shape: readonly number[]): Buffer {
  for (const d of shape) if (!Number.isInteger(d) || d < 0) throw new AvError('bad_request', `invalid .npy shape ${shapeLiteral(shape)}`);
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new AvError('bad_request', `.npy shape ${shapeLiteral(shape)} holds ${count} values but ${data.length} were given`);
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeLiteral(shape)}, }`;
  const preamble = MAGIC.length + 2 + 2; // magic, version, header length
  const unpadded = preamble + dict.length + 1; // + '\n'
  const total = Math.ceil(unpadded / ALIGN) * ALIGN;
  const header = dict + ' '.repeat(total - unpadded) + '\n';
  if (header.length > 0xffff) throw new AvError('bad_request', '.npy header too long for format v1.0');
  const out = Buffer.alloc(total + data.length * 4);
  MAGIC.copy(out, 0);
  out[6] = 1; // major
  out[7] = 0; // minor
  out.writeUInt16LE(header.length, 8);
  out.write(header, 10, 'latin1');
  const le = new DataView(out.buffer, out.byteOffset + total, data.length * 4);
  for (let i = 0; i < data.length; i++) le.setFloat32(i * 4, data[i], true);
  return out;
}

export interface NpyArray {
  data: Float32Array;
  shape: number[];
}

/** Reads a little-endian float32 (or float64, converted) C-order .npy (v1/v2/v3). */
export function decodeNpy(buf: Uint8Array, file?: string): NpyArray {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 10 || !b.subarray(0, 6).equals(MAGIC)) throw new AvError('corrupt_file', 'not a .npy file', { file });
  const major = b[6];
  const headerLen = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  if (start + headerLen > b.length) throw new AvError('truncated_file', '.npy header ends early', { file });
  const header = b.toString('latin1', start, start + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw new AvError('corrupt_file', `unreadable .npy header ${header.trim()}`, { file });
  if (fortran === 'True') throw new AvError('unsupported', '.npy in Fortran order', { file });
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const count = shape.reduce((a, c) => a * c, 1);
  const dataStart = start + headerLen;
  const size = descr === '<f4' ? 4 : descr === '<f8' ? 8 : 0;
  if (!size) throw new AvError('unsupported', `.npy dtype ${descr} (expected <f4 or <f8)`, { file });
  if (dataStart + count * size > b.length) throw new AvError('truncated_file', '.npy data ends early', { file });
  const view = new DataView(b.buffer, b.byteOffset + dataStart, count * size);
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = size === 4 ? view.getFloat32(i * 4, true) : view.getFloat64(i * 8, true);
  return { data, shape };
}

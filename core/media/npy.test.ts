import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpy, shapeLiteral } from './npy';
import { scratchDir } from './testUtil';

describe('.npy writer', () => {
  it('writes a v1.0 header aligned to 64 bytes', () => {
    const buf = encodeNpy(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
    expect(Array.from(buf.subarray(0, 8))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    const hlen = buf.readUInt16LE(8);
    expect((10 + hlen) % 64).toBe(0);
    const header = buf.toString('latin1', 10, 10 + hlen);
    expect(header.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }")).toBe(true);
    expect(header.endsWith('\n')).toBe(true);
    expect(buf.length).toBe(10 + hlen + 24);
    expect(buf.readFloatLE(10 + hlen + 20)).toBe(6);
  });

  it('writes Python tuple literals', () => {
    expect(shapeLiteral([])).toBe('()');
    expect(shapeLiteral([5])).toBe('(5,)');
    expect(shapeLiteral([128, 44])).toBe('(128, 44)');
  });

  it('round-trips and refuses a shape that does not match', () => {
    const d = Float32Array.from({ length: 128 * 44 }, (_, i) => Math.sin(i));
    const back = decodeNpy(encodeNpy(d, [128, 44]));
    expect(back.shape).toEqual([128, 44]);
    expect(Array.from(back.data)).toEqual(Array.from(d));
    expect(() => encodeNpy(d, [128, 43])).toThrow(/shape/);
  });

  it.skipIf(!existsSync('/usr/bin/python3') || spawnSync('/usr/bin/python3', ['-c', 'import numpy']).status !== 0)('numpy reads it', () => {
    const s = scratchDir();
    try {
      writeFileSync(s.path('a.npy'), encodeNpy(Float32Array.from([1.5, -2, 3, 4, 5, 6]), [3, 2]));
      writeFileSync(s.path('b.npy'), encodeNpy(Float32Array.from([7]), [1]));
      const r = spawnSync('/usr/bin/python3', ['-c', `import numpy as np; a=np.load('${s.path('a.npy')}'); b=np.load('${s.path('b.npy')}'); print(a.dtype, a.shape, a.flags['C_CONTIGUOUS'], a[0,0], a[2,1], b.shape)`], { encoding: 'utf8' });
      expect(r.stdout.trim()).toBe('float32 (3, 2) True 1.5 6.0 (1,)');
    } finally {
      s.cleanup();
    }
  });
});

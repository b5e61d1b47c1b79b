// End-to-end: `avstudio features` / `avstudio frame` through bin/avstudio.mjs.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeNpy } from '../../core/media/npy';
import { ffmpegMake, scratchDir, tone } from '../../core/media/testUtil';
import { encodeWav } from '../../core/media/wav';

const BIN = fileURLToPath(new URL('../../bin/avstudio.mjs', import.meta.url));
const s = scratchDir();
afterAll(() => s.cleanup());

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, json: r.stdout ? (JSON.parse(r.stdout) as Record<string, unknown>) : null, stderr: r.stderr };
}

describe('avstudio features / frame', () => {
  const wav = s.path('tone.wav');
  writeFileSync(wav, encodeWav(tone(2, [[440, 0.5]]), 44100));

  it('writes a 128×44 LMS .npy for a 0.5 s clip', () => {
    const out = s.path('lms.npy');
    const r = cli(['features', wav, '--rep', 'lms', '--start', '1', '--out', out, '--json']);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ rep: 'lms', shape: [128, 44], samples: 22050, out });
    const npy = decodeNpy(readFileSync(out));
    expect(npy.shape).toEqual([128, 44]);
    expect(Math.max(...npy.data)).toBeCloseTo(r.json!.max as number, 4);
  });

  it('reports a window past the end as out_of_range with exit code 2', () => {
    const r = cli(['features', wav, '--rep', 'mfcc', '--start', '1.8', '--out', s.path('x.npy'), '--json']);
    expect(r.code).toBe(2);
    expect(r.json).toMatchObject({ error: { kind: 'out_of_range', file: wav } });
  });

  it('refuses silent audio unless --allow-silent', () => {
    const silent = s.path('silent.wav');
    writeFileSync(silent, encodeWav(new Float32Array(44100), 44100));
    expect(cli(['features', silent, '--out', s.path('s.npy'), '--json']).json).toMatchObject({ error: { kind: 'silent_audio', file: silent } });
    expect(cli(['features', silent, '--allow-silent', '--out', s.path('s.npy'), '--json']).code).toBe(0);
  });

  it('writes a video frame as PNG', () => {
    const video = s.path('v.mp4');
    ffmpegMake(['-f', 'lavfi', '-i', 'testsrc=size=80x60:rate=10:duration=1', '-c:v', 'mpeg4', video]);
    const out = s.path('f.png');
    const r = cli(['frame', video, '--at', '0.5', '--out', out, '--json']);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ width: 80, height: 60, out });
    expect(readFileSync(out).subarray(1, 4).toString('ascii')).toBe('PNG');
  });
});

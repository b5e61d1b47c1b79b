// Small real media for the dataset tests (built at test time; nothing stored in git): URMP-layout
// pieces with ffmpeg-made videos and synthesised tracks, INIS-layout folders, a Sub-URMP release.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { openCatalog, type Catalog } from '../catalog/catalog';
import { findFfmpeg } from '../env/ffmpeg';
import { SAMPLE_RATE } from '../media/constants';
import { encodeWav } from '../media/wav';

export function tempDir(prefix = 'avds-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function tempCatalog(dir = tempDir()): Catalog {
  return openCatalog(join(dir, 'catalog.sqlite'));
}

/** A tone of `seconds` at `hz`; [silentFrom, silentTo) seconds are digital silence. */
export function tone(seconds: number, hz: number, silence?: [number, number], sampleRate = SAMPLE_RATE): Float32Array {
  const out = new Float32Array(Math.round(seconds * sampleRate));
  for (let i = 0; i < out.length; i++) {
    const t = i / sampleRate;
    out[i] = silence && t >= silence[0] && t < silence[1] ? 0 : 0.25 * Math.sin(2 * Math.PI * hz * t) + 0.05 * Math.sin(2 * Math.PI * 3 * hz * t);
  }
  return out;
}

export function makeVideo(file: string, seconds: number, pattern = 'testsrc'): void {
  const ff = findFfmpeg();
  if (!ff) throw new Error('ffmpeg is needed for the dataset tests');
  execFileSync(ff.path, ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `${pattern}=size=160x120:rate=10`, '-t', String(seconds), '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-preset', 'ultrafast', file]);
}

export interface UrmpFixture {
  root: string;
}

/**
 * Pieces:
 *  01_Jupiter_vn_vc  video 3 s; vn 3 s with silence 1.0–2.0 s (6 silent windows), vc 3 s
 *  02_Sonata_fl      video 3 s; fl 4 s (windows from 3.0 s have no frame)
 *  03_Dance_vn_fl    video 3 s; vn, fl 3 s; plus AuSep_2_ob (mislabeled) — fl track missing
 *  04_Bad_xyz        unknown code → skipped folder
 *  05_Lost_vc        no video → skipped
 */
export function makeUrmpFixture(root = tempDir('urmp-')): UrmpFixture {
  const piece = (folder: string, videoS: number | null, tracks: Array<[string, number, number, [number, number]?]>) => {
    const dir = join(root, folder);
    mkdirSync(dir, { recursive: true });
    const [nn, name] = folder.split('_');
    if (videoS !== null) makeVideo(join(dir, `Vid_${folder}.mp4`), videoS, ({ '01': 'testsrc', '02': 'smptebars', '03': 'testsrc2' } as Record<string, string>)[nn] ?? 'rgbtestsrc');
    writeFileSync(join(dir, `AuMix_${folder}.wav`), encodeWav(tone(1, 200), SAMPLE_RATE));
    writeFileSync(join(dir, `Notes_1_xx_${nn}_${name}.txt`), 'ignored');
    tracks.forEach(([file, seconds, hz, silence]) => writeFileSync(join(dir, file), encodeWav(tone(seconds, hz, silence), SAMPLE_RATE)));
  };
  piece('01_Jupiter_vn_vc', 3, [['AuSep_1_vn_01_Jupiter.wav', 3, 440, [1, 2]], ['AuSep_2_vc_01_Jupiter.wav', 3, 130]]);
  piece('02_Sonata_fl', 3, [['AuSep_1_fl_02_Sonata.wav', 4, 880]]);
  piece('03_Dance_vn_fl', 3, [['AuSep_1_vn_03_Dance.wav', 3, 494], ['AuSep_2_ob_03_Dance.wav', 3, 600]]);
  piece('04_Bad_xyz', null, [['AuSep_1_xyz_04_Bad.wav', 1, 300]]);
  piece('05_Lost_vc', null, [['AuSep_1_vc_05_Lost.wav', 1, 150]]);
  return { root };
}

export async function solidImage(file: string, rgb: [number, number, number], w = 80, h = 60): Promise<void> {
  const png = await sharp({ create: { width: w, height: h, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .composite([{ input: Buffer.from(`<svg width="${w}" height="${h}"><circle cx="${w / 2}" cy="${h / 2}" r="${h / 4}" fill="white"/></svg>`) }])
    .jpeg()
    .toBuffer();
  writeFileSync(file, png);
}

/**
 * A Sub-URMP release: violin train ×3 (violin01_0, _100, _200), violin validation ×2, cello train ×2
 * (one chunk at 22.05 kHz stereo), flute train: one unpaired picture; a corrupt jpg (cello
 * validation); an unknown instrument folder (banjo).
 */
export async function makeReleaseFixture(root = tempDir('release-')): Promise<string> {
  const base = join(root, 'Sub-URMP');
  const put = async (split: string, inst: string, name: string, rgb: [number, number, number], hz: number | null, img: 'ok' | 'corrupt' | 'none' = 'ok') => {
    const imgDir = join(base, 'img', split, inst);
    const chunkDir = join(base, 'chunk', split, inst);
    mkdirSync(imgDir, { recursive: true });
    mkdirSync(chunkDir, { recursive: true });
    if (img === 'ok') await solidImage(join(imgDir, `${name}.jpg`), rgb);
    if (img === 'corrupt') writeFileSync(join(imgDir, `${name}.jpg`), Buffer.from('this is not a jpeg at all'));
    if (hz !== null) writeFileSync(join(chunkDir, `${name}.wav`), encodeWav(tone(0.5, hz), SAMPLE_RATE));
  };
  await put('train', 'violin', 'violin01_0', [200, 30, 30], 440);
  await put('train', 'violin', 'violin01_100', [190, 40, 30], 450);
  await put('train', 'violin', 'violin02_0', [180, 50, 30], 460);
  await put('validation', 'violin', 'violin05_0', [170, 60, 30], 470);
  await put('validation', 'violin', 'violin05_100', [160, 70, 30], 480);
  await put('train', 'cello', 'cello01_0', [30, 30, 200], 130);
  await put('train', 'cello', 'cello01_100', [30, 40, 190], null);
  await put('train', 'flute', 'flute01_0', [30, 200, 30], null);
  await put('validation', 'cello', 'cello03_0', [0, 0, 0], 140, 'corrupt');
  await put('train', 'banjo', 'banjo01_0', [90, 90, 90], 300);
  // the second cello chunk at 22.05 kHz stereo
  const ff = findFfmpeg()!;
  const src = join(root, 'cello_src.wav');
  writeFileSync(src, encodeWav(tone(0.5, 135), SAMPLE_RATE));
  execFileSync(ff.path, ['-hide_banner', '-loglevel', 'error', '-y', '-i', src, '-ar', '22050', '-ac', '2', join(base, 'chunk', 'train', 'cello', 'cello01_100.wav')]);
  return root;
}

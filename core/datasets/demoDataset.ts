// The built-in demo dataset: a few instruments, each with synthesised tracks (tones with distinct
// timbres: additive harmonics, vibrato, breath noise, attacks) and simple rendered pictures, paired
// the Sub-URMP way (paper §4.1): 0.5 s windows with 0.1 s stride, the split made per track (a
// track plays the role of a video, so no track is in both splits). Everything is made at run time;
// no media is stored in git.
import sharp from 'sharp';
import { createDataset } from '../catalog/datasetsRepo';
import { insertPairs, type PairInput } from '../catalog/pairsRepo';
import { upsertSource } from '../catalog/sourcesRepo';
import type { Catalog } from '../catalog/catalog';
import type { BlobStore } from '../store/blobStore';
import { encodeWav } from '../media/wav';
import { SAMPLE_RATE, STRIDE_SECONDS, WINDOW_SECONDS } from '../media/constants';
import { mulberry32 } from '../rng'; // deterministic: the demo is the same on every machine

export const DEMO_DATASET_NAME = 'demo';
const TRACK_SECONDS = 3;
const TRACKS_PER_INSTRUMENT = 2; // track 0 → train, track 1 → test
const IMAGES_PER_INSTRUMENT = 4;
const IMAGE_SIZE = 96;

interface Timbre {
  /** relative amplitude of harmonic k (k = 1…) */
  harmonic: (k: number) => number;
  vibratoHz: number;
  vibratoDepth: number;
  noise: number;
  attackS: number;
}

export interface DemoInstrument {
  code: string;
  name: string;
  timbre: Timbre;
  notesHz: number[][]; // one melody per track
  svg: (variant: number) => string;
}

const background = (variant: number) => ['#f4efe6', '#e6eef4', '#eef4e6', '#f4e6ee'][variant % 4];

export const DEMO_INSTRUMENTS: DemoInstrument[] = [
  {
    code: 'vn',
    name: 'violin',
    timbre: { harmonic: (k) => 1 / k, vibratoHz: 5.5, vibratoDepth: 0.006, noise: 0.01, attackS: 0.06 },
    notesHz: [[440, 494, 523, 587, 659, 587], [392, 440, 494, 440, 392, 349]],
    svg: (v) => `<rect width="96" height="96" fill="${background(v)}"/>
      <g transform="rotate(${-20 + v * 12} 48 48) translate(${v * 3} 0)">
        <ellipse cx="48" cy="62" rx="18" ry="22" fill="#8b4513"/><ellipse cx="48" cy="38" rx="13" ry="14" fill="#8b4513"/>
        <rect x="45" y="6" width="6" height="30" fill="#3b1f0a"/><rect x="46.5" y="20" width="3" height="60" fill="#222"/>
      </g>`,
  },
  {
    code: 'fl',
    name: 'flute',
    timbre: { harmonic: (k) => (k === 1 ? 1 : k === 2 ? 0.2 : k === 3 ? 0.05 : 0), vibratoHz: 4.5, vibratoDepth: 0.003, noise: 0.04, attackS: 0.04 },
    notesHz: [[880, 988, 1047, 1175, 1047, 988], [784, 880, 988, 880, 784, 698]],
    svg: (v) => `<rect width="96" height="96" fill="${background(v + 1)}"/>
      <g transform="rotate(${-30 + v * 15} 48 48)">
        <rect x="6" y="44" width="84" height="8" rx="3" fill="#c0c0c8"/>
        ${[0, 1, 2, 3, 4, 5].map((i) => `<circle cx="${30 + i * 9}" cy="48" r="2" fill="#555"/>`).join('')}
      </g>`,
  },
  {
    code: 'cl',
    name: 'clarinet',
    timbre: { harmonic: (k) => (k % 2 === 1 ? 1 / k : 0.02), vibratoHz: 0, vibratoDepth: 0, noise: 0.005, attackS: 0.03 },
    notesHz: [[220, 247, 262, 294, 330, 294], [196, 220, 247, 220, 196, 175]],
    svg: (v) => `<rect width="96" height="96" fill="${background(v + 2)}"/>
      <g transform="rotate(${-15 + v * 10} 48 48)">
        <rect x="44" y="8" width="8" height="70" fill="#1a1a1a"/>
        <path d="M40 78 L56 78 L62 90 L34 90 Z" fill="#1a1a1a"/>
        ${[0, 1, 2, 3].map((i) => `<rect x="43" y="${24 + i * 12}" width="10" height="2" fill="#bbb"/>`).join('')}
      </g>`,
  },
  {
    code: 'tpt',
    name: 'trumpet',
    timbre: { harmonic: (k) => (k <= 8 ? 1 / Math.sqrt(k) : 0), vibratoHz: 0, vibratoDepth: 0, noise: 0.008, attackS: 0.02 },
    notesHz: [[523, 587, 659, 698, 784, 698], [466, 523, 587, 523, 466, 440]],
    svg: (v) => `<rect width="96" height="96" fill="${background(v + 3)}"/>
      <g transform="rotate(${-10 + v * 8} 48 48)">
        <rect x="10" y="44" width="56" height="6" fill="#d4a017"/>
        <path d="M66 47 L90 30 L90 64 Z" fill="#e8b923"/>
        ${[0, 1, 2].map((i) => `<rect x="${30 + i * 8}" y="34" width="4" height="10" fill="#b8860b"/>`).join('')}
      </g>`,
  },
];

/** Synthesises one track: a melody of equal-length notes in the instrument's timbre. */
export function synthTrack(timbre: Timbre, notesHz: number[], seconds: number, seed: number): Float32Array {
  const out = new Float32Array(Math.round(seconds * SAMPLE_RATE));
  const rand = mulberry32(seed);
  const noteLen = Math.floor(out.length / notesHz.length);
  for (let n = 0; n < notesHz.length; n++) {
    const f0 = notesHz[n];
    const maxK = Math.max(1, Math.floor(16_000 / f0));
    let phase = 0;
    for (let i = 0; i < noteLen; i++) {
      const t = i / SAMPLE_RATE;
      const f = f0 * (1 + timbre.vibratoDepth * Math.sin(2 * Math.PI * timbre.vibratoHz * t));
      phase += (2 * Math.PI * f) / SAMPLE_RATE;
      let s = 0;
      for (let k = 1; k <= Math.min(maxK, 20); k++) {
        const a = timbre.harmonic(k);
        if (a) s += a * Math.sin(k * phase);
      }
      const env = Math.min(1, t / timbre.attackS) * Math.min(1, (noteLen - i) / (0.02 * SAMPLE_RATE));
      out[n * noteLen + i] = 0.25 * env * s + timbre.noise * (rand() * 2 - 1);
    }
  }
  return out;
}

export async function renderInstrumentImage(inst: DemoInstrument, variant: number): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${IMAGE_SIZE}" height="${IMAGE_SIZE}" viewBox="0 0 96 96">${inst.svg(variant)}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** Creates the demo dataset in the catalog (all rows in one transaction); returns its id. */
export interface DemoOptions {
  /** seconds per track (default 3 s → 26 windows a track); tests use shorter tracks */
  trackSeconds?: number;
}

export async function createDemoDataset(cat: Catalog, blobs: BlobStore, name = DEMO_DATASET_NAME, opts: DemoOptions = {}): Promise<number> {
  const trackSeconds = opts.trackSeconds ?? TRACK_SECONDS;
  // Media first (content-addressed, idempotent), then every catalog row in one transaction.
  const media: Array<{ inst: DemoInstrument; tracks: Array<{ hash: string; bytes: number; file: string }>; images: Array<{ hash: string; bytes: number; file: string }> }> = [];
  for (const [i, inst] of DEMO_INSTRUMENTS.entries()) {
    const tracks = inst.notesHz.slice(0, TRACKS_PER_INSTRUMENT).map((notes, t) => {
      const wav = encodeWav(synthTrack(inst.timbre, notes, trackSeconds, 1000 * i + t), SAMPLE_RATE);
      const hash = blobs.put(wav, 'wav');
      return { hash, bytes: wav.length, file: `${inst.name}_track${t + 1}.wav` };
    });
    const images = [];
    for (let v = 0; v < IMAGES_PER_INSTRUMENT; v++) {
      const png = await renderInstrumentImage(inst, v);
      images.push({ hash: blobs.put(png, 'png'), bytes: png.length, file: `${inst.name}_${v + 1}.png` });
    }
    media.push({ inst, tracks, images });
  }
  return cat.tx(() => {
    const datasetId = createDataset(cat, {
      name,
      kind: 'demo',
      description: 'Built-in demo: synthesised instrument tones paired with rendered pictures',
      config: { windowS: WINDOW_SECONDS, strideS: STRIDE_SECONDS, trackS: trackSeconds },
    });
    for (const { inst, tracks, images } of media) {
      const imageIds = images.map((im) =>
        upsertSource(cat, { hash: im.hash, kind: 'image', path: blobs.pathFor(im.hash, 'png'), originalName: im.file, bytes: im.bytes, width: IMAGE_SIZE, height: IMAGE_SIZE }),
      );
      tracks.forEach((tr, t) => {
        const audioId = upsertSource(cat, { hash: tr.hash, kind: 'audio', path: blobs.pathFor(tr.hash, 'wav'), originalName: tr.file, bytes: tr.bytes, durationS: trackSeconds });
        const windows = Math.floor((trackSeconds - WINDOW_SECONDS) / STRIDE_SECONDS + 1e-9) + 1;
        const pairs: PairInput[] = [];
        for (let k = 0; k < windows; k++) {
          const startS = Math.round(k * STRIDE_SECONDS * 1000) / 1000;
          pairs.push({
            pairKey: `${inst.code}/${t}/${k}`,
            instrument: inst.code,
            split: t === 0 ? 'train' : 'test',
            audioSourceId: audioId,
            imageSourceId: imageIds[k % imageIds.length],
            groupKey: tr.file,
            startS,
            state: 'accepted',
          });
        }
        insertPairs(cat, datasetId, pairs);
      });
    }
    return datasetId;
  });
}

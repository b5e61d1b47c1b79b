// A 5-class image–sound dataset the studio makes itself, for the fidelity report (bench/fidelity.ts,
// README "Fidelity"): the demo's four instruments (core/datasets/demoDataset.ts: timbres, pictures,
// synthTrack) plus a horn, with variation within a class that the demo lacks — every track plays a
// random melody in the instrument's range with its own loudness, vibrato depth and breath noise, and
// every pair gets its own rendering of the instrument's picture (background colour, rotation, shift,
// scale). Pairs are made the Sub-URMP way (§4.1): 0.5 s windows with 0.1 s stride, the split per
// track, and test pictures are renderings never used in training. Deterministic for a seed.
import sharp from 'sharp';
import { createDataset } from '../catalog/datasetsRepo';
import { insertPairs, type PairInput } from '../catalog/pairsRepo';
import { upsertSource } from '../catalog/sourcesRepo';
import type { Catalog } from '../catalog/catalog';
import type { BlobStore } from '../store/blobStore';
import { encodeWav } from '../media/wav';
import { SAMPLE_RATE, STRIDE_SECONDS, WINDOW_SECONDS } from '../media/constants';
import { createRng, type Rng } from '../rng';
import { DEMO_INSTRUMENTS, synthTrack, type DemoInstrument } from './demoDataset';

export const FIDELITY_DATASET_NAME = 'fidelity5';
const IMAGE_SIZE = 96;

/** A fifth instrument for the demo's four: a horn (harmonics peaking at the 2nd, a coiled picture). */
export const HORN: DemoInstrument = {
  code: 'hn',
  name: 'horn',
  timbre: { harmonic: (k) => [0.6, 1, 0.7, 0.4, 0.2, 0.1][k - 1] ?? 0, vibratoHz: 0, vibratoDepth: 0, noise: 0.006, attackS: 0.08 },
  notesHz: [[175, 196, 220, 233, 262, 294], [165, 185, 208, 247, 277, 311]],
  svg: (v) => `<rect width="96" height="96" fill="#eef0f4"/>
    <g transform="rotate(${v * 20} 48 48)">
      <circle cx="48" cy="50" r="24" fill="none" stroke="#c9a227" stroke-width="7"/>
      <circle cx="48" cy="50" r="11" fill="none" stroke="#b8860b" stroke-width="4"/>
      <path d="M66 34 L88 12 L94 24 Z" fill="#e3b52c"/>
    </g>`,
};

export const FIDELITY_INSTRUMENTS: DemoInstrument[] = [...DEMO_INSTRUMENTS, HORN];

export interface FidelityDatasetOptions {
  /** training tracks per instrument (each `trackSeconds` long → (trackSeconds − 0.5)/0.1 + 1 windows) */
  trainTracks?: number;
  testTracks?: number;
  /** 5.4 s → 50 windows a track; 4 training tracks × 5 instruments → 1,000 training pairs */
  trackSeconds?: number;
  /** distinct picture renderings per instrument for training pairs (test pairs get others) */
  trainImages?: number;
  testImages?: number;
  seed?: number;
}

const DEFAULTS: Required<FidelityDatasetOptions> = { trainTracks: 4, testTracks: 1, trackSeconds: 5.4, trainImages: 40, testImages: 10, seed: 2017 };

/** One track: a random 9-note melody from the instrument's notes (±2 semitones), its own loudness, vibrato and noise. */
export function fidelityTrack(inst: DemoInstrument, seconds: number, rng: Rng): Float32Array {
  const pool = inst.notesHz.flat();
  const notes = Array.from({ length: 9 }, () => pool[rng.int(pool.length)] * 2 ** ((rng.int(5) - 2) / 12));
  const timbre = {
    ...inst.timbre,
    vibratoDepth: inst.timbre.vibratoDepth * (0.5 + rng.next()),
    noise: inst.timbre.noise * (0.5 + 1.5 * rng.next()),
  };
  const out = synthTrack(timbre, notes, seconds, rng.seed());
  const gain = 0.5 + 0.7 * rng.next();
  for (let i = 0; i < out.length; i++) out[i] *= gain;
  return out;
}

const BACKGROUNDS = ['#f4efe6', '#e6eef4', '#eef4e6', '#f4e6ee', '#fafafa', '#e8e4f0', '#f0ece0', '#dde8e8'];

/** One rendering of an instrument's picture: the demo's drawing under a random background, rotation, shift and scale. */
export async function fidelityImage(inst: DemoInstrument, rng: Rng): Promise<Buffer> {
  const bg = BACKGROUNDS[rng.int(BACKGROUNDS.length)];
  const angle = -25 + 50 * rng.next();
  const dx = -8 + 16 * rng.next();
  const dy = -8 + 16 * rng.next();
  const scale = 0.8 + 0.3 * rng.next();
  const inner = inst.svg(rng.int(4));
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${IMAGE_SIZE}" height="${IMAGE_SIZE}" viewBox="0 0 96 96"><rect width="96" height="96" fill="${bg}"/>`
    + `<g transform="translate(${(48 + dx).toFixed(2)} ${(48 + dy).toFixed(2)}) rotate(${angle.toFixed(2)}) scale(${scale.toFixed(3)}) translate(-48 -48)">${inner}</g></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** Creates the dataset (media in the blob store, every catalog row in one transaction); returns its id. */
export async function createFidelityDataset(cat: Catalog, blobs: BlobStore, name = FIDELITY_DATASET_NAME, options: FidelityDatasetOptions = {}): Promise<number> {
  const o = { ...DEFAULTS, ...options };
  const rng = createRng(o.seed);
  type Blob = { hash: string; bytes: number; file: string };
  const media: Array<{ inst: DemoInstrument; tracks: Array<Blob & { split: 'train' | 'test' }>; images: { train: Blob[]; test: Blob[] } }> = [];
  for (const inst of FIDELITY_INSTRUMENTS) {
    const tracks: Array<Blob & { split: 'train' | 'test' }> = [];
    for (let t = 0; t < o.trainTracks + o.testTracks; t++) {
      const wav = encodeWav(fidelityTrack(inst, o.trackSeconds, rng), SAMPLE_RATE);
      tracks.push({ hash: blobs.put(wav, 'wav'), bytes: wav.length, file: `${inst.name}_track${t + 1}.wav`, split: t < o.trainTracks ? 'train' : 'test' });
    }
    const images: { train: Blob[]; test: Blob[] } = { train: [], test: [] };
    for (let v = 0; v < o.trainImages + o.testImages; v++) {
      const png = await fidelityImage(inst, rng);
      (v < o.trainImages ? images.train : images.test).push({ hash: blobs.put(png, 'png'), bytes: png.length, file: `${inst.name}_${v + 1}.png` });
    }
    media.push({ inst, tracks, images });
  }
  const windows = Math.floor((o.trackSeconds - WINDOW_SECONDS) / STRIDE_SECONDS + 1e-9) + 1;
  return cat.tx(() => {
    const datasetId = createDataset(cat, {
      name,
      kind: 'demo',
      description: 'Fidelity dataset: five synthesised instruments with varied melodies and picture renderings (README "Fidelity")',
      config: { windowS: WINDOW_SECONDS, strideS: STRIDE_SECONDS, trackS: o.trackSeconds, seed: o.seed, generator: 'fidelity' },
    });
    for (const { inst, tracks, images } of media) {
      const imageIds = {
        train: images.train.map((im) => upsertSource(cat, { hash: im.hash, kind: 'image', path: blobs.pathFor(im.hash, 'png'), originalName: im.file, bytes: im.bytes, width: IMAGE_SIZE, height: IMAGE_SIZE })),
        test: images.test.map((im) => upsertSource(cat, { hash: im.hash, kind: 'image', path: blobs.pathFor(im.hash, 'png'), originalName: im.file, bytes: im.bytes, width: IMAGE_SIZE, height: IMAGE_SIZE })),
      };
      const used = { train: 0, test: 0 };
      for (const [t, tr] of tracks.entries()) {
        const audioId = upsertSource(cat, { hash: tr.hash, kind: 'audio', path: blobs.pathFor(tr.hash, 'wav'), originalName: tr.file, bytes: tr.bytes, durationS: o.trackSeconds });
        const pairs: PairInput[] = [];
        for (let k = 0; k < windows; k++) {
          const pool = imageIds[tr.split];
          pairs.push({
            pairKey: `${inst.code}/${t}/${k}`,
            instrument: inst.code,
            split: tr.split,
            audioSourceId: audioId,
            imageSourceId: pool[used[tr.split]++ % pool.length],
            groupKey: tr.file,
            startS: Math.round(k * STRIDE_SECONDS * 1000) / 1000,
            state: 'accepted',
          });
        }
        insertPairs(cat, datasetId, pairs);
      }
    }
    return datasetId;
  });
}

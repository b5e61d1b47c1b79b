// URMP → Sub-URMP (§4.1, Table 2). For every player track: 0.5 s windows with a 0.1 s stride; the
// pair's picture is the video frame at the window start ("the first frame of each video chunk"),
// stored as a frame time + a per-track crop box (null = the whole frame until the user sets one),
// rendered on demand / by materialisation, never at import. Windows quieter than an RMS threshold
// are dropped. Videos are split ~80/20 per instrument, seeded, no video in both splits.
import type { Catalog } from '../catalog/catalog';
import { findDataset } from '../catalog/datasetsRepo';
import type { Split } from '../catalog/pairsRepo';
import { STRIDE_SECONDS, WINDOW_SECONDS } from '../media/constants';
import { decodeAudio } from '../media/decodeAudio';
import { DEFAULT_SILENCE_RMS, rms } from '../media/silence';
import { listWindows } from '../media/windows';
import { describeFile } from './fileSource';
import { type ImportResult, type ImportRunOptions, runImport, throwIfAborted } from './importWriter';
import { DEFAULT_DATASET_SEED } from './seededRandom';
import { SkipReport } from './skipReport';
import { splitByVideo, TEST_FRACTION } from './split';
import { scanUrmp, type UrmpPiece } from './urmpLayout';
import { probeVideo } from './videoProbe';

/** Frame times are compared with this tolerance (float noise in window starts / durations). */
const FRAME_EPS_S = 1e-6;

export interface UrmpImportOptions extends ImportRunOptions {
  name?: string;
  seed?: number;
  /** Linear RMS below which a window counts as silent and is dropped (default DEFAULT_SILENCE_RMS). */
  rmsThreshold?: number;
}

export interface UrmpImportResult extends ImportResult {
  silentDropped: number;
  splits: Record<string, Split>;
}

/** Round a window start to the millisecond so keys and stored times are exact decimals. */
export function roundS(s: number): number {
  return Math.round(s * 1000) / 1000;
}

/** The dataset a URMP import writes to when it is not given a name. */
export const DEFAULT_URMP_DATASET = 'sub-urmp';

/**
 * Each video's split: the seeded `splitByVideo`, except that a re-import into an existing dataset
 * keeps the split already stored for a video, so no video ever ends up in both splits. Used by the
 * import and by its dry run (importPreview), so the preview shows what the import will write.
 */
export function urmpVideoSplits(cat: Catalog, pieces: UrmpPiece[], seed: number, datasetName: string): { splits: Map<string, Split>; kept: number } {
  const splits = splitByVideo(
    pieces.map((p) => ({ video: p.folder, instruments: p.tracks.map((t) => t.instrument) })),
    seed,
  );
  let kept = 0;
  const existing = findDataset(cat, datasetName);
  if (existing) {
    const rows = cat.db.prepare('SELECT DISTINCT group_key, split FROM pairs WHERE dataset_id = ?').all(existing.id) as Array<{ group_key: string; split: Split }>;
    const stored = new Map(rows.map((r) => [r.group_key.split('/')[0], r.split]));
    for (const p of pieces) {
      const s = stored.get(p.folder);
      if (s) {
        splits.set(p.folder, s);
        kept++;
      }
    }
  }
  return { splits, kept };
}

export async function importUrmp(cat: Catalog, root: string, opts: UrmpImportOptions = {}): Promise<UrmpImportResult> {
  const seed = opts.seed ?? DEFAULT_DATASET_SEED;
  const rmsThreshold = opts.rmsThreshold ?? DEFAULT_SILENCE_RMS;
  const name = opts.name ?? DEFAULT_URMP_DATASET;
  const skips = new SkipReport();
  const pieces = await scanUrmp(root, skips);
  const { splits } = urmpVideoSplits(cat, pieces, seed, name);
  let silentDropped = 0;
  const totalTracks = pieces.reduce((n, p) => n + p.tracks.length, 0);
  let doneTracks = 0;
  const result = await runImport(
    cat,
    { name, kind: 'urmp', description: `Sub-URMP windows from URMP at ${root}`, config: { root, seed, rmsThreshold, windowS: WINDOW_SECONDS, strideS: STRIDE_SECONDS, testFraction: TEST_FRACTION } },
    skips,
    async (w) => {
      for (const piece of pieces) {
        throwIfAborted(opts.signal);
        let video;
        let videoSource;
        try {
          video = await probeVideo(piece.video);
          videoSource = await describeFile(piece.video, 'video', { durationS: video.durationS, width: video.width, height: video.height });
        } catch (err) {
          skips.addError(piece.video, err);
          doneTracks += piece.tracks.length;
          continue;
        }
        w.source(videoSource);
        const split = splits.get(piece.folder) ?? 'train';
        for (const track of piece.tracks) {
          throwIfAborted(opts.signal);
          opts.onProgress?.({ done: doneTracks, total: totalTracks, message: track.file });
          doneTracks++;
          let decoded;
          let audioSource;
          try {
            decoded = await decodeAudio(track.file);
            audioSource = await describeFile(track.file, 'audio', { durationS: decoded.durationSeconds });
          } catch (err) {
            skips.addError(track.file, err);
            continue;
          }
          w.source(audioSource);
          const trackName = track.file.slice(piece.dir.length + 1);
          const groupKey = `${piece.folder}/${trackName}`;
          let noFrame = 0;
          let firstNoFrame = 0;
          let silentHere = 0;
          let pairsHere = 0;
          for (const win of listWindows(decoded.samples.length)) {
            const startS = roundS(win.startSeconds);
            if (startS > video.lastFrameS + FRAME_EPS_S) {
              if (!noFrame) firstNoFrame = startS;
              noFrame++;
              continue;
            }
            if (rms(decoded.samples.subarray(win.start, win.end)) < rmsThreshold) {
              silentDropped++;
              silentHere++;
              continue;
            }
            pairsHere++;
            w.pair({
              pairKey: `${groupKey}/${win.index}`,
              instrument: track.instrument,
              split,
              audioHash: audioSource.hash,
              videoHash: videoSource.hash,
              groupKey,
              startS,
              durS: WINDOW_SECONDS,
              frameS: startS,
              crop: null,
            });
          }
          // a track that gives no pair at all because it is silent says so (it used to vanish without a trace)
          if (!pairsHere && silentHere) {
            skips.add(track.file, `silent track: all ${silentHere} window(s) are below the silence threshold (RMS ${rmsThreshold}); no pair from it`);
          }
          if (noFrame) {
            skips.add(track.file, `${noFrame} window(s) from ${firstNoFrame.toFixed(1)} s have no video frame (the video's last frame is at ${video.lastFrameS.toFixed(3)} s)`);
          }
        }
      }
      opts.onProgress?.({ done: totalTracks, total: totalTracks, message: 'writing the catalog' });
    },
  );
  return { ...result, silentDropped, splits: Object.fromEntries(splits) };
}

// The URMP dataset's folder layout (Li et al., used by §4.1): one folder per piece named
// `NN_Piece_inst1_inst2…`, holding `Vid_NN_Piece_….mp4` (all players), `AuMix_….wav` (the mix) and
// one `AuSep_<k>_<inst>_NN_Piece.wav` per player k (1-based, in the folder name's order). Notes,
// F0 and score files are ignored. Anything that does not fit goes to the skip report.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isUrmpCode, type UrmpCode } from './instruments';
import type { SkipReport } from './skipReport';
import { readDirNames, undecodableReason } from './fileSource';

export interface UrmpTrack {
  /** Player number k (1-based). */
  player: number;
  instrument: UrmpCode;
  file: string;
}

export interface UrmpPiece {
  folder: string;
  dir: string;
  number: string;
  piece: string;
  instruments: UrmpCode[];
  video: string;
  tracks: UrmpTrack[];
}

const PIECE_RE = /^(\d+)_([^_]+)_(.+)$/;
const TRACK_RE = /^AuSep_(\d+)_([a-z]+)_(.+)\.wav$/i;
const VIDEO_RE = /^Vid_.*\.(mp4|mkv|mov|avi|webm)$/i;

/** Parses `NN_Piece_inst1_inst2…`, or null when the name does not fit or holds an unknown code. */
export function parsePieceFolder(name: string): { number: string; piece: string; instruments: UrmpCode[] } | null {
  const m = PIECE_RE.exec(name);
  if (!m) return null;
  const codes = m[3].split('_');
  if (!codes.length || !codes.every(isUrmpCode)) return null;
  return { number: m[1], piece: m[2], instruments: codes as UrmpCode[] };
}

/** Lists the usable pieces and tracks under `root`; every problem is added to `skips`. */
export async function scanUrmp(root: string, skips: SkipReport): Promise<UrmpPiece[]> {
  const entries = (await readdir(root, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  const pieces: UrmpPiece[] = [];
  for (const e of entries) {
    if (!e.isDirectory() || e.name.startsWith('.')) continue;
    const dir = join(root, e.name);
    const parsed = parsePieceFolder(e.name);
    if (!parsed) {
      skips.add(dir, 'not a URMP piece folder (expected NN_Piece_inst1_inst2… with codes vn va vc db fl ob cl sax bn tpt hn tbn tba)');
      continue;
    }
    const listed = await readDirNames(dir);
    for (const u of listed.undecodable) skips.add(join(dir, u.shown), undecodableReason(u.hex));
    const files = listed.names.sort();
    const videos = files.filter((f) => VIDEO_RE.test(f));
    if (!videos.length) {
      skips.add(dir, 'missing video: no Vid_*.mp4 in the piece folder; its tracks are skipped');
      continue;
    }
    const tracks: UrmpTrack[] = [];
    const seen = new Set<number>();
    for (const f of files) {
      const m = TRACK_RE.exec(f);
      if (!m) continue;
      const player = Number(m[1]);
      const inst = m[2].toLowerCase();
      const expected = parsed.instruments[player - 1];
      if (!expected) {
        skips.add(join(dir, f), `player ${player} is not in the folder name (${parsed.instruments.length} players)`);
        continue;
      }
      if (inst !== expected) {
        skips.add(join(dir, f), `mislabeled track: the file says "${inst}" but the folder name lists "${expected}" for player ${player}`);
        continue;
      }
      seen.add(player);
      tracks.push({ player, instrument: expected, file: join(dir, f) });
    }
    parsed.instruments.forEach((inst, i) => {
      if (!seen.has(i + 1) && !tracks.some((t) => t.player === i + 1)) {
        const missing = files.some((f) => TRACK_RE.exec(f)?.[1] === String(i + 1));
        if (!missing) skips.add(join(dir, `AuSep_${i + 1}_${inst}_${parsed.number}_${parsed.piece}.wav`), `missing track for player ${i + 1} (${inst})`);
      }
    });
    if (!tracks.length) continue;
    pieces.push({ folder: e.name, dir, ...parsed, video: join(dir, videos[0]), tracks });
  }
  return pieces;
}

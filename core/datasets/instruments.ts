// Instrument vocabularies: URMP's 13 codes (§4.1: "It contains 13 musical instrument categories"),
// the folder names of the published Sub-URMP release, and the paper's Table 2 / Table 3 counts.

/** URMP instrument codes → readable names (the Sub-URMP release's folder names). */
export const URMP_INSTRUMENTS = {
  vn: 'violin',
  va: 'viola',
  vc: 'cello',
  db: 'double_bass',
  fl: 'flute',
  ob: 'oboe',
  cl: 'clarinet',
  sax: 'sax',
  bn: 'bassoon',
  tpt: 'trumpet',
  hn: 'horn',
  tbn: 'trombone',
  tba: 'tuba',
} as const;

export type UrmpCode = keyof typeof URMP_INSTRUMENTS;

export function isUrmpCode(s: string): s is UrmpCode {
  return Object.prototype.hasOwnProperty.call(URMP_INSTRUMENTS, s);
}

const BY_FOLDER = new Map<string, UrmpCode>(Object.entries(URMP_INSTRUMENTS).map(([code, name]) => [name, code as UrmpCode]));

/** Sub-URMP release folder name (e.g. "double_bass") → URMP code ("db"), or null. */
export function codeForFolder(folder: string): UrmpCode | null {
  return BY_FOLDER.get(folder.toLowerCase()) ?? null;
}

/** Folder name for an instrument label: URMP codes map to release names, anything else is kept. */
export function folderForInstrument(instrument: string): string {
  return isUrmpCode(instrument) ? URMP_INSTRUMENTS[instrument] : instrument.replace(/[^\w.-]+/g, '_');
}

export interface ReferenceCount {
  instrument: string;
  train: number;
  test: number;
}

/**
 * Table 2: distribution of image-sound pairs in Sub-URMP. §4.1 says 80,805 pairs in total and the
 * release has 71,230 train / 9,575 test; the table's train row sums to 71,230 but its test row to
 * 8,915 (660 fewer than the release) — the numbers are kept exactly as printed.
 */
export const PAPER_TABLE2: readonly ReferenceCount[] = [
  { instrument: 'vc', train: 9800, test: 1030 },
  { instrument: 'db', train: 1270, test: 1180 },
  { instrument: 'ob', train: 4505, test: 390 },
  { instrument: 'sax', train: 7615, test: 910 },
  { instrument: 'tpt', train: 1015, test: 520 },
  { instrument: 'va', train: 6530, test: 485 },
  { instrument: 'bn', train: 1735, test: 390 },
  { instrument: 'cl', train: 8125, test: 945 },
  { instrument: 'hn', train: 5540, test: 145 },
  { instrument: 'fl', train: 5690, test: 525 },
  { instrument: 'tbn', train: 8690, test: 925 },
  { instrument: 'tba', train: 3285, test: 525 },
  { instrument: 'vn', train: 7430, test: 945 },
];

/** INIS classes (§4.2, Table 3). */
export const INIS_CLASSES = ['piano', 'saxophone', 'violin', 'drum', 'guitar'] as const;

/** Table 3: distribution of image-sound pairs in INIS (and the number of complete songs per class). */
export const PAPER_TABLE3: readonly (ReferenceCount & { songs: number })[] = [
  { instrument: 'piano', songs: 23, train: 766, test: 327 },
  { instrument: 'saxophone', songs: 7, train: 1171, test: 500 },
  { instrument: 'violin', songs: 21, train: 631, test: 269 },
  { instrument: 'drum', songs: 7, train: 1075, test: 460 },
  { instrument: 'guitar', songs: 19, train: 818, test: 349 },
];

/** The paper's reference table for a dataset kind, or null. */
export function referenceCounts(kind: string): readonly ReferenceCount[] | null {
  if (kind === 'urmp' || kind === 'sub-urmp') return PAPER_TABLE2;
  if (kind === 'inis') return PAPER_TABLE3;
  return null;
}

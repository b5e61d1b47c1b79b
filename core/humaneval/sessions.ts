// Human-evaluation sessions (§5.2.1): for each instrument, N sets of one 64×64 image per compared S2I
// run plus the ground truth, from seeded test pairs and a stored generation seed per set; raters
// with their own seeded presentation order. Images are PNGs in the blob store.
import { randomBytes } from 'node:crypto';
import type { StudioContext } from '../studio/context';
import type { HumanEvalCreateInput, HumanEvalRater, HumanEvalSession } from '../contract/humanEvalContract';
import { DEFAULT_RUBRIC, HumanEvalCreateInputSchema } from '../contract/humanEvalContract';
import { type Catalog, nowIso } from '../catalog/catalog';
import { findDataset } from '../catalog/datasetsRepo';
import { getPair } from '../catalog/pairsRepo';
import { pairImageFeature } from '../datasets/materialize';
import { AvError } from '../errors';
import { getRun, listRuns, type RunRow } from '../runs/runsRepo';
import { deriveSeed, seededUniform, shuffled } from './seeded';

export const GROUND_TRUTH = 'ground-truth';
export const S2I_MODELS = ['s2i-c', 's2i-n', 's2i-a'] as const;
/** what raters see as the page title when the experimenter gives none (the session name stays internal) */
export const DEFAULT_PUBLIC_TITLE = 'Image rating';
/** item methods that are not results: practice images and attention checks (kept out of Fig. 8) */
export const PRACTICE = 'practice';
export const ATTENTION_REPEAT = 'attention-repeat';
export const ATTENTION_WRONG = 'attention-wrong';
export const NOT_COUNTED = [PRACTICE, ATTENTION_REPEAT, ATTENTION_WRONG] as const;
/** the set index practice items carry (shown before every real set) */
export const PRACTICE_SET = -1;
export { DEFAULT_RUBRIC };


export interface SessionConfig {
  datasetId: number;
  seed: number;
  setsPerInstrument: number;
  instruments: string[];
  methods: Array<{ method: string; runId: number | null; model: string; epoch: number | null }>;
  /** each set: its instrument, index within the instrument, test pair and generation seed */
  sets: Array<{ instrument: string; setIndex: number; pairId: number; seed: number }>;
  /** the title raters see (never the session name); absent in sessions made before it existed */
  publicTitle?: string;
  /** the resolution the ground truth was brought to (the generated images' size), or 64 when shown as is */
  groundTruthSize?: number;
  warnings?: string[];
}

/** Makes one image for a run, pair and seed; returns its PNG blob hash and the checkpoint epoch. */
export type GenerateImage = (runId: number, pairId: number, seed: number) => Promise<{ hash: string; epoch: number }>;

export interface CreateDeps {
  generate?: GenerateImage;
}

async function defaultGenerate(ctx: StudioContext): Promise<GenerateImage> {
  // loaded lazily: TensorFlow.js is only needed when a session is really created
  const { generateForPairs } = await import('../training/generate');
  return async (runId, pairId, seed) => {
    const r = await generateForPairs(ctx, runId, [pairId], [seed]);
    return { hash: r.items[0].hash, epoch: r.epoch };
  };
}

async function groundTruthPng(ctx: StudioContext, pairId: number, size = 64): Promise<string> {
  const pair = getPair(ctx.catalog, pairId);
  if (!pair) throw new AvError('not_found', `no pair ${pairId}`);
  const hash = (await pairImageFeature(ctx.catalog, ctx.blobs, pair)).hash;
  if (size >= 64) return hash;
  // as the generated images are shown: size×size, each pixel repeated to 64×64 (core/training/sampleGrid)
  const { default: sharp } = await import('sharp');
  const small = await sharp(ctx.blobs.read(hash)).resize(size, size, { kernel: 'lanczos3', fit: 'fill' }).png().toBuffer();
  const big = await sharp(small).resize(64, 64, { kernel: 'nearest' }).png().toBuffer();
  return ctx.blobs.put(big, 'png');
}

async function greyPng(): Promise<Buffer> {
  const { default: sharp } = await import('sharp');
  return sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 128, g: 128, b: 128 } } }).png().toBuffer();
}

function hasCheckpoint(cat: Catalog, runId: number): boolean {
  return Boolean(cat.db.prepare('SELECT 1 FROM checkpoints WHERE run_id = ? LIMIT 1').get(runId));
}

/** The runs to compare: the given S2I runs, or the latest finished S2I-C, S2I-N, S2I-A of the dataset. */
function resolveRuns(cat: Catalog, runIds: number[] | undefined, datasetRef: number | string | undefined): { runs: RunRow[]; datasetId: number } {
  if (runIds?.length) {
    const runs = runIds.map((id) => getRun(cat, id));
    for (const r of runs) {
      if (!(S2I_MODELS as readonly string[]).includes(r.config.model)) throw new AvError('bad_request', `run ${r.id} is a ${r.config.model} run: human evaluation compares S2I runs (s2i-c, s2i-n, s2i-a)`);
      if (!hasCheckpoint(cat, r.id)) throw new AvError('conflict', `run ${r.id} has no checkpoint yet: train it first`);
    }
    if (new Set(runIds).size !== runIds.length) throw new AvError('bad_request', 'a run is listed twice');
    const ds = datasetRef !== undefined ? findDataset(cat, datasetRef) : null;
    if (datasetRef !== undefined && !ds) throw new AvError('not_found', `no dataset "${datasetRef}"`);
    const datasetId = ds?.id ?? runs[0].datasetId;
    if (!datasetId) throw new AvError('bad_request', `run ${runs[0].id} has no dataset`);
    const other = runs.find((r) => r.datasetId !== datasetId);
    if (other) throw new AvError('bad_request', `run ${other.id} was trained on another dataset than ${datasetId}: a session shows one dataset's test pairs`);
    return { runs, datasetId };
  }
  let datasetId: number;
  if (datasetRef !== undefined) {
    const ds = findDataset(cat, datasetRef);
    if (!ds) throw new AvError('not_found', `no dataset "${datasetRef}"`);
    datasetId = ds.id;
  } else {
    const latest = listRuns(cat, { status: 'done' }).filter((r) => (S2I_MODELS as readonly string[]).includes(r.config.model)).pop();
    if (!latest?.datasetId) throw new AvError('not_found', 'no finished S2I run: train S2I-C / S2I-N / S2I-A runs first or pass run ids');
    datasetId = latest.datasetId;
  }
  const runs: RunRow[] = [];
  for (const model of S2I_MODELS) {
    const r = listRuns(cat, { status: 'done', model, datasetId }).filter((x) => hasCheckpoint(cat, x.id)).pop();
    if (r) runs.push(r);
  }
  if (!runs.length) throw new AvError('not_found', `dataset ${datasetId} has no finished S2I run: train one first or pass run ids`);
  return { runs, datasetId };
}

function methodLabels(runs: RunRow[]): string[] {
  return runs.map((r) => (runs.filter((x) => x.config.model === r.config.model).length > 1 ? `${r.config.model}#${r.id}` : r.config.model));
}

/** Creates a session: picks the pairs, generates and stores every image, adds the raters. */
export async function createSession(ctx: StudioContext, rawInput: HumanEvalCreateInput, deps: CreateDeps = {}): Promise<HumanEvalSession> {
  const parsed = HumanEvalCreateInputSchema.safeParse(rawInput);
  if (!parsed.success) {
    throw new AvError('bad_request', `invalid session: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ')}`);
  }
  const input = parsed.data;
  const cat = ctx.catalog;
  const { runs, datasetId } = resolveRuns(cat, input.runIds, input.dataset);
  const seed = input.seed ?? randomBytes(4).readUInt32LE() & 0x7fffffff;
  const rand = seededUniform(deriveSeed('sets', seed));

  const testPairs = cat.db
    .prepare(
      `SELECT id, instrument, image_source_id, video_source_id, frame_s, start_s, crop FROM pairs
        WHERE dataset_id = ? AND split = 'test' AND state != 'rejected' ORDER BY instrument, id`,
    )
    .all(datasetId) as Array<{ id: number; instrument: string; image_source_id: number | null; video_source_id: number | null; frame_s: number | null; start_s: number; crop: string | null }>;
  const byInstrument = new Map<string, number[]>();
  // the picture a pair shows: many pairs can share one (a picture reused across windows, the same
  // video frame); a rater must not be shown the same ground truth twice
  const pictureOf = new Map<number, string>();
  for (const p of testPairs) {
    byInstrument.set(p.instrument, [...(byInstrument.get(p.instrument) ?? []), p.id]);
    pictureOf.set(p.id, p.image_source_id !== null ? `i${p.image_source_id}` : `v${p.video_source_id}@${p.frame_s ?? p.start_s}|${p.crop ?? ''}`);
  }
  /** A seeded order with one pair per distinct picture first; pairs repeating a picture come last. */
  const distinctFirst = (order: number[]): number[] => {
    const seen = new Set<string>();
    const first: number[] = [];
    const repeats: number[] = [];
    for (const id of order) {
      const key = pictureOf.get(id) as string;
      (seen.has(key) ? repeats : first).push(id);
      seen.add(key);
    }
    return [...first, ...repeats];
  };
  const pose = runs.map((r) => r.config.instrument).filter((x): x is string => Boolean(x));
  let instruments = input.instruments ?? [...byInstrument.keys()].sort();
  if (!input.instruments && pose.length) instruments = instruments.filter((i) => pose.includes(i));
  const missing = instruments.filter((i) => !byInstrument.has(i));
  if (missing.length) throw new AvError('bad_request', `no test pairs for instrument(s) ${missing.join(', ')} in dataset ${datasetId}`);
  if (!instruments.length) throw new AvError('empty_input', `dataset ${datasetId} has no test pairs`);

  // N sets per instrument: distinct pairs in a seeded order, pairs with distinct pictures first (so
  // no ground-truth image repeats unless there are fewer distinct pictures than sets; cycled when
  // there are fewer test pairs than sets; the generation seed still differs per set)
  const sets: SessionConfig['sets'] = [];
  for (const instrument of instruments) {
    const order = distinctFirst(shuffled(byInstrument.get(instrument)!, rand));
    for (let s = 0; s < input.sets; s++) sets.push({ instrument, setIndex: s, pairId: order[s % order.length], seed: Math.floor(rand() * 2 ** 31) });
  }

  // the generated images' resolution (tiny preset: 16×16 shown at 64×64): the ground truth is brought to it
  const sizes = [...new Set(runs.map((r) => r.config.hyper?.imageSize ?? 64))].sort((a, b) => a - b);
  const warnings: string[] = [];
  if (sizes.length > 1) warnings.push(`the runs generate images of different sizes (${sizes.map((x) => `${x}×${x}`).join(', ')}): raters may tell the methods apart by sharpness`);
  const gtSize = input.matchGroundTruth ? sizes[0] : 64;
  if (!input.matchGroundTruth && sizes[0] < 64) warnings.push(`the ground truth is shown at 64×64 while the runs generate ${sizes.map((x) => `${x}×${x}`).join(', ')} images upscaled to 64×64: the real picture is the only sharp one, so raters can spot it`);

  const generate = deps.generate ?? (await defaultGenerate(ctx));
  const labels = methodLabels(runs);
  const epochs = new Map<number, number>();
  const items: Array<{ setIndex: number; instrument: string; method: string; runId: number | null; pairId: number; hash: string }> = [];
  for (const set of sets) {
    items.push({ setIndex: set.setIndex, instrument: set.instrument, method: GROUND_TRUTH, runId: null, pairId: set.pairId, hash: await groundTruthPng(ctx, set.pairId, gtSize) });
    for (let i = 0; i < runs.length; i++) {
      const g = await generate(runs[i].id, set.pairId, set.seed);
      epochs.set(runs[i].id, g.epoch);
      items.push({ setIndex: set.setIndex, instrument: set.instrument, method: labels[i], runId: runs[i].id, pairId: set.pairId, hash: g.hash });
    }
  }

  // practice images first (a generated image of another seed and the ground truth of test pairs, cycling)
  for (let k = 0; k < input.practice; k++) {
    const set = sets[k % sets.length];
    const pr = k % 2 === 0 ? await generate(runs[0].id, set.pairId, set.seed + 1 + k) : { hash: await groundTruthPng(ctx, set.pairId, gtSize) };
    items.push({ setIndex: PRACTICE_SET, instrument: set.instrument, method: PRACTICE, runId: null, pairId: set.pairId, hash: pr.hash });
  }
  // attention checks, hidden in real sets: the first set's S2I image again (in another set of the same
  // instrument when there is one), and in the first set another instrument's ground truth (or, with one
  // instrument, a flat grey picture): clearly wrong
  if (input.attentionChecks) {
    const first = sets[0];
    const original = items.find((it) => it.setIndex === first.setIndex && it.instrument === first.instrument && it.runId !== null)!;
    const other = sets.find((x) => x.instrument === first.instrument && x.setIndex !== first.setIndex) ?? first;
    items.push({ setIndex: other.setIndex, instrument: other.instrument, method: ATTENTION_REPEAT, runId: original.runId, pairId: original.pairId, hash: original.hash });
    const foreign = sets.find((x) => x.instrument !== first.instrument);
    const wrongHash = foreign ? await groundTruthPng(ctx, foreign.pairId, gtSize) : ctx.blobs.put(await greyPng(), 'png');
    items.push({ setIndex: first.setIndex, instrument: first.instrument, method: ATTENTION_WRONG, runId: null, pairId: foreign?.pairId ?? first.pairId, hash: wrongHash });
  }

  const config: SessionConfig = {
    datasetId,
    seed,
    setsPerInstrument: input.sets,
    instruments,
    methods: [
      ...runs.map((r, i) => ({ method: labels[i], runId: r.id, model: r.config.model, epoch: epochs.get(r.id) ?? null })),
      { method: GROUND_TRUTH, runId: null, model: GROUND_TRUTH, epoch: null },
    ],
    sets,
    publicTitle: input.title ?? DEFAULT_PUBLIC_TITLE,
    groundTruthSize: gtSize,
    warnings,
  };
  const name = input.name ?? `Human eval ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`;
  const raters = [...new Set(input.raters)];
  const id = cat.tx(() => {
    const sid = Number(
      cat.db.prepare('INSERT INTO humaneval_sessions (name, rubric, config, created_at) VALUES (?, ?, ?, ?)').run(name, input.rubric ?? DEFAULT_RUBRIC, JSON.stringify(config), nowIso()).lastInsertRowid,
    );
    // inserted in a seeded random order, so item ids say nothing about the method
    const ins = cat.db.prepare('INSERT INTO humaneval_items (session_id, set_index, instrument, method, run_id, pair_id, blob_hash) VALUES (?, ?, ?, ?, ?, ?, ?)');
    for (const it of shuffled(items, seededUniform(deriveSeed('items', seed)))) ins.run(sid, it.setIndex, it.instrument, it.method, it.runId, it.pairId, it.hash);
    for (const r of raters) insertRater(cat, sid, r);
    return sid;
  });
  return getSession(cat, id);
}

function insertRater(cat: Catalog, sessionId: number, name: string): number {
  const session = sessionRow(cat, sessionId);
  const seed = deriveSeed('rater', session.config.seed, name);
  const token = randomBytes(18).toString('base64url');
  const raterId = Number(
    cat.db.prepare('INSERT INTO humaneval_raters (session_id, name, token, seed, created_at) VALUES (?, ?, ?, ?, ?)').run(sessionId, name, token, seed, nowIso()).lastInsertRowid,
  );
  // the rater's presentation order: the sets in a seeded order, each set's images shuffled
  const items = cat.db.prepare('SELECT id, instrument, set_index AS setIndex FROM humaneval_items WHERE session_id = ? ORDER BY id').all(sessionId) as Array<{ id: number; instrument: string; setIndex: number }>;
  const groups = new Map<string, number[]>();
  for (const it of items) {
    const key = `${it.instrument}\u0000${it.setIndex}`;
    groups.set(key, [...(groups.get(key) ?? []), it.id]);
  }
  const rand = seededUniform(seed);
  // practice first (in its own set), then the real sets in a seeded order
  const isPractice = (k: string) => k.endsWith(`\u0000${PRACTICE_SET}`);
  const all = [...groups.keys()].sort();
  const keys = [...all.filter(isPractice), ...shuffled(all.filter((k) => !isPractice(k)), rand)];
  const ins = cat.db.prepare('INSERT INTO humaneval_order (rater_id, position, set_no, item_id) VALUES (?, ?, ?, ?)');
  let position = 0;
  keys.forEach((k, setNo) => {
    for (const itemId of shuffled(groups.get(k)!, rand)) ins.run(raterId, position++, setNo + 1, itemId);
  });
  return raterId;
}

/** Adds a rater to a session (or returns the one with that name). */
export function addRater(cat: Catalog, sessionId: number, name: string): HumanEvalRater {
  const trimmed = name.trim();
  sessionRow(cat, sessionId);
  const existing = cat.db.prepare('SELECT id FROM humaneval_raters WHERE session_id = ? AND name = ?').get(sessionId, trimmed) as { id: number } | undefined;
  const id = existing?.id ?? cat.tx(() => insertRater(cat, sessionId, trimmed));
  return getSession(cat, sessionId).raters.find((r) => r.id === id)!;
}

export interface SessionRow {
  id: number;
  name: string;
  rubric: string;
  status: 'open' | 'closed';
  createdAt: string;
  config: SessionConfig;
  resultsForcedAt: string | null;
}

export function sessionRow(cat: Catalog, id: number): SessionRow {
  const r = cat.db.prepare('SELECT id, name, rubric, status, created_at AS createdAt, config, results_forced_at AS resultsForcedAt FROM humaneval_sessions WHERE id = ?').get(id) as
    | (Omit<SessionRow, 'config'> & { config: string })
    | undefined;
  if (!r) throw new AvError('not_found', `no human-evaluation session ${id}`);
  return { ...r, config: JSON.parse(r.config) as SessionConfig };
}

export const raterLinkPath = (token: string): string => `/rate/${encodeURIComponent(token)}/`;

export function getSession(cat: Catalog, id: number): HumanEvalSession {
  const s = sessionRow(cat, id);
  const itemCount = (cat.db.prepare('SELECT COUNT(*) AS n FROM humaneval_items WHERE session_id = ?').get(id) as { n: number }).n;
  const raters = (
    cat.db
      .prepare(
        `SELECT r.id, r.name, r.token, (SELECT COUNT(*) FROM humaneval_scores sc WHERE sc.rater_id = r.id) AS scored
         FROM humaneval_raters r WHERE r.session_id = ? ORDER BY r.id`,
      )
      .all(id) as Array<{ id: number; name: string; token: string; scored: number }>
  ).map((r) => ({ ...r, linkPath: raterLinkPath(r.token), total: itemCount }));
  return {
    id: s.id,
    name: s.name,
    status: s.status,
    createdAt: s.createdAt,
    rubric: s.rubric,
    datasetId: s.config.datasetId,
    seed: s.config.seed,
    setsPerInstrument: s.config.setsPerInstrument,
    instruments: s.config.instruments,
    methods: s.config.methods,
    itemCount,
    raters,
    complete: raters.length > 0 && itemCount > 0 && raters.every((r) => r.scored >= itemCount),
    resultsForcedAt: s.resultsForcedAt,
    ...(s.config.warnings?.length ? { warnings: s.config.warnings } : {}),
  };
}

export function listSessions(cat: Catalog): HumanEvalSession[] {
  return (cat.db.prepare('SELECT id FROM humaneval_sessions ORDER BY id DESC').all() as Array<{ id: number }>).map((r) => getSession(cat, r.id));
}

export function setSessionStatus(cat: Catalog, id: number, status: 'open' | 'closed'): HumanEvalSession {
  sessionRow(cat, id);
  cat.db.prepare('UPDATE humaneval_sessions SET status = ? WHERE id = ?').run(status, id);
  return getSession(cat, id);
}

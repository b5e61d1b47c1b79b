// The human-evaluation part of the API contract (§5.2.1, Fig. 8; imported by api.ts; zod only,
// so the renderer may use it). Two audiences: the studio (session token) creates sessions and reads
// results; a rater (rater token, `/rate/<token>/`) only sees `humaneval.rater.*`, whose replies never
// name a method or a run — only the instrument, the image's blob hash and the rater's own scores.
import { z } from 'zod';

const Id = z.number().int().positive();
const RaterName = z.string().trim().min(1).max(80);
const Score = z.number().int().min(0).max(3);

/**
 * The default rubric for scores 0–3. The paper's Table 4 wording is not in our copy; this keeps its
 * shape (0 = worst, 3 = realistic image of the instrument) and is editable per session.
 */
export const DEFAULT_RUBRIC = [
  '0 — Not recognisable: noise or shapes; no instrument can be made out.',
  '1 — Hints of the instrument: some colour or shape suggests it, but it is not clearly the instrument.',
  '2 — Recognisable: clearly this instrument, though blurry, distorted or with obvious artefacts.',
  '3 — Clearly the instrument and realistic: could pass for a real photo at this size (64×64).',
].join('\n');

/** Methods a rater token may call (the server refuses every other one for it). */
export const RATER_METHODS = ['humaneval.rater.state', 'humaneval.rater.score'] as const;

export const HumanEvalCreateInputSchema = z
  .object({
    name: z.string().trim().min(1).max(120).optional(),
    /**
     * show the ground truth at the generated images' resolution (downscaled to the runs' image size,
     * then upscaled to 64×64 the same nearest-neighbour way), so the real picture is not the only sharp one;
     * false keeps it at 64×64 (the session then carries a warning when the resolutions differ)
     */
    matchGroundTruth: z.boolean().default(true),
    /** practice images shown first to every rater, scored but never counted (0 = none) */
    practice: z.number().int().min(0).max(8).default(0),
    /** hidden attention checks in the sets: a known image repeated, and a clearly wrong image (another instrument's picture) */
    attentionChecks: z.boolean().default(false),
    /** the title raters see (the session name is the experimenter's, never shown to them); default "Image rating" */
    title: z.string().trim().min(1).max(120).optional(),
    /** the dataset whose test pairs are shown; default: the runs' dataset */
    dataset: z.union([Id, z.string().min(1).max(200)]).optional(),
    /** S2I runs to compare; default: the latest finished S2I-C, S2I-N and S2I-A runs of the dataset */
    runIds: z.array(Id).min(1).max(8).optional(),
    /** sets per instrument (the paper: 10) */
    sets: z.number().int().min(1).max(100).default(10),
    raters: z.array(RaterName).max(50).default([]),
    seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
    rubric: z.string().trim().min(1).max(4000).optional(),
    /** only these instruments (default: every instrument with test pairs) */
    instruments: z.array(z.string().min(1).max(64)).min(1).max(64).optional(),
  })
  .strict();
export type HumanEvalCreateInput = z.input<typeof HumanEvalCreateInputSchema>;

export const HumanEvalRaterSchema = z.object({
  id: Id,
  name: z.string(),
  token: z.string(),
  /** path of the rater link on `avstudio serve` (prefix it with the server's origin) */
  linkPath: z.string(),
  scored: z.number().int(),
  total: z.number().int(),
});
export type HumanEvalRater = z.infer<typeof HumanEvalRaterSchema>;

export const HumanEvalMethodSchema = z.object({ method: z.string(), runId: Id.nullable(), model: z.string(), epoch: z.number().int().nullable() });

export const HumanEvalSessionSchema = z.object({
  id: Id,
  name: z.string(),
  status: z.enum(['open', 'closed']),
  createdAt: z.string(),
  rubric: z.string(),
  datasetId: Id,
  seed: z.number().int(),
  setsPerInstrument: z.number().int(),
  instruments: z.array(z.string()),
  methods: z.array(HumanEvalMethodSchema),
  itemCount: z.number().int(),
  raters: z.array(HumanEvalRaterSchema),
  /** every rater has scored every item (and there is at least one rater) */
  complete: z.boolean(),
  /** when the experimenter chose to see results before scoring was complete (recorded), else null */
  resultsForcedAt: z.string().nullable(),
  /** what the experimenter should know about the session (e.g. ground truth sharper than the generated images) */
  warnings: z.array(z.string()).optional(),
});
export type HumanEvalSession = z.infer<typeof HumanEvalSessionSchema>;

export const HumanEvalAddRaterInputSchema = z.object({ sessionId: Id, name: RaterName }).strict();

export const HumanEvalResultsInputSchema = z.object({ id: Id, force: z.boolean().default(false) }).strict();

const Histogram = z.array(z.number().int()).length(4);
/** n, mean, std, 95 % bootstrap CI and 0–3 histogram of a set of scores */
const ScoreStats = {
  n: z.number().int(),
  mean: z.number().nullable(),
  std: z.number().nullable(),
  ci: z.tuple([z.number(), z.number()]).nullable(),
  /** counts of scores 0, 1, 2, 3 */
  histogram: Histogram,
};
export const HumanEvalResultsSchema = z.object({
  sessionId: Id,
  name: z.string(),
  complete: z.boolean(),
  /** set when these results were shown before scoring was complete: the experimenter forced them then */
  forcedAt: z.string().nullable(),
  raterCount: z.number().int(),
  itemCount: z.number().int(),
  scoreCount: z.number().int(),
  instruments: z.array(z.string()),
  methods: z.array(
    z.object({
      /** canonical method name (s2i-c, s2i-n, s2i-a, ground-truth; s2i-c#12 when a session has two S2I-C runs), in the paper's order */
      method: z.string(),
      /** readable name: S2I-C, Ground truth, S2I-C (run 12) */
      label: z.string(),
      runId: Id.nullable(),
      ...ScoreStats,
      byInstrument: z.array(z.object({ instrument: z.string(), ...ScoreStats })),
    }),
  ),
  /** inter-rater agreement, Krippendorff's α (ordinal) over items scored by ≥ 2 raters */
  alpha: z.number().nullable(),
  /** items scored by two or more raters (what α is computed over) */
  alphaItems: z.number().int(),
  /**
   * attention checks per rater: a repeated image fails when its two scores differ by more than 1, a
   * wrong image (another instrument's picture) fails when scored 2 or 3; checks not scored yet are pending
   */
  attention: z
    .array(z.object({ rater: z.string(), checks: z.number().int(), passed: z.number().int(), failed: z.number().int(), pending: z.number().int(), failures: z.array(z.string()) }))
    .optional(),
  /** time per item per rater, from the scoring view's timings (ms between showing/scoring and the score) */
  raterTimes: z
    .array(z.object({ rater: z.string(), scored: z.number().int(), timed: z.number().int(), medianMs: z.number().nullable(), meanMs: z.number().nullable(), totalMs: z.number().int() }))
    .optional(),
});
export type HumanEvalResults = z.infer<typeof HumanEvalResultsSchema>;

/** What a rater sees: never a method, a run or a pair. */
export const RaterItemSchema = z.object({
  itemId: Id,
  position: z.number().int(),
  /** 1-based place of the item's set in this rater's order */
  setNo: z.number().int(),
  instrument: z.string(),
  /** readable instrument name shown to the rater (e.g. "double bass" for db) */
  instrumentName: z.string(),
  hash: z.string(),
  score: Score.nullable(),
  /** a practice image: scored like the others, never counted */
  practice: z.boolean().optional(),
});
export const RaterStateSchema = z.object({
  sessionName: z.string(),
  raterName: z.string(),
  rubric: z.string(),
  status: z.enum(['open', 'closed']),
  setCount: z.number().int(),
  total: z.number().int(),
  scored: z.number().int(),
  items: z.array(RaterItemSchema),
});
export type RaterState = z.infer<typeof RaterStateSchema>;
export type RaterItem = z.infer<typeof RaterItemSchema>;

export const RaterStateInputSchema = z.object({ token: z.string().min(8).max(200) }).strict();
export const RaterScoreInputSchema = z
  .object({
    token: z.string().min(8).max(200),
    itemId: Id,
    score: Score,
    /** time spent on the item in ms, measured by the scoring view */
    ms: z.number().int().min(0).max(24 * 3600 * 1000).optional(),
  })
  .strict();
export const RaterScoreResultSchema = z.object({ itemId: Id, score: Score, scored: z.number().int(), total: z.number().int() });

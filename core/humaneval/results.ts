// The one human-evaluation results path (Fig. 8, §5.2.1): the Human-eval screen, `avstudio humaneval
// results`, Tables › Fig. 8, `avstudio table fig8` and every export call sessionResults, so they show
// the same numbers. Per method (and method × instrument): n, mean, std, a seeded 95 % bootstrap CI
// and the 0–3 histogram; Krippendorff's α (ordinal) over the items.
//
// The blind rule lives here too: until every rater has scored every item, nothing but progress comes
// out (a typed `blind` conflict naming each rater's progress), unless the experimenter forces the
// results; that choice is recorded in the session (results_forced_at), after which the session's
// results carry `forcedAt` everywhere they are shown.
import type { HumanEvalResults, HumanEvalSession } from '../contract/humanEvalContract';
import { type Catalog, nowIso } from '../catalog/catalog';
import { AvError } from '../errors';
import { histogram, krippendorffAlphaOrdinal, summarizeScores } from '../evaluation/statistics';
import { instrumentName } from './rater';
import { ATTENTION_REPEAT, ATTENTION_WRONG, getSession, NOT_COUNTED } from './sessions';

/** Method names of a session, in the paper's order; anything else follows alphabetically. */
export const HUMANEVAL_METHOD_ORDER = ['s2i-c', 's2i-n', 's2i-a', 'ground-truth'] as const;
export const SCORE_MAX = 3;
const GROUND_TRUTH_ALIASES = new Set(['ground-truth', 'ground_truth', 'groundtruth', 'gt', 'real']);
export const canonicalMethod = (m: string): string => (GROUND_TRUTH_ALIASES.has(m.toLowerCase()) ? 'ground-truth' : m.toLowerCase());
const methodModel = (m: string) => m.split('#')[0];
const MODEL_LABELS: Record<string, string> = { 's2i-c': 'S2I-C', 's2i-n': 'S2I-N', 's2i-a': 'S2I-A' };

/** "s2i-c" → "S2I-C"; a session with two runs of one model names them "s2i-c#12" → "S2I-C (run 12)". */
export function methodLabel(m: string): string {
  if (m === 'ground-truth') return 'Ground truth';
  const [model, run] = m.split('#');
  return `${MODEL_LABELS[model] ?? model.toUpperCase()}${run ? ` (run ${run})` : ''}`;
}

function methodRank(m: string): number {
  const i = HUMANEVAL_METHOD_ORDER.indexOf(methodModel(m) as (typeof HUMANEVAL_METHOD_ORDER)[number]);
  return i < 0 ? 99 : i;
}

/** "blind: Ana 3/16, Ben 0/16" — all that is shown of a session before scoring is complete. */
export function progressText(s: HumanEvalSession): string {
  return s.raters.length ? s.raters.map((r) => `${r.name} ${r.scored}/${r.total}`).join(', ') : 'no raters yet';
}

/** Whether a session's results may be shown: complete, or forced by the experimenter (now or before). */
export function resultsVisible(s: HumanEvalSession): boolean {
  return s.complete || s.resultsForcedAt !== null;
}

function stats(xs: number[]) {
  const s = summarizeScores(xs);
  return {
    n: s.n,
    mean: s.mean,
    std: s.std,
    ci: s.ciLow !== null && s.ciHigh !== null ? ([s.ciLow, s.ciHigh] as [number, number]) : null,
    histogram: histogram(xs, SCORE_MAX),
  };
}

/** Attention checks per rater (none when the session has none). */
function attentionReport(cat: Catalog, sessionId: number): NonNullable<HumanEvalResults['attention']> {
  const checks = cat.db
    .prepare(`SELECT id, method, blob_hash AS hash, instrument FROM humaneval_items WHERE session_id = ? AND method IN (?, ?) ORDER BY id`)
    .all(sessionId, ATTENTION_REPEAT, ATTENTION_WRONG) as Array<{ id: number; method: string; hash: string; instrument: string }>;
  if (!checks.length) return [];
  const raters = cat.db.prepare('SELECT id, name FROM humaneval_raters WHERE session_id = ? ORDER BY id').all(sessionId) as Array<{ id: number; name: string }>;
  const scoreOf = cat.db.prepare('SELECT score FROM humaneval_scores WHERE rater_id = ? AND item_id = ?');
  const originalOf = cat.db.prepare(`SELECT id FROM humaneval_items WHERE session_id = ? AND blob_hash = ? AND method NOT IN (${NOT_COUNTED.map(() => '?').join(', ')}) ORDER BY id LIMIT 1`);
  return raters.map((r) => {
    let passed = 0;
    let pending = 0;
    const failures: string[] = [];
    for (const c of checks) {
      const s = (scoreOf.get(r.id, c.id) as { score: number } | undefined)?.score;
      if (s === undefined) {
        pending++;
        continue;
      }
      if (c.method === ATTENTION_WRONG) {
        if (s >= 2) failures.push(`scored ${s} an image that is not a ${instrumentName(c.instrument)} (expected 0 or 1)`);
        else passed++;
      } else {
        const orig = originalOf.get(sessionId, c.hash, ...NOT_COUNTED) as { id: number } | undefined;
        const o = orig ? (scoreOf.get(r.id, orig.id) as { score: number } | undefined)?.score : undefined;
        if (o === undefined) pending++;
        else if (Math.abs(o - s) > 1) failures.push(`gave the same image ${o} and ${s}`);
        else passed++;
      }
    }
    return { rater: r.name, checks: checks.length, passed, failed: failures.length, pending, failures };
  });
}

/** Time per item of each rater (the scoring view sends the ms between an image's turn and its score). */
function raterTimes(cat: Catalog, sessionId: number): NonNullable<HumanEvalResults['raterTimes']> {
  const raters = cat.db.prepare('SELECT id, name FROM humaneval_raters WHERE session_id = ? ORDER BY id').all(sessionId) as Array<{ id: number; name: string }>;
  return raters.map((r) => {
    const rows = cat.db.prepare('SELECT ms FROM humaneval_scores WHERE rater_id = ?').all(r.id) as Array<{ ms: number | null }>;
    const ms = rows.map((x) => x.ms).filter((x): x is number => x !== null).sort((a, b) => a - b);
    const total = ms.reduce((a, b) => a + b, 0);
    const median = ms.length ? (ms.length % 2 ? ms[(ms.length - 1) / 2] : (ms[ms.length / 2 - 1] + ms[ms.length / 2]) / 2) : null;
    return { rater: r.name, scored: rows.length, timed: ms.length, medianMs: median, meanMs: ms.length ? total / ms.length : null, totalMs: total };
  });
}

/**
 * Fig. 8 numbers of a session. Refuses (conflict, progress only) before scoring is complete unless
 * `force`, which is recorded in the session the first time it unblinds anything.
 */
export function sessionResults(cat: Catalog, id: number, opts: { force?: boolean } = {}): HumanEvalResults {
  let session = getSession(cat, id);
  if (!resultsVisible(session)) {
    if (!opts.force) {
      throw new AvError(
        'conflict',
        `session ${id} ("${session.name}") is still blind: scoring is not complete (${progressText(session)}); results unblind when every rater has finished, or when the experimenter forces them (recorded in the session)`,
      );
    }
    cat.tx(() => cat.db.prepare('UPDATE humaneval_sessions SET results_forced_at = COALESCE(results_forced_at, ?) WHERE id = ?').run(nowIso(), id));
    session = getSession(cat, id);
  }
  // one order for every path: the bootstrap CI is seeded, so the order of its input is part of the result
  const rows = (cat.db
    .prepare(
      `SELECT i.id AS itemId, i.method, i.instrument, i.run_id AS runId, s.score
         FROM humaneval_scores s JOIN humaneval_items i ON i.id = s.item_id
        WHERE i.session_id = ? AND i.method NOT IN (${NOT_COUNTED.map(() => '?').join(', ')}) ORDER BY s.item_id, s.rater_id`,
    )
    .all(id, ...NOT_COUNTED) as Array<{ itemId: number; method: string; instrument: string; runId: number | null; score: number }>).map((r) => ({ ...r, method: canonicalMethod(r.method) }));
  const byItem = new Map<number, number[]>();
  for (const r of rows) byItem.set(r.itemId, [...(byItem.get(r.itemId) ?? []), r.score]);
  // sessions made outside createSession may lack the config's method and instrument lists
  const configured = session.methods ?? [];
  const instruments = session.instruments?.length ? session.instruments : [...new Set(rows.map((r) => r.instrument))].sort();
  const names = [...new Set([...configured.map((m) => canonicalMethod(m.method)), ...rows.map((r) => r.method)])].sort(
    (a, b) => methodRank(a) - methodRank(b) || a.localeCompare(b),
  );
  const runOf = (m: string) => configured.find((x) => canonicalMethod(x.method) === m)?.runId ?? rows.find((r) => r.method === m)?.runId ?? null;
  const methods = names.map((m) => {
    const mine = rows.filter((r) => r.method === m);
    return {
      method: m,
      label: methodLabel(m),
      runId: runOf(m),
      ...stats(mine.map((r) => r.score)),
      byInstrument: instruments.map((instrument) => ({ instrument, ...stats(mine.filter((r) => r.instrument === instrument).map((r) => r.score)) })),
    };
  });
  return {
    sessionId: id,
    name: session.name,
    complete: session.complete,
    forcedAt: session.complete ? null : session.resultsForcedAt,
    raterCount: session.raters.length,
    itemCount: session.itemCount,
    scoreCount: rows.length,
    instruments,
    methods,
    alpha: krippendorffAlphaOrdinal([...byItem.values()]),
    alphaItems: [...byItem.values()].filter((v) => v.length >= 2).length,
    raterTimes: raterTimes(cat, id),
    attention: attentionReport(cat, id),
  };
}

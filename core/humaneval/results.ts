// Results of a session (Fig. 8): per method n, mean, std, a bootstrap CI and the 0–3 histogram, mean
// per method × instrument, and Krippendorff's α (ordinal) over the items. Unblinded only when every
// rater has scored every item, or when forced.
import type { HumanEvalResults } from '../api/humanEvalContract';
import type { Catalog } from '../catalog/catalog';
import { AvError } from '../errors';
import { histogram, krippendorffAlphaOrdinal, mean, summarizeScores } from '../evaluation/statistics';
import { getSession } from './sessions';

export function sessionResults(cat: Catalog, id: number, opts: { force?: boolean } = {}): HumanEvalResults {
  const session = getSession(cat, id);
  if (!session.complete && !opts.force) {
    const left = session.raters.map((r) => `${r.name} ${r.scored}/${r.total}`).join(', ');
    throw new AvError('conflict', `session ${id} is still blind: scoring is not complete (${left || 'no raters'}); results unblind when every rater has finished (or force them)`);
  }
  const rows = cat.db
    .prepare(
      `SELECT i.id AS itemId, i.method, i.instrument, s.score
       FROM humaneval_scores s JOIN humaneval_items i ON i.id = s.item_id
       WHERE i.session_id = ?`,
    )
    .all(id) as Array<{ itemId: number; method: string; instrument: string; score: number }>;
  const byItem = new Map<number, number[]>();
  for (const r of rows) byItem.set(r.itemId, [...(byItem.get(r.itemId) ?? []), r.score]);
  const methods = session.methods.map((m) => {
    const mine = rows.filter((r) => r.method === m.method);
    const scores = mine.map((r) => r.score);
    const s = summarizeScores(scores);
    return {
      method: m.method,
      runId: m.runId,
      n: s.n,
      mean: s.mean,
      std: s.std,
      ci: s.ciLow !== null && s.ciHigh !== null ? ([s.ciLow, s.ciHigh] as [number, number]) : null,
      histogram: histogram(scores),
      byInstrument: session.instruments.map((instrument) => {
        const xs = mine.filter((r) => r.instrument === instrument).map((r) => r.score);
        return { instrument, n: xs.length, mean: mean(xs) };
      }),
    };
  });
  return {
    sessionId: id,
    name: session.name,
    complete: session.complete,
    raterCount: session.raters.length,
    itemCount: session.itemCount,
    scoreCount: rows.length,
    instruments: session.instruments,
    methods,
    alpha: krippendorffAlphaOrdinal([...byItem.values()]),
  };
}

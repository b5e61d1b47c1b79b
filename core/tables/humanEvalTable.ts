// Fig. 8 (§5.2.1): human scores 0–3 of images from S2I-C, S2I-N, S2I-A and ground truth, read from a
// human-evaluation session (humaneval_items / raters / scores): the score histogram per method, the
// mean per method and per method × instrument with n, std and a 95 % bootstrap CI, and Krippendorff's
// α (ordinal) over the items when more than one rater scored.
import type { StudioContext } from '../api/context';
import { AvError } from '../errors';
import { PAPER_FIG8_INSTRUMENT_MEANS, PAPER_FIG8_MEANS } from '../evaluation/paperValues';
import { histogram, krippendorffAlphaOrdinal, summarizeScores } from '../evaluation/statistics';
import { instrumentLabel, MODEL_LABELS } from './runSources';
import {
  assertRectangular, column, emptyCell, integerCell, numberCell, paperColumn, provenance, textCell,
  type ResultTable, type TableCell, type TableRow,
} from './tableModel';

/** Method names of a session's items, in the paper's order; anything else follows alphabetically. */
export const HUMANEVAL_METHOD_ORDER = ['s2i-c', 's2i-n', 's2i-a', 'ground-truth'] as const;
const GROUND_TRUTH_ALIASES = new Set(['ground-truth', 'ground_truth', 'groundtruth', 'gt', 'real']);
const canonicalMethod = (m: string) => (GROUND_TRUTH_ALIASES.has(m.toLowerCase()) ? 'ground-truth' : m.toLowerCase());
/** "s2i-c" → "S2I-C"; a session with two runs of one model names them "s2i-c#12" → "S2I-C (run 12)". */
const methodLabel = (m: string) => {
  if (m === 'ground-truth') return 'Ground truth';
  const [model, run] = m.split('#');
  return `${MODEL_LABELS[model] ?? model}${run ? ` (run ${run})` : ''}`;
};
const methodModel = (m: string) => m.split('#')[0];
export const SCORE_MAX = 3;

interface ScoreRow {
  itemId: number;
  raterId: number;
  score: number;
  method: string;
  instrument: string;
  runId: number | null;
}

export function buildFig8(ctx: StudioContext, o: { session?: number; paper?: boolean }): ResultTable {
  if (o.session === undefined) throw new AvError('bad_request', 'fig8 summarises a human-evaluation session: name it with --session');
  const db = ctx.catalog.db;
  const session = db.prepare('SELECT id, name FROM humaneval_sessions WHERE id = ?').get(o.session) as { id: number; name: string } | undefined;
  if (!session) throw new AvError('not_found', `fig8: no human-evaluation session ${o.session}`);
  const items = (db.prepare('SELECT COUNT(*) AS n FROM humaneval_items WHERE session_id = ?').get(session.id) as { n: number }).n;
  if (!items) throw new AvError('conflict', `fig8: session ${session.id} ("${session.name}") has no items to score`);
  const scores = (db
    .prepare(
      `SELECT s.item_id AS itemId, s.rater_id AS raterId, s.score, i.method, i.instrument, i.run_id AS runId
         FROM humaneval_scores s JOIN humaneval_items i ON i.id = s.item_id
        WHERE i.session_id = ? ORDER BY s.item_id, s.rater_id`,
    )
    .all(session.id) as ScoreRow[]).map((r) => ({ ...r, method: canonicalMethod(r.method) }));
  if (!scores.length) throw new AvError('conflict', `fig8: session ${session.id} ("${session.name}") has ${items} items but no scores yet`);

  const methods = [...new Set(scores.map((s) => s.method))].sort((a, b) => {
    const ia = HUMANEVAL_METHOD_ORDER.indexOf(methodModel(a) as (typeof HUMANEVAL_METHOD_ORDER)[number]);
    const ib = HUMANEVAL_METHOD_ORDER.indexOf(methodModel(b) as (typeof HUMANEVAL_METHOD_ORDER)[number]);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
  });
  const instruments = [...new Set(scores.map((s) => s.instrument))].sort();
  const raters = new Set(scores.map((s) => s.raterId));

  const columns = [
    column('group', 'Method / instrument', 'left'),
    column('n', 'n'),
    column('mean', 'Mean'),
    column('std', 'Std'),
    column('ci_low', '95% CI low'),
    column('ci_high', '95% CI high'),
    ...Array.from({ length: SCORE_MAX + 1 }, (_, s) => column(`score_${s}`, `Score ${s}`)),
  ];
  if (o.paper) columns.push(paperColumn('paper_mean', 'Mean'));

  const summaryRow = (key: string, label: string, subset: ScoreRow[], method: string, instrument: string | null, paperMean: number | null): TableRow => {
    const values = subset.map((s) => s.score);
    const st = summarizeScores(values);
    const prov = (kind: string) => provenance({
      source: 'humaneval', sessionId: session.id, instrument, kind, note: `method ${method}`,
      runIds: [...new Set(subset.map((s) => s.runId).filter((id): id is number => id !== null))].sort((a, b) => a - b),
    });
    const hist = histogram(values, SCORE_MAX);
    const cells: TableCell[] = [
      textCell(label),
      integerCell(st.n, prov('n')),
      numberCell(st.mean, 2, prov('mean')),
      numberCell(st.std, 2, prov('std')),
      numberCell(st.ciLow, 2, prov('bootstrap_ci_low')),
      numberCell(st.ciHigh, 2, prov('bootstrap_ci_high')),
      ...hist.map((h, s) => ({ value: h, display: `${h} (${st.n ? ((100 * h) / st.n).toFixed(0) : 0}%)`, provenance: prov(`count_score_${s}`) })),
    ];
    if (o.paper) cells.push(paperMean === null ? emptyCell() : numberCell(paperMean, 2, provenance({ source: 'paper', note: '§5.2.1' })));
    return { key, cells };
  };

  const paperMethodMean = (m: string) => (methodModel(m) in PAPER_FIG8_MEANS ? PAPER_FIG8_MEANS[methodModel(m) as keyof typeof PAPER_FIG8_MEANS] : null);
  const paperInstrumentMean = (m: string, inst: string) => {
    if (methodModel(m) !== 's2i-c') return null;
    const hit = Object.entries(PAPER_FIG8_INSTRUMENT_MEANS).find(([code]) => code === inst || instrumentLabel(code) === instrumentLabel(inst));
    return hit ? hit[1] : null;
  };
  const rows: TableRow[] = methods.map((m) => summaryRow(m, methodLabel(m), scores.filter((s) => s.method === m), m, null, paperMethodMean(m)));
  for (const m of methods) {
    for (const inst of instruments) {
      const subset = scores.filter((s) => s.method === m && s.instrument === inst);
      if (subset.length) rows.push(summaryRow(`${m}:${inst}`, `${methodLabel(m)} — ${instrumentLabel(inst)}`, subset, m, inst, paperInstrumentMean(m, inst)));
    }
  }
  const notes = [`${scores.length} scores of ${items} items by ${raters.size} rater${raters.size === 1 ? '' : 's'}; CI: percentile bootstrap of the mean (seeded).`];
  if (raters.size > 1) {
    const byItem = new Map<number, number[]>();
    for (const s of scores) byItem.set(s.itemId, [...(byItem.get(s.itemId) ?? []), s.score]);
    const alpha = krippendorffAlphaOrdinal([...byItem.values()]);
    const pairable = [...byItem.values()].filter((v) => v.length >= 2).length;
    const cells: TableCell[] = columns.map(() => emptyCell());
    cells[0] = textCell("Krippendorff's α (ordinal)");
    cells[1] = integerCell(pairable, provenance({ source: 'humaneval', sessionId: session.id, kind: 'pairable_items' }));
    cells[2] = numberCell(alpha, 3, provenance({ source: 'humaneval', sessionId: session.id, kind: 'krippendorff_alpha_ordinal', note: `${raters.size} raters, ${pairable} items scored by two or more` }));
    rows.push({ key: 'alpha', cells });
    notes.push(`Krippendorff's α (ordinal) = ${alpha === null ? 'undefined (no variation)' : alpha.toFixed(3)} over ${pairable} items scored by two or more raters.`);
  }
  const overall = methods.map((m) => summarizeScores(scores.filter((s) => s.method === m).map((s) => s.score)));
  return assertRectangular({
    id: 'fig8',
    title: 'Fig. 8: human evaluation of generated images',
    caption: `Scores 0–3 (Table 4 wording) from session "${session.name}": distribution per method, and mean per method and instrument (§5.2.1).`,
    columns,
    rows,
    notes,
    figure: {
      kind: 'bars',
      xLabel: 'score',
      yLabel: '% of images',
      categories: Array.from({ length: SCORE_MAX + 1 }, (_, s) => String(s)),
      groups: methods.map((m) => {
        const values = scores.filter((s) => s.method === m).map((s) => s.score);
        return { label: methodLabel(m), values: histogram(values, SCORE_MAX).map((h) => (100 * h) / values.length) };
      }),
      means: methods.map((m, i) => ({ label: methodLabel(m), mean: overall[i].mean, ciLow: overall[i].ciLow, ciHigh: overall[i].ciHigh, n: overall[i].n })),
      meanMax: SCORE_MAX,
    },
  });
}

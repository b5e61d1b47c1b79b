// Fig. 8 (§5.2.1) as a result table: the numbers come from the one human-evaluation results path
// (core/humaneval/results.ts sessionResults, which the Human-eval screen and `avstudio humaneval
// results` use too), blind rule included: before scoring is complete only progress comes out, unless
// the experimenter forced the results (recorded in the session). This file only lays them out: the
// score histogram per method, mean per method and per method × instrument with n, std and the 95 %
// bootstrap CI, Krippendorff's α (ordinal) when more than one rater scored.
import type { StudioContext } from '../studio/context';
import type { HumanEvalResults } from '../contract/humanEvalContract';
import { AvError } from '../errors';
import { PAPER_FIG8_INSTRUMENT_MEANS, PAPER_FIG8_MEANS } from '../evaluation/paperValues';
import { progressText, resultsVisible, SCORE_MAX, sessionResults } from '../humaneval/results';
import { getSession, listSessions } from '../humaneval/sessions';
import { instrumentLabel } from './runSources';
import {
  assertRectangular, column, emptyCell, integerCell, markBest, numberCell, paperColumn, provenance, textCell,
  type ResultTable, type TableCell, type TableRow,
} from './tableModel';

export { HUMANEVAL_METHOD_ORDER, SCORE_MAX } from '../humaneval/results';
const methodModel = (m: string) => m.split('#')[0];
type Stats = Pick<HumanEvalResults['methods'][number], 'n' | 'mean' | 'std' | 'ci' | 'histogram'>;

/**
 * The session Fig. 8 shows when none is named: the newest whose results may be shown (complete, or
 * forced by the experimenter) and that has scores. With none, the error says what each session lacks.
 */
export function defaultFig8Session(ctx: StudioContext): number {
  const all = listSessions(ctx.catalog);
  const shown = all.filter((s) => resultsVisible(s) && s.itemCount > 0 && s.raters.some((r) => r.scored > 0)).sort((a, b) => b.id - a.id);
  if (shown.length) return shown[0].id;
  if (!all.length) throw new AvError('not_found', 'fig8: no human-evaluation session yet — create one on the Human-eval screen (or avstudio humaneval create)');
  const why = all.map((s) => `"${s.name}" (${s.itemCount ? `blind: ${progressText(s)}` : 'no items'})`).join('; ');
  throw new AvError('conflict', `fig8: no session has complete scoring yet: ${why}`);
}

export function buildFig8(ctx: StudioContext, o: { session?: number; paper?: boolean; force?: boolean }): ResultTable {
  const sessionId0 = o.session ?? defaultFig8Session(ctx);
  const session = getSession(ctx.catalog, sessionId0);
  if (!session.itemCount) throw new AvError('conflict', `fig8: session ${session.id} ("${session.name}") has no items to score`);
  const res = sessionResults(ctx.catalog, sessionId0, { force: o.force });
  if (!res.scoreCount) throw new AvError('conflict', `fig8: session ${res.sessionId} ("${res.name}") has ${res.itemCount} items but no scores yet`);
  const sessionId = res.sessionId;
  const methods = res.methods.filter((m) => m.n > 0);

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

  const summaryRow = (key: string, label: string, st: Stats, method: string, runId: number | null, instrument: string | null, paperMean: number | null): TableRow => {
    const prov = (kind: string) => provenance({ source: 'humaneval', sessionId, instrument, kind, note: `method ${method}`, runIds: runId === null ? [] : [runId] });
    const cells: TableCell[] = [
      textCell(label),
      integerCell(st.n, prov('n')),
      numberCell(st.mean, 2, prov('mean')),
      numberCell(st.std, 2, prov('std')),
      numberCell(st.ci?.[0] ?? null, 2, prov('bootstrap_ci_low')),
      numberCell(st.ci?.[1] ?? null, 2, prov('bootstrap_ci_high')),
      ...st.histogram.map((h, s) => ({ value: h, display: `${h} (${st.n ? ((100 * h) / st.n).toFixed(0) : 0}%)`, provenance: prov(`count_score_${s}`) })),
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
  const rows: TableRow[] = methods.map((m) => summaryRow(m.method, m.label, m, m.method, m.runId, null, paperMethodMean(m.method)));
  // the best-rated generator (ground truth is the reference, not a contender)
  markBest(rows.filter((r) => r.key !== 'ground-truth').map((r) => r.cells[2]));
  for (const m of methods) {
    for (const b of m.byInstrument) {
      if (b.n) rows.push(summaryRow(`${m.method}:${b.instrument}`, `${m.label} — ${instrumentLabel(b.instrument)}`, b, m.method, m.runId, b.instrument, paperInstrumentMean(m.method, b.instrument)));
    }
  }
  const notes = [`${res.scoreCount} scores of ${res.itemCount} items by ${res.raterCount} rater${res.raterCount === 1 ? '' : 's'}; CI: percentile bootstrap of the mean (seeded).`];
  if (res.forcedAt) notes.push(`INCOMPLETE: scoring was not finished; the experimenter forced these results on ${res.forcedAt}.`);
  if (res.raterCount > 1) {
    const cells: TableCell[] = columns.map(() => emptyCell());
    cells[0] = textCell("Krippendorff's α (ordinal)");
    cells[1] = integerCell(res.alphaItems, provenance({ source: 'humaneval', sessionId, kind: 'pairable_items' }));
    cells[2] = numberCell(res.alpha, 3, provenance({ source: 'humaneval', sessionId, kind: 'krippendorff_alpha_ordinal', note: `${res.raterCount} raters, ${res.alphaItems} items scored by two or more` }));
    rows.push({ key: 'alpha', cells });
    notes.push(`Krippendorff's α (ordinal) = ${res.alpha === null ? 'undefined (no variation)' : res.alpha.toFixed(3)} over ${res.alphaItems} items scored by two or more raters.`);
  }
  return assertRectangular({
    id: 'fig8',
    title: 'Fig. 8: human evaluation of generated images',
    caption: `Scores 0–3 (Table 4 wording) from session "${res.name}": distribution per method, and mean per method and instrument (§5.2.1).`,
    columns,
    rows,
    notes,
    figure: {
      kind: 'bars',
      xLabel: 'score',
      yLabel: '% of images',
      categories: Array.from({ length: SCORE_MAX + 1 }, (_, s) => String(s)),
      groups: methods.map((m) => ({ label: m.label, values: m.histogram.map((h) => (100 * h) / m.n) })),
      means: methods.map((m) => ({ label: m.label, mean: m.mean, ciLow: m.ci?.[0] ?? null, ciHigh: m.ci?.[1] ?? null, n: m.n })),
      meanMax: SCORE_MAX,
    },
  });
}

// A result table: columns × rows of cells; every cell carries its value, the string shown for it, and
// where it came from (runs at an epoch and split, a dataset, a human-eval session, or the paper).
// The schemas live in the API contract (core/contract/tablesContract) so every door validates the same shape.
import type { Provenance, ResultTable, TableCell, TableColumn } from '../contract/tablesContract';

export type { Figure, Provenance, ResultTable, TableCell, TableColumn, TableFormat, TableId, TableRow } from '../contract/tablesContract';
export { TABLE_FORMATS, TABLE_IDS } from '../contract/tablesContract';

export const EMPTY_DISPLAY = '—';

export function provenance(p: Partial<Provenance> & Pick<Provenance, 'source'>): Provenance {
  return {
    runIds: [],
    epoch: null,
    split: null,
    instrument: null,
    kind: null,
    evaluatorRunIds: [],
    datasetId: null,
    sessionId: null,
    note: null,
    ...p,
  };
}

export const textCell = (s: string): TableCell => ({ value: s, display: s, provenance: null });
export const emptyCell = (note?: string): TableCell => ({
  value: null,
  display: EMPTY_DISPLAY,
  provenance: note ? provenance({ source: 'runs', note }) : null,
});

/** 0.8744 → "87.44%" (the paper prints accuracies with two decimals). */
export function percent(v: number): string {
  return `${(v * 100).toFixed(2)}%`;
}

export function accuracyCell(v: number | null, prov: Provenance | null): TableCell {
  return v === null ? { value: null, display: EMPTY_DISPLAY, provenance: prov } : { value: v, display: percent(v), provenance: prov };
}

export function numberCell(v: number | null, digits: number, prov: Provenance | null): TableCell {
  return v === null || !Number.isFinite(v) ? { value: null, display: EMPTY_DISPLAY, provenance: prov } : { value: v, display: v.toFixed(digits), provenance: prov };
}

export function integerCell(v: number | null, prov: Provenance | null): TableCell {
  return v === null ? { value: null, display: EMPTY_DISPLAY, provenance: prov } : { value: v, display: v.toLocaleString('en-US'), provenance: prov };
}

export const column = (key: string, label: string, align: 'left' | 'right' = 'right', paper = false): TableColumn => ({ key, label, align, paper });
export const paperColumn = (key: string, label: string): TableColumn => column(key, `${label} (paper)`, 'right', true);

/** Every run id that some cell of the table comes from. */
export function tableRunIds(t: ResultTable): number[] {
  const ids = new Set<number>();
  for (const r of t.rows) for (const c of r.cells) for (const id of c.provenance?.runIds ?? []) ids.add(id);
  return [...ids].sort((a, b) => a - b);
}

/**
 * Marks the best numeric value (highest, or lowest with `lower`) among the given cells as `best`;
 * ties are all marked; nothing is marked when fewer than two cells hold a number.
 */
export function markBest(cells: TableCell[], lower = false): void {
  const nums = cells.filter((c) => typeof c.value === 'number' && Number.isFinite(c.value));
  if (nums.length < 2) return;
  const vals = nums.map((c) => c.value as number);
  const best = lower ? Math.min(...vals) : Math.max(...vals);
  for (const c of nums) if (Math.abs((c.value as number) - best) < 1e-12) c.best = true;
}

/** Checks the rows have one cell per column (builders' invariant). */
export function assertRectangular(t: ResultTable): ResultTable {
  for (const r of t.rows) if (r.cells.length !== t.columns.length) throw new Error(`table ${t.id}: row ${r.key} has ${r.cells.length} cells for ${t.columns.length} columns`);
  return t;
}

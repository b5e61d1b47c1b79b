// Table 2 (Sub-URMP) and Table 3 (INIS): image-sound pairs per category and split of a dataset
// (non-rejected pairs, as `datasets show` counts them), next to the paper's counts.
import type { StudioContext } from '../studio/context';
import { datasetCounts, getDataset } from '../catalog/datasetsRepo';
import { PAPER_TABLE2, PAPER_TABLE3, type ReferenceCount } from '../datasets/instruments';
import { AvError } from '../errors';
import { instrumentLabel } from './runSources';
import { assertRectangular, column, integerCell, paperColumn, provenance, textCell, type ResultTable, type TableCell } from './tableModel';

export interface DatasetTableOptions {
  dataset?: number | string;
  paper?: boolean;
}

function songsPerInstrument(ctx: StudioContext, datasetId: number): Map<string, number> {
  const rows = ctx.catalog.db
    .prepare("SELECT instrument, COUNT(DISTINCT audio_source_id) AS n FROM pairs WHERE dataset_id = ? AND state != 'rejected' GROUP BY instrument")
    .all(datasetId) as Array<{ instrument: string; n: number }>;
  return new Map(rows.map((r) => [r.instrument, r.n]));
}

export function buildDatasetTable(ctx: StudioContext, table: 'table2' | 'table3', o: DatasetTableOptions): ResultTable {
  if (o.dataset === undefined) throw new AvError('bad_request', `${table} counts the pairs of a dataset: name it with --dataset`);
  const ds = getDataset(ctx.catalog, o.dataset);
  // Table 3 is the INIS table: its paper totals beside another kind of dataset would compare unlike with unlike
  if (table === 'table3' && ds.kind !== 'inis') {
    throw new AvError('bad_request', `table3 counts an INIS dataset; "${ds.name}" is a ${ds.kind} dataset — import INIS (avstudio import inis) or pick table2`);
  }
  const counts = datasetCounts(ctx.catalog, ds.id);
  if (!counts.length) throw new AvError('conflict', `${table}: dataset "${ds.name}" has no pairs (import or un-reject some first)`);
  const inis = table === 'table3';
  const reference: readonly (ReferenceCount & { songs?: number })[] = inis ? PAPER_TABLE3 : PAPER_TABLE2;
  const refOf = (inst: string) => reference.find((r) => r.instrument === inst || instrumentLabel(r.instrument) === instrumentLabel(inst)) ?? null;
  const songs = inis ? songsPerInstrument(ctx, ds.id) : null;
  // the paper's category order first, then any other category of the dataset
  const order = (inst: string) => {
    const i = reference.findIndex((r) => r === refOf(inst));
    return i < 0 ? reference.length : i;
  };
  counts.sort((a, b) => order(a.instrument) - order(b.instrument) || a.instrument.localeCompare(b.instrument));
  const columns = [column('category', 'Category', 'left')];
  if (inis) columns.push(column('songs', 'Recordings'));
  columns.push(column('train', 'Training set'), column('test', 'Testing set'));
  if (o.paper) {
    if (inis) columns.push(paperColumn('paper_songs', 'Complete songs'));
    columns.push(paperColumn('paper_train', 'Training set'), paperColumn('paper_test', 'Testing set'));
  }
  const prov = (split: 'train' | 'test' | null, instrument: string | null) => provenance({ source: 'dataset', datasetId: ds.id, split, instrument, kind: 'pair_count' });
  const paperProv = provenance({ source: 'paper', note: inis ? 'Table 3' : 'Table 2' });
  const paperCells = (ref: (ReferenceCount & { songs?: number }) | null, total?: { songs: number; train: number; test: number }): TableCell[] => {
    if (!o.paper) return [];
    const v = total ?? (ref ? { songs: ref.songs ?? 0, train: ref.train, test: ref.test } : null);
    const cells: TableCell[] = [];
    if (inis) cells.push(integerCell(v ? v.songs : null, v ? paperProv : null));
    cells.push(integerCell(v ? v.train : null, v ? paperProv : null), integerCell(v ? v.test : null, v ? paperProv : null));
    return cells;
  };
  const rows = counts.map((c) => ({
    key: c.instrument,
    cells: [
      textCell(instrumentLabel(c.instrument)),
      ...(songs ? [integerCell(songs.get(c.instrument) ?? 0, provenance({ source: 'dataset', datasetId: ds.id, instrument: c.instrument, kind: 'recordings' }))] : []),
      integerCell(c.train, prov('train', c.instrument)),
      integerCell(c.test, prov('test', c.instrument)),
      ...paperCells(refOf(c.instrument)),
    ],
  }));
  const sum = (f: (c: (typeof counts)[number]) => number) => counts.reduce((a, c) => a + f(c), 0);
  const paperTotal = { songs: reference.reduce((a, r) => a + (r.songs ?? 0), 0), train: reference.reduce((a, r) => a + r.train, 0), test: reference.reduce((a, r) => a + r.test, 0) };
  rows.push({
    key: 'total',
    cells: [
      textCell('Total'),
      ...(songs ? [integerCell([...songs.values()].reduce((a, b) => a + b, 0), provenance({ source: 'dataset', datasetId: ds.id, kind: 'recordings' }))] : []),
      integerCell(sum((c) => c.train), prov('train', null)),
      integerCell(sum((c) => c.test), prov('test', null)),
      ...paperCells(null, paperTotal),
    ],
  });
  return assertRectangular({
    id: table,
    title: inis ? 'Table 3: distribution of image-sound pairs in INIS' : 'Table 2: distribution of image-sound pairs in Sub-URMP',
    caption: `Non-rejected pairs of dataset "${ds.name}" (${ds.kind}) per category and split${inis ? ', with the number of recordings' : ''} (§4).`,
    columns,
    rows,
    notes: inis || !o.paper ? [] : ["Table 2's testing row sums to 8,915 although §4 and the release give 9,575 test pairs; the paper's numbers are shown as printed."],
    figure: null,
  });
}

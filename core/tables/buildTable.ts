// One entry point for every result table and figure, used by the CLI (`avstudio table`) and the API
// (`tables.build`, `tables.export`).
import type { StudioContext } from '../studio/context';
import type { TableBuildInput } from '../contract/tablesContract';
import { buildDatasetTable } from './datasetTables';
import { buildFig8 } from './humanEvalTable';
import { buildFig9, buildI2sTable, buildTable1, buildTable5 } from './runTables';
import type { ResultTable } from './tableModel';

export function buildTable(ctx: StudioContext, input: TableBuildInput): ResultTable {
  const runOpts = { runs: input.runs, dataset: input.dataset, paper: input.paper, epoch: input.epoch };
  switch (input.table) {
    case 'table1':
      return buildTable1(ctx, runOpts);
    case 'table2':
    case 'table3':
      return buildDatasetTable(ctx, input.table, { dataset: input.dataset, paper: input.paper });
    case 'table5':
      return buildTable5(ctx, runOpts);
    case 'fig8':
      return buildFig8(ctx, { session: input.session, paper: input.paper });
    case 'fig9':
      return buildFig9(ctx, runOpts);
    case 'i2s':
      return buildI2sTable(ctx, runOpts);
  }
}

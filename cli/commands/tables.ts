// Evaluation and result tables from the command line: `eval` scores a run at a checkpoint (§5),
// `table` builds Table 1/2/3/5, Fig. 8/9 or the I2S result and writes it as csv, md, latex, json,
// svg or png (to --out, or to stdout for text formats).
import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { TABLE_FORMATS, TABLE_IDS, type TableFormat, type TableId } from '../../core/contract/tablesContract';
import { AvError } from '../../core/errors';
import { evaluateRun } from '../../core/evaluation/evaluateRun';
import { buildTable } from '../../core/tables/buildTable';
import { renderTable } from '../../core/tables/render';
import { tableRunIds } from '../../core/tables/tableModel';
import { action, emit, textTable } from '../output';
import { addHomeOption, withStudio } from '../studio';

function positiveInt(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new AvError('bad_request', `--${name} must be a positive integer, got "${v}"`);
  return n;
}

function runList(v: string | undefined): number[] | undefined {
  if (v === undefined) return undefined;
  const ids = v.split(',').map((s) => s.trim()).filter(Boolean);
  if (!ids.length) throw new AvError('bad_request', '--runs needs run ids, e.g. --runs 3,4,5');
  return ids.map((s) => positiveInt('runs', s) as number);
}

export function registerTables(program: Command): void {
  const evalCmd = program
    .command('eval <run>')
    .description('evaluate a run at a checkpoint (Γ accuracy for S2I, classifier accuracy, I2S on generated and real LMS) and store the rows')
    .option('--epoch <n>', 'the checkpoint epoch (default: the last)')
    .option('--json', 'print the evaluation rows as JSON');
  addHomeOption(evalCmd).action(
    action(async (id: string, o: { epoch?: string; home?: string; json?: boolean }) => {
      await withStudio(o, async (ctx) => {
        const result = await evaluateRun(ctx, positiveInt('run', id) as number, { epoch: positiveInt('epoch', o.epoch) });
        emit(result, o, (d) =>
          [
            `run ${d.runId} (${d.model}) at epoch ${d.epoch}: ${d.evaluations.length} evaluation rows stored`,
            textTable(['kind', 'split', 'instrument', 'accuracy', 'n', 'evaluator'], d.evaluations.map((e) => [e.kind, e.split, e.instrument || 'all', `${(e.value * 100).toFixed(2)}%`, e.n, e.evaluatorRunId ?? ''])),
          ].join('\n'),
        );
      });
    }),
  );

  const table = program
    .command('table <name>')
    .description(`build a result table or figure of the paper: ${TABLE_IDS.join(', ')}`)
    .option('--runs <ids>', 'comma-separated run ids (default: the newest finished runs of the right models)')
    .option('--dataset <name|id>', 'the dataset (required for table2/table3; restricts the runs otherwise)')
    .option('--session <id>', 'the human-evaluation session (fig8)')
    .option('--epoch <n>', 'read evaluations at this epoch instead of each run\'s last (table1, table5, i2s)')
    .option('--paper', 'add the paper\'s published values as reference columns')
    .option('--format <format>', `one of ${TABLE_FORMATS.join(', ')}`, 'md')
    .option('--out <file>', 'write to this file (required for png; text formats print to stdout without it)')
    .option('--json', 'print the table model (cells with provenance) as JSON, or with --out a summary of what was written');
  addHomeOption(table).action(
    action(async (name: string, o: { runs?: string; dataset?: string; session?: string; epoch?: string; paper?: boolean; format: string; out?: string; home?: string; json?: boolean }) => {
      if (!(TABLE_IDS as readonly string[]).includes(name)) throw new AvError('bad_request', `unknown table "${name}": one of ${TABLE_IDS.join(', ')}`);
      if (!(TABLE_FORMATS as readonly string[]).includes(o.format)) throw new AvError('bad_request', `--format must be one of ${TABLE_FORMATS.join(', ')}, got "${o.format}"`);
      const format = o.format as TableFormat;
      if (format === 'png' && !o.out) throw new AvError('bad_request', 'a PNG needs --out FILE');
      await withStudio(o, async (ctx) => {
        const built = buildTable(ctx, {
          table: name as TableId,
          runs: runList(o.runs),
          dataset: o.dataset,
          session: positiveInt('session', o.session),
          paper: o.paper ?? false,
          epoch: positiveInt('epoch', o.epoch),
        });
        if (!o.out && o.json) {
          emit(built, o, () => '');
          return;
        }
        const rendered = await renderTable(built, format);
        if (o.out) {
          writeFileSync(o.out, rendered.bytes ?? rendered.text ?? '');
          emit({ table: built.id, format, out: o.out, runIds: tableRunIds(built) }, o, (d) => `wrote ${d.table} (${d.format}) to ${d.out}${d.runIds.length ? ` from runs ${d.runIds.join(', ')}` : ''}`);
        } else process.stdout.write(rendered.text ?? '');
      });
    }),
  );
}

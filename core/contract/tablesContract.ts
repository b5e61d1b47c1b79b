// The result-tables part of the API contract (imported by api.ts; zod only, so the renderer may
// use it): the table model (cells with provenance), table building/exporting and on-demand evaluation.
import { z } from 'zod';

const Id = z.number().int().positive();

/** Tables and figures of the paper the studio reproduces (§4, §5). */
export const TABLE_IDS = ['table1', 'table2', 'table3', 'table5', 'fig8', 'fig9', 'i2s'] as const;
export type TableId = (typeof TABLE_IDS)[number];
export const TABLE_FORMATS = ['csv', 'md', 'latex', 'json', 'svg', 'png'] as const;
export type TableFormat = (typeof TABLE_FORMATS)[number];

/** Where a cell's value comes from: runs (at an epoch and split), a dataset, a human-eval session or the paper. */
export const ProvenanceSchema = z.object({
  source: z.enum(['runs', 'dataset', 'humaneval', 'paper']),
  runIds: z.array(Id),
  epoch: z.number().int().nullable(),
  split: z.enum(['train', 'test']).nullable(),
  instrument: z.string().nullable(),
  /** evaluation kind (gamma_accuracy, classifier_accuracy, …) or statistic (mean, alpha, …) */
  kind: z.string().nullable(),
  evaluatorRunIds: z.array(Id),
  datasetId: Id.nullable(),
  sessionId: Id.nullable(),
  note: z.string().nullable(),
});
export type Provenance = z.infer<typeof ProvenanceSchema>;

export const TableCellSchema = z.object({
  value: z.union([z.number(), z.string(), z.null()]),
  display: z.string(),
  provenance: ProvenanceSchema.nullable(),
  /** the best value of its comparison group (set in bold in LaTeX, Markdown and on screen) */
  best: z.boolean().optional(),
});
export type TableCell = z.infer<typeof TableCellSchema>;

export const TableColumnSchema = z.object({
  key: z.string(),
  label: z.string(),
  align: z.enum(['left', 'right']),
  /** a reference column of the paper's published values */
  paper: z.boolean(),
});
export type TableColumn = z.infer<typeof TableColumnSchema>;

export const TableRowSchema = z.object({ key: z.string(), cells: z.array(TableCellSchema) });
export type TableRow = z.infer<typeof TableRowSchema>;

const PointSchema = z.object({ x: z.number(), y: z.number() });
export const FigureSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('line'),
    xLabel: z.string(),
    yLabel: z.string(),
    yMin: z.number(),
    yMax: z.number(),
    series: z.array(z.object({ label: z.string(), runId: Id, split: z.enum(['train', 'test']), points: z.array(PointSchema) })),
  }),
  z.object({
    kind: z.literal('bars'),
    xLabel: z.string(),
    yLabel: z.string(),
    /** bar categories (the scores 0…3) */
    categories: z.array(z.string()),
    groups: z.array(z.object({ label: z.string(), values: z.array(z.number()) })),
    /** mean per group with its CI, drawn as an inset */
    means: z.array(z.object({ label: z.string(), mean: z.number().nullable(), ciLow: z.number().nullable(), ciHigh: z.number().nullable(), n: z.number().int() })),
    meanMax: z.number(),
  }),
]);
export type Figure = z.infer<typeof FigureSchema>;

export const ResultTableSchema = z.object({
  id: z.enum(TABLE_IDS),
  title: z.string(),
  caption: z.string(),
  columns: z.array(TableColumnSchema),
  rows: z.array(TableRowSchema),
  notes: z.array(z.string()),
  figure: FigureSchema.nullable(),
});
export type ResultTable = z.infer<typeof ResultTableSchema>;

export const TableBuildInputSchema = z
  .object({
    table: z.enum(TABLE_IDS),
    runs: z.array(Id).max(100).optional(),
    dataset: z.union([Id, z.string().min(1).max(200)]).optional(),
    session: Id.optional(),
    /** add the paper's published values as reference columns */
    paper: z.boolean().optional(),
    /** evaluate at this epoch instead of each run's last evaluated one (table5, i2s) */
    epoch: z.number().int().min(1).optional(),
  })
  .strict();
export type TableBuildInput = z.infer<typeof TableBuildInputSchema>;

export const TableExportInputSchema = TableBuildInputSchema.extend({ format: z.enum(TABLE_FORMATS) }).strict();

export const TableExportResultSchema = z.object({
  format: z.enum(TABLE_FORMATS),
  mime: z.string(),
  /** rendered text (csv, md, latex, json, svg) */
  text: z.string().nullable(),
  /** base64 bytes (png) */
  base64: z.string().nullable(),
});

export const EvaluationRowSchema = z.object({
  epoch: z.number().int(),
  kind: z.string(),
  split: z.string(),
  instrument: z.string(),
  value: z.number(),
  n: z.number().int(),
  evaluatorRunId: Id.nullable(),
});

export const EvaluateInputSchema = z.object({ id: Id, epoch: z.number().int().min(1).optional() }).strict();
export const EvaluateResultSchema = z.object({ runId: Id, model: z.string(), epoch: z.number().int(), evaluations: z.array(EvaluationRowSchema) });

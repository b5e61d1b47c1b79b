// Human evaluation from the command line (§5.2.1, Fig. 8), for scripted studies:
//   avstudio humaneval create --runs 4,5,6 --raters alice,bob   → session id and one rater link each
//   avstudio humaneval list                                     → sessions with each rater's progress
//   avstudio humaneval results <id> [--force]                   → Fig. 8 numbers, unblinded when complete
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import type { HumanEvalResults, HumanEvalSession } from '../../core/contract/humanEvalContract';
import { AvError } from '../../core/errors';
import { createSession, listSessions, sessionResults } from '../../core/humaneval';
import { action, emit, textTable } from '../output';
import { addHomeOption, withStudio } from '../studio';

export const DEFAULT_BASE_URL = 'http://127.0.0.1:4780';

function ids(v: string): number[] {
  const out = v.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (!out.length || out.some((n) => !Number.isInteger(n) || n < 1)) throw new AvError('bad_request', `--runs takes run ids separated by commas, got "${v}"`);
  return out;
}

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new AvError('bad_request', `--${name} must be a whole number, got "${v}"`);
  return n;
}

export function raterLinks(session: HumanEvalSession, baseUrl: string): Array<{ name: string; url: string; scored: number; total: number }> {
  const base = baseUrl.replace(/\/+$/, '');
  return session.raters.map((r) => ({ name: r.name, url: `${base}${r.linkPath}`, scored: r.scored, total: r.total }));
}

const fmt = (x: number | null, d = 2) => (x === null ? '—' : x.toFixed(d));

export function resultsText(r: HumanEvalResults): string {
  const lines = [
    `session ${r.sessionId} "${r.name}": ${r.raterCount} rater(s), ${r.scoreCount}/${r.itemCount * r.raterCount} scores${r.complete ? '' : ` — INCOMPLETE (forced ${r.forcedAt ?? ''})`}`,
    '',
    textTable(
      ['method', 'run', 'n', 'mean', 'std', '95% CI', '0', '1', '2', '3'],
      r.methods.map((m) => [m.method, m.runId ?? '', m.n, fmt(m.mean), fmt(m.std), m.ci ? `${fmt(m.ci[0])}–${fmt(m.ci[1])}` : '—', ...m.histogram]),
    ),
    '',
    'mean per instrument',
    textTable(['method', ...r.instruments], r.methods.map((m) => [m.method, ...m.byInstrument.map((b) => fmt(b.mean))])),
    '',
    `Krippendorff's α (ordinal): ${fmt(r.alpha, 3)}`,
  ];
  return lines.join('\n');
}

interface CreateOpts {
  runs?: string;
  sets: string;
  raters?: string;
  seed?: string;
  dataset?: string;
  name?: string;
  rubricFile?: string;
  instruments?: string;
  baseUrl: string;
  home?: string;
  json?: boolean;
}

export function registerHumanEval(program: Command): void {
  const he = program.command('humaneval').description('blind human evaluation of generated images (§5.2.1, Fig. 8)');
  addHomeOption(
    he
      .command('create')
      .description('create a scoring session: N sets per instrument of one image per S2I run + the ground truth; prints a rater link per rater')
      .option('--runs <ids>', 'S2I run ids, comma-separated (default: the latest finished S2I-C, S2I-N, S2I-A of the dataset)')
      .option('--sets <n>', 'sets per instrument', '10')
      .option('--raters <names>', 'rater names, comma-separated')
      .option('--seed <n>', 'seed for pairs, generation and presentation order')
      .option('--dataset <id|name>', 'dataset whose test pairs are shown (default: the runs\')')
      .option('--instruments <codes>', 'only these instruments, comma-separated')
      .option('--name <name>', 'session name')
      .option('--rubric-file <file>', 'the 0–3 rubric as a text file (default: the built-in rubric)')
      .option('--base-url <url>', 'the `avstudio serve` address the rater links point at', DEFAULT_BASE_URL)
      .option('--json', 'print as JSON'),
  ).action(
    action(async (o: CreateOpts) =>
      withStudio(o, async (ctx) => {
        const session = await createSession(ctx, {
          runIds: o.runs ? ids(o.runs) : undefined,
          sets: int('sets', o.sets),
          raters: o.raters ? o.raters.split(',').map((s) => s.trim()).filter(Boolean) : [],
          seed: int('seed', o.seed),
          dataset: o.dataset,
          instruments: o.instruments ? o.instruments.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
          name: o.name,
          rubric: o.rubricFile ? readFileSync(o.rubricFile, 'utf8') : undefined,
        });
        ctx.events.emit({ type: 'humaneval.changed', sessionId: session.id }); // every open Human-eval screen lists it
        const links = raterLinks(session, o.baseUrl);
        emit({ sessionId: session.id, name: session.name, itemCount: session.itemCount, seed: session.seed, methods: session.methods, raters: links }, o, (d) =>
          [
            `session ${d.sessionId} "${d.name}": ${d.itemCount} images (${session.instruments.length} instruments × ${session.setsPerInstrument} set(s) × ${d.methods.length} images), seed ${d.seed}`,
            d.raters.length ? 'rater links (open while `avstudio serve` runs at that address):' : 'no raters yet: add them in the Human eval screen',
            ...d.raters.map((r) => `  ${r.name}: ${r.url}`),
          ].join('\n'),
        );
      }),
    ),
  );
  addHomeOption(he.command('list').description("sessions with each rater's progress").option('--base-url <url>', 'the `avstudio serve` address for rater links', DEFAULT_BASE_URL).option('--json', 'print as JSON')).action(
    action(async (o: { baseUrl: string; home?: string; json?: boolean }) =>
      withStudio(o, (ctx) => {
        const sessions = listSessions(ctx.catalog).map((s) => ({ id: s.id, name: s.name, status: s.status, createdAt: s.createdAt, itemCount: s.itemCount, complete: s.complete, raters: raterLinks(s, o.baseUrl) }));
        emit(sessions, o, (l) =>
          l.length
            ? textTable(['id', 'name', 'status', 'images', 'complete', 'raters'], l.map((s) => [s.id, s.name, s.status, s.itemCount, s.complete ? 'yes' : 'no', s.raters.map((r) => `${r.name} ${r.scored}/${r.total}`).join(', ')]))
            : 'no human-evaluation sessions yet',
        );
      }),
    ),
  );
  addHomeOption(
    he
      .command('results <id>')
      .description('Fig. 8 numbers per method (n, mean, std, CI, 0–3 histogram) and per instrument; methods are shown only once every rater has finished')
      .option('--force', 'unblind before scoring is complete (recorded in the session: every view then shows its results, marked incomplete)')
      .option('--json', 'print as JSON'),
  ).action(
    action(async (id: string, o: { force?: boolean; home?: string; json?: boolean }) =>
      withStudio(o, (ctx) => {
        const n = int('id', id);
        if (!n) throw new AvError('bad_request', `a session id is a positive whole number, got "${id}"`);
        const r = sessionResults(ctx.catalog, n, { force: o.force });
        if (o.force && r.forcedAt) ctx.events.emit({ type: 'humaneval.changed', sessionId: n }); // open screens unblind too
        emit(r, o, resultsText);
      }),
    ),
  );
}

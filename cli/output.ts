// How every CLI command prints: human text by default, exactly one JSON document on stdout with
// --json, and errors as a clear sentence (or {"error": …} with --json) with a non-zero exit code.
import { toAvError } from '../core/errors';

export interface OutputOptions {
  json?: boolean;
}

export function emit<T>(data: T, opts: OutputOptions, human: (data: T) => string): void {
  if (opts.json) process.stdout.write(JSON.stringify(data, null, 2) + '\n');
  else process.stdout.write(human(data).replace(/\n?$/, '\n'));
}

export function fail(err: unknown, opts: OutputOptions): never {
  const e = toAvError(err);
  if (opts.json) process.stdout.write(JSON.stringify({ error: e.toPayload() }, null, 2) + '\n');
  process.stderr.write(`avstudio: ${e.kind}: ${e.message}\n`);
  if (e.kind === 'internal' && process.env.AVSTUDIO_DEBUG && e.cause instanceof Error) process.stderr.write(`${e.cause.stack}\n`);
  process.exit(e.kind === 'internal' ? 70 : 2);
}

/** Wraps a command action so any error is reported through `fail` with the command's --json flag. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void> | void) {
  return async (...args: A): Promise<void> => {
    // commander calls an action with (...arguments, options, command)
    const candidate = args.length >= 2 ? args[args.length - 2] : undefined;
    const opts: OutputOptions = candidate && typeof candidate === 'object' && !Array.isArray(candidate) ? (candidate as OutputOptions) : {};
    try {
      await fn(...args);
    } catch (err) {
      fail(err, opts);
    }
  };
}

/** A left-aligned text table for human output. */
export function textTable(header: string[], rows: Array<Array<string | number>>): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (c ?? '').padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

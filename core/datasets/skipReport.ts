// What an import could not use: one entry per skipped file (or window range), with the reason, so
// the user can fix the layout and re-run (a re-run adds only what is new).
import { toAvError } from '../errors';

export interface SkipEntry {
  file: string;
  reason: string;
}

export class SkipReport {
  readonly entries: SkipEntry[] = [];

  add(file: string, reason: string): void {
    this.entries.push({ file, reason });
  }

  /** Records a caught error as a skip (its kind and message, without repeating the path). */
  addError(file: string, err: unknown): void {
    const e = toAvError(err);
    const msg = e.file && e.message.startsWith(`${e.file}: `) ? e.message.slice(e.file.length + 2) : e.message;
    this.add(file, `${e.kind}: ${msg}`);
  }

  get size(): number {
    return this.entries.length;
  }
}

// One error type for everything the studio reports to a user: a machine-readable kind, a sentence,
// and (when a file is involved) the file's path. Doors turn it into an HTTP status, an IPC error
// payload or a CLI message; they never crash on it.

export const ERROR_KINDS = [
  'bad_request', // malformed input crossing a boundary (IPC, HTTP, CLI, worker message)
  'unauthorized', // missing or wrong session token
  'not_found', // a file, dataset, run... that does not exist
  'conflict', // the request contradicts stored state (e.g. a name already used)
  'corrupt_file', // a file that cannot be decoded
  'truncated_file', // a file that ends early
  'unsupported', // a codec / format / layout the studio does not handle
  'empty_input', // zero-length audio, empty folder...
  'silent_audio', // audio with no signal where signal is needed
  'out_of_range', // a time window past the end of a track, a frame past the end of a video
  'catalog_newer', // a catalog written by a newer studio
  'catalog_corrupt', // a catalog file that is not a valid SQLite database
  'io', // a read/write failure (full disk, permissions, read-only catalog)
  'busy', // the catalog stayed locked by another writer past the wait (try again)
  'cancelled', // the user cancelled a long task
  'worker_failed', // a worker process died or sent something invalid
  'internal', // a bug: anything else
] as const;

export type ErrorKind = (typeof ERROR_KINDS)[number];

export interface ErrorPayload {
  kind: ErrorKind;
  message: string;
  file?: string;
  details?: unknown;
}

export class AvError extends Error {
  readonly kind: ErrorKind;
  readonly file?: string;
  readonly details?: unknown;

  constructor(kind: ErrorKind, message: string, options: { file?: string; details?: unknown; cause?: unknown } = {}) {
    super(options.file ? `${options.file}: ${message}` : message, { cause: options.cause });
    this.name = 'AvError';
    this.kind = kind;
    this.file = options.file;
    this.details = options.details;
  }

  /** Rebuilds an error received from another process (its message already names the file). */
  static fromPayload(p: ErrorPayload): AvError {
    const e = new AvError(p.kind, p.message, { details: p.details });
    (e as { file?: string }).file = p.file;
    return e;
  }

  toPayload(): ErrorPayload {
    return { kind: this.kind, message: this.message, file: this.file, details: this.details };
  }
}

/** Any thrown value → an AvError (unknown errors become `internal`, keeping their message). */
export function toAvError(err: unknown): AvError {
  if (err instanceof AvError) return err;
  if (err && typeof err === 'object' && 'code' in err) {
    const code = String((err as { code: unknown }).code);
    const path = 'path' in err ? String((err as { path: unknown }).path) : undefined;
    const msg = err instanceof Error ? err.message : String(err);
    if (code.startsWith('SQLITE_')) return sqliteError(code, err);
    // Node refuses a path with a NUL byte or a wrong-typed argument before touching the disk
    if (code === 'ERR_INVALID_ARG_VALUE' || code === 'ERR_INVALID_ARG_TYPE') return new AvError('bad_request', msg, { file: path, cause: err });
    if (code === 'ELOOP') return new AvError('bad_request', 'a loop of symbolic links, not a file', { file: path, cause: err });
    if (code === 'ENAMETOOLONG') return new AvError('bad_request', 'the path is too long', { file: path, cause: err });
    if (code === 'ENOTDIR') return new AvError('not_found', 'a part of the path is not a folder', { file: path, cause: err });
    if (code === 'ENOENT') return new AvError('not_found', 'no such file or folder', { file: path, cause: err });
    if (code === 'ENOSPC') return new AvError('io', 'the disk is full', { file: path, cause: err });
    if (code === 'EACCES' || code === 'EPERM') return new AvError('io', 'permission denied', { file: path, cause: err });
    if (code.startsWith('E')) return new AvError('io', msg, { file: path, cause: err });
  }
  return new AvError('internal', err instanceof Error ? err.message : String(err), { cause: err });
}

/** A better-sqlite3 error (code SQLITE_…) → a typed error: a full disk, a read-only or locked catalog are not bugs. */
function sqliteError(code: string, err: object): AvError {
  const msg = err instanceof Error ? err.message : String(err);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new AvError('busy', `the catalog is busy: another process kept it locked too long (${msg}); try again`, { cause: err });
  }
  if (code === 'SQLITE_FULL' || code === 'SQLITE_IOERR_WRITE' || code === 'SQLITE_IOERR_FSYNC') return new AvError('io', `the disk is full or failing (${msg})`, { cause: err });
  if (code.startsWith('SQLITE_READONLY')) return new AvError('io', `the catalog is read-only (${msg}): check its permissions and free space`, { cause: err });
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return new AvError('catalog_corrupt', `the catalog is damaged (${msg})`, { cause: err });
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CANTOPEN')) return new AvError('io', msg, { cause: err });
  return new AvError('internal', msg, { cause: err });
}

/** HTTP status for an error kind (the HTTP door's only mapping). */
export function httpStatusFor(kind: ErrorKind): number {
  switch (kind) {
    case 'bad_request':
    case 'empty_input':
    case 'silent_audio':
    case 'out_of_range':
    case 'corrupt_file':
    case 'truncated_file':
    case 'unsupported':
      return 400;
    case 'unauthorized':
      return 401;
    case 'not_found':
      return 404;
    case 'conflict':
    case 'catalog_newer':
    case 'catalog_corrupt':
      return 409;
    case 'cancelled':
      return 499;
    case 'busy':
      return 503;
    default:
      return 500;
  }
}

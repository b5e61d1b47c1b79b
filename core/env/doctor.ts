// What `avstudio doctor` checks: the TensorFlow.js backend that would be used, ffmpeg, the data
// directory and its catalog, without creating or changing anything.
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { SCHEMA_VERSION } from '../catalog/migrations';
import { findFfmpeg, type FfmpegInfo } from './ffmpeg';
import { homeLayout } from './home';
import { probeBackend, type BackendProbe } from '../tf/tfBackendProbe';

export interface DoctorReport {
  node: string;
  platform: string;
  backend: BackendProbe;
  ffmpeg: FfmpegInfo | null;
  home: string;
  catalog: { file: string; exists: boolean; schemaVersion: number | null; supportedVersion: number; problem: string | null };
  ok: boolean;
}

export function runDoctor(home: string): DoctorReport {
  const layout = homeLayout(home);
  const catalog: DoctorReport['catalog'] = { file: layout.catalogFile, exists: existsSync(layout.catalogFile), schemaVersion: null, supportedVersion: SCHEMA_VERSION, problem: null };
  if (catalog.exists) {
    try {
      const db = new Database(layout.catalogFile, { readonly: true, fileMustExist: true });
      try {
        catalog.schemaVersion = db.pragma('user_version', { simple: true }) as number;
      } finally {
        db.close();
      }
      if (catalog.schemaVersion > SCHEMA_VERSION) catalog.problem = 'written by a newer AV Studio';
    } catch (err) {
      catalog.problem = `unreadable: ${(err as Error).message}`;
    }
  }
  const ffmpeg = findFfmpeg();
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    backend: probeBackend(),
    ffmpeg,
    home,
    catalog,
    ok: ffmpeg !== null && catalog.problem === null,
  };
}

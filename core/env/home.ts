// The studio's data directory: AVSTUDIO_HOME when set, otherwise the platform's app-data folder.
// It holds the catalog (catalog.sqlite) and content-addressed files (blobs/, checkpoints/ …).
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';

export const APP_DIR_NAME = 'avstudio';

export function defaultHome(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.AVSTUDIO_HOME) return resolve(env.AVSTUDIO_HOME);
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), APP_DIR_NAME);
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', APP_DIR_NAME);
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), APP_DIR_NAME);
}

export interface HomeLayout {
  root: string;
  catalogFile: string;
  blobsDir: string;
  runsDir: string;
  tmpDir: string;
  /** small copies of large pictures for the pair grid (core/media/thumbnails.ts) */
  thumbsDir: string;
}

export function homeLayout(root: string): HomeLayout {
  return {
    root,
    catalogFile: join(root, 'catalog.sqlite'),
    blobsDir: join(root, 'blobs'),
    runsDir: join(root, 'runs'),
    tmpDir: join(root, 'tmp'),
    thumbsDir: join(root, 'thumbs'),
  };
}

export function ensureHome(root: string): HomeLayout {
  const layout = homeLayout(root);
  for (const dir of [layout.root, layout.blobsDir, layout.runsDir, layout.tmpDir]) mkdirSync(dir, { recursive: true });
  return layout;
}

// Which ffmpeg the studio runs: the one on PATH (Debian's) when present, otherwise the binary that
// @ffmpeg-installer/ffmpeg ships inside npm, so a user needs nothing beyond `npm install`.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';

export interface FfmpegInfo {
  path: string;
  source: 'env' | 'path' | 'npm';
  version: string;
}

let cached: FfmpegInfo | null | undefined;

function versionOf(path: string): string | null {
  const r = spawnSync(path, ['-hide_banner', '-version'], { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0 || !r.stdout) return null;
  const m = /ffmpeg version (\S+)/.exec(r.stdout);
  return m ? m[1] : 'unknown';
}

export function findFfmpeg(): FfmpegInfo | null {
  if (cached !== undefined) return cached;
  const candidates: Array<{ path: string; source: FfmpegInfo['source'] }> = [];
  if (process.env.AVSTUDIO_FFMPEG) candidates.push({ path: process.env.AVSTUDIO_FFMPEG, source: 'env' });
  candidates.push({ path: 'ffmpeg', source: 'path' });
  try {
    const require = createRequire(import.meta.url);
    const installer = require('@ffmpeg-installer/ffmpeg') as { path: string };
    if (installer.path && existsSync(installer.path)) candidates.push({ path: installer.path, source: 'npm' });
  } catch {
    // the npm-shipped binary is optional
  }
  for (const c of candidates) {
    const version = versionOf(c.path);
    if (version) return (cached = { ...c, version });
  }
  return (cached = null);
}


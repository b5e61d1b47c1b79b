// Opening the studio from a CLI command: the data directory (--home or AVSTUDIO_HOME or app data).
import type { Command } from 'commander';
import { openStudio, type StudioContext } from '../core/studio/context';
import { defaultHome } from '../core/env/home';

export function addHomeOption(cmd: Command): Command {
  return cmd.option('--home <dir>', 'data directory (default: $AVSTUDIO_HOME or the app-data folder)');
}

export function homeFrom(opts: { home?: string }): string {
  return opts.home ?? defaultHome();
}

/** Opens the studio for one command and always closes the catalog afterwards. */
export async function withStudio<T>(opts: { home?: string }, fn: (ctx: StudioContext) => Promise<T> | T): Promise<T> {
  const ctx = openStudio(homeFrom(opts), 'CLI');
  try {
    return await fn(ctx);
  } finally {
    ctx.close();
  }
}

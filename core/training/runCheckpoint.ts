// A run's checkpoint for one epoch: a directory runs/<run>/epoch-<n>/ holding one sub-directory per
// network (model + optimiser state, each written atomically) and a meta.json written last, so a
// directory without meta.json is an incomplete checkpoint and is never recorded in the catalog.
import { mkdirSync, readFileSync } from 'node:fs';
import { writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { AvError } from '../errors';

export const RunCheckpointMetaSchema = z.object({
  runId: z.number().int(),
  epoch: z.number().int(),
  step: z.number().int(),
  classes: z.array(z.string()),
  parts: z.array(z.string()),
});
export type RunCheckpointMeta = z.infer<typeof RunCheckpointMetaSchema>;

export function checkpointDir(runsDir: string, runId: number, epoch: number): string {
  return join(runsDir, String(runId), `epoch-${String(epoch).padStart(4, '0')}`);
}

export async function writeRunCheckpointMeta(dir: string, meta: RunCheckpointMeta): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, 'meta.json.tmp');
  await writeFile(tmp, JSON.stringify(meta, null, 2));
  await rename(tmp, join(dir, 'meta.json'));
}

export async function readRunCheckpointMeta(dir: string): Promise<RunCheckpointMeta> {
  const file = join(dir, 'meta.json');
  try {
    return RunCheckpointMetaSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch (err) {
    throw new AvError('corrupt_file', `the checkpoint metadata cannot be read (${(err as Error).message})`, { file, cause: err });
  }
}

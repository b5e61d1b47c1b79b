// Messages a training worker sends its supervisor over the child-process IPC channel. Both sides
// validate them: the worker before sending, the supervisor on receipt (a malformed message marks the
// run failed rather than crashing the studio).
import { z } from 'zod';

const RunId = z.number().int().positive();

export const WorkerMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('started'), runId: RunId, backend: z.string(), package: z.string(), pid: z.number().int(), epoch: z.number().int().min(0) }),
  z.object({ type: z.literal('progress'), runId: RunId, stage: z.string(), done: z.number(), total: z.number() }),
  z.object({
    type: z.literal('step'),
    runId: RunId,
    epoch: z.number().int(),
    step: z.number().int(),
    metrics: z.record(z.string(), z.number().nullable()),
  }),
  z.object({
    type: z.literal('epoch'),
    runId: RunId,
    epoch: z.number().int(),
    seconds: z.number(),
    itemsPerSecond: z.number(),
    metrics: z.record(z.string(), z.number().nullable()),
    sampleHash: z.string().nullable(),
  }),
  z.object({ type: z.literal('log'), runId: RunId, level: z.enum(['info', 'warn']), message: z.string() }),
  z.object({ type: z.literal('finished'), runId: RunId, status: z.enum(['done', 'stopped']), epoch: z.number().int() }),
  z.object({ type: z.literal('failed'), runId: RunId, kind: z.string(), message: z.string() }),
]);
export type WorkerMessage = z.infer<typeof WorkerMessageSchema>;

// The messages between featureStatusThread.ts and its worker thread, validated on both sides.
import { z } from 'zod';

export const StatusOptionsSchema = z.object({
  includeRejected: z.boolean().optional(),
  features: z.array(z.enum(['lms', 'image'])).optional(),
  pairIds: z.array(z.number().int()).optional(),
});

export const StatusRequestSchema = z.object({
  id: z.number().int(),
  catalogFile: z.string().min(1),
  datasetId: z.number().int(),
  opts: StatusOptionsSchema,
});

const count = z.number().int().nonnegative();
export const StatusReplySchema = z.union([
  z.object({ id: z.number().int(), ok: z.literal(true), status: z.object({ pairs: count, done: count, lms: count, image: count }) }),
  z.object({ id: z.number().int(), ok: z.literal(false), kind: z.string(), message: z.string() }),
]);
export type StatusReply = z.infer<typeof StatusReplySchema>;

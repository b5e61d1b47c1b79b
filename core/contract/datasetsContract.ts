// The Datasets screen's extra API (issue 8): what the pair inspector shows — the pair's rendered
// picture (full size, uncropped source and the 64×64 network input) and its 128×44 LMS — and the
// tracks / recordings of a dataset for the browser's source filter. Re-exported by api.ts;
// imports only zod so the renderer can use it.
import { z } from 'zod';

const Id = z.number().int().positive();

export const PictureRefSchema = z.object({ hash: z.string(), width: z.number().int(), height: z.number().int() });
export type PictureRef = z.infer<typeof PictureRefSchema>;

export const PairPictureSchema = z.object({
  pairId: Id,
  /** where the picture comes from: the pair's image file, or its video's frame at frameS */
  kind: z.enum(['image', 'video-frame']),
  frameS: z.number().nullable(),
  /** the whole picture, before the track's crop box (what a crop box is drawn on) */
  source: PictureRefSchema,
  /** the picture the pair shows at full resolution: the crop box applied (JPEG) */
  full: PictureRefSchema,
  /** what the networks see: 64×64 (PNG) */
  small: PictureRefSchema,
  crop: z.object({ x: z.number(), y: z.number(), w: z.number(), h: z.number() }).nullable(),
});
export type PairPicture = z.infer<typeof PairPictureSchema>;

export const PairLmsSchema = z.object({
  pairId: Id,
  /** [mel bins, frames] = [128, 44] */
  shape: z.tuple([z.number().int(), z.number().int()]),
  /** row-major dB values: element (bin b, frame t) is data[b * shape[1] + t]; bin 0 is the lowest band */
  data: z.array(z.number()),
  minDb: z.number(),
  maxDb: z.number(),
  startS: z.number(),
  durS: z.number(),
  sampleRate: z.number().int(),
  hopLength: z.number().int(),
  /** the highest mel band's upper edge (Hz) */
  fMaxHz: z.number(),
});
export type PairLms = z.infer<typeof PairLmsSchema>;

export const PairGroupsInputSchema = z
  .object({ datasetId: Id, search: z.string().max(200).optional(), limit: z.number().int().min(1).max(2000).default(500) })
  .strict();
export const PairGroupsSchema = z.object({
  /** how many tracks / recordings match (may exceed items.length) */
  total: z.number().int(),
  items: z.array(z.object({ groupKey: z.string(), pairs: z.number().int() })),
});
export type PairGroups = z.infer<typeof PairGroupsSchema>;

/** Features (LMS + 64×64 pictures) of a dataset: computed in the background after an import. */
export const FeatureKindSchema = z.enum(['lms', 'image']);
export const FeatureTaskSchema = z.object({
  datasetId: Id,
  taskId: z.string(),
  /** pairs whose features are stored (or failed) */
  done: z.number().int(),
  total: z.number().int(),
  /** features computed by this task so far */
  computed: z.number().int(),
  failed: z.number().int(),
  state: z.enum(['running', 'done', 'cancelled', 'failed']),
  message: z.string().optional(),
});
export type FeatureTask = z.infer<typeof FeatureTaskSchema>;

export const DatasetFeaturesSchema = z.object({
  datasetId: Id,
  /** pairs that are not rejected */
  pairs: z.number().int(),
  /** of those, pairs with both features stored */
  done: z.number().int(),
  lms: z.number().int(),
  image: z.number().int(),
  /** the running (or last) feature task of this studio process, if any */
  task: FeatureTaskSchema.nullable(),
});
export type DatasetFeatures = z.infer<typeof DatasetFeaturesSchema>;

export const MaterializeInputSchema = z.object({ datasetId: Id, features: z.array(FeatureKindSchema).min(1).optional() }).strict();

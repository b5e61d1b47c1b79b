// The feature-status worker thread (featureStatusThread.ts starts it): answers "how many of this
// dataset's pairs have their features stored" from its own connection to the catalog, so the first
// status of a large dataset — every pair's keys hashed, 161,610 cache keys read, ~2 s and a heap of
// short-lived strings at 80,805 pairs — never runs on a server's event loop (nor its collector).
// The keys it hashed stay here between questions (featureIndex.ts), as they would in the caller.
// In: { id, catalogFile, datasetId, opts }. Out: { id, ok: true, status } | { id, ok: false, kind, message }.
import { parentPort } from 'node:worker_threads';
import { type Catalog, openCatalog } from '../catalog/catalog';
import { toAvError } from '../errors';
import { quickFeatureStatus } from './featureIndex';
import { pairFeatureKeys } from './featureKeys';
import { StatusRequestSchema } from './featureStatusMessages';

const port = parentPort;
if (!port) throw new Error('featureStatusWorker.ts runs as a worker thread');
const catalogs = new Map<string, Catalog>();

port.on('message', (raw: unknown) => {
  const req = StatusRequestSchema.safeParse(raw);
  if (!req.success) {
    const id = typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'number' ? (raw as { id: number }).id : -1;
    port.postMessage({ id, ok: false, kind: 'bad_request', message: `malformed status request: ${req.error.issues[0]?.message ?? 'invalid'}` });
    return;
  }
  const { id, catalogFile, datasetId, opts } = req.data;
  try {
    let cat = catalogs.get(catalogFile);
    if (!cat) catalogs.set(catalogFile, (cat = openCatalog(catalogFile)));
    port.postMessage({ id, ok: true, status: quickFeatureStatus(cat, datasetId, opts, pairFeatureKeys) });
  } catch (err) {
    const e = toAvError(err);
    port.postMessage({ id, ok: false, kind: e.kind, message: e.message });
  }
});

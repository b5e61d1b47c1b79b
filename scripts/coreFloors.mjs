// The floors of core/, lowest first (docs/ARCHITECTURE.md, "The floors of core/"). A room is a
// folder of core/ or a file at its root; a room imports only from itself and from rooms on lower
// floors (never from another room of its own floor). Read by the ESLint layer rule
// (eslint.config.js) and by scripts/check-layers.mjs, which also fails on import cycles.
export const CORE_FLOORS = [
  // ground: the API contract (zod only), typed errors, the seeded RNG
  ['contract', 'errors.ts', 'rng.ts'],
  // things that hold data or compute: the blob store, the catalog, TensorFlow.js and its CPU kernels
  ['store', 'catalog', 'tf'],
  // the machine: data directory, ffmpeg, training-process environment, doctor
  ['env'],
  // domain, lowest first
  ['media'],
  ['models'],
  ['datasets'],
  ['runs'],
  // the studio's wiring: context, events, change feed, tasks, run supervisor, background features
  ['studio'],
  ['training'],
  ['evaluation'],
  ['humaneval'],
  ['tables'],
  // the API handlers and dispatcher, on top
  ['api'],
];

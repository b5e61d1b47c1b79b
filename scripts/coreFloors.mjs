// The floors of core/, lowest first (docs/ARCHITECTURE.md, "The floors of core/"). A room is a
// folder of core/ or a file at its root; a room imports only from itself and from rooms on lower
// floors. Read by the ESLint layer rule (eslint.config.js) and by scripts/check-layers.mjs.
export const CORE_FLOORS = [
  ['errors.ts'],
  ['store', 'catalog'],
  ['env'],
  ['media'],
  ['models'],
  ['datasets'],
  ['runs'],
  ['training'],
  ['evaluation'],
  ['humaneval'],
  ['tables'],
  ['api'],
];

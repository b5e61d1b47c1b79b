// A writer process for the fault suite: `writer.ts <home> <parity> <count>` toggles accept/reject on
// the pairs of the first dataset whose id has the given parity (so each edit really changes a row
// and records one pair_edits row), as fast as it can, and prints {attempted, ok, failed, kinds}.
// Two of these at once on one catalog are the "two writers" fault: every edit must land.
import { openStudio } from '../core/studio/context';
import { editPair } from '../core/datasets/curation';
import { toAvError } from '../core/errors';

const [home, parityArg, countArg] = process.argv.slice(2);
const parity = Number(parityArg);
const count = Number(countArg);
const ctx = openStudio(home);
const ids = (ctx.catalog.db.prepare('SELECT id FROM pairs WHERE id % 2 = ? ORDER BY id').all(parity) as Array<{ id: number }>).map((r) => r.id);
// each edit must change its pair (an edit that changes nothing records nothing): start from the stored state
const state = new Map<number, 'accept' | 'reject'>(
  (ctx.catalog.db.prepare('SELECT id, state FROM pairs WHERE id % 2 = ?').all(parity) as Array<{ id: number; state: string }>).map((r) => [r.id, r.state === 'accepted' ? 'accept' : 'reject']),
);
let ok = 0;
let failed = 0;
const kinds: Record<string, number> = {};
for (let i = 0; i < count; i++) {
  const id = ids[i % ids.length];
  const next = state.get(id) === 'accept' ? 'reject' : 'accept';
  try {
    editPair(ctx.catalog, id, { action: next });
    state.set(id, next);
    ok++;
  } catch (err) {
    failed++;
    const k = toAvError(err).kind;
    kinds[k] = (kinds[k] ?? 0) + 1;
  }
}
ctx.close();
process.stdout.write(JSON.stringify({ attempted: count, ok, failed, kinds }) + '\n');

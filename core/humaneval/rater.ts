// What a rater does: read their blind state (items in their stored order, never the method) and
// save one score at a time (transactional, idempotent per rater and item). The server also asks
// here which rater a token belongs to and which media that rater may fetch.
import type { RaterState } from '../contract/humanEvalContract';
import { type Catalog, nowIso } from '../catalog/catalog';
import { URMP_INSTRUMENTS } from '../datasets/instruments';
import { AvError } from '../errors';
import { DEFAULT_PUBLIC_TITLE, sessionRow } from './sessions';

export interface RaterRow {
  id: number;
  sessionId: number;
  name: string;
  token: string;
  seed: number;
}

export function findRaterByToken(cat: Catalog, token: string | undefined | null): RaterRow | null {
  if (!token || token.length < 8 || token.length > 200) return null;
  const r = cat.db.prepare('SELECT id, session_id AS sessionId, name, token, seed FROM humaneval_raters WHERE token = ?').get(token) as RaterRow | undefined;
  return r ?? null;
}

function raterOf(cat: Catalog, token: string): RaterRow {
  const r = findRaterByToken(cat, token);
  if (!r) throw new AvError('not_found', 'no rater with this link: ask for a new one');
  return r;
}

function progress(cat: Catalog, rater: RaterRow): { scored: number; total: number } {
  const scored = (cat.db.prepare('SELECT COUNT(*) AS n FROM humaneval_scores WHERE rater_id = ?').get(rater.id) as { n: number }).n;
  const total = (cat.db.prepare('SELECT COUNT(*) AS n FROM humaneval_order WHERE rater_id = ?').get(rater.id) as { n: number }).n;
  return { scored, total };
}

/** The rater's view: items in their stored presentation order with their own scores. */
export function raterState(cat: Catalog, token: string): RaterState {
  const rater = raterOf(cat, token);
  const session = sessionRow(cat, rater.sessionId);
  const items = cat.db
    .prepare(
      `SELECT o.item_id AS itemId, o.position, o.set_no AS setNo, i.instrument, i.blob_hash AS hash, s.score, i.method = 'practice' AS practice
       FROM humaneval_order o
       JOIN humaneval_items i ON i.id = o.item_id
       LEFT JOIN humaneval_scores s ON s.rater_id = o.rater_id AND s.item_id = o.item_id
       WHERE o.rater_id = ? ORDER BY o.position`,
    )
    .all(rater.id) as Array<Omit<RaterState['items'][number], 'instrumentName'>>;
  return {
    // raters see the public title only: the session name is the experimenter's ("tiny S2I-C/N/A check")
    sessionName: session.config.publicTitle ?? DEFAULT_PUBLIC_TITLE,
    raterName: rater.name,
    rubric: session.rubric,
    status: session.status,
    setCount: new Set(items.map((i) => i.setNo)).size,
    total: items.length,
    scored: items.filter((i) => i.score !== null).length,
    // `practice` only on practice images, so a session without them sends exactly the fields it always did
    items: items.map(({ practice, ...i }) => ({ ...i, instrumentName: instrumentName(i.instrument), ...(practice ? { practice: true } : {}) })),
  };
}

/** A readable instrument name: URMP codes spelled out (cl → clarinet, db → double bass), others as stored. */
export function instrumentName(code: string): string {
  const name = (URMP_INSTRUMENTS as Record<string, string>)[code];
  return name ? name.replace(/_/g, ' ') : code;
}

/** Saves (or overwrites) one score; refuses items outside the rater's session and closed sessions. */
export function saveScore(cat: Catalog, input: { token: string; itemId: number; score: number; ms?: number }): { itemId: number; score: number; scored: number; total: number } {
  if (!Number.isInteger(input.score) || input.score < 0 || input.score > 3) throw new AvError('bad_request', `a score is an integer 0–3, got ${input.score}`);
  return cat.tx(() => {
    const rater = raterOf(cat, input.token);
    const session = sessionRow(cat, rater.sessionId);
    if (session.status !== 'open') throw new AvError('conflict', `session "${session.name}" is closed: scores can no longer change`);
    const order = cat.db.prepare('SELECT position FROM humaneval_order WHERE rater_id = ? AND item_id = ?').get(rater.id, input.itemId) as { position: number } | undefined;
    if (!order) throw new AvError('bad_request', `item ${input.itemId} is not one of this rater's items`);
    cat.db
      .prepare(
        `INSERT INTO humaneval_scores (rater_id, item_id, score, position, ms, at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (rater_id, item_id) DO UPDATE SET score = excluded.score, ms = COALESCE(excluded.ms, ms), at = excluded.at`,
      )
      .run(rater.id, input.itemId, input.score, order.position, input.ms ?? null, nowIso());
    return { itemId: input.itemId, score: input.score, ...progress(cat, rater) };
  });
}

/** Whether a rater may fetch a media hash: only the images of their own session's items. */
export function raterMayFetch(cat: Catalog, rater: RaterRow, hash: string): boolean {
  return Boolean(cat.db.prepare('SELECT 1 FROM humaneval_items WHERE session_id = ? AND blob_hash = ? LIMIT 1').get(rater.sessionId, hash));
}

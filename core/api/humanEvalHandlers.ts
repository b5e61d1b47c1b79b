// The human-evaluation part of the API: thin over core/humaneval. The rater methods take the rater
// token in their input; `avstudio serve` fills it from the rater's own credentials for rater links.
import { addRater, createSession, findRaterByToken, getSession, listSessions, raterState, saveScore, sessionResults, setSessionStatus } from '../humaneval';
import type { StudioContext } from '../studio/context';
import type { ApiHandlers } from './dispatch';

/** Every human-eval write is heard by every studio process (the experimenter's screen follows raters live). */
function changed<T>(ctx: StudioContext, sessionId: number, out: T, progress?: { scored: number; total: number }): T {
  ctx.events.emit({ type: 'humaneval.changed', sessionId, ...progress });
  return out;
}

type HumanEvalHandlers = Pick<
  ApiHandlers,
  | 'humaneval.create'
  | 'humaneval.list'
  | 'humaneval.get'
  | 'humaneval.addRater'
  | 'humaneval.setStatus'
  | 'humaneval.results'
  | 'humaneval.rater.state'
  | 'humaneval.rater.score'
>;

export const humanEvalHandlers: HumanEvalHandlers = {
  'humaneval.create': async (input, ctx) => {
    const s = await createSession(ctx, input);
    return changed(ctx, s.id, s);
  },
  'humaneval.list': (_input, ctx) => listSessions(ctx.catalog),
  'humaneval.get': (input, ctx) => getSession(ctx.catalog, input.id),
  'humaneval.addRater': (input, ctx) => changed(ctx, input.sessionId, addRater(ctx.catalog, input.sessionId, input.name)),
  'humaneval.setStatus': (input, ctx) => changed(ctx, input.id, setSessionStatus(ctx.catalog, input.id, input.status)),
  'humaneval.results': (input, ctx) => {
    const forcedBefore = getSession(ctx.catalog, input.id).resultsForcedAt;
    const r = sessionResults(ctx.catalog, input.id, { force: input.force });
    // forcing unblinds the session everywhere: tell every screen
    return r.forcedAt && !forcedBefore ? changed(ctx, input.id, r) : r;
  },
  'humaneval.rater.state': (input, ctx) => raterState(ctx.catalog, input.token),
  'humaneval.rater.score': (input, ctx) => {
    const r = saveScore(ctx.catalog, input);
    // the rater's own progress only: never the method of the item scored
    return changed(ctx, findRaterByToken(ctx.catalog, input.token)!.sessionId, r, { scored: r.scored, total: r.total });
  },
};

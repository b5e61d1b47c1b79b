// The human-evaluation part of the API: thin over core/humaneval. The rater methods take the rater
// token in their input; `avstudio serve` fills it from the rater's own credentials for rater links.
import { addRater, createSession, getSession, listSessions, raterState, saveScore, sessionResults, setSessionStatus } from '../humaneval';
import type { ApiHandlers } from './dispatch';

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
  'humaneval.create': (input, ctx) => createSession(ctx, input),
  'humaneval.list': (_input, ctx) => listSessions(ctx.catalog),
  'humaneval.get': (input, ctx) => getSession(ctx.catalog, input.id),
  'humaneval.addRater': (input, ctx) => addRater(ctx.catalog, input.sessionId, input.name),
  'humaneval.setStatus': (input, ctx) => setSessionStatus(ctx.catalog, input.id, input.status),
  'humaneval.results': (input, ctx) => sessionResults(ctx.catalog, input.id, { force: input.force }),
  'humaneval.rater.state': (input, ctx) => raterState(ctx.catalog, input.token),
  'humaneval.rater.score': (input, ctx) => saveScore(ctx.catalog, input),
};

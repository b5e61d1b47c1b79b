// The single entry point every door calls: validates the method name and input, runs the handler,
// validates the output, and turns every failure into a typed error payload.
import { z } from 'zod';
import { AvError, toAvError, type ErrorPayload } from '../errors';
import { API, isApiMethod, type ApiMethod, type ApiOutput, type ApiParsedInput } from '../contract/api';
import type { StudioContext } from '../studio/context';

export type ApiHandlers = {
  [M in ApiMethod]: (input: ApiParsedInput<M>, ctx: StudioContext) => Promise<ApiOutput<M>> | ApiOutput<M>;
};

export type DispatchResult = { ok: true; result: unknown } | { ok: false; error: ErrorPayload };

function describeIssues(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.length ? i.path.join('.') : 'input'}: ${i.message}`).join('; ');
}

export async function dispatch(handlers: ApiHandlers, ctx: StudioContext, method: string, rawInput: unknown): Promise<DispatchResult> {
  try {
    if (!isApiMethod(method)) throw new AvError('bad_request', `unknown API method "${method}"`);
    const def = API[method];
    const parsed = def.input.safeParse(rawInput ?? {});
    if (!parsed.success) throw new AvError('bad_request', `invalid input for ${method}: ${describeIssues(parsed.error)}`);
    const handler = handlers[method] as (input: unknown, ctx: StudioContext) => Promise<unknown> | unknown;
    const out = await handler(parsed.data, ctx);
    const checked = def.output.safeParse(out);
    if (!checked.success) throw new AvError('internal', `${method} produced an invalid result: ${describeIssues(checked.error)}`);
    return { ok: true, result: checked.data };
  } catch (err) {
    return { ok: false, error: toAvError(err).toPayload() };
  }
}

export async function callOrThrow<M extends ApiMethod>(handlers: ApiHandlers, ctx: StudioContext, method: M, input: unknown): Promise<ApiOutput<M>> {
  const r = await dispatch(handlers, ctx, method, input);
  if (!r.ok) throw AvError.fromPayload(r.error);
  return r.result as ApiOutput<M>;
}

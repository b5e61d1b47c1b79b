// The renderer's one API client. Inside Electron it goes through the preload bridge
// (window.avstudio); in a browser it talks to `avstudio serve` over HTTP + WebSocket with the
// session token from the page's URL. Screens never know which door they came through.
import { API, EventSchema, type ApiInput, type ApiMethod, type ApiOutput, type PickPathRequest, type StudioApi, type StudioEvent } from '../../../core/contract/api';

export interface ApiErrorPayload {
  kind: string;
  message: string;
  file?: string;
}

export class ApiError extends Error {
  constructor(readonly payload: ApiErrorPayload) {
    super(payload.message);
    this.name = 'ApiError';
  }
  get kind(): string {
    return this.payload.kind;
  }
}

type Envelope = { ok: true; result: unknown } | { ok: false; error: ApiErrorPayload };

interface Bridge {
  call(method: string, input: unknown): Promise<unknown>;
  onEvent(listener: (e: StudioEvent) => void): () => void;
  /** a stored or imported file by content hash; 'thumb': what a grid card shows (a small copy of a large picture) */
  mediaUrl(hash: string, variant?: 'thumb'): string;
  pickPath?(request: PickPathRequest): Promise<string | null>;
}

declare global {
  interface Window {
    avstudio?: Bridge;
  }
}

function unwrap<M extends ApiMethod>(method: M, env: unknown): ApiOutput<M> {
  const e = env as Envelope;
  if (!e || typeof e !== 'object' || !('ok' in e)) throw new ApiError({ kind: 'internal', message: `malformed reply to ${method}` });
  if (!e.ok) throw new ApiError(e.error);
  return API[method].output.parse(e.result) as ApiOutput<M>;
}

function bridgeClient(bridge: Bridge): StudioApi {
  return {
    async call(method, input) {
      return unwrap(method, await bridge.call(method, input));
    },
    onEvent: (listener) => bridge.onEvent(listener),
    mediaUrl: (hash, variant) => bridge.mediaUrl(hash, variant),
  };
}

const TOKEN_KEY = 'avstudio.token';

/** The rater token of a rater link (`/rate/<token>/`, served by `avstudio serve`), or null. */
export function raterTokenFromPath(): string | null {
  const m = /^\/rate\/([^/]+)/.exec(location.pathname);
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return null;
  }
}

function sessionToken(): string {
  // a rater link carries its own (narrow) token in the path; it never replaces a studio token
  const rater = raterTokenFromPath();
  if (rater) return rater;
  const fromUrl = new URLSearchParams(location.search).get('token');
  if (fromUrl) sessionStorage.setItem(TOKEN_KEY, fromUrl);
  return fromUrl ?? sessionStorage.getItem(TOKEN_KEY) ?? '';
}

function httpClient(): StudioApi {
  const token = sessionToken();
  const listeners = new Set<(e: StudioEvent) => void>();
  let socket: WebSocket | null = null;
  let retry = 500;

  const connect = () => {
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    socket = new WebSocket(`${proto}://${location.host}/events?token=${encodeURIComponent(token)}`);
    socket.onopen = () => (retry = 500);
    socket.onmessage = (m) => {
      const parsed = EventSchema.safeParse(JSON.parse(String(m.data)));
      if (parsed.success) for (const l of listeners) l(parsed.data);
    };
    socket.onclose = () => {
      socket = null;
      if (listeners.size) setTimeout(connect, (retry = Math.min(retry * 2, 10_000)));
    };
  };

  return {
    async call<M extends ApiMethod>(method: M, input: ApiInput<M>): Promise<ApiOutput<M>> {
      let res: Response;
      try {
        res = await fetch(`/api/${method}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify(input ?? {}),
        });
      } catch (err) {
        throw new ApiError({ kind: 'io', message: `the studio server did not answer (${(err as Error).message})` });
      }
      let body: unknown;
      try {
        body = await res.json();
      } catch {
        throw new ApiError({ kind: 'internal', message: `the studio server sent a non-JSON reply (HTTP ${res.status})` });
      }
      return unwrap(method, body);
    },
    onEvent(listener) {
      listeners.add(listener);
      if (!socket) connect();
      return () => listeners.delete(listener);
    },
    mediaUrl: (hash, variant) => `/media/${encodeURIComponent(hash)}?token=${encodeURIComponent(token)}${variant === 'thumb' ? '&thumb=1' : ''}`,
  };
}

/**
 * Electron's native open dialog (folder, or a manifest file) when the studio runs in Electron;
 * null in a browser, where the import wizard browses the server's folders (files.browse) instead.
 */
export const nativePicker: ((request: PickPathRequest) => Promise<string | null>) | null = window.avstudio?.pickPath
  ? (request) => (window.avstudio as Bridge).pickPath!(request)
  : null;

export const api: StudioApi = window.avstudio ? bridgeClient(window.avstudio) : httpClient();

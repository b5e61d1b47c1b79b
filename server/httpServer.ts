// `avstudio serve`: the studio's API over HTTP (POST /api/<method>) and live events over WebSocket
// (/events), plus the built renderer and media files, on 127.0.0.1 by default. Every request must
// carry the session token: in the URL the studio prints (?token=…, which also sets a same-site
// cookie so the page's own asset requests pass), as `Authorization: Bearer …`, or as that cookie.
// A human-evaluation rater token (the link `/rate/<token>/`) is a narrower credential: it may call only
// the rater methods (for its own rater), fetch only its session's item images, and load the SPA.
//
// A token alone does not stop another page in the same browser: the cookie is same-site, and
// SameSite does not separate ports, so a page on http://127.0.0.1:<other port> sends it. So every
// API call and the WebSocket upgrade must also come from the studio's own origin (Origin, and
// Sec-Fetch-Site where the browser sends it), and an API body must be declared application/json
// (a cross-origin form or text/plain post is a "simple request" that needs no CORS preflight).
// The WebSocket takes no client messages: a frame that breaks the protocol (too long, bad UTF-8,
// unknown opcode, unmasked) closes that socket with the RFC 6455 code, never the process.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { constants as fsConstants, createReadStream, existsSync, openSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { WebSocketServer, type WebSocket } from 'ws';
import { dispatch, type ApiHandlers } from '../core/api/dispatch';
import type { StudioContext } from '../core/studio/context';
import { mediaFileFor, mediaThumbFor, parseRange, type MediaFile } from '../core/api/mediaFiles';
import { AvError, httpStatusFor, toAvError, type ErrorPayload } from '../core/errors';
import { RATER_METHODS } from '../core/contract/humanEvalContract';
import { findRaterByToken, raterMayFetch, type RaterRow } from '../core/humaneval/rater';

export const MAX_BODY_BYTES = 1 << 20;
/** Clients only listen on /events; a few KiB covers a close frame's reason or a ping. */
export const WS_MAX_PAYLOAD = 4 * 1024;
const COOKIE = 'avstudio_token';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.wav': 'audio/wav',
  '.mp4': 'video/mp4',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

export interface ServeOptions {
  ctx: StudioContext;
  handlers: ApiHandlers;
  host?: string;
  port?: number;
  token?: string;
  /** The built renderer (index.html + assets); the API works without it. */
  staticDir?: string;
  /** PEM certificate and key: serve HTTPS/WSS (for a LAN host). */
  tls?: { cert: string | Buffer; key: string | Buffer };
}

export interface RunningServer {
  url: string;
  /**
   * Every URL a browser can open: bound to a wildcard (0.0.0.0 / ::), the loopback address and each
   * network interface's address — never http://0.0.0.0:…, which no browser opens.
   */
  urls: string[];
  port: number;
  token: string;
  close(): Promise<void>;
}

function sameToken(a: string | undefined, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieToken(req: IncomingMessage): string | undefined {
  const header = req.headers.cookie ?? '';
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

/** decodeURIComponent, with a malformed escape (`%ff`, `%`) as a typed 400 instead of a URIError. */
export function decodePart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new AvError('bad_request', `malformed percent-escape in the URL: ${JSON.stringify(part.slice(0, 200))}`);
  }
}

/** A JSON body: declared application/json (an empty body may omit the type and means {}). */
export function jsonContentType(req: IncomingMessage): boolean {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  return type === 'application/json';
}

/** Who a request speaks for: the studio's session token (everything) or one rater (rater scope). */
type Principal = { kind: 'studio' } | { kind: 'rater'; rater: RaterRow };

/** `/rate/<token>` and `/rate/<token>/<rest>`: the rater link, and the SPA's files below it. */
export function ratePath(pathname: string): { token: string; rest: string | null } | null {
  const m = /^\/rate\/([^/]+)(\/.*)?$/.exec(pathname);
  if (!m) return null;
  try {
    return { token: decodeURIComponent(m[1]), rest: m[2] ?? null };
  } catch {
    return null;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(data);
}

function sendError(res: ServerResponse, err: ErrorPayload, status = httpStatusFor(err.kind as AvError['kind'])): void {
  sendJson(res, status, { ok: false, error: err });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolveBody, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        // stop buffering, let the rest drain, and answer 413 (destroying the socket would lose the reply)
        chunks.length = 0;
        reject(new AvError('bad_request', `request body larger than ${MAX_BODY_BYTES} bytes`, { details: { status: 413 } }));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolveBody(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function serveFile(res: ServerResponse, file: string, headers: Record<string, string> = {}): void {
  const size = statSync(file).size;
  res.writeHead(200, { 'content-type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream', 'content-length': String(size), ...headers });
  createReadStream(file).pipe(res);
}

/** A media file with HTTP Range support (206 / 416), so audio and video can seek. */
function serveMedia(req: IncomingMessage, res: ServerResponse, media: MediaFile): void {
  const headers: Record<string, string> = {
    'content-type': media.mime,
    'accept-ranges': 'bytes',
    'cache-control': 'private, max-age=31536000, immutable',
    'x-content-type-options': 'nosniff',
  };
  const range = parseRange(req.headers.range, media.size);
  if (range === 'unsatisfiable') {
    res.writeHead(416, { ...headers, 'content-range': `bytes */${media.size}` });
    res.end();
    return;
  }
  const { start, end } = range ?? { start: 0, end: media.size - 1 };
  const length = media.size === 0 ? 0 : end - start + 1;
  res.writeHead(range ? 206 : 200, { ...headers, 'content-length': String(length), ...(range ? { 'content-range': `bytes ${start}-${end}/${media.size}` } : {}) });
  if (req.method === 'HEAD' || length === 0) {
    res.end();
    return;
  }
  // a blob was checked to be a regular file; O_NOFOLLOW keeps a symlink swapped in since from being followed
  let fd: number;
  try {
    fd = openSync(media.file, media.from === 'blobs' ? fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW : fsConstants.O_RDONLY);
  } catch {
    res.destroy();
    return;
  }
  createReadStream('', { fd, start, end }).on('error', () => res.destroy()).pipe(res);
}

/** The addresses a browser can reach a server bound to `host` at (loopback first). */
export function reachableHosts(host: string, interfaces = networkInterfaces()): string[] {
  const wildcardV4 = host === '0.0.0.0';
  const wildcardV6 = host === '::' || host === '[::]';
  if (!wildcardV4 && !wildcardV6) return [host];
  const out = ['127.0.0.1'];
  for (const list of Object.values(interfaces)) {
    for (const a of list ?? []) {
      if (a.internal) continue;
      if (a.family === 'IPv4') out.push(a.address);
      // IPv6 link-local addresses need a zone id no URL carries well; global ones are usable
      else if (wildcardV6 && !a.address.toLowerCase().startsWith('fe80:')) out.push(a.address);
    }
  }
  return [...new Set(out)];
}

export function startServer(opts: ServeOptions): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const staticRoot = opts.staticDir ? resolve(opts.staticDir) : undefined;
  let boundPort = 0;
  const sockets = new Set<WebSocket>();

  // DNS-rebinding guard: bound to loopback, only loopback names may appear in Host. Bound to another
  // address on purpose (`--host` for colleagues on the LAN), any name is fine — the token still rules.
  const loopback = host === 'localhost' || host === '::1' || host.startsWith('127.');
  const allowedHost = (req: IncomingMessage): boolean => {
    if (!loopback) return true;
    const h = (req.headers.host ?? '').toLowerCase();
    return [`127.0.0.1:${boundPort}`, `localhost:${boundPort}`, `[::1]:${boundPort}`, `${host}:${boundPort}`].includes(h);
  };

  // The studio's own origin: the scheme it serves and the Host the request was sent to (which, on
  // loopback, allowedHost has already limited to the bound port's loopback names). No Origin at all
  // is a client that is not a browser page (curl, scripts): for those the token decides.
  const scheme = opts.tls ? 'https' : 'http';
  const sameOrigin = (req: IncomingMessage): boolean => {
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    return origin.toLowerCase() === `${scheme}://${(req.headers.host ?? '').toLowerCase()}`;
  };
  /** A page of another origin (even another port of this host) asked for this as a sub-resource. */
  const crossSite = (req: IncomingMessage): boolean => {
    const site = req.headers['sec-fetch-site'];
    return site === 'cross-site' || site === 'same-site';
  };

  const authorized = (req: IncomingMessage, url: URL): boolean => {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    return sameToken(url.searchParams.get('token') ?? undefined, token) || sameToken(bearer, token) || sameToken(cookieToken(req), token);
  };

  const principalOf = (req: IncomingMessage, url: URL): Principal | null => {
    if (authorized(req, url)) return { kind: 'studio' };
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    for (const candidate of [bearer, url.searchParams.get('token'), ratePath(url.pathname)?.token]) {
      const rater = candidate ? findRaterByToken(opts.ctx.catalog, candidate) : null;
      if (rater) return { kind: 'rater', rater };
    }
    return null;
  };
  const outOfScope = (res: ServerResponse, what: string) => sendError(res, { kind: 'unauthorized', message: `a rater link may not ${what}` }, 403);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<unknown> => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (!allowedHost(req)) return sendError(res, { kind: 'unauthorized', message: 'unexpected Host header' }, 403);
      // browsers fetch /favicon.ico on their own, without the token (a rater link has no cookie): answer
      // it without auth — it reveals nothing — instead of logging a 401 in the rater's console
      if (url.pathname === '/favicon.ico' && (req.method === 'GET' || req.method === 'HEAD')) {
        const icon = staticRoot ? join(staticRoot, 'favicon.ico') : null;
        if (icon && existsSync(icon)) return serveFile(res, icon, { 'cache-control': 'public, max-age=86400' });
        res.writeHead(204, { 'cache-control': 'public, max-age=86400' });
        return res.end();
      }
      const principal = principalOf(req, url);
      if (!principal) return sendError(res, { kind: 'unauthorized', message: 'missing or wrong session token: open the URL that `avstudio serve` printed' });

      if (url.pathname.startsWith('/api/')) {
        if (req.method !== 'POST') return sendError(res, { kind: 'bad_request', message: 'API calls are POST requests with a JSON body' }, 405);
        if (!sameOrigin(req)) return sendError(res, { kind: 'unauthorized', message: `cross-origin API call refused (Origin ${req.headers.origin ?? '—'}, Sec-Fetch-Site ${req.headers['sec-fetch-site'] ?? '—'})` }, 403);
        let body: unknown;
        try {
          const text = await readBody(req);
          if (text.length > 0 && !jsonContentType(req)) {
            return sendError(res, { kind: 'bad_request', message: `API bodies must be sent as application/json, not ${req.headers['content-type'] ?? 'untyped'}` }, 415);
          }
          body = text.trim() === '' ? {} : JSON.parse(text);
        } catch (err) {
          if (err instanceof AvError) {
            res.setHeader('connection', 'close');
            return sendError(res, err.toPayload(), 413);
          }
          return sendError(res, { kind: 'bad_request', message: `the request body is not valid JSON: ${(err as Error).message}` });
        }
        const method = decodePart(url.pathname.slice(5));
        if (principal.kind === 'rater') {
          if (!(RATER_METHODS as readonly string[]).includes(method)) return outOfScope(res, `call ${method}`);
          // a rater acts only as itself, whatever token the body names
          if (!body || typeof body !== 'object' || Array.isArray(body)) return sendError(res, { kind: 'bad_request', message: 'the request body must be a JSON object' });
          body = { ...(body as Record<string, unknown>), token: principal.rater.token };
        }
        const r = await dispatch(opts.handlers, opts.ctx, method, body);
        return r.ok ? sendJson(res, 200, r) : sendError(res, r.error);
      }

      if (url.pathname.startsWith('/media/')) {
        if (crossSite(req)) return sendError(res, { kind: 'unauthorized', message: 'media are not served to other sites' }, 403);
        const hash = decodePart(url.pathname.slice(7));
        if (principal.kind === 'rater' && !raterMayFetch(opts.ctx.catalog, principal.rater, hash)) return outOfScope(res, 'fetch this file');
        // ?thumb=1: what a grid card shows (a small copy of a large picture, core/media/thumbnails.ts)
        const media = url.searchParams.get('thumb') === '1' ? await mediaThumbFor(opts.ctx, hash) : mediaFileFor(opts.ctx, hash);
        if (!media) return sendError(res, { kind: 'not_found', message: `no stored or imported file with hash ${hash}` });
        return serveMedia(req, res, media);
      }

      if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, { kind: 'bad_request', message: `${req.method} is not allowed here` }, 405);
      if (!staticRoot || !existsSync(join(staticRoot, 'index.html'))) {
        return sendError(res, { kind: 'not_found', message: 'the studio UI is not built: run `npm run build:web` (the API still answers under /api/)' });
      }
      // the rater link's page and the SPA's (relative) asset URLs below it map onto the same files
      const rate = ratePath(url.pathname);
      if (rate && rate.rest === null) {
        res.writeHead(302, { location: `${url.pathname}/${url.search}`, 'cache-control': 'no-store' });
        return res.end();
      }
      const rel = normalize(decodePart(rate ? (rate.rest as string) : url.pathname)).replace(/^([/\\])+/, '');
      let file = join(staticRoot, rel);
      if (!file.startsWith(staticRoot + sep) && file !== staticRoot) return sendError(res, { kind: 'bad_request', message: 'bad path' });
      if (!existsSync(file) || statSync(file).isDirectory()) file = join(staticRoot, 'index.html');
      const headers: Record<string, string> = { 'x-content-type-options': 'nosniff' };
      if (file.endsWith('.html')) {
        headers['content-security-policy'] = CONTENT_SECURITY_POLICY;
        headers['cache-control'] = 'no-store';
        if (principal.kind === 'studio' && url.searchParams.has('token')) headers['set-cookie'] = `${COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`;
      }
      return serveFile(res, file, headers);
    } catch (err) {
      if (!res.headersSent) sendError(res, toAvError(err).toPayload());
      else res.destroy();
    }
  };
  const server = opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, handle) : createServer(handle);

  // maxPayload: clients only listen, so anything longer than a control frame's worth is a protocol
  // abuse; ws then closes that socket with 1009. Bad UTF-8 → 1007, unknown opcode / unmasked → 1002.
  const wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_PAYLOAD });
  wss.on('error', () => {
    // a failed handshake; the socket is closed by ws
  });
  server.on('upgrade', (req, socket, head) => {
    // the raw socket may error (reset by the peer) before or during the handshake
    socket.on('error', () => socket.destroy());
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      return;
    }
    if (url.pathname !== '/events' || !allowedHost(req) || !authorized(req, url)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      return;
    }
    if (!sameOrigin(req)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      // without a listener an 'error' (a frame that breaks the protocol) is thrown and ends the
      // process; ws has already sent the close frame with the right code and will close the socket
      ws.on('error', () => sockets.delete(ws));
      ws.on('message', () => {
        // clients only listen; anything they send is ignored
      });
    });
  });
  const unsubscribe = opts.ctx.events.on((e) => {
    const data = JSON.stringify(e);
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(data);
  });

  return new Promise((resolveStart, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE' ? new AvError('conflict', `port ${opts.port} on ${host} is already in use; pass --port 0 for a free one`) : err);
    });
    server.listen(opts.port ?? 0, host, () => {
      boundPort = (server.address() as AddressInfo).port;
      const urls = reachableHosts(host).map((h) => `${scheme}://${h.includes(':') ? `[${h}]` : h}:${boundPort}/?token=${encodeURIComponent(token)}`);
      resolveStart({
        url: urls[0],
        urls,
        port: boundPort,
        token,
        close: () =>
          new Promise<void>((done) => {
            unsubscribe();
            for (const ws of sockets) ws.terminate();
            wss.close();
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

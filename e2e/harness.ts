// Shared e2e plumbing: a real `avstudio serve` process on a free port with its own data directory,
// and Debian's Chromium driven by playwright-core (no browser download).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const SCREENSHOT_DIR = join(ROOT, 'test-output', 'screenshots');
export const CHROMIUM = process.env.AVSTUDIO_CHROMIUM ?? '/usr/bin/chromium';

export interface ServedStudio {
  url: string;
  origin: string;
  token: string;
  home: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/** `opts.home`: serve that data directory (left in place on stop) instead of a new temporary one. */
export async function startServe(extraArgs: string[] = [], opts: { home?: string } = {}): Promise<ServedStudio> {
  const home = opts.home ?? mkdtempSync(join(tmpdir(), 'avstudio-e2e-'));
  const proc = spawn(process.execPath, [join(ROOT, 'bin/avstudio.mjs'), 'serve', '--port', '0', '--json', '--home', home, ...extraArgs], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stderr!.on('data', (c) => (err += String(c)));
  const info = await new Promise<{ url: string; token: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`avstudio serve did not start in 60 s: ${err}`)), 60_000);
    proc.stdout!.on('data', (c) => {
      out += String(c);
      try {
        const doc = JSON.parse(out) as { url: string; token: string };
        clearTimeout(timer);
        resolve(doc);
      } catch {
        // the JSON document is not complete yet
      }
    });
    proc.on('exit', (code) => reject(new Error(`avstudio serve exited with ${code}: ${err}`)));
  });
  return {
    url: info.url,
    origin: new URL(info.url).origin,
    token: info.token,
    home,
    proc,
    async stop() {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
      if (!opts.home) rmSync(home, { recursive: true, force: true });
    },
  };
}

export function launchChromium(): Promise<Browser> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** Calls the studio's API over HTTP with the session token; throws on an error reply. */
export function apiCaller(studio: ServedStudio) {
  return async function call<T>(method: string, input: unknown): Promise<T> {
    const r = await fetch(`${studio.origin}/api/${method}`, { method: 'POST', body: JSON.stringify(input), headers: { authorization: `Bearer ${studio.token}`, 'content-type': 'application/json' } });
    const body = (await r.json()) as { ok: boolean; result: T; error?: { message: string } };
    if (!body.ok) throw new Error(`${method}: ${body.error?.message}`);
    return body.result;
  };
}

export interface BrowserStudio {
  studio: ServedStudio;
  browser: Browser;
  page: Page;
  /** console errors and uncaught exceptions of the page */
  consoleErrors: string[];
  call: ReturnType<typeof apiCaller>;
  close(): Promise<void>;
}

/** A served studio and a Chromium page on it (not yet navigated). */
export async function openBrowserStudio(viewport = { width: 1400, height: 1000 }): Promise<BrowserStudio> {
  const studio = await startServe();
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport, acceptDownloads: true });
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  return {
    studio,
    browser,
    page,
    consoleErrors,
    call: apiCaller(studio),
    async close() {
      await browser.close();
      await studio.stop();
    },
  };
}

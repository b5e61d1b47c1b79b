// The fault-injection suite (`npm run test:faults`, run by .ci/run after `npm test`): the probe of
// issue 19 made permanent, with real processes throughout — `avstudio serve`, CLI commands, training
// workers, two writer processes, Debian's Chromium. Each fault is tried and must be survived:
//   - the four malformed WebSocket frames, while serve supervises a training worker;
//   - a page on a second local port (Chromium, carrying the studio's cookie) and a forged-header
//     client try the API and the event socket;
//   - two writer processes edit one catalog for a bounded burst; lost writes are counted (goal 0);
//   - kill -9 at random points of an import, a feature computation and a training epoch, then
//     integrity_check, what is visible, and resume;
//   - a full disk (a small tmpfs) during an import and during training (skipped, with the reason,
//     where the machine cannot mount one);
//   - bad inputs: device files, FIFOs, symlinks (to devices, loops, in the blob store), non-UTF-8
//     names, things that are not manifests, an empty folder.
// It ends with one summary line and exits non-zero if any fault was not survived or a write was lost.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { openStudio } from '../core/studio/context';
import { createDemoDataset } from '../core/datasets/demoDataset';
import { SAMPLE_RATE } from '../core/media/constants';
import { encodeWav } from '../core/media/wav';
import { planRun } from '../core/runs/planRun';
import { solidImage, tone } from '../core/datasets/testFixtures';
import { importManifest } from '../core/datasets/manifestImport';
import { BAD_FRAMES, rawWebSocket } from '../server/rawWebSocket';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin/avstudio.mjs');
const CHROMIUM = process.env.AVSTUDIO_CHROMIUM ?? '/usr/bin/chromium';
const started = Date.now();
const work = mkdtempSync(join(tmpdir(), 'avstudio-faults-'));

const tally = { tried: 0, survived: 0, writesLost: 0, writesAttempted: 0, badInputs: 0, badInputsTyped: 0, skipped: [] as string[] };
const failures: string[] = [];

function log(s: string): void {
  process.stdout.write(`faults: ${s}\n`);
}

/** One fault: `fn` returns true when the studio survived it as it should. */
async function fault(name: string, fn: () => Promise<boolean | string>): Promise<void> {
  tally.tried++;
  const t0 = Date.now();
  let ok: boolean | string;
  try {
    ok = await fn();
  } catch (err) {
    ok = `threw ${(err as Error).stack ?? err}`;
  }
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (ok === true) {
    tally.survived++;
    log(`ok    ${name} (${secs} s)`);
  } else {
    failures.push(`${name}: ${ok === false ? 'not survived' : ok}`);
    log(`FAIL  ${name} (${secs} s): ${ok === false ? 'not survived' : ok}`);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rand = (a: number, b: number) => a + Math.random() * (b - a);

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], opts: { killAfterMs?: number; killPid?: () => number | null; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): { proc: ChildProcess; done: Promise<Exit> } {
  const proc = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (c) => (stdout += String(c)));
  proc.stderr!.on('data', (c) => (stderr += String(c)));
  const done = new Promise<Exit>((resolve) => {
    const t = setTimeout(() => proc.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    proc.on('exit', (code, signal) => {
      clearTimeout(t);
      resolve({ code, signal, stdout, stderr });
    });
  });
  if (opts.killAfterMs !== undefined) setTimeout(() => proc.kill('SIGKILL'), opts.killAfterMs);
  return { proc, done };
}

function integrity(home: string): string {
  const db = new Database(join(home, 'catalog.sqlite'), { readonly: true });
  try {
    return String(db.pragma('integrity_check', { simple: true }));
  } finally {
    db.close();
  }
}

function query<T>(home: string, sql: string, ...args: unknown[]): T[] {
  const db = new Database(join(home, 'catalog.sqlite'), { readonly: true });
  try {
    return db.prepare(sql).all(...args) as T[];
  } finally {
    db.close();
  }
}

/** A typed CLI failure: exit code 2 with `avstudio: <kind>:` (70 would be an internal error). */
function typedFailure(e: Exit): string | null {
  const m = /avstudio: (\w+):/.exec(e.stderr);
  return e.code === 2 && m && m[1] !== 'internal' ? m[1] : null;
}

// ---------------------------------------------------------------------------------------------
// fixtures: a studio home with the small demo dataset, media and manifests outside it
const home = join(work, 'home');
const media = join(work, 'media');
mkdirSync(media, { recursive: true });
{
  const ctx = openStudio(home);
  await createDemoDataset(ctx.catalog, ctx.blobs, 'small', { trackSeconds: 1 });
  ctx.close();
}
for (let i = 0; i < 24; i++) {
  writeFileSync(join(media, `t${i}.wav`), encodeWav(tone(2, 220 + 20 * i), SAMPLE_RATE));
  await solidImage(join(media, `p${i}.png`), [(i * 40) % 256, 90, 160]);
}
function manifest(file: string, rows: number): string {
  const lines = ['image,audio,class,start,split'];
  for (let r = 0; r < rows; r++) lines.push(`p${r % 24}.png,t${r % 24}.wav,${['vn', 'fl', 'cl', 'tpt'][r % 4]},${((Math.floor(r / 24) % 150) / 100).toFixed(2)},${r % 5 === 0 ? 'test' : 'train'}`);
  writeFileSync(file, lines.join('\n'));
  return file;
}
const bigManifest = manifest(join(media, 'big.csv'), 8000);
const smallManifest = manifest(join(media, 'small.csv'), 40);
const featManifest = manifest(join(media, 'feat.csv'), 720);
{
  const ctx = openStudio(home);
  await importManifest(ctx.catalog, featManifest, { name: 'feat' });
  ctx.close();
}

// ---------------------------------------------------------------------------------------------
// serve, supervising a training worker
async function startServe(h: string): Promise<{ proc: ChildProcess; port: number; token: string; origin: string; stop(): Promise<void> }> {
  const { proc } = cli(['serve', '--port', '0', '--json', '--no-demo', '--home', h], { timeoutMs: 600_000 });
  let out = '';
  const doc = await new Promise<{ port: number; token: string; url: string }>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('serve did not start in 60 s')), 60_000);
    proc.stdout!.on('data', (c) => {
      out += String(c);
      try {
        const d = JSON.parse(out) as { port: number; token: string; url: string };
        clearTimeout(t);
        resolve(d);
      } catch {
        // more to come
      }
    });
    proc.on('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
  return {
    proc,
    port: doc.port,
    token: doc.token,
    origin: new URL(doc.url).origin,
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const gone = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await Promise.race([gone, sleep(40_000)]);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    },
  };
}

const alive = (pid: number | null | undefined) => {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const serveRunId = (() => {
  const ctx = openStudio(home);
  const id = planRun(ctx.catalog, { model: 'sound-clf', dataset: 'small', preset: 'tiny', epochs: 200, seed: 1 }).targetRunId;
  ctx.close();
  return id;
})();
const serve = await startServe(home);
const api = async (method: string, body: unknown, headers: Record<string, string> = {}) => {
  const r = await fetch(`${serve.origin}/api/${method}`, { method: 'POST', body: JSON.stringify(body), headers: { authorization: `Bearer ${serve.token}`, 'content-type': 'application/json', ...headers } });
  return { status: r.status, doc: (await r.json()) as { ok: boolean; result?: unknown; error?: { kind: string; message: string } } };
};
const serveAlive = async () => serve.proc.exitCode === null && serve.proc.signalCode === null && (await api('studio.status', {})).status === 200;

let workerPid: number | null = null;
for (let i = 0; i < 200 && !workerPid; i++) {
  await sleep(100);
  workerPid = query<{ pid: number | null; status: string }>(home, 'SELECT pid, status FROM runs WHERE id = ?', serveRunId)[0]?.pid ?? null;
}
log(`serve on port ${serve.port}, supervising training worker pid ${workerPid ?? 'none'}`);

for (const bad of BAD_FRAMES) {
  await fault(`WebSocket: ${bad.name}`, async () => {
    const out = await rawWebSocket(serve.port, `/events?token=${encodeURIComponent(serve.token)}`, {}, [bad.frame]);
    if (out.status !== 101) return `upgrade answered ${out.status}`;
    if (out.closeCode !== bad.closeCode) return `closed with ${out.closeCode}, expected ${bad.closeCode}`;
    await sleep(100);
    if (!(await serveAlive())) return 'serve died';
    if (workerPid && !alive(workerPid)) return 'the supervised training worker died';
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
// cross-origin: a page served on a second local port, and a client forging browser headers
await fault('cross-origin client (forged Origin / Sec-Fetch-Site / text/plain, with the cookie)', async () => {
  const cookie = `avstudio_token=${encodeURIComponent(serve.token)}`;
  const before = query<{ n: number }>(home, 'SELECT COUNT(*) AS n FROM datasets')[0].n;
  const evil = 'http://127.0.0.1:1';
  const tries: Array<{ headers: Record<string, string> }> = [
    { headers: { cookie, origin: evil, 'content-type': 'application/json' } },
    { headers: { cookie, 'sec-fetch-site': 'same-site', 'content-type': 'application/json' } },
    { headers: { cookie, 'content-type': 'text/plain;charset=UTF-8' } },
    { headers: { cookie, origin: 'null', 'content-type': 'application/json' } },
  ];
  for (const t of tries) {
    const r = await fetch(`${serve.origin}/api/datasets.ingest`, { method: 'POST', headers: t.headers, body: JSON.stringify({ kind: 'manifest', path: smallManifest, name: 'csrf' }) });
    if (r.status < 400) return `accepted ${JSON.stringify(t.headers)}`;
  }
  const ws = await rawWebSocket(serve.port, '/events', { Cookie: cookie, Origin: evil }, []);
  if (ws.status === 101) return 'the event socket accepted a foreign Origin';
  const after = query<{ n: number }>(home, 'SELECT COUNT(*) AS n FROM datasets')[0].n;
  return after === before ? true : 'a dataset was created';
});

if (existsSync(CHROMIUM)) {
  await fault('cross-origin page on a second local port (Chromium, with the studio cookie)', async () => {
    const { chromium } = await import('playwright-core');
    const reports: string[] = [];
    const page = `<!doctype html><script>
      const base = ${JSON.stringify(serve.origin)};
      const say = (m) => fetch('/report', { method: 'POST', body: m });
      (async () => {
        try {
          const r = await fetch(base + '/api/datasets.ingest', { method: 'POST', credentials: 'include', mode: 'no-cors', body: JSON.stringify({ kind: 'manifest', path: ${JSON.stringify(smallManifest)}, name: 'csrf-page' }) });
          await say('post-sent:' + r.type);
        } catch (e) { await say('post-error'); }
        try {
          const r = await fetch(base + '/api/datasets.list', { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body: '{}' });
          await say('read:' + r.status + ':' + (await r.text()).slice(0, 40));
        } catch (e) { await say('read-blocked'); }
        const ws = new WebSocket(base.replace('http', 'ws') + '/events');
        ws.onopen = () => say('ws-open');
        ws.onerror = () => say('ws-refused');
        setTimeout(() => say('done'), 1500);
      })();
    </script>`;
    const evilServer = createServer((req, res) => {
      if (req.url === '/report') {
        let b = '';
        req.on('data', (c) => (b += String(c)));
        req.on('end', () => {
          reports.push(b);
          res.end();
        });
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(page);
    });
    await new Promise<void>((r) => evilServer.listen(0, '127.0.0.1', r));
    const evilPort = (evilServer.address() as AddressInfo).port;
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
    try {
      const before = query<{ n: number }>(home, 'SELECT COUNT(*) AS n FROM datasets')[0].n;
      const p = await browser.newPage();
      await p.goto(`${serve.origin}/?token=${encodeURIComponent(serve.token)}`); // sets the studio's cookie
      await p.goto(`http://127.0.0.1:${evilPort}/`);
      for (let i = 0; i < 50 && !reports.includes('done'); i++) await sleep(100);
      await sleep(300);
      const after = query<{ n: number }>(home, 'SELECT COUNT(*) AS n FROM datasets')[0].n;
      if (after !== before) return `the page created a dataset (${reports.join(', ')})`;
      if (reports.includes('ws-open')) return 'the page opened the event socket';
      if (reports.some((r) => r.startsWith('read:200'))) return 'the page read the API';
      if (!reports.includes('done')) return `the page did not run (${reports.join(', ')})`;
      return true;
    } finally {
      await browser.close();
      evilServer.close();
    }
  });
} else tally.skipped.push(`Chromium page: no browser at ${CHROMIUM}`);

// ---------------------------------------------------------------------------------------------
// bad inputs through serve's API (each must be a typed error or a skip entry, quickly)
const badDir = join(work, 'bad');
mkdirSync(badDir, { recursive: true });
execFileSync('mkfifo', [join(badDir, 'fifo.wav')]);
symlinkSync('/dev/zero', join(badDir, 'zero-link.wav'));
symlinkSync(join(badDir, 'loop-b'), join(badDir, 'loop-a'));
symlinkSync(join(badDir, 'loop-a'), join(badDir, 'loop-b'));
writeFileSync(join(badDir, 'cols.csv'), 'name,age\nann,3\n');
writeFileSync(join(badDir, 'empty.csv'), '');
writeFileSync(join(badDir, 'bin.csv'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 1]));
writeFileSync(join(badDir, 'nulls.json'), JSON.stringify([null, 3, { image: join(media, 'p0.png'), audio: join(media, 't0.wav'), class: 'vn' }]));
writeFileSync(
  join(badDir, 'devrows.csv'),
  ['image,audio,class', `${media}/p0.png,/dev/zero,vn`, `${media}/p1.png,${badDir}/fifo.wav,vn`, `${media}/p2.png,${badDir}/zero-link.wav,vn`, `${media}/p3.png,${badDir}/loop-a,vn`, `/dev/urandom,${media}/t3.wav,vn`, `${media}/p4.png,${media}/t4.wav,vn`].join('\n'),
);
mkdirSync(join(badDir, 'empty-urmp'));
// non-UTF-8 file names: a URMP-like folder and a release folder whose names are not valid UTF-8
const latin1 = (dir: string, name: string) => Buffer.concat([Buffer.from(`${dir}/`), Buffer.from(name, 'latin1')]);
mkdirSync(join(badDir, 'urmp-latin1', '01_Caf\u00e9_vn'), { recursive: true });
writeFileSync(latin1(join(badDir, 'urmp-latin1', '01_Caf\u00e9_vn'), 'AuSep_1_vn_01_Caf\u00e9.wav'), encodeWav(tone(1, 440), SAMPLE_RATE));
writeFileSync(latin1(join(badDir, 'urmp-latin1'), '02_D\u00e9j\u00e0_fl.wav'), 'x');
// typed: refused with a typed 4xx; skips: imported with skip entries naming the bad files;
// either: any answer but an internal error / 5xx (names the studio cannot represent may be skipped)
const badInputs: Array<{ name: string; req: unknown; expect: 'typed' | 'skips' | 'either' }> = [
  { name: '/etc/passwd as a manifest', req: { kind: 'manifest', path: '/etc/passwd', name: 'b1' }, expect: 'typed' },
  { name: '/dev/zero as a manifest', req: { kind: 'manifest', path: '/dev/zero', name: 'b2' }, expect: 'typed' },
  { name: 'a FIFO as a manifest', req: { kind: 'manifest', path: join(badDir, 'fifo.wav'), name: 'b3' }, expect: 'typed' },
  { name: 'a symlink loop as a manifest', req: { kind: 'manifest', path: join(badDir, 'loop-a'), name: 'b4' }, expect: 'typed' },
  { name: 'a CSV without the columns', req: { kind: 'manifest', path: join(badDir, 'cols.csv'), name: 'b5' }, expect: 'typed' },
  { name: 'an empty CSV', req: { kind: 'manifest', path: join(badDir, 'empty.csv'), name: 'b6' }, expect: 'typed' },
  { name: 'a binary file as a manifest', req: { kind: 'manifest', path: join(badDir, 'bin.csv'), name: 'b7' }, expect: 'typed' },
  { name: 'a folder as a manifest', req: { kind: 'manifest', path: badDir, name: 'b8' }, expect: 'typed' },
  { name: 'a NUL byte in the path', req: { kind: 'manifest', path: `${badDir}/x\u0000.csv`, name: 'b9' }, expect: 'typed' },
  { name: 'null rows in a JSON manifest', req: { kind: 'manifest', path: join(badDir, 'nulls.json'), name: 'b10' }, expect: 'skips' },
  { name: 'rows naming /dev/zero, /dev/urandom, a FIFO, a symlink to a device, a symlink loop', req: { kind: 'manifest', path: join(badDir, 'devrows.csv'), name: 'b11' }, expect: 'skips' },
  { name: 'an empty URMP folder', req: { kind: 'urmp', path: join(badDir, 'empty-urmp'), name: 'b12' }, expect: 'typed' },
  { name: 'a URMP folder with non-UTF-8 names', req: { kind: 'urmp', path: join(badDir, 'urmp-latin1'), name: 'b13' }, expect: 'either' },
  { name: 'a Sub-URMP release that is a device', req: { kind: 'sub-urmp', path: '/dev/null', name: 'b14' }, expect: 'typed' },
];
for (const b of badInputs) {
  tally.badInputs++;
  await fault(`bad input: ${b.name}`, async () => {
    const t0 = Date.now();
    const r = await api('datasets.ingest', b.req);
    const ms = Date.now() - t0;
    if (ms > 20_000) return `took ${ms} ms`;
    if (r.doc.ok) {
      if (b.expect === 'typed') return 'accepted';
      if (b.expect === 'either') {
        tally.badInputsTyped++;
        return (await serveAlive()) ? true : 'serve died';
      }
      const res = r.doc.result as { skipped: unknown[] };
      if (!res.skipped.length) return 'no skip entries';
    } else {
      if (r.doc.error?.kind === 'internal' || r.status >= 500) return `untyped: ${r.status} ${r.doc.error?.kind}: ${r.doc.error?.message}`;
      if (b.expect === 'skips') return `refused whole: ${r.doc.error?.kind}: ${r.doc.error?.message}`;
    }
    tally.badInputsTyped++;
    return (await serveAlive()) ? true : 'serve died';
  });
}
// malformed URLs and the blob store's trust
tally.badInputs++;
await fault('bad input: malformed URL escapes', async () => {
  for (const path of ['/api/%ff', '/api/%', `/media/%E0%A4%A`]) {
    const r = await fetch(`${serve.origin}${path}`, { method: path.startsWith('/api') ? 'POST' : 'GET', headers: { authorization: `Bearer ${serve.token}`, 'content-type': 'application/json' }, body: path.startsWith('/api') ? '{}' : undefined });
    if (r.status !== 400) return `${path} → ${r.status}`;
  }
  tally.badInputsTyped++;
  return true;
});
tally.badInputs++;
await fault('bad input: a blob replaced by a symlink to /etc/passwd', async () => {
  const blobs = join(home, 'blobs');
  const dir = readdirSync(blobs).find((d) => d.length === 2)!;
  const name = readdirSync(join(blobs, dir)).find((f) => /^[0-9a-f]{64}/.test(f))!;
  const hash = name.slice(0, 64);
  const file = join(blobs, dir, name);
  const before = await fetch(`${serve.origin}/media/${hash}`, { headers: { authorization: `Bearer ${serve.token}` } });
  await before.arrayBuffer();
  unlinkSync(file);
  symlinkSync('/etc/passwd', file);
  const r = await fetch(`${serve.origin}/media/${hash}`, { headers: { authorization: `Bearer ${serve.token}` } });
  const body = await r.text();
  unlinkSync(file);
  if (r.status === 200 || body.includes('root:')) return 'served the symlink target';
  tally.badInputsTyped++;
  return true;
});

// the worker supervised by serve survived all of the above; stop it and serve
await fault('serve and its training worker outlived every request', async () => {
  const ok = (await serveAlive()) && (!workerPid || alive(workerPid));
  await api('runs.stop', { id: serveRunId });
  return ok || 'serve or its worker died';
});
await serve.stop();

// ---------------------------------------------------------------------------------------------
// two writer processes on one catalog
await fault('two writer processes and imports beside them, a bounded burst: no write lost', async () => {
  // each writer's edit reads its pair, then writes (the pattern that failed at once with SQLITE_BUSY
  // when transactions were deferred); imports beside them hold the write lock for their commits
  const per = 1000;
  const before = query<{ n: number }>(home, 'SELECT COUNT(*) AS n FROM pair_edits')[0].n;
  const writer = (parity: number) =>
    new Promise<{ attempted: number; ok: number; failed: number; kinds: Record<string, number> }>((resolve, reject) => {
      const p = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'faults/writer.ts'), home, String(parity), String(per)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      p.stdout.on('data', (c) => (out += String(c)));
      p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`writer exited ${code}`))));
    });
  const t0 = Date.now();
  const writers = Promise.all([writer(0), writer(1)]);
  const imports: Exit[] = [];
  await sleep(1500); // the writers are started (tsx) and editing
  for (const n of [1, 2]) imports.push(await cli(['ingest', 'manifest', bigManifest, '--name', `beside-${n}`, '--home', home, '--json']).done);
  const results = await writers;
  const landed = query<{ n: number }>(home, 'SELECT COUNT(*) AS n FROM pair_edits')[0].n - before;
  const attempted = results.reduce((s, r) => s + r.attempted, 0) + imports.length;
  const importsLanded = imports.filter((e) => e.code === 0).length;
  const lost = attempted - landed - importsLanded;
  tally.writesAttempted += attempted;
  tally.writesLost += Math.max(0, lost);
  log(
    `      writers: ${attempted - imports.length} edits in ${((Date.now() - t0) / 1000).toFixed(1)} s, ${landed} landed, refused ${results.map((r) => `${r.failed} ${JSON.stringify(r.kinds)}`).join(' / ')}; imports beside them: ${importsLanded} of ${imports.length} landed${imports.filter((e) => e.code !== 0).map((e) => ` (${e.stderr.trim().split('\n').pop()})`).join('')}`,
  );
  const check = integrity(home);
  if (check !== 'ok') return `integrity_check: ${check}`;
  return lost === 0 ? true : `${lost} writes lost`;
});

// ---------------------------------------------------------------------------------------------
// kill -9 at random points: import, feature computation, training epoch
const fullImport = cli(['ingest', 'manifest', bigManifest, '--name', 'big-ref', '--home', home, '--json']);
let tBody0 = 0;
for (let i = 0; i < 2000 && fullImport.proc.exitCode === null; i++) {
  if (query(home, "SELECT 1 FROM import_reports WHERE dataset_name = 'big-ref' AND status = 'running'").length) {
    tBody0 = Date.now();
    break;
  }
  await sleep(5);
}
const ref = await fullImport.done;
const importMs = tBody0 ? Date.now() - tBody0 : 500;
const refPairs = query<{ n: number }>(home, "SELECT COUNT(*) AS n FROM pairs p JOIN datasets d ON d.id = p.dataset_id WHERE d.name = 'big-ref'")[0].n;
log(`reference import: exit ${ref.code}, ${refPairs} pairs, ${(importMs / 1000).toFixed(1)} s from its report opening to its exit`);
for (let k = 0; k < 3; k++) {
  const extra = Math.round(rand(0, 0.8) * importMs);
  await fault(`kill -9 of an import ${extra} ms into it, then integrity, visibility and re-import`, async () => {
    const name = `big-kill-${k}`;
    const run = cli(['ingest', 'manifest', bigManifest, '--name', name, '--home', home, '--json']);
    // into the import: its report is open
    for (let i = 0; i < 400; i++) {
      if (query(home, "SELECT 1 FROM import_reports WHERE dataset_name = ? AND status = 'running'", name).length) break;
      if (run.proc.exitCode !== null) break;
      await sleep(5);
    }
    await sleep(extra);
    run.proc.kill('SIGKILL');
    const e = await run.done;
    const check = integrity(home);
    if (check !== 'ok') return `integrity_check: ${check}`;
    // a reader sees the dataset whole or not at all
    const n = query<{ n: number }>(home, 'SELECT COUNT(*) AS n FROM pairs p JOIN datasets d ON d.id = p.dataset_id WHERE d.name = ?', name)[0].n;
    if (n !== 0 && n !== refPairs) return `a half dataset is visible: ${n} of ${refPairs} pairs`;
    // the next start cleans the dead import's staging rows
    openStudio(home).close();
    const staging = query<{ n: number }>(home, 'SELECT (SELECT COUNT(*) FROM import_staging_pairs) + (SELECT COUNT(*) FROM import_staging_sources) AS n')[0].n;
    if (staging !== 0) return `${staging} staging rows left after a restart`;
    const stuck = query<{ n: number }>(home, "SELECT COUNT(*) AS n FROM import_reports WHERE status = 'running'")[0].n;
    if (stuck) return `${stuck} import report(s) still running`;
    const again = await cli(['ingest', 'manifest', bigManifest, '--name', name, '--home', home, '--json']).done;
    if (again.code !== 0) return `re-import failed: ${again.stderr.trim()}`;
    const m = query<{ n: number }>(home, 'SELECT COUNT(*) AS n FROM pairs p JOIN datasets d ON d.id = p.dataset_id WHERE d.name = ?', name)[0].n;
    log(`      killed ${e.signal ? 'mid-import' : `after it ended (exit ${e.code})`}; ${n} pairs visible after the kill, ${m} after re-import`);
    return m === refPairs ? true : `re-import gave ${m} of ${refPairs} pairs`;
  });
}

// once: the feature cache is keyed by content, so a second run would find everything stored
for (let k = 0; k < 1; k++) {
  const extra = Math.round(rand(0, 1200));
  await fault(`kill -9 of a feature computation ${extra} ms after its first feature landed, then integrity and completion`, async () => {
    const count = () => query<{ n: number }>(home, 'SELECT COUNT(*) AS n FROM feature_cache')[0].n;
    const base = count();
    const run = cli(['materialize', 'feat', '--home', home, '--workers', '1', '--json']);
    for (let i = 0; i < 1000 && run.proc.exitCode === null && count() === base; i++) await sleep(10);
    await sleep(extra);
    run.proc.kill('SIGKILL');
    const e = await run.done;
    const check = integrity(home);
    if (check !== 'ok') return `integrity_check: ${check}`;
    const landed = count() - base;
    const again = await cli(['materialize', 'feat', '--home', home, '--workers', '1', '--json'], { timeoutMs: 180_000 }).done;
    log(`      first run ${e.signal ? `killed with ${landed} features stored` : `ended (exit ${e.code})`}; completion exit ${again.code}, ${count() - base} features stored`);
    return again.code === 0 ? true : `completion failed: ${again.stderr.trim().slice(-300)}`;
  });
}

await fault('kill -9 of a training worker mid-epoch, then integrity and resume', async () => {
  // the 720-pair dataset: an epoch lasts long enough to be killed in the middle
  const train = cli(['train', '--model', 'sound-clf', '--dataset', 'feat', '--preset', 'tiny', '--epochs', '4', '--seed', '5', '--home', home, '--json']);
  let run: { id: number; pid: number | null; epoch: number } | undefined;
  for (let i = 0; i < 600; i++) {
    await sleep(50);
    run = query<{ id: number; pid: number | null; epoch: number; status: string }>(home, "SELECT id, pid, epoch, status FROM runs WHERE status = 'running' ORDER BY id DESC LIMIT 1").find(() => true);
    if (run?.pid && run.epoch >= 1) break;
  }
  if (!run?.pid) {
    train.proc.kill('SIGKILL');
    const e = await train.done;
    return `the training worker never started: exit ${e.code} ${e.stderr.trim().slice(-400)} ${e.stdout.trim().slice(-600)}`;
  }
  await sleep(rand(0, 600));
  try {
    process.kill(run.pid, 'SIGKILL');
  } catch {
    return 'the worker ended before the kill (too fast to test here)';
  }
  const e = await train.done;
  const check = integrity(home);
  if (check !== 'ok') return `integrity_check: ${check}`;
  const status = query<{ status: string; epoch: number }>(home, 'SELECT status, epoch FROM runs WHERE id = ?', run.id)[0];
  if (status.status !== 'interrupted') return `run is ${status.status} after its worker was killed (train exit ${e.code})`;
  const resumed = await cli(['resume', String(run.id), '--home', home, '--json']).done;
  if (resumed.code !== 0) return `resume exit ${resumed.code}: ${resumed.stderr.trim().slice(-300)}`;
  const doc = JSON.parse(resumed.stdout) as { status: string; epoch: number };
  const epochs = query<{ epoch: number }>(home, "SELECT DISTINCT epoch FROM metrics WHERE run_id = ? AND name = 'epoch/loss' ORDER BY epoch", run.id).map((r) => r.epoch);
  log(`      killed after epoch ${status.epoch}; resumed to ${doc.status} at epoch ${doc.epoch}; epochs recorded ${epochs.join(',')}`);
  return doc.status === 'done' && epochs.join(',') === '1,2,3,4' ? true : `resume gave ${doc.status}, epochs ${epochs.join(',')}`;
});

// ---------------------------------------------------------------------------------------------
// a full disk: a small tmpfs holding the studio's home
const mnt = join(work, 'tmpfs');
mkdirSync(mnt);
let mounted = false;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', mnt], { stdio: 'pipe' });
  mounted = true;
} catch (err) {
  tally.skipped.push(`disk full: cannot mount a tmpfs here (${String((err as { stderr?: Buffer }).stderr ?? err).trim().split('\n')[0]})`);
}
if (mounted) {
  try {
    const fhome = join(mnt, 'home');
    {
      const ctx = openStudio(fhome);
      await createDemoDataset(ctx.catalog, ctx.blobs, 'small', { trackSeconds: 1 });
      ctx.close();
    }
    /** Fills the tmpfs, then frees `leaveKiB` (reserved first as 4 KiB files, as dd fills to the last page). */
    const fill = (leaveKiB = 0) => {
      const reserve: string[] = [];
      for (let i = 0; i < leaveKiB / 4; i++) {
        const f = join(mnt, `filler-r${i}`);
        writeFileSync(f, Buffer.alloc(4096));
        reserve.push(f);
      }
      try {
        execFileSync('dd', ['if=/dev/zero', `of=${join(mnt, 'filler')}`, 'bs=64k'], { stdio: 'ignore' });
      } catch {
        // ENOSPC ends dd: that is the point
      }
      for (let i = 0; i < 64; i++) {
        try {
          writeFileSync(join(mnt, `filler-${i}`), Buffer.alloc(4096));
        } catch {
          break;
        }
      }
      for (const f of reserve) rmSync(f);
    };
    const free = () => {
      for (const f of readdirSync(mnt)) if (f.startsWith('filler')) rmSync(join(mnt, f));
    };
    await fault('disk full during an import: typed io error; after a restart no staging rows and no report left running', async () => {
      // leave ~512 KiB: the import opens the catalog and starts, and the disk fills while it stages rows
      fill(512);
      const e = await cli(['ingest', 'manifest', bigManifest, '--name', 'full', '--home', fhome, '--json']).done;
      free();
      const kind = typedFailure(e);
      if (!kind) return `not a typed failure: exit ${e.code} ${e.stderr.trim().slice(-300)}`;
      openStudio(fhome).close();
      const check = integrity(fhome);
      if (check !== 'ok') return `integrity_check: ${check}`;
      const staging = query<{ n: number }>(fhome, 'SELECT (SELECT COUNT(*) FROM import_staging_pairs) + (SELECT COUNT(*) FROM import_staging_sources) AS n')[0].n;
      const reports = query<{ status: string }>(fhome, "SELECT status FROM import_reports WHERE dataset_name = 'full'").map((r) => r.status);
      log(`      import on a full disk: ${kind}: ${e.stderr.trim().split('\n').pop()}; reports ${reports.join(',')}; staging rows ${staging}`);
      if (staging) return `${staging} staging rows left`;
      if (reports.includes('running')) return 'the import report is still running';
      const again = await cli(['ingest', 'manifest', smallManifest, '--name', 'full', '--home', fhome, '--json']).done;
      return again.code === 0 ? true : `import after freeing space failed: ${again.stderr.trim()}`;
    });
    await fault('disk full during training: the run ends failed/interrupted (not running), the catalog intact, resume finishes it', async () => {
      const train = cli(['train', '--model', 'sound-clf', '--dataset', 'small', '--preset', 'tiny', '--epochs', '2', '--seed', '2', '--home', fhome, '--json']);
      // fill the disk once the first epoch landed
      for (let i = 0; i < 600; i++) {
        await sleep(50);
        const r = query<{ epoch: number }>(fhome, "SELECT epoch FROM runs WHERE status = 'running' ORDER BY id DESC LIMIT 1")[0];
        if (r && r.epoch >= 1) break;
      }
      fill();
      const e = await train.done;
      free();
      await cli(['runs', '--home', fhome, '--json']).done; // reconciles a run whose worker is gone
      const check = integrity(fhome);
      if (check !== 'ok') return `integrity_check: ${check}`;
      const run = query<{ id: number; status: string; error: string | null; epoch: number }>(fhome, 'SELECT id, status, error, epoch FROM runs ORDER BY id DESC LIMIT 1')[0];
      log(`      training on a full disk: exit ${e.code}, run ${run.status} at epoch ${run.epoch}: ${(run.error ?? '').slice(0, 160)}`);
      if (run.status === 'done') return true; // the disk filled after the last write that needed it
      if (!['failed', 'interrupted'].includes(run.status)) return `run left ${run.status}`;
      if (/internal/.test(run.error ?? '')) return `untyped: ${run.error}`;
      const resumed = await cli(['resume', String(run.id), '--home', fhome, '--json']).done;
      return resumed.code === 0 ? true : `resume after freeing space: exit ${resumed.code} ${resumed.stderr.trim().slice(-300)}`;
    });
  } finally {
    try {
      execFileSync('umount', [mnt], { stdio: 'ignore' });
    } catch {
      execFileSync('umount', ['-l', mnt], { stdio: 'ignore' });
    }
  }
}

// ---------------------------------------------------------------------------------------------
rmSync(work, { recursive: true, force: true });
for (const s of tally.skipped) log(`skipped: ${s}`);
for (const f of failures) log(`failed: ${f}`);
const secs = ((Date.now() - started) / 1000).toFixed(0);
process.stdout.write(
  `faults: tried ${tally.tried}, survived ${tally.survived}, writes lost ${tally.writesLost} of ${tally.writesAttempted}, bad inputs tried ${tally.badInputs} (typed ${tally.badInputsTyped}), skipped ${tally.skipped.length}, ${secs} s\n`,
);
process.exit(failures.length === 0 && tally.writesLost === 0 ? 0 : 1);

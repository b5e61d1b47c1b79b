// `npm run bench -- data [--pairs N] [--windows W] [--pieces P] [--full] [--keep] [--only urmp|release] [--dir DIR [--gen-only]]`:
// the studio on real-looking media, end to end, through the `avstudio` CLI as a user runs it:
//  (a) a URMP-layout folder as URMP has it (core/datasets/mediaFolders.makeUrmpFolder: 1080p 29.97 fps H.264
//      MP4 per piece, 48 kHz stereo 16-bit WAV per player; ≥ 4 pieces, ≥ 2,000 windows), and
//  (b) a Sub-URMP release folder of ≥ 5,000 pairs (makeReleaseFolder: 1920×1080 JPEGs, 0.5 s
//      44.1 kHz 16-bit mono chunks, a tenth at 48 kHz stereo / 22.05 kHz mono / 32 kHz stereo).
// For each: `avstudio ingest` (import pairs/s), `avstudio materialize` (feature pairs/s: LMS + 64×64
// picture of every pair), and the baseline measured in the same run — ffmpeg alone decoding every
// file of the same folder once (`ffmpeg -i F -f null -`), one process per file, as many at a time as
// there are cores — with ratio = (import + features) / baseline (goal ≤ 1.5).
// `--full` builds an 80,805-pair release instead (the paper's Sub-URMP size; no ffmpeg baseline, which
// would be 161,610 processes) and adds one tiny sound-classifier epoch (`avstudio train --model sound-clf --preset tiny --epochs 1`). Every
// command's process tree is sampled every 100 ms for each process's peak RSS (VmHWM).
// `--train-scale [--train-pairs N]` (default 80,805) measures training alone: a dataset whose pack is
// written directly (synthetic LMS), one tiny sound-classifier epoch at N/4 and at N pairs — the
// training worker's peak RSS and how the epoch time grows (issue 15 item 4).
// Prints figures, then one JSON line.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { nowIso, openCatalog } from '../core/catalog/catalog';
import { createDataset, findDataset } from '../core/catalog/datasetsRepo';
import { listPairs, type PairFilter } from '../core/catalog/pairsRepo';
import { launchChromium, startServe } from '../e2e/harness';
import { probeDatasetsScreen, type DatasetsScreenQuery, type DatasetsScreenTimings } from '../e2e/datasetsScreenProbe';
import { URMP_INSTRUMENTS } from '../core/datasets/instruments';
import { createSnapshot } from '../core/datasets/snapshots';
import { findFfmpeg } from '../core/env/ffmpeg';
import { LMS_SHAPE } from '../core/media/constants';
import { PackWriter, planPack } from '../core/training/packedStore';
import { createRng } from '../core/rng';
import { makeReleaseFolder, makeUrmpFolder } from '../core/datasets/mediaFolders';

const FULL_PAIRS = 80_805;
const ROOT = new URL('..', import.meta.url).pathname;
const CLI = join(ROOT, 'bin', 'avstudio.mjs');

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : fallback;
}

interface ProcPeak {
  pid: number;
  name: string;
  peakRssMiB: number;
  /** processes grouped under this name (other programs than node) */
  count?: number;
  /** user + system CPU seconds (last sample) */
  cpuSeconds?: number;
}

/** Peak RSS (VmHWM) of every process in the tree under `root`, sampled until stopped. */
class TreeSampler {
  private readonly peaks = new Map<number, ProcPeak>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly root: number, everyMs = 100) {
    this.timer = setInterval(() => this.sample(), everyMs);
    this.sample();
  }

  private sample(): void {
    const parent = new Map<number, number>();
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        parent.set(Number(d), ppid);
      } catch {
        // gone
      }
    }
    const inTree = (pid: number): boolean => {
      for (let p = pid, hops = 0; p > 1 && hops < 50; p = parent.get(p) ?? 0, hops++) if (p === this.root) return true;
      return false;
    };
    for (const pid of parent.keys()) {
      if (!inTree(pid)) continue;
      try {
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
        const statText = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const stat = statText.slice(statText.lastIndexOf(')') + 2).split(' ');
        const cpuSeconds = (Number(stat[11]) + Number(stat[12])) / 100; // utime + stime, in USER_HZ (100)
        const prev = this.peaks.get(pid);
        if (!prev) {
          const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
          const script = cmd.find((c) => /\.ts$/.test(c)) ?? cmd.find((c) => /\.(mjs|js)$/.test(c));
          const name = script ? `${cmd[0].split('/').pop()} ${script.replace(ROOT, '')}` : (cmd[0] ?? '?').split('/').pop() ?? '?';
          this.peaks.set(pid, { pid, name, peakRssMiB: Math.round(hwm), cpuSeconds });
        } else {
          prev.peakRssMiB = Math.max(prev.peakRssMiB, Math.round(hwm));
          prev.cpuSeconds = cpuSeconds;
        }
      } catch {
        // gone
      }
    }
  }

  /** Each studio (node) process's peak; processes of other programs (ffmpeg …) grouped by name, with their count and largest peak. */
  stop(): ProcPeak[] {
    clearInterval(this.timer);
    const out: ProcPeak[] = [];
    const groups = new Map<string, ProcPeak>();
    for (const p of this.peaks.values()) {
      if (p.name.startsWith('node')) {
        out.push(p);
        continue;
      }
      const g = groups.get(p.name);
      if (!g) groups.set(p.name, { pid: 0, name: p.name, peakRssMiB: p.peakRssMiB, count: 1 });
      else {
        g.peakRssMiB = Math.max(g.peakRssMiB, p.peakRssMiB);
        g.count = (g.count ?? 1) + 1;
      }
    }
    return [...out, ...groups.values()].sort((a, b) => b.peakRssMiB - a.peakRssMiB);
  }
}

interface Step {
  seconds: number;
  out: unknown;
  processes: ProcPeak[];
}

/** Runs `avstudio <args> --home H --json`, timing it and sampling its process tree. */
function cli(home: string, args: string[]): Promise<Step> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [CLI, ...args, '--home', home, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const sampler = new TreeSampler(child.pid as number);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const processes = sampler.stop();
      const seconds = (performance.now() - t0) / 1000;
      if (code !== 0) return reject(new Error(`avstudio ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}${stdout.slice(-500)}`));
      let out: unknown;
      try {
        out = JSON.parse(stdout);
      } catch {
        const last = stdout.trim().split('\n').pop();
        try {
          out = last ? JSON.parse(last) : null;
        } catch {
          out = stdout.slice(-500);
        }
      }
      resolve({ seconds, out, processes });
    });
  });
}

/** ffmpeg decoding each file once (`-f null`), one process per file, `parallel` at a time. */
async function ffmpegBaseline(files: string[], parallel: number): Promise<number> {
  const ff = findFfmpeg();
  if (!ff) throw new Error('ffmpeg is needed for the baseline');
  const t0 = performance.now();
  let next = 0;
  const one = (f: string) =>
    new Promise<void>((resolve, reject) => {
      const p = spawn(ff.path, ['-hide_banner', '-loglevel', 'error', '-nostdin', '-i', f, '-f', 'null', '-'], { stdio: 'ignore' });
      p.on('error', reject);
      p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg failed on ${f}`))));
    });
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < files.length) await one(files[next++]);
    }),
  );
  return (performance.now() - t0) / 1000;
}

function listFilesDeep(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    // no spread: a folder of 80,805 files would overflow the call stack
    if (e.isDirectory()) for (const f of listFilesDeep(p)) out.push(f);
    else out.push(p);
  }
  return out;
}

const countOf = (out: unknown, key: string): number => {
  const v = (out as Record<string, unknown> | null)?.[key];
  return typeof v === 'number' ? v : Array.isArray(v) ? v.length : 0;
};
const round = (x: number, d = 2) => Number(x.toFixed(d));
const procLine = (ps: ProcPeak[]) => ps.map((p) => (p.count ? `${p.count}× ${p.name} ≤ ${p.peakRssMiB} MiB` : `${p.name} (pid ${p.pid}) ${p.peakRssMiB} MiB`)).join(', ') || '-';

interface DatasetFigures {
  pairs: number;
  files: number;
  generateSeconds: number;
  importSeconds: number;
  importPairsPerSecond: number;
  featureSeconds: number;
  featurePairsPerSecond: number;
  baselineSeconds: number | null;
  ratio: number | null;
  ratioWithoutCliStart: number | null;
  peakRssMiB: { import: number; features: number };
  processes: { import: ProcPeak[]; features: ProcPeak[] };
}

async function measure(label: string, home: string, folder: string, ingest: string[], name: string, genS: number, parallel: number, baseline = true, startS = 0): Promise<DatasetFigures> {
  const imp = await cli(home, ['ingest', ...ingest, folder, '--name', name]);
  const added = countOf(imp.out, 'added') || countOf(imp.out, 'pairs');
  const skipped = countOf(imp.out, 'skipped');
  process.stdout.write(`${label}: import ${added} pairs (${skipped} skipped) in ${imp.seconds.toFixed(1)} s = ${(added / imp.seconds).toFixed(1)} pairs/s; peak RSS ${procLine(imp.processes)}\n`);
  const feat = await cli(home, ['materialize', name]);
  const pairs = countOf(feat.out, 'pairs') || added;
  process.stdout.write(`${label}: features of ${pairs} pairs in ${feat.seconds.toFixed(1)} s = ${(pairs / feat.seconds).toFixed(1)} pairs/s; peak RSS ${procLine(feat.processes)}\n`);
  const files = listFilesDeep(folder).filter((f) => /\.(wav|mp4|jpg|jpeg|png)$/i.test(f));
  // --full: no baseline (160,000 ffmpeg processes would take hours here)
  const baselineSeconds = baseline ? await ffmpegBaseline(files, parallel) : NaN;
  const ratio = (imp.seconds + feat.seconds) / baselineSeconds;
  // the same without the two CLI processes' start (tsx, catalog open), measured once per run
  const ratioWork = (imp.seconds + feat.seconds - 2 * startS) / baselineSeconds;
  if (baseline) process.stdout.write(
    `${label}: baseline ffmpeg decoding ${files.length} files once (one process per file, ${parallel} at a time) ${baselineSeconds.toFixed(1)} s; ` +
      `ours (import + features) ${(imp.seconds + feat.seconds).toFixed(1)} s = ${ratio.toFixed(2)}× the baseline (goal ≤ 1.5×); ` +
      `without the 2 CLI starts (${startS.toFixed(1)} s each) ${ratioWork.toFixed(2)}×\n`,
  );
  return {
    pairs: added,
    files: files.length,
    generateSeconds: round(genS, 1),
    importSeconds: round(imp.seconds),
    importPairsPerSecond: round(added / imp.seconds, 1),
    featureSeconds: round(feat.seconds),
    featurePairsPerSecond: round(pairs / feat.seconds, 1),
    baselineSeconds: baseline ? round(baselineSeconds) : null,
    ratio: baseline ? round(ratio) : null,
    ratioWithoutCliStart: baseline ? round(ratioWork) : null,
    peakRssMiB: { import: imp.processes[0]?.peakRssMiB ?? 0, features: feat.processes[0]?.peakRssMiB ?? 0 },
    processes: { import: imp.processes, features: feat.processes },
  };
}

/**
 * Training at scale without the media pipeline: a catalog dataset of `n` pairs (13 instruments, 8:1
 * train/test) whose snapshot's pack is written directly with synthetic normalised LMS (a per-class
 * pattern plus noise), then one tiny sound-classifier epoch by `avstudio train` in a real worker —
 * the worker finds the pack complete and only reads batches. Reports the epoch's seconds and every
 * process's peak RSS.
 */
async function trainAtScale(base: string, n: number): Promise<Record<string, unknown>> {
  const home = join(base, `home-train-${n}`);
  mkdirSync(home, { recursive: true });
  const cat = openCatalog(join(home, 'catalog.sqlite'));
  const codes = Object.keys(URMP_INSTRUMENTS);
  const t0 = performance.now();
  cat.tx(() => {
    const datasetId = createDataset(cat, { name: 'bench-scale', kind: 'sub-urmp' });
    const src = cat.db.prepare("INSERT INTO sources (hash, kind, path, original_name, bytes, duration_s, created_at) VALUES (?, 'audio', ?, ?, 0, 3600, ?)");
    const sourceIds = codes.map((c) => Number(src.run(`bench-scale-${c}`, `/nonexistent/${c}.wav`, `${c}.wav`, nowIso()).lastInsertRowid));
    const pair = cat.db.prepare("INSERT INTO pairs (dataset_id, pair_key, instrument, split, audio_source_id, group_key, start_s, dur_s, state) VALUES (?, ?, ?, ?, ?, ?, ?, 0.5, 'accepted')");
    for (let k = 0; k < n; k++) {
      const c = k % codes.length;
      const i = Math.floor(k / codes.length);
      pair.run(datasetId, `p${k}`, codes[c], i % 9 === 0 ? 'test' : 'train', sourceIds[c], `${codes[c]}${Math.floor(i / 500)}`, i * 0.1);
    }
  });
  const snapshotId = createSnapshot(cat, 'bench-scale').id;
  const plan = planPack(cat, home, snapshotId);
  mkdirSync(plan.dir, { recursive: true });
  writeFileSync(join(plan.dir, 'index.json'), JSON.stringify(plan.index));
  const rng = createRng(1);
  const len = LMS_SHAPE[0] * LMS_SHAPE[1];
  const patterns = codes.map(() => Float32Array.from({ length: len }, () => rng.next() * 2 - 1));
  const item = new Float32Array(len);
  for (const split of ['train', 'test'] as const) {
    const w = new PackWriter(join(plan.dir, `${split}.lms.f32`), plan.key, 'lms', 'float32', LMS_SHAPE);
    for (const label of plan.index[split].labels) {
      const pat = patterns[label];
      for (let j = 0; j < len; j++) item[j] = Math.max(-1, Math.min(1, 0.6 * pat[j] + 0.8 * (rng.next() - 0.5)));
      w.append(item, LMS_SHAPE);
    }
    w.finish();
  }
  cat.close();
  const prepS = (performance.now() - t0) / 1000;
  const tr = await cli(home, ['train', '--model', 'sound-clf', '--dataset', 'bench-scale', '--snapshot', String(snapshotId), '--preset', 'tiny', '--epochs', '1']);
  const cat2 = openCatalog(join(home, 'catalog.sqlite'));
  const metric = (name: string) => (cat2.db.prepare('SELECT value FROM metrics WHERE name = ? ORDER BY epoch DESC, step DESC LIMIT 1').get(name) as { value: number } | undefined)?.value ?? null;
  const epochS = metric('epoch/seconds');
  const trainAcc = metric('epoch/train_acc');
  cat2.close();
  const worker = tr.processes.find((p) => p.name.includes('trainWorker'));
  process.stdout.write(
    `train at scale: ${n} pairs (pack written in ${prepS.toFixed(1)} s): tiny sound-classifier epoch ${epochS?.toFixed(1)} s (${epochS ? (n / epochS).toFixed(0) : '?'} pairs/s incl. train/test accuracy passes), ` +
      `command ${tr.seconds.toFixed(1)} s, worker CPU ${worker?.cpuSeconds?.toFixed(1)} s; train acc ${trainAcc?.toFixed(3)}; peak RSS ${procLine(tr.processes)}\n`,
  );
  rmSync(home, { recursive: true, force: true });
  return { pairs: n, epochSeconds: epochS, commandSeconds: round(tr.seconds), workerCpuSeconds: worker?.cpuSeconds ?? null, workerPeakRssMiB: worker?.peakRssMiB ?? null, processes: tr.processes };
}

/**
 * The Datasets screen on the imported release, in Chromium against `avstudio serve` at 1440×900
 * (e2e/datasetsScreenProbe.ts, the probe the 20,000-pair e2e test runs): grid paint after the click,
 * an instrument filter and a recording-name search answered on screen, blank rows while scrolling.
 * Targets (issue 15): paint < 1 s, filter and search < 300 ms, no blank rows.
 */
export async function datasetsScreen(home: string, name: string): Promise<DatasetsScreenTimings & { instrument: string; search: string }> {
  const cat = openCatalog(join(home, 'catalog.sqlite'));
  let query: DatasetsScreenQuery;
  try {
    const ds = findDataset(cat, name);
    if (!ds) throw new Error(`no dataset ${name} in ${home}`);
    const count = (f: Omit<PairFilter, 'datasetId'>) => listPairs(cat, { datasetId: ds.id, limit: 1, ...f }).total;
    const first = listPairs(cat, { datasetId: ds.id, limit: 1 }).items[0];
    const instrument = first.instrument;
    // a recording's chunks (`violin01_1234.wav` → `violin01_`), as a researcher would look one up
    const stemOfName = first.audio.name.replace(/\.[^.]+$/, '');
    const search = stemOfName.includes('_') ? stemOfName.slice(0, stemOfName.lastIndexOf('_') + 1) : stemOfName;
    query = { dataset: name, total: count({}), instrument, instrumentTotal: count({ instrument }), search, searchTotal: count({ search }) };
  } finally {
    cat.close();
  }
  const studio = await startServe([], { home });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const t = await probeDatasetsScreen(page, studio.url, query);
    const ok = (v: boolean) => (v ? 'met' : 'NOT met');
    process.stdout.write(
      `datasets screen (Chromium 1440×900, ${query.total} pairs): grid painted ${t.paintMs} ms after the click (< 1,000: ${ok(t.paintMs < 1000)}); ` +
        `instrument filter "${query.instrument}" → ${query.instrumentTotal} pairs in ${t.filterMs} ms, search "${query.search}" → ${query.searchTotal} in ${t.searchMs} ms (< 300: ${ok(t.filterMs < 300 && t.searchMs < 300)}); ` +
        `${t.blankSteps} of ${t.scrollSteps} scroll steps showed blank rows\n`,
    );
    return { ...t, instrument: query.instrument, search: query.search };
  } finally {
    await browser.close();
    await studio.stop();
  }
}

export async function run(args: string[]): Promise<void> {
  const full = args.includes('--full');
  const keep = args.includes('--keep');
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : null;
  const pairs = arg(args, '--pairs', full ? FULL_PAIRS : 5_000);
  const windows = arg(args, '--windows', 2_000);
  const pieces = arg(args, '--pieces', 4);
  const parallel = availableParallelism();
  // --dir DIR: work in DIR and keep it; a release generated there before (same pair count) is reused,
  // so `--full --dir D --gen-only` can make the 80,805-pair folder ahead of the timed run
  const dirArg = args.includes('--dir') ? args[args.indexOf('--dir') + 1] : null;
  const genOnly = args.includes('--gen-only');
  const base = dirArg ?? mkdtempSync(join(tmpdir(), 'bench-data-'));
  if (dirArg) mkdirSync(dirArg, { recursive: true });
  const fs = statfsSync(base);
  const freeGiB = (fs.bavail * fs.bsize) / 2 ** 30;
  process.stdout.write(`working in ${base} (${freeGiB.toFixed(0)} GiB free), ${parallel} cores\n`);
  const generated = existsSync(join(base, 'release', '.avstudio-bench.json'));
  if (full && !generated && freeGiB < 40) throw new Error(`--full needs ~40 GiB free in ${base}, found ${freeGiB.toFixed(0)}`);
  const figures: Record<string, unknown> = { pairs, windows, pieces, cores: parallel, full };
  try {
    // what starting a CLI command costs here (tsx, catalog open): `avstudio datasets` on an empty studio
    const probe = await cli(join(base, 'home-probe'), ['datasets']);
    const startS = probe.seconds;
    figures.cliStartSeconds = round(startS);
    process.stdout.write(`CLI start (avstudio datasets, empty studio): ${startS.toFixed(1)} s\n`);
    if (args.includes('--train-scale')) {
      // epoch time and worker memory at a quarter of the pairs and at all of them (linear growth, bounded RSS)
      const n = arg(args, '--train-pairs', FULL_PAIRS);
      const quarter = await trainAtScale(base, Math.round(n / 4));
      const whole = await trainAtScale(base, n);
      const ratio = (whole.epochSeconds as number) / (quarter.epochSeconds as number);
      const cpuRatio = (whole.workerCpuSeconds as number) / (quarter.workerCpuSeconds as number);
      process.stdout.write(
        `train at scale: ${n} vs ${Math.round(n / 4)} pairs: epoch wall time ${ratio.toFixed(2)}×, training worker CPU time ${cpuRatio.toFixed(2)}× (4× is linear; wall time follows the machine's other load)\n`,
      );
      figures.trainScale = { quarter, whole, epochRatio: round(ratio), workerCpuRatio: round(cpuRatio) };
      process.stdout.write(`${JSON.stringify({ bench: 'data', ...figures })}\n`);
      return;
    }
    if (!full && only !== 'release') {
      // URMP: 2 players per piece, ≈ 10 windows per second per player (0.5 s windows, 0.1 s stride)
      const seconds = Math.ceil(windows / (pieces * 2 * 10)) + 1;
      const t = performance.now();
      const urmp = makeUrmpFolder(join(base, 'urmp'), { pieces, seconds });
      const genS = (performance.now() - t) / 1000;
      process.stdout.write(`urmp: generated ${pieces} pieces × ${seconds} s (1080p 29.97 fps MP4, ${urmp.tracks.length} 48 kHz stereo tracks) in ${genS.toFixed(1)} s\n`);
      const home = join(base, 'home-urmp');
      figures.urmp = await measure('urmp', home, urmp.root, ['urmp'], 'bench-urmp', genS, parallel, true, startS);
    }
    if (only !== 'urmp') {
      let t = performance.now();
      const marker = join(base, 'release', '.avstudio-bench.json');
      let rel: { root: string; otherRate: number; bytes: number };
      let genS: number;
      const earlier = existsSync(marker) ? (JSON.parse(readFileSync(marker, 'utf8')) as { pairs: number; root: string; otherRate: number; bytes: number; genSeconds: number }) : null;
      if (earlier && earlier.pairs === pairs) {
        rel = earlier;
        genS = earlier.genSeconds;
        process.stdout.write(`release: reusing the ${pairs}-pair folder generated before in ${base} (generation took ${genS.toFixed(1)} s)\n`);
      } else {
        rmSync(join(base, 'release'), { recursive: true, force: true });
        const made = await makeReleaseFolder(join(base, 'release'), { pairs });
        genS = (performance.now() - t) / 1000;
        rel = { root: made.root, otherRate: made.otherRate, bytes: made.bytes };
        writeFileSync(marker, JSON.stringify({ pairs, ...rel, genSeconds: genS }));
        process.stdout.write(`release: generated ${pairs} pairs (1920×1080 JPEG + 0.5 s chunk, ${rel.otherRate} chunks at other rates/channels; ${(rel.bytes / 2 ** 30).toFixed(2)} GiB) in ${genS.toFixed(1)} s\n`);
      }
      if (genOnly) return;
      const home = join(base, 'home-release');
      rmSync(home, { recursive: true, force: true });
      const m = await measure('release', home, rel.root, ['sub-urmp'], 'bench-release', genS, parallel, !full, startS);
      figures.release = m;
      figures.datasetsScreen = await datasetsScreen(home, 'bench-release');
      if (full) {
        t = performance.now();
        const tr = await cli(home, ['train', '--model', 'sound-clf', '--dataset', 'bench-release', '--preset', 'tiny', '--epochs', '1']);
        const trainS = (performance.now() - t) / 1000;
        const cat = openCatalog(join(home, 'catalog.sqlite'));
        const metric = (name: string) => (cat.db.prepare('SELECT value FROM metrics WHERE name = ? ORDER BY epoch DESC, step DESC LIMIT 1').get(name) as { value: number } | undefined)?.value ?? null;
        const epochS = metric('epoch/seconds');
        const itemsPerS = metric('epoch/items_per_s');
        cat.close();
        process.stdout.write(
          `train: tiny sound classifier, 1 epoch: ${trainS.toFixed(1)} s in all (snapshot, pack, epoch, evaluation), the epoch ${epochS?.toFixed(1)} s = ${itemsPerS?.toFixed(0)} pairs/s; peak RSS ${procLine(tr.processes)}\n`,
        );
        figures.train = { seconds: round(trainS), epochSeconds: epochS, itemsPerSecond: itemsPerS, processes: tr.processes };
      }
    }
    process.stdout.write(`${JSON.stringify({ bench: 'data', ...figures })}\n`);
  } finally {
    if (!keep && !dirArg) rmSync(base, { recursive: true, force: true });
    else process.stdout.write(`kept ${base}\n`);
  }
}

// `npm run bench -- import [--pairs N] [--other-rate F] [--jpeg WxH] [--runs R]`: generates a Sub-URMP
// release of N pairs (default 2,000; 1920×1080 JPEGs, 0.5 s chunks at 44.1 kHz mono 16-bit except a
// fraction F = 0.1 at 48 kHz stereo / 22.05 kHz mono; core/datasets/mediaFolders.ts) and measures, in the
// same run and R times each (default 2):
//   - baseline: a plain pass that reads and SHA-256-hashes every file of the release, one after another;
//   - import into a fresh catalog (pairs/s, and its time ÷ the baseline's), then a re-import of the
//     same files (adds nothing);
//   - export of the imported dataset as a release folder, against `cp -r` of the same files (which
//     goes first alternates between runs).
// All files are in the page cache (just written), so both sides measure CPU work, not the disk.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCatalog } from '../core/catalog/catalog';
import { exportSubUrmp, importSubUrmpRelease } from '../core/datasets/subUrmpRelease';
import { makeReleaseFolder } from '../core/datasets/mediaFolders';

function arg(args: string[], name: string, def: string): string {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
}

async function readAndHash(files: string[]): Promise<void> {
  for (const f of files) createHash('sha256').update(await readFile(f)).digest('hex');
}

const secs = (t: number) => (performance.now() - t) / 1000;
const range = (xs: number[], digits = 2) => (xs.length > 1 ? `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}` : xs[0].toFixed(digits));

export async function run(args: string[]): Promise<void> {
  const n = Number(arg(args, '--pairs', '2000'));
  const otherRateFraction = Number(arg(args, '--other-rate', '0.1'));
  const [width, height] = arg(args, '--jpeg', '1920x1080').split('x').map(Number);
  const runs = Number(arg(args, '--runs', '2'));
  const dir = mkdtempSync(join(tmpdir(), 'bench-import-'));
  try {
    let t = performance.now();
    const rel = await makeReleaseFolder(join(dir, 'release'), { pairs: n, otherRateFraction, jpegSize: { width, height } });
    process.stdout.write(`generated ${n} pairs (${rel.otherRate} chunks at 48 kHz stereo / 22.05 kHz mono, ${(rel.bytes / 2 ** 20).toFixed(0)} MiB) in ${secs(t).toFixed(1)} s\n`);
    const base: number[] = [];
    const imp: number[] = [];
    const reimp: number[] = [];
    const exp: number[] = [];
    const cp: number[] = [];
    let added = 0;
    let skipped = 0;
    let peakRss = process.memoryUsage().rss;
    const timer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
    for (let r = 0; r < runs; r++) {
      t = performance.now();
      await readAndHash(rel.files);
      base.push(secs(t));
      const cat = openCatalog(join(dir, `catalog-${r}.sqlite`));
      t = performance.now();
      const first = await importSubUrmpRelease(cat, rel.root, { name: 'bench' });
      imp.push(secs(t));
      added = first.added;
      skipped = first.skipped.length;
      t = performance.now();
      const again = await importSubUrmpRelease(cat, rel.root, { name: 'bench' });
      reimp.push(secs(t));
      if (again.added !== 0) throw new Error(`re-import added ${again.added} pairs`);
      const out = join(dir, `export-${r}`);
      const copy = join(dir, `copy-${r}`);
      const doExport = async () => {
        const t0 = performance.now();
        const e = await exportSubUrmp(cat, 'bench', out);
        exp.push(secs(t0));
        if (e.written !== added) throw new Error(`export wrote ${e.written} of ${added} pairs (${e.skipped[0]?.reason ?? ''})`);
      };
      const doCopy = () => {
        const t0 = performance.now();
        const c = spawnSync('cp', ['-r', join(rel.root, 'Sub-URMP'), copy]);
        cp.push(secs(t0));
        if (c.status !== 0) throw new Error(`cp failed: ${c.stderr}`);
      };
      // alternate which goes first, so neither always meets the other's pending writeback
      if (r % 2 === 0) {
        await doExport();
        doCopy();
      } else {
        doCopy();
        await doExport();
      }
      cat.close();
      rmSync(out, { recursive: true, force: true });
      rmSync(copy, { recursive: true, force: true });
    }
    clearInterval(timer);
    const pps = imp.map((s) => added / s);
    const ratio = imp.map((s, i) => s / base[i]);
    const expRatio = exp.map((s, i) => s / cp[i]);
    process.stdout.write(
      `baseline read+hash: ${range(base)} s (${range(base.map((s) => n / s), 0)} pairs/s)\n` +
        `import: ${added} pairs in ${range(imp)} s = ${range(pps, 0)} pairs/s, ${range(ratio)}× the baseline (${skipped} skipped)\n` +
        `re-import: 0 added in ${range(reimp)} s\n` +
        `export: ${range(exp)} s vs cp -r ${range(cp)} s = ${range(expRatio)}×\n` +
        `peak RSS ${Math.round(peakRss / 2 ** 20)} MiB\n`,
    );
    const r2 = (x: number) => Number(x.toFixed(2));
    process.stdout.write(
      `${JSON.stringify({
        bench: 'import',
        pairs: n,
        otherRate: rel.otherRate,
        added,
        skipped,
        baselineSeconds: base.map(r2),
        importSeconds: imp.map(r2),
        importPairsPerSecond: pps.map(Math.round),
        importVsBaseline: ratio.map(r2),
        reimportSeconds: reimp.map(r2),
        exportSeconds: exp.map(r2),
        cpSeconds: cp.map(r2),
        exportVsCp: expRatio.map(r2),
        peakRssMiB: Math.round(peakRss / 2 ** 20),
      })}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// `npm run bench -- import [--pairs N]`: generates a Sub-URMP release of N pairs (default 5,000;
// 64×64 JPEG pictures + 0.5 s 44.1 kHz chunks, every file distinct) and measures importing it into a
// fresh catalog (pairs/second), then a second import of the same files (idempotent: adds nothing).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { openCatalog } from '../core/catalog/catalog';
import { URMP_INSTRUMENTS } from '../core/datasets/instruments';
import { importSubUrmpRelease } from '../core/datasets/subUrmpRelease';
import { SAMPLE_RATE, WINDOW_SAMPLES } from '../core/media/constants';
import { encodeWav } from '../core/media/wav';

const DEFAULT_PAIRS = 5_000;

async function makeRelease(root: string, n: number): Promise<void> {
  const names = Object.values(URMP_INSTRUMENTS);
  const base = new Float32Array(WINDOW_SAMPLES);
  for (let i = 0; i < base.length; i++) base[i] = 0.2 * Math.sin((2 * Math.PI * 440 * i) / SAMPLE_RATE);
  for (let k = 0; k < n; k++) {
    const inst = names[k % names.length];
    const split = k % 9 === 0 ? 'validation' : 'train';
    const name = `${inst}${String(1 + Math.floor(k / 1000)).padStart(2, '0')}_${(k % 1000) * 100}`;
    const imgDir = join(root, 'Sub-URMP', 'img', split, inst);
    const chunkDir = join(root, 'Sub-URMP', 'chunk', split, inst);
    mkdirSync(imgDir, { recursive: true });
    mkdirSync(chunkDir, { recursive: true });
    const samples = base.slice();
    samples[0] = (k % 30000) / 32767; // every chunk distinct
    writeFileSync(join(chunkDir, `${name}.wav`), encodeWav(samples, SAMPLE_RATE));
    const jpg = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: k % 256, g: (k >> 8) % 256, b: (k * 7) % 256 } } }).jpeg().toBuffer();
    writeFileSync(join(imgDir, `${name}.jpg`), jpg);
  }
}

export async function run(args: string[]): Promise<void> {
  const i = args.indexOf('--pairs');
  const n = i >= 0 ? Number(args[i + 1]) : DEFAULT_PAIRS;
  const dir = mkdtempSync(join(tmpdir(), 'bench-import-'));
  try {
    let t = performance.now();
    await makeRelease(dir, n);
    const genS = (performance.now() - t) / 1000;
    process.stdout.write(`generated ${n} pairs in ${genS.toFixed(1)} s\n`);
    const cat = openCatalog(join(dir, 'catalog.sqlite'));
    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    const timer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
    t = performance.now();
    const first = await importSubUrmpRelease(cat, dir, { name: 'bench' });
    const importS = (performance.now() - t) / 1000;
    t = performance.now();
    const second = await importSubUrmpRelease(cat, dir, { name: 'bench' });
    const reimportS = (performance.now() - t) / 1000;
    clearInterval(timer);
    cat.close();
    const figures = {
      pairs: n,
      added: first.added,
      skipped: first.skipped.length,
      importSeconds: Number(importS.toFixed(2)),
      pairsPerSecond: Math.round(first.added / importS),
      reimportAdded: second.added,
      reimportSeconds: Number(reimportS.toFixed(2)),
      peakRssMiB: Math.round(peakRss / 2 ** 20),
      rssBeforeMiB: Math.round(rssBefore / 2 ** 20),
    };
    process.stdout.write(
      `import: ${figures.added} pairs in ${figures.importSeconds} s = ${figures.pairsPerSecond} pairs/s (${figures.skipped} skipped)\n` +
        `re-import: ${figures.reimportAdded} added in ${figures.reimportSeconds} s\n` +
        `RSS: ${figures.rssBeforeMiB} MiB before, ${figures.peakRssMiB} MiB peak\n`,
    );
    process.stdout.write(`${JSON.stringify({ bench: 'import', ...figures })}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

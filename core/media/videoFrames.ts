// Many RGB frames of one video from ONE ffmpeg decode (issue 15): the frames a video's pairs need
// (§4.1: "the first frame of each video chunk") are chosen inside ffmpeg by a `select` expression on
// the frame timestamps, so only those frames are converted to rgb24 and piped out; the pipe is read
// as a stream (one frame in memory at a time, with backpressure).
//
// Frame choice equals extractVideoFrame's (`ffmpeg -ss T -i file -frames:v 1`): ffmpeg offsets a
// stream's timestamps by −(T + the file's start time), both in µs rescaled to the stream time base
// with round-half-away-from-zero, and drops frames whose offset pts is negative, so the frame is the
// first one whose pts ≥ R(T + start) where R(x) = round(x · tb⁻¹). Without -ss the filter sees
// pts − R(start); a target of T is therefore met by the first frame with
// pts_filter ≥ R(T + start) − R(start), computed here in exact integer arithmetic.
import { spawn } from 'node:child_process';
import { findFfmpeg } from '../env/ffmpeg';
import { AvError } from '../errors';
import { assertExists, ffmpegError, ffmpegPath } from './ffmpegRun';
import type { RgbImage } from './image';

export interface StreamTiming {
  /** stream time base num/den */
  tbNum: number;
  tbDen: number;
  /** the file's start time in µs (ffmpeg's ic->start_time) */
  startUs: bigint;
}

/** What ffmpeg's header listing says of the first video stream. */
export interface VideoProbe {
  /** null when the time base is not an integer rate (then frames are extracted one by one) */
  timing: StreamTiming | null;
  /** the frame size on the stream line (0 × 0 when it is not listed) */
  width: number;
  height: number;
}

/** One selected frame: the full-size RGB picture and the requested times it answers. */
export interface SelectedFrame extends RgbImage {
  /** filter-side pts of the frame (stream time base, relative to the file start) */
  pts: number;
  /** indices into the `times` array given to videoFrames */
  requests: number[];
}

export interface VideoFramesResult {
  /** how many frames ffmpeg piped out */
  frames: number;
  /** indices of requested times that have no frame (past the end of the video) */
  missing: number[];
}

/**
 * Time base, start time and frame size of the first video stream, from ffmpeg's own header listing
 * (`ffmpeg -i file` prints "start: S.ssssss" exactly in µs, the stream's "N tbn" / "Nk tbn" and its
 * "W×H"). The timing is null when the time base is not an integer rate (then the caller extracts
 * frames one by one).
 */
export async function probeVideo(file: string): Promise<VideoProbe> {
  const out = await collect(ffmpegPath(), ['-hide_banner', '-nostdin', '-i', file]);
  const text = out.stderr;
  const video = text.split('\n').find((l) => /Stream #\d+:\d+.*: Video:/.test(l));
  if (!video) {
    if (/Input #0/.test(text)) throw new AvError('unsupported', 'the file has no video stream', { file });
    throw ffmpegError(text, file, 'video probing failed');
  }
  const tbn = /(\d+(?:\.\d+)?)(k?) tbn/.exec(video);
  const start = /start: (-?\d+\.\d+)/.exec(text);
  const size = /, (\d+)x(\d+)[,\s]/.exec(video);
  const frame = { width: Number(size?.[1] ?? 0), height: Number(size?.[2] ?? 0) };
  if (!tbn || tbn[1].includes('.')) return { timing: null, ...frame };
  return { timing: { tbNum: 1, tbDen: Number(tbn[1]) * (tbn[2] ? 1000 : 1), startUs: start ? microseconds(start[1]) : 0n }, ...frame };
}

/** A decimal seconds string ("-0.021333", "12.5") as integer µs, exactly as ffmpeg's parser rounds it. */
function microseconds(s: string): bigint {
  const m = /^(-)?(\d+)(?:\.(\d*))?$/.exec(s.trim());
  if (!m) return 0n;
  const frac = (m[3] ?? '').padEnd(7, '0');
  let us = BigInt(m[2]) * 1_000_000n + BigInt(frac.slice(0, 6));
  if (Number(frac[6]) >= 5) us += 1n;
  return m[1] ? -us : us;
}

/** av_rescale_q(us, 1/1e6, tb) with AV_ROUND_NEAR_INF (half away from zero). */
function rescaleUs(us: bigint, t: StreamTiming): bigint {
  const num = us * BigInt(t.tbDen);
  const den = 1_000_000n * BigInt(t.tbNum);
  const neg = num < 0n;
  const a = neg ? -num : num;
  const r = (a + den / 2n) / den;
  return neg ? -r : r;
}

/** The filter-side pts threshold of a requested time: the frame chosen is the first with pts ≥ it. */
export function targetPts(atSeconds: number, t: StreamTiming): bigint {
  const us = BigInt(atSeconds.toFixed(6).replace('.', '')); // what `-ss T.toFixed(6)` parses
  return rescaleUs(us + t.startUs, t) - rescaleUs(t.startUs, t);
}

/**
 * A select expression true for the first frame at or after each threshold: with count(x) = how
 * many thresholds are ≤ x, a frame is selected when count(pts) > count(prev_pts). Sorted distinct
 * thresholds are compressed into arithmetic runs (a, step, n), each counted in closed form.
 */
export function selectExpression(thresholds: bigint[], maxRuns = MAX_RUNS): string {
  const ts = [...new Set(thresholds.map(String))].map(BigInt).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let runs = arithmeticRuns(ts);
  if (runs.length > maxRuns) {
    // scattered times (many rejected windows): one run on their common grid selects a superset of
    // the frames — every frame a threshold needs is still selected, extra frames answer no request
    const g = ts.reduce((acc, t) => gcd(acc, t - ts[0]), 0n) || 1n;
    runs = [{ a: ts[0], step: g, n: Number((ts[ts.length - 1] - ts[0]) / g) + 1 }];
  }
  const count = (x: string) => runs.map((r) => (r.n === 1 ? `gte(${x},${r.a})` : `clip(floor((${x}-(${r.a}))/${r.step})+1,0,${r.n})`)).join('+');
  return `gt(${count('pts')},if(isnan(prev_pts),0,${count('prev_pts')}))`;
}

/** Above this many runs the expression (an ffmpeg argument, ≤ 128 KB) falls back to one grid run. */
const MAX_RUNS = 200;

function gcd(a: bigint, b: bigint): bigint {
  while (b) [a, b] = [b, a % b];
  return a < 0n ? -a : a;
}

function arithmeticRuns(ts: bigint[]): Array<{ a: bigint; step: bigint; n: number }> {
  const runs: Array<{ a: bigint; step: bigint; n: number }> = [];
  for (const t of ts) {
    const r = runs.at(-1);
    if (r && r.n === 1) {
      r.step = t - r.a;
      r.n = 2;
    } else if (r && t - (r.a + r.step * BigInt(r.n - 1)) === r.step) r.n++;
    else runs.push({ a: t, step: 1n, n: 1 });
  }
  return runs;
}

/**
 * Decodes `file` once and calls `onFrame` for every frame some requested time needs, in
 * presentation order (the next frame is read only after onFrame's promise settles). Each frame's
 * `data` is its own buffer, the receiver's to keep. Returns null when the stream's time
 * base cannot be read exactly (the caller then extracts frames one by one).
 */
export async function videoFrames(
  file: string,
  times: readonly number[],
  onFrame: (frame: SelectedFrame) => Promise<void> | void,
  opts: {
    signal?: AbortSignal;
    maxSelectRuns?: number;
    /** a filter chain applied to each selected frame before it is piped out (videoPictures.ts), given the stream's frame size */
    filter?: (frame: { width: number; height: number }) => string;
  } = {},
): Promise<VideoFramesResult | null> {
  for (const t of times) if (!Number.isFinite(t) || t < 0) throw new AvError('out_of_range', `invalid frame time ${t} s`, { file });
  await assertExists(file);
  if (times.length === 0) return { frames: 0, missing: [] };
  const probe = await probeVideo(file);
  const timing = probe.timing;
  if (!timing) return null;
  const thresholds = times.map((t) => targetPts(t, timing));
  // requests in threshold order: a frame with pts p answers every pending request with threshold ≤ p
  const order = times.map((_, i) => i).sort((a, b) => (thresholds[a] < thresholds[b] ? -1 : thresholds[a] > thresholds[b] ? 1 : a - b));
  let next = 0;

  const args = [
    '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info', '-i', file, '-map', '0:v:0', '-an', '-sn', '-dn',
    '-vf', `select='${selectExpression(thresholds, opts.maxSelectRuns)}',${opts.filter ? `${opts.filter({ width: probe.width, height: probe.height })},` : ''}showinfo`,
    ...passthroughArgs(), '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1',
  ];
  const child = spawn(ffmpegPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const onAbort = () => child.kill('SIGKILL');
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  // showinfo reports each piped frame (pts, size) on stderr, in the same order as stdout
  const infos: Array<{ pts: bigint; width: number; height: number }> = [];
  let stderrTail = '';
  let partial = '';
  let wake: (() => void) | null = null;
  let exited = false;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    const lines = (partial + s).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const m = /Parsed_showinfo.*\bn:\s*\d+\s+pts:\s*(-?\d+).*\bs:(\d+)x(\d+)/.exec(line);
      if (m) infos.push({ pts: BigInt(m[1]), width: Number(m[2]), height: Number(m[3]) });
      else if (!/Parsed_showinfo|^\s|^(Input|Output) #|^Stream mapping|^Press /.test(line)) stderrTail = (stderrTail + line + '\n').slice(-8000);
    }
    wake?.();
  });
  const closed = new Promise<number | null>((resolve, reject) => {
    child.on('error', (e) => reject(new AvError('internal', `could not run ffmpeg: ${e.message}`, { cause: e })));
    child.on('close', (code) => {
      exited = true;
      wake?.();
      resolve(code);
    });
  });
  const infoOf = async (k: number) => {
    while (infos.length <= k && !exited) await new Promise<void>((r) => (wake = r));
    wake = null;
    return infos[k];
  };

  let frames = 0;
  let buf: Buffer | null = null;
  let fill = 0;
  let size = 0; // bytes of the frame being filled; 0 while its size is not known yet
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      let off = 0;
      while (off < chunk.length) {
        if (size === 0) {
          const info = await infoOf(frames);
          if (!info) throw new AvError('internal', 'ffmpeg piped a frame it did not report', { file });
          size = info.width * info.height * 3;
          buf = Buffer.allocUnsafe(size); // each frame its own buffer: the receiver may keep it
          fill = 0;
        }
        const n = Math.min(size - fill, chunk.length - off);
        chunk.copy(buf!, fill, off, off + n);
        fill += n;
        off += n;
        if (fill < size) continue;
        const info = infos[frames++];
        const requests: number[] = [];
        while (next < order.length && thresholds[order[next]] <= info.pts) requests.push(order[next++]);
        size = 0;
        if (requests.length) await onFrame({ width: info.width, height: info.height, data: new Uint8Array(buf!.buffer, buf!.byteOffset, buf!.length), pts: Number(info.pts), requests });
      }
    }
    const code = await closed;
    if (opts.signal?.aborted) throw new AvError('cancelled', 'frame extraction was cancelled', { file });
    if (code !== 0) throw ffmpegError(stderrTail, file, 'frame extraction failed');
    if (size !== 0) throw new AvError('truncated_file', 'ffmpeg stopped in the middle of a frame', { file });
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
  return { frames, missing: order.slice(next) };
}

/** Every selected frame out as it is, none duplicated or dropped: -fps_mode (ffmpeg ≥ 5.1) or -vsync. */
function passthroughArgs(): string[] {
  const m = /^n?(\d+)\.(\d+)/.exec(findFfmpeg()?.version ?? '');
  const modern = !m || Number(m[1]) > 5 || (Number(m[1]) === 5 && Number(m[2]) >= 1);
  return modern ? ['-fps_mode', 'passthrough'] : ['-vsync', 'passthrough'];
}

function collect(bin: string, args: string[]): Promise<{ stdout: Buffer; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => reject(new AvError('internal', `could not run ffprobe: ${e.message}`, { cause: e })));
    child.on('close', (code) => resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8'), code }));
  });
}

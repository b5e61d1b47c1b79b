// The PyTorch reference step of `npm run bench -- train` as a long-lived process timed in rounds
// (bench/torch_timing.py --rounds): the bench alternates a round of its own steps with a round of
// PyTorch's, so both sides run under the same load of the shared machine, instead of ours for a
// while and then PyTorch's (PyTorch's own S2I tiny step moved between 10 and 15 ms over one day here).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { z } from 'zod';

const lineSchema = z.object({
  torch: z.string(),
  threads: z.number(),
  ready: z.boolean().optional(),
  round: z.number().optional(),
  step_s: z.number().optional(),
});
type TorchLine = z.infer<typeof lineSchema>;

export interface TorchRounds {
  torch: string;
  threads: number;
  /** Runs one round of PyTorch steps; resolves with its mean step time in seconds. */
  round(): Promise<number>;
  close(): void;
}

/**
 * Starts `python script args --rounds n` and waits until its warm-up is done. Resolves with a
 * string saying why not when the interpreter, torch or the script fails.
 */
export function startTorchRounds(python: string, script: string, args: string[], rounds: number): Promise<TorchRounds | string> {
  const child: ChildProcessWithoutNullStreams = spawn(python, [script, ...args, '--rounds', String(rounds)], { stdio: 'pipe' });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
  const waiting: Array<(line: TorchLine | string) => void> = [];
  const failed = (why: string): void => {
    for (const w of waiting.splice(0)) w(why);
  };
  createInterface({ input: child.stdout }).on('line', (text) => {
    const parsed = lineSchema.safeParse((() => { try { return JSON.parse(text); } catch { return null; } })());
    const w = waiting.shift();
    if (w) w(parsed.success ? parsed.data : `unexpected output: ${text.slice(0, 200)}`);
  });
  child.on('error', (e) => failed(`failed: ${e.message}`));
  child.on('close', () => {
    const err = stderr.trim().split('\n').pop() ?? '';
    failed(/No module named 'torch'/.test(stderr) ? `skipped: torch is not installed for ${python}` : `failed: ${err || 'the process ended'}`);
  });
  const next = (): Promise<TorchLine | string> => new Promise((resolve) => waiting.push(resolve));
  return next().then((first) => {
    if (typeof first === 'string') return first;
    if (!first.ready) {
      child.kill();
      return `unexpected first line from ${script}`;
    }
    return {
      torch: first.torch,
      threads: first.threads,
      round: async () => {
        const answer = next();
        child.stdin.write('go\n');
        const line = await answer;
        if (typeof line === 'string' || line.step_s === undefined) throw new Error(`PyTorch round: ${typeof line === 'string' ? line : 'no step time'}`);
        return line.step_s;
      },
      close: () => {
        child.stdin.end();
        child.kill();
      },
    };
  });
}

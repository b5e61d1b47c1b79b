// `npm run bench -- <name>`: each benchmark is bench/<name>.ts exporting `run(args)`. It prints
// human-readable figures and ends with one JSON line holding every figure.
const BENCHES: Record<string, () => Promise<{ run: (args: string[]) => Promise<void> }>> = {};

export function registerBench(name: string, load: () => Promise<{ run: (args: string[]) => Promise<void> }>): void {
  BENCHES[name] = load;
}

const known = await import('./index');
known.registerAll(registerBench);

const [name, ...rest] = process.argv.slice(2);
const names = name ? [name] : Object.keys(BENCHES);
for (const n of names) {
  const load = BENCHES[n];
  if (!load) {
    process.stderr.write(`unknown benchmark "${n}"; known: ${Object.keys(BENCHES).join(', ') || '(none)'}\n`);
    process.exit(2);
  }
  process.stdout.write(`# bench ${n}\n`);
  await (await load()).run(rest);
}

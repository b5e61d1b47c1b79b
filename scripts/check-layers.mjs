// Checks the floors of core/ (scripts/coreFloors.mjs): lists every import of a core/ source file that
// goes up a floor (or sideways to another room of the same floor), every import that leaves core/,
// and every import cycle between files (type-only imports count: a cycle of types is still a knot).
// Imports are read with the TypeScript parser: static, `export … from`, dynamic `import()` and
// `import('…')` types. Tests (*.test.ts) may import any room of core/ (they are not imported back,
// so they close no cycle) but nothing outside it except fixtures of their own.
//   node scripts/check-layers.mjs            report; exit 1 on an upward import or a cycle
//   node scripts/check-layers.mjs --json     the same as one JSON document
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { CORE_FLOORS } from './coreFloors.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CORE = join(ROOT, 'core');
const asJson = process.argv.includes('--json');

function walk(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (/\.(ts|mts)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const floorOf = new Map();
CORE_FLOORS.forEach((rooms, i) => rooms.forEach((r) => floorOf.set(r, i)));
const roomOf = (file) => relative(CORE, file).split(sep)[0];
const isTest = (file) => /\.test\.(ts|mts)$/.test(file);
const rel = (file) => relative(ROOT, file).split(sep).join('/');

function resolveSpec(from, spec) {
  const base = resolve(dirname(from), spec);
  for (const c of [base, `${base}.ts`, `${base}.mts`, base.replace(/\.js$/, '.ts'), join(base, 'index.ts')]) {
    if (existsSync(c) && statSync(c).isFile()) return c;
  }
  return null;
}

/** Every relative import of a file: { spec, line, typeOnly, dynamic }. */
function importsOf(file) {
  const src = readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, src, ts.ScriptTarget.Latest, true);
  const out = [];
  const add = (lit, typeOnly, dynamic) => {
    if (!lit || !ts.isStringLiteralLike(lit)) return;
    const line = sf.getLineAndCharacterOfPosition(lit.getStart()).line + 1;
    out.push({ spec: lit.text, line, typeOnly, dynamic });
  };
  const visit = (n) => {
    if (ts.isImportDeclaration(n)) {
      const c = n.importClause;
      const typeOnly = !!c && (c.isTypeOnly || (!c.name && !!c.namedBindings && ts.isNamedImports(c.namedBindings) && c.namedBindings.elements.length > 0 && c.namedBindings.elements.every((e) => e.isTypeOnly)));
      add(n.moduleSpecifier, typeOnly, false);
    } else if (ts.isExportDeclaration(n) && n.moduleSpecifier) {
      add(n.moduleSpecifier, n.isTypeOnly, false);
    } else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(n.arguments[0], false, true);
    } else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument)) {
      add(n.argument.literal, true, false);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

const files = walk(CORE);
const upward = [];
const outside = [];
const unknownRooms = new Set();
const graph = new Map(); // source file -> [{ to, typeOnly }]
for (const f of files) {
  const test = isTest(f);
  const room = roomOf(f);
  if (!floorOf.has(room)) unknownRooms.add(room);
  const edges = [];
  for (const imp of importsOf(f)) {
    if (!imp.spec.startsWith('.')) continue;
    const to = resolveSpec(f, imp.spec);
    const where = `${rel(f)}:${imp.line}`;
    if (!to) {
      outside.push({ where, spec: imp.spec, test, reason: 'unresolved' });
      continue;
    }
    if (!to.startsWith(CORE + sep)) {
      if (rel(to) === 'package.json') continue; // the studio's version
      outside.push({ where, spec: imp.spec, test, target: rel(to) });
      continue;
    }
    const toRoom = roomOf(to);
    if (!test) edges.push({ to, typeOnly: imp.typeOnly });
    if (test || toRoom === room) continue;
    const a = floorOf.get(room);
    const b = floorOf.get(toRoom);
    if (a === undefined || b === undefined || b >= a) {
      upward.push({ where, from: room, to: toRoom, target: rel(to), typeOnly: imp.typeOnly, dynamic: imp.dynamic, sideways: a !== undefined && a === b });
    }
  }
  if (!test) graph.set(f, edges);
}

// Tarjan's strongly connected components over source files
const cycles = [];
{
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const strong = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const { to } of graph.get(v) ?? []) {
      if (!idx.has(to)) {
        strong(to);
        low.set(v, Math.min(low.get(v), low.get(to)));
      } else if (on.has(to)) low.set(v, Math.min(low.get(v), idx.get(to)));
    }
    if (low.get(v) === idx.get(v)) {
      const comp = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1) {
        const set = new Set(comp);
        const runtime = comp.some((a) => (graph.get(a) ?? []).some((e) => set.has(e.to) && !e.typeOnly));
        cycles.push({ files: comp.map(rel).sort(), typeOnlyLinks: comp.flatMap((a) => (graph.get(a) ?? []).filter((e) => set.has(e.to) && e.typeOnly).map((e) => `${rel(a)} → ${rel(e.to)}`)), runtime });
      }
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) strong(v);
}

const sourceOutside = outside.filter((o) => !o.test);
const testOutside = outside.filter((o) => o.test && !(o.target && o.target.startsWith('core/')));
const result = {
  floors: CORE_FLOORS,
  files: files.length,
  upward: upward.length,
  upwardFiles: new Set(upward.map((u) => u.where.split(':')[0])).size,
  cycles: cycles.length,
  unknownRooms: [...unknownRooms],
  upwardImports: upward,
  importCycles: cycles,
  leavingCore: [...sourceOutside, ...testOutside],
};
if (asJson) {
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} else {
  for (const u of upward) console.log(`up    ${u.where}  ${u.from} → ${u.target}${u.typeOnly ? ' (type)' : ''}${u.dynamic ? ' (dynamic)' : ''}${u.sideways ? ' (same floor)' : ''}`);
  for (const c of cycles) console.log(`cycle ${c.files.join(' ⇄ ')}${c.runtime ? '' : ' (types only)'}`);
  for (const o of result.leavingCore) console.log(`out   ${o.where}  ${o.spec}${o.test ? ' (test)' : ''}${o.reason ? ` (${o.reason})` : ''}`);
  if (unknownRooms.size) console.log(`rooms not on any floor: ${[...unknownRooms].join(', ')}`);
  console.log(`core/: ${files.length} files, ${upward.length} upward imports in ${result.upwardFiles} files, ${cycles.length} import cycles, ${result.leavingCore.length} imports leaving core/`);
}
process.exitCode = upward.length || cycles.length || result.leavingCore.length || unknownRooms.size ? 1 : 0;

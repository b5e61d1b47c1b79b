#!/usr/bin/env node
// `npm start`: the desktop studio when Electron can run here, otherwise the same studio in a
// browser through `avstudio serve` (no display, no Electron binary, or offline for its first setup).
//
// Desktop setup steps, each done once and only here (never in `npm install`):
//  1. the Electron binary (electron's own install.js downloads it);
//  2. better-sqlite3 built against Electron's headers, in .electron-native/<electron version>/, so the
//     copy in node_modules keeps working for Node (CLI, tests). npm fetches the package from the
//     registry and either a prebuilt Electron binary or Electron's headers to compile it.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const log = (msg) => process.stdout.write(`[avstudio start] ${msg}\n`);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function serveInstead(reason) {
  log(`${reason}`);
  log('Starting the studio in your browser instead (npm run serve): open the URL printed below.');
  const r = spawnSync(npm, ['run', 'serve'], { cwd: root, stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

function electronBinary() {
  const dir = join(root, 'node_modules', 'electron');
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) {
    log('Fetching the Electron binary (first desktop start only)…');
    const r = spawnSync(process.execPath, [join(dir, 'install.js')], { cwd: dir, stdio: 'inherit', timeout: 300_000 });
    if (r.status !== 0 || !existsSync(pathFile)) return null;
  }
  const exe = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(exe) ? exe : null;
}

function electronSqliteBinding(electronVersion) {
  const stage = join(root, '.electron-native', electronVersion);
  const binding = join(stage, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
  if (existsSync(binding)) return binding;
  const pkg = JSON.parse(readFileSync(join(root, 'node_modules', 'better-sqlite3', 'package.json'), 'utf8'));
  mkdirSync(stage, { recursive: true });
  writeFileSync(join(stage, 'package.json'), JSON.stringify({ name: 'avstudio-electron-native', private: true, dependencies: { 'better-sqlite3': pkg.version } }, null, 2));
  log(`Building better-sqlite3 ${pkg.version} for Electron ${electronVersion} (first desktop start only; needs the internet)…`);
  const env = { ...process.env, npm_config_runtime: 'electron', npm_config_target: electronVersion, npm_config_disturl: 'https://electronjs.org/headers' };
  delete env.npm_config_nodedir; // Node's own headers are wrong for Electron
  const r = spawnSync(npm, ['install', '--no-audit', '--no-fund', '--no-save'], { cwd: stage, env, stdio: 'inherit', timeout: 900_000 });
  return r.status === 0 && existsSync(binding) ? binding : null;
}

if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
  serveInstead('No display here (DISPLAY / WAYLAND_DISPLAY unset), so the desktop window cannot open.');
}
const exe = electronBinary();
if (!exe) serveInstead('The Electron binary is not available (its download failed: offline?).');
const electronVersion = JSON.parse(readFileSync(join(root, 'node_modules', 'electron', 'package.json'), 'utf8')).version;
const binding = electronSqliteBinding(electronVersion);
if (!binding) {
  serveInstead(
    `Could not build better-sqlite3 for Electron ${electronVersion}: that needs Electron's headers or a prebuilt binary from the internet. ` +
      'Run `npm start` again when online; the browser studio works meanwhile.',
  );
}
log('Building the desktop bundles (electron-vite build)…');
const build = spawnSync(npm, ['run', 'build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const child = spawn(exe, [root], { cwd: root, stdio: 'inherit', env: { ...process.env, AVSTUDIO_SQLITE_BINDING: binding } });
child.on('exit', (code) => process.exit(code ?? 0));

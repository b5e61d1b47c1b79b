// Electron main: opens the studio (catalog, blob store) and serves the one API over IPC, one
// channel per API method, validated by the same dispatcher as `avstudio serve`. Thin by design.
import { app, BrowserWindow, ipcMain, protocol, net, session, shell } from 'electron';
import { fork } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openStudio, type StudioContext } from '../core/api/context';
import { API_METHODS, IPC_CALL_PREFIX, IPC_EVENT_CHANNEL, MEDIA_PROTOCOL } from '../core/api/contract';
import { dispatch } from '../core/api/dispatch';
import { mediaFileFor, parseRange } from '../core/api/mediaFiles';
import { handlers } from '../core/api/handlers';
import { listDatasets } from '../core/catalog/datasetsRepo';
import { createDemoDataset } from '../core/datasets/demoDataset';
import { defaultHome } from '../core/env/home';
import { trainingProcessEnv } from '../core/env/trainingProcessEnv';
import { RunSupervisor, type WorkerLauncher } from '../core/runs/supervisor';

protocol.registerSchemesAsPrivileged([{ scheme: MEDIA_PROTOCOL, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } }]);

let ctx: StudioContext | null = null;

// Training workers: the bundled workers/trainWorker.ts (out/main/trainWorker.js), run by Electron's
// own Node (ELECTRON_RUN_AS_NODE); the Electron build of better-sqlite3 reaches it through the env.
const electronWorkerLauncher: WorkerLauncher = (runId, home) =>
  fork(join(__dirname, 'trainWorker.js'), ['--home', home, '--run', String(runId)], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: { ...trainingProcessEnv(), ELECTRON_RUN_AS_NODE: '1' },
  });

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'AV Studio',
    webPreferences: {
      preload: join(__dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  win.webContents.setWindowOpenHandler(({ url }) => {
    void shell.openExternal(url);
    return { action: 'deny' };
  });
  if (process.env.ELECTRON_RENDERER_URL) void win.loadURL(process.env.ELECTRON_RENDERER_URL);
  else void win.loadFile(join(__dirname, '../renderer/index.html'));
  return win;
}

async function start(): Promise<void> {
  // the same data directory as the CLI and `avstudio serve`: $AVSTUDIO_HOME or the app-data folder
  const home = defaultHome();
  const studio = openStudio(home);
  ctx = studio;
  if (listDatasets(studio.catalog).length === 0) await createDemoDataset(studio.catalog, studio.blobs);
  studio.supervisor = new RunSupervisor(studio, electronWorkerLauncher);
  studio.supervisor.pump();

  for (const method of API_METHODS) {
    ipcMain.handle(IPC_CALL_PREFIX + method, (_event, input: unknown) => dispatch(handlers, studio, method, input));
  }
  studio.events.on((e) => {
    for (const w of BrowserWindow.getAllWindows()) w.webContents.send(IPC_EVENT_CHANNEL, e);
  });
  protocol.handle(MEDIA_PROTOCOL, (req) => {
    const hash = new URL(req.url).hostname;
    const media = mediaFileFor(studio, hash);
    if (!media) return new Response('not found', { status: 404 });
    const range = parseRange(req.headers.get('range'), media.size);
    if (range === 'unsatisfiable') return new Response(null, { status: 416, headers: { 'content-range': `bytes */${media.size}` } });
    if (!range) return net.fetch(pathToFileURL(media.file).toString());
    const body = Readable.toWeb(createReadStream(media.file, { start: range.start, end: range.end })) as ReadableStream<Uint8Array>;
    return new Response(body, {
      status: 206,
      headers: { 'content-type': media.mime, 'accept-ranges': 'bytes', 'content-length': String(range.end - range.start + 1), 'content-range': `bytes ${range.start}-${range.end}/${media.size}` },
    });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  createWindow();
}

app.whenReady().then(start).catch((err: unknown) => {
  console.error('AV Studio could not start:', err);
  app.exit(1);
});

app.on('window-all-closed', () => {
  void (async () => {
    await ctx?.supervisor?.shutdown();
    ctx?.close();
    app.quit();
  })();
});

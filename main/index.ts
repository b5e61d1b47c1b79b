// Electron main: opens the studio (catalog, blob store) and serves the one API over IPC, one
// channel per API method, validated by the same dispatcher as `avstudio serve`. Thin by design.
// The window shows only the app (main/security.ts): navigation elsewhere is cancelled, new windows
// are denied (http(s) links go to the system browser), and IPC calls are answered only for the
// app's own main frame.
import { app, BrowserWindow, dialog, ipcMain, protocol, net, session, shell, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { fork } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openStudio, type StudioContext } from '../core/studio/context';
import { API_METHODS, IPC_CALL_PREFIX, IPC_EVENT_CHANNEL, IPC_PICK_PATH_CHANNEL, MEDIA_PROTOCOL, PickPathRequestSchema } from '../core/contract/api';
import { dispatch } from '../core/api/dispatch';
import { mediaFileFor, mediaThumbFor, parseRange } from '../core/api/mediaFiles';
import { handlers } from '../core/api/handlers';
import { listDatasets } from '../core/catalog/datasetsRepo';
import { createDemoWithFeatures, featureTasks } from '../core/studio/featureTasks';
import { defaultHome } from '../core/env/home';
import { trainingProcessEnv } from '../core/env/trainingProcessEnv';
import { RunSupervisor, type WorkerLauncher } from '../core/studio/supervisor';
import { APP_URL_SWITCH, isAppUrl, isExternalWebUrl } from './security';

protocol.registerSchemesAsPrivileged([{ scheme: MEDIA_PROTOCOL, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } }]);

let ctx: StudioContext | null = null;

// Training workers: the bundled workers/trainWorker.ts (out/main/trainWorker.js), run by Electron's
// own Node (ELECTRON_RUN_AS_NODE); the Electron build of better-sqlite3 reaches it through the env.
const electronWorkerLauncher: WorkerLauncher = (runId, home) =>
  fork(join(__dirname, 'trainWorker.js'), ['--home', home, '--run', String(runId)], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: { ...trainingProcessEnv(), ELECTRON_RUN_AS_NODE: '1' },
  });

/** The app document: the dev server in development, else the bundled renderer. */
const APP_URL = process.env.ELECTRON_RENDERER_URL ?? pathToFileURL(join(__dirname, '../renderer/index.html')).toString();

/** Navigation, new-window and webview rules for every web contents the app creates. */
function guard(contents: WebContents): void {
  const stayInApp = (e: { preventDefault(): void }, url: string) => {
    if (!isAppUrl(url, APP_URL)) e.preventDefault();
  };
  contents.on('will-navigate', stayInApp);
  contents.on('will-redirect', stayInApp);
  contents.on('will-frame-navigate', (e) => {
    if (!isAppUrl(e.url, APP_URL)) e.preventDefault();
  });
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isExternalWebUrl(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
}

/** An IPC call is answered only for the main frame of a studio window that shows the app. */
function fromApp(event: IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame;
  if (!frame || frame !== event.sender.mainFrame) return false;
  if (!BrowserWindow.fromWebContents(event.sender)) return false;
  return isAppUrl(frame.url, APP_URL);
}

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
      webviewTag: false,
      navigateOnDragDrop: false,
      // the preload exposes the API only when the document is this URL
      additionalArguments: [`${APP_URL_SWITCH}${APP_URL}`],
    },
  });
  void win.loadURL(APP_URL);
  return win;
}

async function start(): Promise<void> {
  // the same data directory as the CLI and `avstudio serve`: $AVSTUDIO_HOME or the app-data folder
  const home = defaultHome();
  const studio = openStudio(home, 'Electron');
  ctx = studio;
  if (listDatasets(studio.catalog).length === 0) await createDemoWithFeatures(studio);
  studio.supervisor = new RunSupervisor(studio, electronWorkerLauncher);
  studio.supervisor.pump();
  featureTasks(studio).resumePending(); // feature work a killed studio left unfinished
  featureTasks(studio).warmStatus(); // each dataset's feature counts, on their thread, before the screen asks

  for (const method of API_METHODS) {
    ipcMain.handle(IPC_CALL_PREFIX + method, (event, input: unknown) =>
      fromApp(event) ? dispatch(handlers, studio, method, input) : { ok: false, error: { kind: 'unauthorized', message: 'the studio API answers only the studio window' } },
    );
  }
  // the import wizard's folder / manifest picker: Electron's own dialog, for the studio window only
  ipcMain.handle(IPC_PICK_PATH_CHANNEL, async (event, input: unknown): Promise<string | null> => {
    const req = PickPathRequestSchema.safeParse(input);
    if (!fromApp(event) || !req.success) return null;
    const win = BrowserWindow.fromWebContents(event.sender);
    const options: Electron.OpenDialogOptions = {
      title: req.data.title ?? (req.data.file ? 'Choose a manifest' : 'Choose a folder'),
      properties: req.data.file ? ['openFile'] : ['openDirectory'],
      ...(req.data.file ? { filters: [{ name: 'Manifest', extensions: ['csv', 'json'] }] } : {}),
      ...(req.data.defaultPath && isAbsolute(req.data.defaultPath) ? { defaultPath: req.data.defaultPath } : {}),
    };
    const picked = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
    return picked.canceled ? null : (picked.filePaths[0] ?? null);
  });
  studio.events.on((e) => {
    for (const w of BrowserWindow.getAllWindows()) if (isAppUrl(w.webContents.getURL(), APP_URL)) w.webContents.send(IPC_EVENT_CHANNEL, e);
  });
  protocol.handle(MEDIA_PROTOCOL, async (req) => {
    const url = new URL(req.url);
    const hash = url.hostname;
    const media = url.searchParams.get('thumb') === '1' ? await mediaThumbFor(studio, hash) : mediaFileFor(studio, hash);
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

app.on('web-contents-created', (_e, contents) => guard(contents));

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

// Electron main: opens the studio (catalog, blob store) and serves the one API over IPC, one
// channel per API method, validated by the same dispatcher as `avstudio serve`. Thin by design.
import { app, BrowserWindow, ipcMain, protocol, net, session, shell } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openStudio, type StudioContext } from '../core/api/context';
import { API_METHODS, IPC_CALL_PREFIX, IPC_EVENT_CHANNEL, MEDIA_PROTOCOL } from '../core/api/contract';
import { dispatch } from '../core/api/dispatch';
import { handlers } from '../core/api/handlers';
import { listDatasets } from '../core/catalog/datasetsRepo';
import { createDemoDataset } from '../core/datasets/demoDataset';
import { defaultHome } from '../core/env/home';

protocol.registerSchemesAsPrivileged([{ scheme: MEDIA_PROTOCOL, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } }]);

let ctx: StudioContext | null = null;

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
  const home = process.env.AVSTUDIO_HOME ? defaultHome() : app.getPath('userData');
  const studio = openStudio(home);
  ctx = studio;
  if (listDatasets(studio.catalog).length === 0) await createDemoDataset(studio.catalog, studio.blobs);

  for (const method of API_METHODS) {
    ipcMain.handle(IPC_CALL_PREFIX + method, (_event, input: unknown) => dispatch(handlers, studio, method, input));
  }
  studio.events.on((e) => {
    for (const w of BrowserWindow.getAllWindows()) w.webContents.send(IPC_EVENT_CHANNEL, e);
  });
  protocol.handle(MEDIA_PROTOCOL, (req) => {
    const hash = new URL(req.url).hostname;
    const file = studio.blobs.find(hash);
    if (!file) return new Response('not found', { status: 404 });
    return net.fetch(pathToFileURL(file).toString());
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  createWindow();
}

app.whenReady().then(start).catch((err: unknown) => {
  console.error('AV Studio could not start:', err);
  app.exit(1);
});

app.on('window-all-closed', () => {
  ctx?.close();
  app.quit();
});

// The sandboxed preload: exposes exactly the studio API on `window.avstudio` — a call per contract
// method (validated here before it leaves the renderer, and again in main), the live event stream,
// and media URLs on the avstudio-media: protocol. Nothing else of Electron reaches the page.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { API, EventSchema, IPC_CALL_PREFIX, IPC_EVENT_CHANNEL, IPC_PICK_PATH_CHANNEL, isApiMethod, MEDIA_PROTOCOL, PickPathRequestSchema, PickPathResultSchema, type StudioEvent } from '../core/contract/api';
import { appUrlFromArgv, isAppUrl } from '../main/security';

const bridge = {
  async call(method: string, input: unknown): Promise<unknown> {
    if (!isApiMethod(method)) return { ok: false, error: { kind: 'bad_request', message: `unknown API method "${method}"` } };
    const parsed = API[method].input.safeParse(input ?? {});
    if (!parsed.success) return { ok: false, error: { kind: 'bad_request', message: `invalid input for ${method}: ${parsed.error.message}` } };
    return ipcRenderer.invoke(IPC_CALL_PREFIX + method, parsed.data);
  },
  onEvent(listener: (e: StudioEvent) => void): () => void {
    const wrapped = (_e: IpcRendererEvent, payload: unknown) => {
      const ev = EventSchema.safeParse(payload);
      if (ev.success) listener(ev.data);
    };
    ipcRenderer.on(IPC_EVENT_CHANNEL, wrapped);
    return () => ipcRenderer.removeListener(IPC_EVENT_CHANNEL, wrapped);
  },
  mediaUrl(hash: string, variant?: 'thumb'): string {
    return `${MEDIA_PROTOCOL}://${encodeURIComponent(hash)}${variant === 'thumb' ? '?thumb=1' : ''}`;
  },
  /** the native open dialog (folder, or a file for manifests): the chosen path or null */
  async pickPath(request: unknown): Promise<string | null> {
    const req = PickPathRequestSchema.parse(request);
    const out = PickPathResultSchema.safeParse(await ipcRenderer.invoke(IPC_PICK_PATH_CHANNEL, req));
    return out.success ? out.data : null;
  },
};

export type PreloadBridge = typeof bridge;

// Only the app document gets the API: after a navigation elsewhere (which main also cancels) the
// preload runs again for the new document and exposes nothing; main checks the sender frame too.
const appUrl = appUrlFromArgv(process.argv);
if (appUrl && isAppUrl((globalThis as unknown as { location: { href: string } }).location.href, appUrl)) contextBridge.exposeInMainWorld('avstudio', bridge);

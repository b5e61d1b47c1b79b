// The Electron door's navigation and IPC rules, as plain functions (no Electron import) so main,
// the sandboxed preload and the tests share them:
// - the studio's window shows only the studio: the app document (file:…/renderer/index.html, or the
//   dev server's origin), any route inside it (hash routing), nothing else;
// - only a frame showing the app may call the API over IPC or receive events, and the preload
//   exposes `window.avstudio` only to the app document (a window that navigated elsewhere — a
//   dropped file, a link — loses the API);
// - links that open a new window go to the system browser only when they are http(s).

/** The command-line switch through which main tells the preload which URL is the app. */
export const APP_URL_SWITCH = '--avstudio-app-url=';

/** Is `url` the app document (any hash route or query) at `appUrl`? */
export function isAppUrl(url: string, appUrl: string): boolean {
  let u: URL;
  let app: URL;
  try {
    u = new URL(url);
    app = new URL(appUrl);
  } catch {
    return false;
  }
  if (app.protocol === 'file:') return u.protocol === 'file:' && u.host === app.host && decodeURIComponent(u.pathname) === decodeURIComponent(app.pathname);
  // a dev server: the whole origin is the app
  return u.origin === app.origin;
}

/** May `url` be handed to the system browser (shell.openExternal)? Only web links. */
export function isExternalWebUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname !== '';
  } catch {
    return false;
  }
}

/** The app URL main passed in `additionalArguments`, read from the (preload's) argv. */
export function appUrlFromArgv(argv: readonly string[]): string | null {
  const arg = argv.find((a) => a.startsWith(APP_URL_SWITCH));
  return arg ? arg.slice(APP_URL_SWITCH.length) : null;
}

import { describe, expect, it } from 'vitest';
import { appUrlFromArgv, APP_URL_SWITCH, isAppUrl, isExternalWebUrl } from './security';

const APP = 'file:///opt/AV%20Studio/out/renderer/index.html';

describe('Electron navigation and IPC rules', () => {
  it('accepts only the app document and its routes', () => {
    expect(isAppUrl(APP, APP)).toBe(true);
    expect(isAppUrl(`${APP}#/runs/3`, APP)).toBe(true);
    expect(isAppUrl('file:///opt/AV Studio/out/renderer/index.html#/', APP)).toBe(true);
    // a dropped file, another local page, a web page, a data: URL
    expect(isAppUrl('file:///home/me/Music/take1.wav', APP)).toBe(false);
    expect(isAppUrl('file:///opt/AV%20Studio/out/renderer/other.html', APP)).toBe(false);
    expect(isAppUrl('https://example.com/', APP)).toBe(false);
    expect(isAppUrl('data:text/html,<script>1</script>', APP)).toBe(false);
    expect(isAppUrl('not a url', APP)).toBe(false);
    // dev server: its origin is the app
    expect(isAppUrl('http://localhost:5173/#/datasets', 'http://localhost:5173/')).toBe(true);
    expect(isAppUrl('http://localhost:5174/', 'http://localhost:5173/')).toBe(false);
  });

  it('opens only http(s) links externally', () => {
    expect(isExternalWebUrl('https://arxiv.org/abs/1704.08292')).toBe(true);
    expect(isExternalWebUrl('http://10.0.0.5:4780/rate/x/')).toBe(true);
    for (const bad of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'ms-msdt:/id', 'vscode://x', 'mailto:a@b.c', 'data:text/html,x', '']) {
      expect(isExternalWebUrl(bad), bad).toBe(false);
    }
  });

  it('passes the app URL to the preload through argv', () => {
    expect(appUrlFromArgv(['electron', '--type=renderer', `${APP_URL_SWITCH}${APP}`])).toBe(APP);
    expect(appUrlFromArgv(['electron'])).toBeNull();
  });
});

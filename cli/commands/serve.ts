// `avstudio serve`: the studio in any browser, over HTTP + WebSocket on 127.0.0.1.
import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openStudio } from '../../core/studio/context';
import { handlers } from '../../core/api/handlers';
import { listDatasets } from '../../core/catalog/datasetsRepo';
import { createDemoWithFeatures, featureTasks } from '../../core/studio/featureTasks';
import { AvError } from '../../core/errors';
import { RunSupervisor } from '../../core/studio/supervisor';
import { startServer } from '../../server/httpServer';
import { nodeWorkerLauncher } from '../../workers/launch';
import { action, emit } from '../output';
import { addHomeOption, homeFrom } from '../studio';

export const WEB_DIST_DIR = fileURLToPath(new URL('../../dist-web', import.meta.url));
export const DEFAULT_PORT = 4780;

interface ServeOpts {
  host: string;
  tlsCert?: string;
  tlsKey?: string;
  port: string;
  home?: string;
  demo: boolean;
  json?: boolean;
  openHint?: boolean;
}

export function registerServe(program: Command): void {
  const cmd = program
    .command('serve')
    .description('serve the studio over HTTP/WebSocket (127.0.0.1) and print a URL carrying a session token')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--port <n>', 'port (0 = any free port)', String(DEFAULT_PORT))
    .option('--tls-cert <file>', 'PEM certificate: serve HTTPS/WSS (with --tls-key), for a LAN host')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .option('--no-demo', 'do not create the demo dataset when the catalog is empty')
    .option('--open-hint', 'print a hint on opening the URL (used by npm run serve)')
    .option('--json', 'print {url, port, token, home} as JSON once listening');
  addHomeOption(cmd).action(
    action(async (opts: ServeOpts) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new AvError('bad_request', `--port must be 0–65535, got "${opts.port}"`);
      if (Boolean(opts.tlsCert) !== Boolean(opts.tlsKey)) throw new AvError('bad_request', '--tls-cert and --tls-key go together');
      let tls: { cert: Buffer; key: Buffer } | undefined;
      if (opts.tlsCert && opts.tlsKey) {
        const read = (file: string, what: string) => {
          try {
            return readFileSync(file);
          } catch (err) {
            throw new AvError('io', `cannot read the TLS ${what}: ${(err as Error).message}`, { file });
          }
        };
        tls = { cert: read(opts.tlsCert, 'certificate'), key: read(opts.tlsKey, 'key') };
      }
      const ctx = openStudio(homeFrom(opts), 'serve');
      if (opts.demo && listDatasets(ctx.catalog).length === 0) await createDemoWithFeatures(ctx);
      ctx.supervisor = new RunSupervisor(ctx, nodeWorkerLauncher);
      ctx.supervisor.pump(); // runs queued while no studio was serving (e.g. `avstudio train --detach`)
      featureTasks(ctx).resumePending(); // feature work a killed studio left unfinished
      featureTasks(ctx).warmStatus(); // each dataset's feature counts, on their thread, before the screen asks
      const staticDir = existsSync(WEB_DIST_DIR) ? WEB_DIST_DIR : undefined;
      let server;
      try {
        server = await startServer({ ctx, handlers, host: opts.host, port, staticDir, tls });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ERR_OSSL_PEM_NO_START_LINE' || /PEM|certificate|key/i.test(String((err as Error).message))) {
          throw new AvError('bad_request', `--tls-cert/--tls-key are not a usable PEM certificate and key: ${(err as Error).message}`);
        }
        throw err;
      }
      const loopback = opts.host === 'localhost' || opts.host === '::1' || opts.host.startsWith('127.');
      emit({ url: server.url, urls: server.urls, port: server.port, token: server.token, home: ctx.home.root, ui: Boolean(staticDir), tls: Boolean(tls) }, opts, (d) =>
        [
          `AV Studio is serving ${d.home}`,
          ...d.urls.map((u, i) => `${i === 0 ? 'Open:' : '  or:'} ${u}`),
          !loopback && !d.tls
            ? 'Warning: on a network the session token travels in clear text over HTTP; use --tls-cert/--tls-key or an SSH tunnel (ssh -L 4780:127.0.0.1:4780 host) instead.'
            : '',
          d.ui ? '' : 'The UI is not built yet: run `npm run build:web` (the API answers meanwhile).',
          opts.openHint ? 'Open the URL above in a browser; press Ctrl+C to stop.' : '',
        ].filter(Boolean).join('\n'),
      );
      const stop = async () => {
        await ctx.supervisor?.shutdown();
        await server.close();
        ctx.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    }),
  );
}

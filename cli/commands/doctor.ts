// `avstudio doctor`: what this machine gives the studio.
import type { Command } from 'commander';
import { runDoctor } from '../../core/env/doctor';
import { action, emit } from '../output';
import { addHomeOption, homeFrom } from '../studio';

export function registerDoctor(program: Command): void {
  const cmd = program
    .command('doctor')
    .description('report the TensorFlow.js backend, ffmpeg and the data directory')
    .option('--json', 'print the report as JSON');
  addHomeOption(cmd).action(
    action((opts: { home?: string; json?: boolean }) => {
      const r = runDoctor(homeFrom(opts));
      emit(r, opts, (d) =>
        [
          `node        ${d.node} (${d.platform})`,
          `backend     ${d.backend.kind} — ${d.backend.package} (${d.backend.detail})`,
          `ffmpeg      ${d.ffmpeg ? `${d.ffmpeg.version} at ${d.ffmpeg.path} (${d.ffmpeg.source})` : 'NOT FOUND: install ffmpeg or reinstall @ffmpeg-installer/ffmpeg'}`,
          `data dir    ${d.home}`,
          `catalog     ${d.catalog.exists ? `${d.catalog.file} (schema ${d.catalog.schemaVersion}/${d.catalog.supportedVersion})` : `${d.catalog.file} (not created yet)`}${d.catalog.problem ? ` — ${d.catalog.problem}` : ''}`,
          d.ok ? 'status      ok' : 'status      problems found (see above)',
        ].join('\n'),
      );
      if (!r.ok) process.exitCode = 1;
    }),
  );
}

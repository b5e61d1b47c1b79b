// Studio-wide settings shared by every process on the catalog: `avstudio settings` lists them,
// `avstudio settings set runs.concurrency 2` changes one (a serving studio applies it at once).
import type { Command } from 'commander';
import { getSetting, setSetting, SETTINGS, type SettingKey } from '../../core/catalog/settingsRepo';
import { action, emit, textTable } from '../output';
import { addHomeOption, withStudio } from '../studio';

export function registerSettings(program: Command): void {
  const settings = program.command('settings').description('studio-wide settings shared by every studio process (e.g. runs.concurrency: how many runs train at once)');
  addHomeOption(settings.command('list', { isDefault: true }).description('every setting with its value').option('--json', 'print as JSON')).action(
    action(async (o: { home?: string; json?: boolean }) =>
      withStudio(o, (ctx) => {
        const rows = (Object.keys(SETTINGS) as SettingKey[]).map((key) => ({ key, value: getSetting(ctx.catalog, key), default: SETTINGS[key].default, description: SETTINGS[key].description }));
        emit(rows, o, (d) => textTable(['setting', 'value', 'default', 'what'], d.map((r) => [r.key, r.value, r.default, r.description])));
      }),
    ),
  );
  addHomeOption(settings.command('set <key> <value>').description('change a setting').option('--json', 'print as JSON')).action(
    action(async (key: string, value: string, o: { home?: string; json?: boolean }) =>
      withStudio(o, (ctx) => {
        const v = setSetting(ctx.catalog, key, value);
        emit({ key, value: v }, o, (d) => `${d.key} = ${d.value}`);
      }),
    ),
  );
}

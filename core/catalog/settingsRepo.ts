// Studio-wide settings in the catalog (migration 5), shared by every process that opens it.
import type { Catalog } from './catalog';
import { AvError } from '../errors';

/** Known settings, their defaults and what a value must be. */
export const SETTINGS = {
  /** how many training runs train at once across every studio process on this catalog */
  'runs.concurrency': { default: 1, min: 1, max: 16, description: 'how many runs train at once (all studio processes together)' },
} as const;
export type SettingKey = keyof typeof SETTINGS;

export function isSettingKey(k: string): k is SettingKey {
  return Object.prototype.hasOwnProperty.call(SETTINGS, k);
}

export function getSetting(cat: Catalog, key: SettingKey): number {
  const row = cat.db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
  const def = SETTINGS[key];
  const n = row ? Number(row.value) : def.default;
  return Number.isInteger(n) && n >= def.min && n <= def.max ? n : def.default;
}

export function setSetting(cat: Catalog, key: string, value: string | number): number {
  if (!isSettingKey(key)) throw new AvError('bad_request', `unknown setting "${key}" (known: ${Object.keys(SETTINGS).join(', ')})`);
  const def = SETTINGS[key];
  const n = Number(value);
  if (!Number.isInteger(n) || n < def.min || n > def.max) throw new AvError('bad_request', `${key} must be an integer ${def.min}–${def.max}, got "${value}"`);
  cat.tx(() => cat.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, String(n)));
  return n;
}

// The import wizard's server-side folder browser: inside the roots only, realpath-checked (a symlink
// cannot escape), typed errors naming the path.
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AvError } from '../errors';
import { listDirectory } from './dirBrowser';

const kindOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e instanceof AvError ? [e.kind, e.file] : ['not an AvError'];
  }
  return ['no error'];
};

describe('listDirectory', () => {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'h11-browse-')));
  const root = join(base, 'root');
  const outside = join(base, 'outside');
  mkdirSync(join(root, 'URMP', '01_Jupiter_vn_vc'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(root, 'pairs.csv'), 'image,audio\n');
  writeFileSync(join(root, '.hidden'), '');
  writeFileSync(join(outside, 'secret.txt'), 'x');
  symlinkSync(outside, join(root, 'escape'));
  symlinkSync(join(root, 'URMP'), join(root, 'urmp-link'));

  it('lists folders first, then files with sizes, hidden entries left out, and marks links leading outside', () => {
    const l = listDirectory(undefined, [root]);
    expect(l.path).toBe(root);
    expect(l.parent).toBeNull();
    expect(l.entries).toEqual([
      { name: 'URMP', kind: 'dir' },
      { name: 'urmp-link', kind: 'dir' },
      { name: 'pairs.csv', kind: 'file', bytes: 12 },
      { name: 'escape', kind: 'outside' },
    ]);
    const sub = listDirectory(join(root, 'URMP'), [root]);
    expect(sub.parent).toBe(root);
    expect(sub.entries).toEqual([{ name: '01_Jupiter_vn_vc', kind: 'dir' }]);
  });

  it('refuses paths outside the roots, also through a symlink or .., with typed errors naming the path', () => {
    expect(kindOf(() => listDirectory(outside, [root]))).toEqual(['bad_request', outside]);
    expect(kindOf(() => listDirectory(join(root, 'escape'), [root]))).toEqual(['bad_request', join(root, 'escape')]);
    expect(kindOf(() => listDirectory(join(root, '..', 'outside'), [root]))).toEqual(['bad_request', join(root, '..', 'outside')]);
    expect(kindOf(() => listDirectory('relative/path', [root]))).toEqual(['bad_request', 'relative/path']);
    expect(kindOf(() => listDirectory(join(root, 'nope'), [root]))).toEqual(['not_found', join(root, 'nope')]);
    expect(kindOf(() => listDirectory(join(root, 'pairs.csv'), [root]))).toEqual(['bad_request', join(root, 'pairs.csv')]);
  });
});

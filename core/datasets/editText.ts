// A curation edit as a sentence for the History list ("moved the window 1.00 → 1.06 s"), from the
// old and new column values pair_edits keeps. Pure (no Node imports): the renderer uses it too.

export interface EditLike {
  field: string;
  oldValue: Record<string, unknown>;
  newValue: Record<string, unknown>;
  batch: string | null;
}

const secs = (v: unknown) => (typeof v === 'number' ? `${v.toFixed(2)} s` : 'none');

function cropText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  try {
    const c = (typeof v === 'string' ? JSON.parse(v) : v) as { x: number; y: number; w: number; h: number };
    return `${c.w}×${c.h} at (${c.x}, ${c.y})`;
  } catch {
    return String(v);
  }
}

const STATE_VERB: Record<string, string> = { accepted: 'accepted the pair', rejected: 'rejected the pair', pending: 'set the pair back to pending' };

export function describeEdit(e: EditLike): string {
  const o = e.oldValue;
  const n = e.newValue;
  switch (e.field) {
    case 'state':
      return `${STATE_VERB[String(n.state)] ?? `set the state to ${String(n.state)}`} (was ${String(o.state)})`;
    case 'instrument':
      return `relabelled ${String(o.instrument)} → ${String(n.instrument)}`;
    case 'split':
      return `moved from the ${String(o.split)} split to ${String(n.split)}`;
    case 'window': {
      const s = `moved the window ${Number(o.start_s).toFixed(2)} → ${Number(n.start_s).toFixed(2)} s`;
      return 'frame_s' in n ? `${s} (the video frame with it)` : s;
    }
    case 'crop': {
      const before = cropText(o.crop);
      const after = cropText(n.crop);
      const what = after ? `set the track's crop box to ${after}${before ? ` (was ${before})` : ''}` : `cleared the track's crop box${before ? ` (was ${before})` : ''}`;
      return e.batch ? `${what}, for every pair of the track` : what;
    }
    case 'chunk':
      return `re-paired with another sound chunk: source ${String(o.audio_source_id)} at ${secs(o.start_s)} → source ${String(n.audio_source_id)} at ${secs(n.start_s)}`;
    default: {
      const keys = [...new Set([...Object.keys(o), ...Object.keys(n)])];
      return `changed ${e.field}: ${keys.map((k) => `${k.replace(/_/g, ' ')} ${JSON.stringify(o[k] ?? null)} → ${JSON.stringify(n[k] ?? null)}`).join(', ')}`;
    }
  }
}

// Markdown (GitHub pipe table) with the pipes aligned: every cell padded to its column's width,
// numbers right-aligned (`---:`), labels left-aligned. `|` inside a cell is escaped; best values bold.
import type { ResultTable } from './tableModel';

const escapeCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

export function renderMarkdown(t: ResultTable): string {
  const header = t.columns.map((c) => escapeCell(c.label));
  const body = t.rows.map((r) => r.cells.map((c) => (c.best && c.value !== null ? `**${escapeCell(c.display)}**` : escapeCell(c.display))));
  const widths = header.map((h, i) => Math.max(3, h.length, ...body.map((row) => row[i].length)));
  const pad = (s: string, i: number) => (t.columns[i].align === 'right' ? s.padStart(widths[i]) : s.padEnd(widths[i]));
  const line = (cells: string[]) => `| ${cells.map(pad).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (t.columns[i].align === 'right' ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  const out = [`**${t.title}**`, '', line(header), rule, ...body.map(line)];
  if (t.caption) out.push('', t.caption);
  for (const n of t.notes) out.push('', `> ${n}`);
  return out.join('\n') + '\n';
}

// CSV (RFC 4180): CRLF line ends; a field holding a comma, a double quote, CR or LF is enclosed in
// double quotes with inner quotes doubled. Numbers are written at full precision (value, not the
// rounded display string) so a spreadsheet gets the measurement; empty cells are empty fields.
import type { ResultTable, TableCell } from './tableModel';

export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function cellText(c: TableCell): string {
  if (c.value === null) return '';
  return typeof c.value === 'number' ? String(c.value) : c.value;
}

export function renderCsv(t: ResultTable): string {
  const lines = [t.columns.map((c) => csvField(c.label)), ...t.rows.map((r) => r.cells.map((c) => csvField(cellText(c))))];
  return lines.map((l) => l.join(',')).join('\r\n') + '\r\n';
}

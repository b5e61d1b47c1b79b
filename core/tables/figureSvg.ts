// Hand-written SVG for the two figures: Fig. 9 (Γ accuracy vs epoch, a line per run and split) and
// Fig. 8 (human scores: a grouped histogram per method, with an inset of mean scores and their CIs).
// Deterministic output (fixed sizes, fixed palette, numbers rounded) so exports are reproducible.
import { AvError } from '../errors';
import type { Figure, ResultTable } from './tableModel';

const WIDTH = 720;
const HEIGHT = 420;
const MARGIN = { left: 64, right: 190, top: 44, bottom: 56 };
const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];
const FONT = 'font-family="DejaVu Sans, Arial, sans-serif"';

export function xmlEscape(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

const r2 = (v: number) => Math.round(v * 100) / 100;

function niceTicks(min: number, max: number, count = 5): number[] {
  const span = max - min || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + 1e-9; v += step) ticks.push(r2(v));
  return ticks;
}

function frame(title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="24" text-anchor="middle" font-size="15" ${FONT} fill="#111">${xmlEscape(title)}</text>`,
    ...body,
    '</svg>',
  ].join('\n');
}

function axes(xLabel: string, yLabel: string, yTicks: Array<{ v: number; y: number; label: string }>): string[] {
  const x0 = MARGIN.left;
  const x1 = WIDTH - MARGIN.right;
  const y0 = HEIGHT - MARGIN.bottom;
  const out = [
    `<line x1="${x0}" y1="${y0}" x2="${x1}" y2="${y0}" stroke="#333"/>`,
    `<line x1="${x0}" y1="${MARGIN.top}" x2="${x0}" y2="${y0}" stroke="#333"/>`,
    `<text x="${(x0 + x1) / 2}" y="${HEIGHT - 14}" text-anchor="middle" font-size="12" ${FONT}>${xmlEscape(xLabel)}</text>`,
    `<text x="16" y="${(MARGIN.top + y0) / 2}" text-anchor="middle" font-size="12" ${FONT} transform="rotate(-90 16 ${(MARGIN.top + y0) / 2})">${xmlEscape(yLabel)}</text>`,
  ];
  for (const t of yTicks) {
    out.push(`<line x1="${x0 - 4}" y1="${r2(t.y)}" x2="${x1}" y2="${r2(t.y)}" stroke="#e4e4e4"/>`);
    out.push(`<text x="${x0 - 8}" y="${r2(t.y + 4)}" text-anchor="end" font-size="11" ${FONT}>${xmlEscape(t.label)}</text>`);
  }
  return out;
}

function legend(items: Array<{ label: string; color: string; dashed?: boolean }>): string[] {
  const x = WIDTH - MARGIN.right + 14;
  return items.flatMap((it, i) => {
    const y = MARGIN.top + 10 + i * 20;
    return [
      `<line x1="${x}" y1="${y}" x2="${x + 22}" y2="${y}" stroke="${it.color}" stroke-width="3"${it.dashed ? ' stroke-dasharray="6 3"' : ''}/>`,
      `<text x="${x + 28}" y="${y + 4}" font-size="11" ${FONT}>${xmlEscape(it.label)}</text>`,
    ];
  });
}

function lineFigure(title: string, f: Extract<Figure, { kind: 'line' }>): string {
  const xs = f.series.flatMap((s) => s.points.map((p) => p.x));
  const xMin = xs.length ? Math.min(...xs) : 0;
  const xMax = xs.length ? Math.max(...xs) : 1;
  const px = (x: number) => MARGIN.left + ((x - xMin) / (xMax - xMin || 1)) * (WIDTH - MARGIN.left - MARGIN.right - 10);
  const py = (y: number) => HEIGHT - MARGIN.bottom - ((y - f.yMin) / (f.yMax - f.yMin || 1)) * (HEIGHT - MARGIN.top - MARGIN.bottom);
  const body = axes(f.xLabel, f.yLabel, niceTicks(f.yMin, f.yMax).map((v) => ({ v, y: py(v), label: `${r2(v * 100)}%` })));
  for (const x of [...new Set(xs)].sort((a, b) => a - b)) {
    body.push(`<text x="${r2(px(x))}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle" font-size="11" ${FONT}>${x}</text>`);
  }
  const items: Array<{ label: string; color: string; dashed?: boolean }> = [];
  const runColor = new Map<number, string>();
  f.series.forEach((s) => {
    if (!runColor.has(s.runId)) runColor.set(s.runId, PALETTE[runColor.size % PALETTE.length]);
    const color = runColor.get(s.runId) as string;
    const dashed = s.split === 'test';
    items.push({ label: s.label, color, dashed });
    const pts = s.points.map((p) => `${r2(px(p.x))},${r2(py(p.y))}`).join(' ');
    body.push(`<polyline fill="none" stroke="${color}" stroke-width="2"${dashed ? ' stroke-dasharray="6 3"' : ''} points="${pts}"/>`);
    for (const p of s.points) body.push(`<circle cx="${r2(px(p.x))}" cy="${r2(py(p.y))}" r="3" fill="${color}"/>`);
  });
  return frame(title, [...body, ...legend(items)]);
}

function barsFigure(title: string, f: Extract<Figure, { kind: 'bars' }>): string {
  const allValues = f.groups.flatMap((g) => g.values);
  // headroom to the next round tick so the tallest bar does not touch the frame
  const yMax = Math.max(10, Math.ceil((Math.max(0, ...allValues) * 1.05) / 10) * 10);
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const py = (y: number) => HEIGHT - MARGIN.bottom - (y / yMax) * plotH;
  const body = axes(f.xLabel, f.yLabel, niceTicks(0, yMax).map((v) => ({ v, y: py(v), label: String(v) })));
  const slot = plotW / Math.max(1, f.categories.length);
  const barW = (slot * 0.8) / Math.max(1, f.groups.length);
  f.categories.forEach((cat, ci) => {
    body.push(`<text x="${r2(MARGIN.left + slot * (ci + 0.5))}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle" font-size="11" ${FONT}>${xmlEscape(cat)}</text>`);
    f.groups.forEach((g, gi) => {
      const v = g.values[ci] ?? 0;
      const x = MARGIN.left + slot * ci + slot * 0.1 + gi * barW;
      body.push(`<rect x="${r2(x)}" y="${r2(py(v))}" width="${r2(barW - 1)}" height="${r2((v / yMax) * plotH)}" fill="${PALETTE[gi % PALETTE.length]}"/>`);
    });
  });
  // inset: mean score per method with its CI, on the 0…meanMax scale
  const ix = WIDTH - MARGIN.right + 14;
  const iy = MARGIN.top + 20 + f.groups.length * 20 + 20;
  const iw = MARGIN.right - 30;
  const rowH = 18;
  const sx = (v: number) => ix + (v / f.meanMax) * iw;
  const inset = [`<text x="${ix}" y="${iy - 6}" font-size="11" ${FONT}>mean score (95% CI)</text>`];
  f.means.forEach((m, i) => {
    const y = iy + i * rowH + 8;
    const color = PALETTE[i % PALETTE.length];
    inset.push(`<line x1="${ix}" y1="${y}" x2="${ix + iw}" y2="${y}" stroke="#eee"/>`);
    if (m.ciLow !== null && m.ciHigh !== null) inset.push(`<line x1="${r2(sx(m.ciLow))}" y1="${y}" x2="${r2(sx(m.ciHigh))}" y2="${y}" stroke="${color}" stroke-width="2"/>`);
    if (m.mean !== null) {
      inset.push(`<circle cx="${r2(sx(m.mean))}" cy="${y}" r="3.5" fill="${color}"/>`);
      inset.push(`<text x="${ix + iw}" y="${y - 4}" text-anchor="end" font-size="9" ${FONT}>${m.mean.toFixed(2)}</text>`);
    }
  });
  return frame(title, [...body, ...legend(f.groups.map((g, i) => ({ label: g.label, color: PALETTE[i % PALETTE.length] }))), ...inset]);
}

export function renderSvg(t: ResultTable): string {
  if (!t.figure) throw new AvError('bad_request', `${t.id} is a table, not a figure: export it as csv, md, latex or json (svg/png are for fig8 and fig9)`);
  return t.figure.kind === 'line' ? lineFigure(t.title, t.figure) : barsFigure(t.title, t.figure);
}

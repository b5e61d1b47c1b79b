// One entry point from a built table to an export format: text (csv, md, latex, json, svg) or bytes (png).
import sharp from 'sharp';
import { renderCsv } from './csv';
import { renderSvg } from './figureSvg';
import { renderLatex } from './latex';
import { renderMarkdown } from './markdown';
import type { ResultTable, TableFormat } from './tableModel';

export const FORMAT_MIME: Record<TableFormat, string> = {
  csv: 'text/csv',
  md: 'text/markdown',
  latex: 'application/x-latex',
  json: 'application/json',
  svg: 'image/svg+xml',
  png: 'image/png',
};

export type Rendered = { format: TableFormat; mime: string; text: string; bytes: null } | { format: 'png'; mime: string; text: null; bytes: Buffer };

export function renderText(t: ResultTable, format: Exclude<TableFormat, 'png'>): string {
  switch (format) {
    case 'csv':
      return renderCsv(t);
    case 'md':
      return renderMarkdown(t);
    case 'latex':
      return renderLatex(t);
    case 'json':
      return JSON.stringify(t, null, 2) + '\n';
    case 'svg':
      return renderSvg(t);
  }
}

/** PNG of a figure: its SVG rasterised by sharp (librsvg) at 2× for legibility. */
export async function renderPng(t: ResultTable): Promise<Buffer> {
  return sharp(Buffer.from(renderSvg(t)), { density: 144 }).png().toBuffer();
}

export async function renderTable(t: ResultTable, format: TableFormat): Promise<Rendered> {
  if (format === 'png') return { format, mime: FORMAT_MIME.png, text: null, bytes: await renderPng(t) };
  return { format, mime: FORMAT_MIME[format], text: renderText(t, format), bytes: null };
}

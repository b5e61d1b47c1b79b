import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { renderCsv } from './csv';
import { renderSvg } from './figureSvg';
import { latexEscape, renderLatex } from './latex';
import { renderMarkdown } from './markdown';
import { renderPng } from './render';
import { accuracyCell, column, paperColumn, provenance, textCell, type ResultTable } from './tableModel';

const prov = (runId: number, split: 'train' | 'test') => provenance({ source: 'runs', runIds: [runId], epoch: 5, split, kind: 'gamma_accuracy' });

const TABLE: ResultTable = {
  id: 'table5',
  title: 'Table 5',
  caption: 'Γ accuracy_on generated images (100% & more)',
  columns: [column('row', 'Set', 'left'), column('c', 'S2I-C, run 1'), paperColumn('pc', 'S2I-C')],
  rows: [
    { key: 'train', cells: [textCell('Training "set"'), accuracyCell(0.5, prov(1, 'train')), accuracyCell(0.8737, provenance({ source: 'paper' }))] },
    { key: 'test', cells: [textCell('x_1 # $ {y} ~ ^ \\'), accuracyCell(null, null), accuracyCell(0.7556, provenance({ source: 'paper' }))] },
  ],
  notes: [],
  figure: null,
};

describe('renderers (golden)', () => {
  it('CSV quotes commas and quotes per RFC 4180, with CRLF and full-precision numbers', () => {
    expect(renderCsv(TABLE)).toBe(
      'Set,"S2I-C, run 1",S2I-C (paper)\r\n' +
        '"Training ""set""",0.5,0.8737\r\n' +
        'x_1 # $ {y} ~ ^ \\,,0.7556\r\n',
    );
    const multi: ResultTable = { ...TABLE, columns: [column('a', 'a\nb')], rows: [{ key: 'r', cells: [textCell('line1\r\nline2')] }] };
    expect(renderCsv(multi)).toBe('"a\nb"\r\n"line1\r\nline2"\r\n');
  });

  it('Markdown pads every cell so the pipes line up, numbers right-aligned', () => {
    const md = renderMarkdown({ ...TABLE, caption: '', rows: TABLE.rows.slice(0, 1) });
    expect(md).toBe(
      [
        '**Table 5**',
        '',
        '| Set            | S2I-C, run 1 | S2I-C (paper) |',
        '| -------------- | -----------: | ------------: |',
        '| Training "set" |       50.00% |        87.37% |',
        '',
      ].join('\n'),
    );
    const lines = renderMarkdown(TABLE).split('\n').filter((l) => l.startsWith('|'));
    const pipes = (l: string) => [...l].map((ch, i) => (ch === '|' ? i : -1)).filter((i) => i >= 0);
    for (const l of lines) expect(pipes(l)).toEqual(pipes(lines[0]));
  });

  it('LaTeX uses booktabs and escapes _ % & # $ { } ~ ^ \\', () => {
    expect(latexEscape('a_b 50% R&D')).toBe('a\\_b 50\\% R\\&D');
    expect(latexEscape('#$ {x} ~ ^ \\')).toBe('\\#\\$ \\{x\\} \\textasciitilde{} \\textasciicircum{} \\textbackslash{}');
    expect(renderLatex(TABLE)).toBe(
      [
        '% requires \\usepackage{booktabs}; plain ASCII, compiles with pdflatex',
        '\\begin{table}[t]',
        '  \\centering',
        '  \\begin{tabular}{lrr}',
        '    \\toprule',
        '    Set & S2I-C, run 1 & S2I-C (paper) \\\\',
        '    \\midrule',
        "    Training ``set'' & 50.00\\% & 87.37\\% \\\\",
        '    x\\_1 \\# \\$ \\{y\\} \\textasciitilde{} \\textasciicircum{} \\textbackslash{} & --- & 75.56\\% \\\\',
        '    \\bottomrule',
        '  \\end{tabular}',
        '  \\caption{$\\Gamma$ accuracy\\_on generated images (100\\% \\& more)}',
        '  \\label{tab:table5}',
        '\\end{table}',
        '',
      ].join('\n'),
    );
  });

  it('figures render to SVG and PNG; tables refuse SVG', async () => {
    const fig: ResultTable = {
      ...TABLE,
      id: 'fig9',
      title: 'Fig. 9 <Γ & accuracy>',
      figure: {
        kind: 'line',
        xLabel: 'epoch',
        yLabel: 'accuracy',
        yMin: 0,
        yMax: 1,
        series: [
          { label: 'run 1 train', runId: 1, split: 'train', points: [{ x: 5, y: 0.2 }, { x: 10, y: 0.6 }] },
          { label: 'run 1 test', runId: 1, split: 'test', points: [{ x: 5, y: 0.1 }, { x: 10, y: 0.5 }] },
        ],
      },
    };
    const svg = renderSvg(fig);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('Fig. 9 &lt;Γ &amp; accuracy&gt;');
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    const png = await renderPng(fig);
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBeGreaterThan(700);
    expect(() => renderSvg(TABLE)).toThrow(/not a figure/);
  });
});

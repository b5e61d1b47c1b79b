// LaTeX with booktabs (\toprule / \midrule / \bottomrule). Every text is escaped: the ten special
// characters \ { } $ & # ^ _ % ~ become their literal forms.
import type { ResultTable } from './tableModel';

const LATEX_ESCAPES: Record<string, string> = {
  '\\': '\\textbackslash{}',
  '{': '\\{',
  '}': '\\}',
  $: '\\$',
  '&': '\\&',
  '#': '\\#',
  _: '\\_',
  '%': '\\%',
  '~': '\\textasciitilde{}',
  '^': '\\textasciicircum{}',
};

export function latexEscape(s: string): string {
  return s.replace(/[\\{}$&#_%~^]/g, (ch) => LATEX_ESCAPES[ch]);
}

export function renderLatex(t: ResultTable): string {
  const spec = t.columns.map((c) => (c.align === 'right' ? 'r' : 'l')).join('');
  const row = (cells: string[]) => `    ${cells.join(' & ')} \\\\`;
  const lines = [
    '% requires \\usepackage{booktabs}',
    '\\begin{table}[t]',
    '  \\centering',
    `  \\begin{tabular}{${spec}}`,
    '    \\toprule',
    row(t.columns.map((c) => latexEscape(c.label))),
    '    \\midrule',
    ...t.rows.map((r) => row(r.cells.map((c) => latexEscape(c.display)))),
    '    \\bottomrule',
    '  \\end{tabular}',
    `  \\caption{${latexEscape(t.caption || t.title)}}`,
    `  \\label{tab:${t.id}}`,
    '\\end{table}',
  ];
  return lines.join('\n') + '\n';
}

// LaTeX with booktabs (\toprule / \midrule / \bottomrule) that compiles with plain pdflatex (no
// fontspec, no inputenc tricks): every text is escaped — the ten special characters \ { } $ & # ^ _ % ~
// become their literal forms, Greek letters and symbols become math (Γ → $\Gamma$, α → $\alpha$,
// × → $\times$), § → \S{}, dashes → -- / ---, straight and curly double quotes → `` '' — and any other
// character outside ASCII is written with an accent command or, failing that, spelled out, so the
// output is plain ASCII. Cells marked best are set in bold.
import type { ResultTable, TableCell } from './tableModel';

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
  '<': '\\textless{}',
  '>': '\\textgreater{}',
  '|': '\\textbar{}',
};

const GREEK: Record<string, string> = {
  Γ: 'Gamma', Δ: 'Delta', Θ: 'Theta', Λ: 'Lambda', Ξ: 'Xi', Π: 'Pi', Σ: 'Sigma', Φ: 'Phi', Ψ: 'Psi', Ω: 'Omega',
  α: 'alpha', β: 'beta', γ: 'gamma', δ: 'delta', ε: 'epsilon', ζ: 'zeta', η: 'eta', θ: 'theta', κ: 'kappa', λ: 'lambda',
  μ: 'mu', ν: 'nu', ξ: 'xi', π: 'pi', ρ: 'rho', σ: 'sigma', τ: 'tau', φ: 'phi', χ: 'chi', ψ: 'psi', ω: 'omega',
};

const SYMBOLS: Record<string, string> = {
  '§': '\\S{}',
  '¶': '\\P{}',
  '—': '---',
  '–': '--',
  '−': '$-$',
  '…': '\\dots{}',
  '×': '$\\times$',
  '±': '$\\pm$',
  '≤': '$\\le$',
  '≥': '$\\ge$',
  '≈': '$\\approx$',
  '≠': '$\\neq$',
  '→': '$\\rightarrow$',
  '←': '$\\leftarrow$',
  '·': '$\\cdot$',
  '°': '$^{\\circ}$',
  '²': '$^{2}$',
  '³': '$^{3}$',
  '√': '$\\surd$',
  '∞': '$\\infty$',
  '•': '$\\bullet$',
  '‘': '`',
  '’': "'",
  '“': '``',
  '”': "''",
  '«': '<<',
  '»': '>>',
  '\u00a0': '~',
  '\u2009': '\\,',
  '\u202f': '\\,',
  'ß': '{\\ss}',
  'æ': '{\\ae}',
  'Æ': '{\\AE}',
  'ø': '{\\o}',
  'Ø': '{\\O}',
  'å': '{\\aa}',
  'Å': '{\\AA}',
  'œ': '{\\oe}',
  'Œ': '{\\OE}',
  'ł': '{\\l}',
  'Ł': '{\\L}',
  'ı': '{\\i}',
};

/** Combining marks (after NFD) → the accent command that draws them over a letter. */
const ACCENTS: Record<string, string> = {
  '\u0300': '`', '\u0301': "'", '\u0302': '^', '\u0303': '~', '\u0308': '"', '\u0304': '=', '\u0307': '.',
  '\u0306': 'u', '\u030c': 'v', '\u030b': 'H', '\u0327': 'c', '\u0328': 'k', '\u030a': 'r',
};

function nonAscii(ch: string): string {
  if (ch in GREEK) return `$\\${GREEK[ch]}$`;
  if (ch in SYMBOLS) return SYMBOLS[ch];
  const [base, ...marks] = [...ch.normalize('NFD')];
  if (base && base.charCodeAt(0) < 128 && marks.length && marks.every((m) => m in ACCENTS)) {
    const b = base === 'i' ? '\\i' : base === 'j' ? '\\j' : base;
    return marks.reduce((acc, m) => `\\${ACCENTS[m]}{${acc}}`, b);
  }
  // anything else (CJK, emoji, …): its code point, so the document still compiles and nothing is lost silently
  return `[U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}]`;
}

/** Plain text → LaTeX source for pdflatex: ASCII only, specials escaped, typographic quotes and dashes. */
export function latexEscape(s: string): string {
  let out = '';
  const chars = [...s];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i];
    if (ch === '"') {
      // a straight double quote opens at the start or after a space/bracket, closes otherwise
      out += i === 0 || /[\s([{]/.test(chars[i - 1]) ? '``' : "''";
    } else if (ch === '-' && chars[i + 1] === '-') {
      out += '-{}';
    } else if (ch in LATEX_ESCAPES) out += LATEX_ESCAPES[ch];
    else if (ch.charCodeAt(0) < 128) out += ch;
    else out += nonAscii(ch);
  }
  return out;
}

const cellTex = (c: TableCell) => (c.best ? `\\textbf{${latexEscape(c.display)}}` : latexEscape(c.display));

export function renderLatex(t: ResultTable): string {
  const spec = t.columns.map((c) => (c.align === 'right' ? 'r' : 'l')).join('');
  const row = (cells: string[]) => `    ${cells.join(' & ')} \\\\`;
  const lines = [
    '% requires \\usepackage{booktabs}; plain ASCII, compiles with pdflatex',
    '\\begin{table}[t]',
    '  \\centering',
    `  \\begin{tabular}{${spec}}`,
    '    \\toprule',
    row(t.columns.map((c) => latexEscape(c.label))),
    '    \\midrule',
    ...t.rows.map((r) => row(r.cells.map(cellTex))),
    '    \\bottomrule',
    '  \\end{tabular}',
    `  \\caption{${latexEscape(t.caption || t.title)}}`,
    `  \\label{tab:${t.id}}`,
    '\\end{table}',
  ];
  return lines.join('\n') + '\n';
}

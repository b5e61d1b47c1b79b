// The benchmarks `npm run bench` knows; add one line per benchmark.
type Loader = () => Promise<{ run: (args: string[]) => Promise<void> }>;

export function registerAll(register: (name: string, load: Loader) => void): void {
  register('data', () => import('./data'));
  register('features', () => import('./features'));
  register('import', () => import('./import'));
  register('train', () => import('./train'));
  register('fidelity', () => import('./fidelity'));
  register('kernels', () => import('./kernels'));
  void register;
}

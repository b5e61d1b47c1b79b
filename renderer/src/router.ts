// The studio's screens, reachable from the side bar. Hash history works both from a file (Electron)
// and behind `avstudio serve`, and keeps the page URL's ?token= in place.
import { createRouter, createWebHashHistory } from 'vue-router';
import DatasetsView from './views/DatasetsView.vue';
import RunsView from './views/RunsView.vue';
import CompareView from './views/CompareView.vue';
import HumanEvalView from './views/HumanEvalView.vue';
import TablesView from './views/TablesView.vue';

export const SCREENS = [
  { path: '/datasets', name: 'datasets', label: 'Datasets', component: DatasetsView },
  { path: '/runs', name: 'runs', label: 'Runs', component: RunsView },
  { path: '/compare', name: 'compare', label: 'Compare', component: CompareView },
  { path: '/human-eval', name: 'human-eval', label: 'Human eval', component: HumanEvalView },
  { path: '/tables', name: 'tables', label: 'Tables', component: TablesView },
] as const;

export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', redirect: '/datasets' },
    ...SCREENS.map((s) => ({
      path: s.path,
      name: s.name,
      component: s.component,
      // the pair inspector: a child route, so the Datasets link stays highlighted (DatasetsView reads the params)
      ...(s.name === 'datasets' ? { children: [{ path: ':datasetId(\\d+)/pairs/:pairId(\\d+)', name: 'datasets-pair', component: { render: () => null } }] } : {}),
    })),
  ],
});

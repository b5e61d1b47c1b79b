// The Runs screen's state: the run list, the selected run's detail and metrics, kept live by the
// run.* events (so a page reload simply reloads from the API and continues).
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { RunDetail, RunSummary } from '../../../core/contract/api';
import { api, ApiError } from '../api/client';

export interface MetricPoint {
  name: string;
  step: number;
  epoch: number;
  value: number;
}

export interface RunLogLine {
  runId: number;
  at: string;
  level: 'info' | 'warn';
  message: string;
}

export const useRunsStore = defineStore('runs', () => {
  const runs = ref<RunSummary[]>([]);
  const loaded = ref(false);
  const error = ref<string | null>(null);
  const selectedId = ref<number | null>(null);
  const detail = ref<RunDetail | null>(null);
  const metrics = ref<MetricPoint[]>([]);
  const logs = ref<RunLogLine[]>([]);
  const liveSteps = ref(0);
  /** other runs whose curves are overlaid on the selected run's charts */
  const overlayIds = ref<number[]>([]);
  const overlayMetrics = ref<Record<number, MetricPoint[]>>({});
  /** evaluations (Γ / classifier accuracy) of the overlaid runs */
  const overlayEvals = ref<Record<number, RunDetail['evaluations']>>({});

  async function fetchOverlay(id: number): Promise<void> {
    const [m, d] = await Promise.all([api.call('runs.metrics', { id }), api.call('runs.get', { id })]);
    overlayMetrics.value[id] = m;
    overlayEvals.value[id] = d.evaluations;
  }

  const selected = computed(() => runs.value.find((r) => r.id === selectedId.value) ?? null);

  function report(err: unknown): void {
    error.value = err instanceof ApiError ? err.message : String(err);
  }

  async function load(): Promise<void> {
    try {
      runs.value = await api.call('runs.list', {});
      loaded.value = true;
      error.value = null;
    } catch (err) {
      report(err);
    }
  }

  async function loadDetail(): Promise<void> {
    if (selectedId.value === null) return;
    const id = selectedId.value;
    try {
      const [d, m] = await Promise.all([api.call('runs.get', { id }), api.call('runs.metrics', { id })]);
      if (selectedId.value !== id) return;
      detail.value = d;
      metrics.value = m;
    } catch (err) {
      report(err);
    }
  }

  async function select(id: number | null): Promise<void> {
    selectedId.value = id;
    detail.value = null;
    metrics.value = [];
    // the overlay selection is kept across runs (as W&B keeps selected runs); never the run itself
    overlayIds.value = overlayIds.value.filter((x) => x !== id);
    await loadDetail();
  }

  /** Overlays exactly these runs (from the run table's selection). */
  async function setOverlays(ids: number[]): Promise<void> {
    const want = [...new Set(ids)].filter((x) => x !== selectedId.value);
    try {
      await Promise.all(want.filter((id) => !overlayMetrics.value[id]).map(fetchOverlay));
      overlayIds.value = want;
    } catch (err) {
      report(err);
    }
  }

  async function refreshOverlay(id: number): Promise<void> {
    try {
      await fetchOverlay(id);
    } catch (err) {
      report(err);
    }
  }

  async function toggleOverlay(id: number): Promise<void> {
    if (overlayIds.value.includes(id)) {
      overlayIds.value = overlayIds.value.filter((x) => x !== id);
      return;
    }
    try {
      await fetchOverlay(id);
      overlayIds.value = [...overlayIds.value, id];
    } catch (err) {
      report(err);
    }
  }

  async function annotate(id: number, a: { tags?: string[]; notes?: string }): Promise<void> {
    try {
      await api.call('runs.annotate', { id, ...a });
      await load();
      await loadDetail();
    } catch (err) {
      report(err);
    }
  }

  async function act(kind: 'runs.stop' | 'runs.resume', id: number): Promise<void> {
    try {
      await api.call(kind, { id });
      error.value = null;
      await load();
      await loadDetail();
    } catch (err) {
      report(err);
    }
  }

  api.onEvent((e) => {
    if (e.type === 'run.updated') {
      void load();
      if (e.runId === selectedId.value) void loadDetail();
    } else if (e.type === 'run.step' && e.runId === selectedId.value) {
      liveSteps.value++;
      for (const [name, value] of Object.entries(e.metrics)) if (value !== null) metrics.value.push({ name, step: e.step, epoch: e.epoch, value });
    } else if (e.type === 'run.epoch') {
      void load();
      if (e.runId === selectedId.value) void loadDetail();
      if (overlayIds.value.includes(e.runId)) void refreshOverlay(e.runId);
    } else if (e.type === 'run.log') {
      logs.value.push({ runId: e.runId, at: new Date().toLocaleTimeString(), level: e.level, message: e.message });
      // the worker wrote the line to the run's log before sending it: the detail carries it
      if (e.runId === selectedId.value) void loadDetail();
    }
  });

  return { runs, loaded, error, selectedId, selected, detail, metrics, logs, liveSteps, overlayIds, overlayMetrics, overlayEvals, toggleOverlay, setOverlays, annotate, load, select, loadDetail, stop: (id: number) => act('runs.stop', id), resume: (id: number) => act('runs.resume', id), report };
});

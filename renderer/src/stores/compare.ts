// The Compare screen's state: which trained runs (and epochs) to put side by side, which sound
// pairs to condition on, which noise seeds; the generated outputs per run and pair.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { GenerateResult, Pair, RunDetail, RunSummary } from '../../../core/contract/api';
import { api, ApiError } from '../api/client';

export interface ChosenRun {
  id: number;
  epoch: number | null; // null = last checkpoint
}

export const useCompareStore = defineStore('compare', () => {
  const runs = ref<RunSummary[]>([]);
  const details = ref<Record<number, RunDetail>>({});
  const chosen = ref<ChosenRun[]>([]);
  const pairs = ref<Pair[]>([]);
  const seeds = ref<number[]>([1, 2, 3]);
  const results = ref<Record<string, GenerateResult['items']>>({});
  /** the checkpoint epoch each run generated from (labels of the grid and of the exported PNG) */
  const generatedEpoch = ref<Record<number, number>>({});
  const busy = ref(false);
  const error = ref<string | null>(null);

  /** runs that can generate: GAN runs with at least one finished epoch */
  const ganRuns = computed(() => runs.value.filter((r) => ['s2i-c', 's2i-n', 's2i-a', 'i2s'].includes(r.model) && r.epoch > 0));
  const datasetId = computed(() => ganRuns.value.find((r) => r.id === chosen.value[0]?.id)?.datasetId ?? null);
  const isI2S = computed(() => chosen.value.length > 0 && chosen.value.every((c) => ganRuns.value.find((r) => r.id === c.id)?.model === 'i2s'));

  function report(err: unknown): void {
    error.value = err instanceof ApiError ? err.message : String(err);
  }

  async function load(): Promise<void> {
    try {
      runs.value = await api.call('runs.list', {});
      if (!chosen.value.length) {
        // start with the newest finished run of each S2I variant, as in Table 5
        for (const model of ['s2i-c', 's2i-a', 's2i-n']) {
          const r = [...ganRuns.value].reverse().find((x) => x.model === model);
          if (r) chosen.value.push({ id: r.id, epoch: null });
        }
        if (!chosen.value.length && ganRuns.value.length) chosen.value.push({ id: ganRuns.value[ganRuns.value.length - 1].id, epoch: null });
      }
      for (const c of chosen.value) await loadDetail(c.id);
      error.value = null;
    } catch (err) {
      report(err);
    }
  }

  async function loadDetail(id: number): Promise<void> {
    if (!details.value[id]) details.value[id] = await api.call('runs.get', { id });
  }

  async function toggleRun(id: number): Promise<void> {
    const i = chosen.value.findIndex((c) => c.id === id);
    if (i >= 0) chosen.value.splice(i, 1);
    else {
      chosen.value.push({ id, epoch: null });
      await loadDetail(id);
    }
  }

  /** One test pair per instrument of the first run's dataset (the k-th of each, so "shuffle" moves on). */
  async function onePerInstrument(k = 0): Promise<void> {
    if (!datasetId.value) return;
    try {
      const ds = (await api.call('datasets.list', {})).find((d) => d.id === datasetId.value);
      const picked: Pair[] = [];
      for (const c of ds?.counts ?? []) {
        const page = await api.call('pairs.list', { datasetId: datasetId.value, instrument: c.instrument, split: c.test > 0 ? 'test' : 'train', offset: k % Math.max(1, c.test || c.train), limit: 1 });
        if (page.items[0]) picked.push(page.items[0]);
      }
      pairs.value = picked;
      results.value = {};
    } catch (err) {
      report(err);
    }
  }

  async function addPair(id: number): Promise<void> {
    try {
      const p = await api.call('pairs.get', { id });
      if (!pairs.value.some((x) => x.id === p.id)) pairs.value.push(p);
    } catch (err) {
      report(err);
    }
  }

  function removePair(id: number): void {
    pairs.value = pairs.value.filter((p) => p.id !== id);
  }

  async function generate(): Promise<void> {
    if (!chosen.value.length || !pairs.value.length) return;
    busy.value = true;
    error.value = null;
    try {
      const next: Record<string, GenerateResult['items']> = {};
      for (const c of chosen.value) {
        const r = await api.call('runs.generate', { id: c.id, pairIds: pairs.value.map((p) => p.id), seeds: seeds.value, ...(c.epoch ? { epoch: c.epoch } : {}) });
        for (const item of r.items) (next[`${c.id}:${item.pairId}`] ??= []).push(item);
        generatedEpoch.value[c.id] = r.epoch;
      }
      results.value = next;
    } catch (err) {
      report(err);
    } finally {
      busy.value = false;
    }
  }

  return { runs, details, chosen, pairs, seeds, results, generatedEpoch, busy, error, ganRuns, datasetId, isI2S, load, toggleRun, onePerInstrument, addPair, removePair, generate };
});

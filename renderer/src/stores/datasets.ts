// The Datasets screen's state: the dataset list with counts, the selected dataset and a page of pairs.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { DatasetSummary, Pair } from '../../../core/api/contract';
import { api, ApiError } from '../api/client';

export const PAGE_SIZE = 48;

export interface PairFilters {
  instrument?: string;
  split?: 'train' | 'test';
  state?: 'pending' | 'accepted' | 'rejected';
  search?: string;
}

export const useDatasetsStore = defineStore('datasets', () => {
  const datasets = ref<DatasetSummary[]>([]);
  const loaded = ref(false);
  const loading = ref(false);
  const error = ref<string | null>(null);
  const selectedId = ref<number | null>(null);
  const pairs = ref<Pair[]>([]);
  const pairTotal = ref(0);
  const page = ref(0);
  const filters = ref<PairFilters>({});
  const creatingDemo = ref(false);

  const selected = computed(() => datasets.value.find((d) => d.id === selectedId.value) ?? null);

  function report(err: unknown): void {
    error.value = err instanceof ApiError ? (err.payload.file ? `${err.message}` : err.message) : String(err);
  }

  async function load(): Promise<void> {
    loading.value = true;
    try {
      datasets.value = await api.call('datasets.list', {});
      loaded.value = true;
      error.value = null;
      if (selectedId.value === null && datasets.value.length) await select(datasets.value[0].id);
    } catch (err) {
      report(err);
    } finally {
      loading.value = false;
    }
  }

  async function loadPairs(): Promise<void> {
    if (selectedId.value === null) return;
    try {
      const f = filters.value;
      const r = await api.call('pairs.list', {
        datasetId: selectedId.value,
        offset: page.value * PAGE_SIZE,
        limit: PAGE_SIZE,
        ...(f.instrument ? { instrument: f.instrument } : {}),
        ...(f.split ? { split: f.split } : {}),
        ...(f.state ? { state: f.state } : {}),
        ...(f.search ? { search: f.search } : {}),
      });
      pairs.value = r.items;
      pairTotal.value = r.total;
    } catch (err) {
      report(err);
    }
  }

  async function select(id: number): Promise<void> {
    selectedId.value = id;
    page.value = 0;
    filters.value = {};
    await loadPairs();
  }

  async function setFilters(f: PairFilters): Promise<void> {
    filters.value = f;
    page.value = 0;
    await loadPairs();
  }

  async function goToPage(p: number): Promise<void> {
    page.value = Math.max(0, Math.min(p, Math.ceil(pairTotal.value / PAGE_SIZE) - 1));
    await loadPairs();
  }

  async function createDemo(): Promise<void> {
    creatingDemo.value = true;
    try {
      const d = await api.call('datasets.createDemo', {});
      await load();
      await select(d.id);
    } catch (err) {
      report(err);
    } finally {
      creatingDemo.value = false;
    }
  }

  return { datasets, loaded, loading, error, selectedId, selected, pairs, pairTotal, page, filters, creatingDemo, load, select, setFilters, goToPage, createDemo };
});

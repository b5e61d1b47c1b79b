// The Datasets screen's state: the dataset list with counts, the selected dataset, and its pairs as
// a sparse, paged window over pairs.list (offset/limit) for the virtualised browser — only the pages
// the user scrolls to are fetched, so 80,000+ pairs cost what the screen shows. Edits made in the
// inspector patch the cached pair in place; datasets.changed events refresh the counts.
import { defineStore } from 'pinia';
import { computed, ref, shallowRef, triggerRef } from 'vue';
import type { DatasetSummary, Pair } from '../../../core/contract/api';
import { api, ApiError } from '../api/client';

/** Rows fetched per pairs.list call. */
export const PAGE_SIZE = 120;

export interface PairFilters {
  instrument?: string;
  split?: 'train' | 'test';
  state?: 'pending' | 'accepted' | 'rejected';
  search?: string;
  /** a track / recording (the pairs' group key) */
  group?: string;
}

export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    const file = err.payload.file && !err.message.includes(err.payload.file) ? ` (${err.payload.file})` : '';
    return `${err.message}${file}`;
  }
  return err instanceof Error ? err.message : String(err);
}

export const useDatasetsStore = defineStore('datasets', () => {
  const datasets = ref<DatasetSummary[]>([]);
  const loaded = ref(false);
  const loading = ref(false);
  const error = ref<string | null>(null);
  const selectedId = ref<number | null>(null);
  const filters = ref<PairFilters>({});
  const creatingDemo = ref(false);

  /** total pairs matching the filters; null until the first page arrives */
  const pairTotal = ref(0);
  const pairsLoading = ref(false);
  const pairsError = ref<string | null>(null);
  /** page index → pairs; sparse. shallowRef + triggerRef: one reactive change per page, not per pair */
  const pages = shallowRef(new Map<number, Pair[]>());
  const inFlight = new Map<number, Promise<void>>();
  /** bumped whenever the query changes, so late replies of an old query are dropped */
  let generation = 0;

  const selected = computed(() => datasets.value.find((d) => d.id === selectedId.value) ?? null);

  async function load(): Promise<void> {
    loading.value = true;
    try {
      datasets.value = await api.call('datasets.list', {});
      loaded.value = true;
      error.value = null;
      if ((selectedId.value === null || !datasets.value.some((d) => d.id === selectedId.value)) && datasets.value.length) await select(datasets.value[0].id);
    } catch (err) {
      error.value = errorText(err);
    } finally {
      loading.value = false;
    }
  }

  function query(offset: number, limit: number) {
    const f = filters.value;
    return {
      datasetId: selectedId.value!,
      offset,
      limit,
      ...(f.instrument ? { instrument: f.instrument } : {}),
      ...(f.split ? { split: f.split } : {}),
      ...(f.state ? { state: f.state } : {}),
      ...(f.search ? { search: f.search } : {}),
      ...(f.group !== undefined ? { group: f.group } : {}),
    };
  }

  function fetchPage(page: number): Promise<void> {
    if (selectedId.value === null) return Promise.resolve();
    const existing = inFlight.get(page);
    if (existing) return existing;
    const gen = generation;
    pairsLoading.value = true;
    const p = api
      .call('pairs.list', query(page * PAGE_SIZE, PAGE_SIZE))
      .then((r) => {
        if (gen !== generation) return;
        pages.value.set(page, r.items);
        pairTotal.value = r.total;
        pairsError.value = null;
        triggerRef(pages);
      })
      .catch((err: unknown) => {
        if (gen === generation) pairsError.value = errorText(err);
      })
      .finally(() => {
        if (inFlight.get(page) === p) inFlight.delete(page);
        if (inFlight.size === 0) pairsLoading.value = false;
      });
    inFlight.set(page, p);
    return p;
  }

  /** Makes sure pairs [first, last] are loaded (fetching the missing pages). */
  async function ensureRange(first: number, last: number): Promise<void> {
    const a = Math.max(0, Math.floor(first / PAGE_SIZE));
    const b = Math.max(a, Math.floor(Math.max(first, last) / PAGE_SIZE));
    const jobs: Promise<void>[] = [];
    for (let p = a; p <= b; p++) if (!pages.value.has(p)) jobs.push(fetchPage(p));
    await Promise.all(jobs);
  }

  function pairAt(index: number): Pair | undefined {
    return pages.value.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE];
  }

  function indexOfPair(id: number): number {
    for (const [page, items] of pages.value) {
      const i = items.findIndex((p) => p.id === id);
      if (i >= 0) return page * PAGE_SIZE + i;
    }
    return -1;
  }

  /** Loads a pair by index (fetching its page). */
  async function loadPairAt(index: number): Promise<Pair | undefined> {
    if (index < 0 || index >= pairTotal.value) return undefined;
    await ensureRange(index, index);
    return pairAt(index);
  }

  /** Replaces a cached pair after an edit (it keeps its place until the next query). */
  function patchPair(p: Pair): void {
    for (const items of pages.value.values()) {
      const i = items.findIndex((x) => x.id === p.id);
      if (i >= 0) {
        items[i] = p;
        triggerRef(pages);
        return;
      }
    }
  }

  async function reloadPairs(): Promise<void> {
    generation++;
    inFlight.clear();
    pages.value = new Map();
    pairsError.value = null;
    await fetchPage(0);
  }

  async function select(id: number): Promise<void> {
    if (selectedId.value !== id) filters.value = {};
    selectedId.value = id;
    pairTotal.value = 0;
    await reloadPairs();
  }

  async function setFilters(f: PairFilters): Promise<void> {
    filters.value = f;
    await reloadPairs();
  }

  async function refreshCounts(): Promise<void> {
    try {
      datasets.value = await api.call('datasets.list', {});
    } catch (err) {
      error.value = errorText(err);
    }
  }

  async function createDemo(): Promise<void> {
    creatingDemo.value = true;
    try {
      const d = await api.call('datasets.createDemo', {});
      await load();
      await select(d.id);
    } catch (err) {
      error.value = errorText(err);
    } finally {
      creatingDemo.value = false;
    }
  }

  let countsTimer: ReturnType<typeof setTimeout> | null = null;
  api.onEvent((e) => {
    // a pair edited or undone elsewhere (another window, the CLI): refresh the cached copies shown
    if (e.type === 'pairs.changed' && e.datasetId === selectedId.value) {
      for (const id of e.pairIds.slice(0, 50)) {
        if (indexOfPair(id) >= 0) void api.call('pairs.get', { id }).then(patchPair, () => undefined);
      }
      return;
    }
    if (e.type !== 'datasets.changed' || !loaded.value) return;
    if (countsTimer) clearTimeout(countsTimer);
    countsTimer = setTimeout(() => void refreshCounts(), 250);
  });

  return {
    datasets,
    loaded,
    loading,
    error,
    selectedId,
    selected,
    filters,
    creatingDemo,
    pairTotal,
    pairsLoading,
    pairsError,
    pages,
    load,
    select,
    setFilters,
    ensureRange,
    pairAt,
    indexOfPair,
    loadPairAt,
    patchPair,
    reloadPairs,
    refreshCounts,
    createDemo,
  };
});

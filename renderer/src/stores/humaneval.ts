// The Human eval screen's state: sessions with each rater's progress, the selected session, its
// (blind until complete) results and the S2I runs a new session can compare.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { ApiInput, DatasetSummary, HumanEvalResults, HumanEvalSession, RunSummary } from '../../../core/contract/api';
import { api, ApiError } from '../api/client';

export const S2I_MODELS = ['s2i-c', 's2i-n', 's2i-a'];
const LINK_BASE_KEY = 'avstudio.humaneval.linkBase';

/** Where rater links point: this page's server, or the default `avstudio serve` address (Electron). */
export function serveOrigin(): string {
  return location.protocol === 'http:' || location.protocol === 'https:' ? location.origin : 'http://127.0.0.1:4780';
}

export const useHumanEvalStore = defineStore('humaneval', () => {
  const sessions = ref<HumanEvalSession[]>([]);
  const loaded = ref(false);
  const error = ref<string | null>(null);
  const selectedId = ref<number | null>(null);
  const results = ref<HumanEvalResults | null>(null);
  const runs = ref<RunSummary[]>([]);
  const datasets = ref<DatasetSummary[]>([]);
  const creating = ref(false);
  /** the rater (token) scoring in-app right now, or null */
  const scoringToken = ref<string | null>(null);

  const selected = computed(() => sessions.value.find((s) => s.id === selectedId.value) ?? null);
  /** S2I runs that can be compared (they have a checkpoint: at least one epoch) */
  const s2iRuns = computed(() => runs.value.filter((r) => S2I_MODELS.includes(r.model) && r.epoch > 0));

  function report(err: unknown): void {
    error.value = err instanceof ApiError ? err.message : String(err);
  }

  async function load(): Promise<void> {
    try {
      sessions.value = await api.call('humaneval.list', {});
      loaded.value = true;
      error.value = null;
      if (selectedId.value === null && sessions.value.length) selectedId.value = sessions.value[0].id;
      await loadResults();
    } catch (err) {
      report(err);
    }
  }

  async function loadChoices(): Promise<void> {
    try {
      [runs.value, datasets.value] = await Promise.all([api.call('runs.list', {}), api.call('datasets.list', {})]);
    } catch (err) {
      report(err);
    }
  }

  /** Results of the selected session: only once scoring is complete or the experimenter forced them (recorded in the session). */
  async function loadResults(force = false): Promise<void> {
    const s = selected.value;
    if (!s || (!s.complete && !s.resultsForcedAt && !force)) {
      results.value = null;
      return;
    }
    try {
      const r = await api.call('humaneval.results', { id: s.id, force });
      if (selectedId.value === s.id) results.value = r;
    } catch (err) {
      report(err);
    }
  }

  /** The experimenter's choice to see results before scoring is complete; the session records it. */
  async function forceResults(): Promise<void> {
    await loadResults(true);
    await load();
  }

  // every studio process's human-eval writes (a rater scoring through a link, the CLI) arrive here
  let reloadTimer: ReturnType<typeof setTimeout> | null = null;
  api.onEvent((e) => {
    if (e.type !== 'humaneval.changed' || !loaded.value) return;
    if (reloadTimer) clearTimeout(reloadTimer);
    reloadTimer = setTimeout(() => void load(), 150);
  });

  async function select(id: number): Promise<void> {
    selectedId.value = id;
    scoringToken.value = null;
    await loadResults();
  }

  async function create(input: ApiInput<'humaneval.create'>): Promise<HumanEvalSession | null> {
    creating.value = true;
    try {
      const s = await api.call('humaneval.create', input);
      selectedId.value = s.id;
      await load();
      return s;
    } catch (err) {
      report(err);
      return null;
    } finally {
      creating.value = false;
    }
  }

  async function addRater(sessionId: number, name: string): Promise<void> {
    try {
      await api.call('humaneval.addRater', { sessionId, name });
      await load();
    } catch (err) {
      report(err);
    }
  }

  async function setStatus(id: number, status: 'open' | 'closed'): Promise<void> {
    try {
      await api.call('humaneval.setStatus', { id, status });
      await load();
    } catch (err) {
      report(err);
    }
  }

  /** the address colleagues reach `avstudio serve` at (e.g. http://192.168.1.20:4780 with --host), remembered */
  const linkBase = ref(localStorage.getItem(LINK_BASE_KEY) ?? serveOrigin());
  function setLinkBase(v: string): void {
    linkBase.value = v.trim().replace(/\/+$/, '') || serveOrigin();
    localStorage.setItem(LINK_BASE_KEY, linkBase.value);
  }

  function raterLink(linkPath: string): string {
    return `${linkBase.value}${linkPath}`;
  }

  return { sessions, loaded, error, selectedId, selected, results, runs, datasets, s2iRuns, creating, scoringToken, load, loadChoices, loadResults, forceResults, select, create, addRater, setStatus, raterLink, linkBase, setLinkBase };
});

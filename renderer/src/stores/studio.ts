// Studio-wide state: the server/IPC status (versions, backend, ffmpeg, counts) and live events.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { Status, StudioEvent } from '../../../core/contract/api';
import { api, ApiError } from '../api/client';

export const useStudioStore = defineStore('studio', () => {
  const status = ref<Status | null>(null);
  const error = ref<string | null>(null);
  const lastEvent = ref<StudioEvent | null>(null);

  async function refresh(): Promise<void> {
    try {
      status.value = await api.call('studio.status', {});
      error.value = null;
    } catch (err) {
      error.value = err instanceof ApiError ? err.message : String(err);
    }
  }

  // the sidebar's counts stay live: datasets, pairs and runs change in this and other processes
  let pending: ReturnType<typeof setTimeout> | null = null;
  const refreshSoon = (): void => {
    if (pending) return;
    pending = setTimeout(() => {
      pending = null;
      void refresh();
    }, 300);
  };
  api.onEvent((e) => {
    lastEvent.value = e;
    if (e.type === 'datasets.changed' || (e.type === 'run.updated' && (e.status === 'queued' || e.status === 'done'))) refreshSoon();
  });

  return { status, error, lastEvent, refresh };
});

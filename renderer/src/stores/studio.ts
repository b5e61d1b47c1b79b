// Studio-wide state: the server/IPC status (versions, backend, ffmpeg, counts) and live events.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { Status, StudioEvent } from '../../../core/api/contract';
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

  api.onEvent((e) => {
    lastEvent.value = e;
    if (e.type === 'datasets.changed') void refresh();
  });

  return { status, error, lastEvent, refresh };
});

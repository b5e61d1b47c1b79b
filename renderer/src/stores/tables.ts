// The Tables screen's state: which table, its inputs (runs, dataset, session, paper column), the
// built table model (cells with provenance) and its figure.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { ResultTable, TableBuildInput, TableId } from '../../../core/contract/api';
import { api, ApiError } from '../api/client';

export const TABLES: Array<{ id: TableId; label: string; needs: 'runs' | 'dataset' | 'session' }> = [
  { id: 'table1', label: 'Table 1 — sound representations', needs: 'runs' },
  { id: 'table2', label: 'Table 2 — Sub-URMP counts', needs: 'dataset' },
  { id: 'table3', label: 'Table 3 — INIS counts', needs: 'dataset' },
  { id: 'table5', label: 'Table 5 — Γ accuracy of S2I-C / S2I-A / S2I-N', needs: 'runs' },
  { id: 'fig8', label: 'Fig. 8 — human evaluation', needs: 'session' },
  { id: 'fig9', label: 'Fig. 9 — Γ accuracy vs epoch', needs: 'runs' },
  { id: 'i2s', label: 'I2S — classifier on generated LMS', needs: 'runs' },
];

export const useTablesStore = defineStore('tables', () => {
  const tableId = ref<TableId>('table5');
  const runs = ref<number[]>([]);
  const dataset = ref<number | null>(null);
  const session = ref<number | null>(null);
  const paper = ref(true);
  const table = ref<ResultTable | null>(null);
  const figureSvg = ref<string | null>(null);
  const error = ref<string | null>(null);
  const loading = ref(false);

  function input(): TableBuildInput {
    const needs = TABLES.find((t) => t.id === tableId.value)?.needs;
    return {
      table: tableId.value,
      paper: paper.value,
      ...(needs === 'runs' && runs.value.length ? { runs: runs.value } : {}),
      ...(dataset.value && needs !== 'session' ? { dataset: dataset.value } : {}),
      ...(needs === 'session' && session.value ? { session: session.value } : {}),
    };
  }

  async function build(): Promise<void> {
    loading.value = true;
    try {
      table.value = await api.call('tables.build', input());
      figureSvg.value = table.value.figure ? ((await api.call('tables.export', { ...input(), format: 'svg' })).text ?? null) : null;
      error.value = null;
    } catch (err) {
      table.value = null;
      figureSvg.value = null;
      error.value = err instanceof ApiError ? err.message : String(err);
    } finally {
      loading.value = false;
    }
  }

  async function exportAs(format: 'csv' | 'md' | 'latex' | 'json' | 'svg' | 'png'): Promise<{ text: string | null; blob: Blob; name: string }> {
    const r = await api.call('tables.export', { ...input(), format });
    const ext = format === 'latex' ? 'tex' : format;
    const blob = r.base64 !== null ? new Blob([Uint8Array.from(atob(r.base64), (c) => c.charCodeAt(0))], { type: r.mime }) : new Blob([r.text ?? ''], { type: r.mime });
    return { text: r.text, blob, name: `${tableId.value}.${ext}` };
  }

  return { tableId, runs, dataset, session, paper, table, figureSvg, error, loading, build, exportAs };
});

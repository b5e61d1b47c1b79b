// Builds the renderer for browsers (served by `avstudio serve`) into dist-web/.
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';
import { rendererConfig } from './renderer/vite.shared';

export default defineConfig({
  ...rendererConfig,
  build: { outDir: fileURLToPath(new URL('./dist-web', import.meta.url)), emptyOutDir: true, chunkSizeWarningLimit: 1500 },
});

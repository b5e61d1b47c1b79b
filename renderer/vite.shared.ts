// The renderer's Vite settings, shared by the Electron build (electron.vite.config.ts) and the
// browser build served by `avstudio serve` (vite.web.config.ts).
import vue from '@vitejs/plugin-vue';
import { fileURLToPath } from 'node:url';

export const rendererRoot = fileURLToPath(new URL('.', import.meta.url));

export const rendererConfig = {
  root: rendererRoot,
  base: './',
  plugins: [vue()],
};

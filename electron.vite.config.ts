// electron-vite builds the three Electron bundles: main (Node), preload (sandboxed) and renderer.
import { defineConfig } from 'electron-vite';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rendererConfig } from './renderer/vite.shared';

const root = fileURLToPath(new URL('.', import.meta.url));

// Native and heavy Node packages stay outside the main bundle and load from node_modules.
const nodeExternals = ['better-sqlite3', 'sharp', 'ws', '@alexanderolsen/libsamplerate-js', '@tensorflow/tfjs', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', '@ffmpeg-installer/ffmpeg', 'fft.js', 'zod'];

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: { input: { index: resolve(root, 'main/index.ts'), trainWorker: resolve(root, 'workers/trainWorker.ts'), featureWorker: resolve(root, 'core/datasets/featureWorker.ts'), featureStatusWorker: resolve(root, 'core/datasets/featureStatusWorker.ts') }, external: nodeExternals },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // a sandboxed preload can require only 'electron': the contract's zod is bundled in
      externalizeDeps: { exclude: ['zod'] },
      rollupOptions: { input: { index: resolve(root, 'preload/index.ts') }, output: { format: 'cjs', entryFileNames: '[name].cjs' } },
    },
  },
  renderer: {
    ...rendererConfig,
    build: {
      outDir: resolve(root, 'out/renderer'),
      chunkSizeWarningLimit: 1500,
      rollupOptions: { input: resolve(root, 'renderer/index.html') },
    },
  },
});

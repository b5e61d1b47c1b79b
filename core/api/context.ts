// Everything an API handler needs, opened once per studio process (Electron main, serve, CLI).
import { type Catalog, openCatalog } from '../catalog/catalog';
import { ensureHome, type HomeLayout } from '../env/home';
import { BlobStore } from '../store/blobStore';
import type { RunSupervisor } from '../runs/supervisor';
import { EventBus } from './events';
import { TaskRegistry } from './tasks';

export interface StudioContext {
  home: HomeLayout;
  catalog: Catalog;
  blobs: BlobStore;
  events: EventBus;
  /** cancellable long tasks (imports) started by this process */
  tasks: TaskRegistry;
  /** set by doors that run training workers (serve, Electron main, the CLI's train) */
  supervisor?: RunSupervisor;
  close(): void;
}

export function openStudio(root: string): StudioContext {
  const home = ensureHome(root);
  const catalog = openCatalog(home.catalogFile);
  return {
    home,
    catalog,
    blobs: new BlobStore(home.blobsDir),
    events: new EventBus(),
    tasks: new TaskRegistry(),
    close: () => catalog.close(),
  };
}

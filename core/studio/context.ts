// Everything an API handler needs, opened once per studio process (Electron main, serve, CLI).
import { type Catalog, openCatalog, osUser } from '../catalog/catalog';
import { cleanStaleImports } from '../datasets/importWriter';
import { ensureHome, type HomeLayout } from '../env/home';
import { BlobStore } from '../store/blobStore';
import type { RunSupervisor } from './supervisor';
import { ChangeFeed } from './changeFeed';
import { EventBus } from './events';
import { TaskRegistry } from './tasks';

export interface StudioContext {
  home: HomeLayout;
  catalog: Catalog;
  blobs: BlobStore;
  events: EventBus;
  /** the catalog change feed: events of this process are recorded there; follow() hears the others' */
  changes: ChangeFeed;
  /** cancellable long tasks (imports) started by this process */
  tasks: TaskRegistry;
  /** set by doors that run training workers (serve, Electron main, the CLI's train) */
  supervisor?: RunSupervisor;
  close(): void;
}

/** The door a process opens the studio through; edits record it beside the OS user. */
export type StudioDoor = 'CLI' | 'serve' | 'Electron' | 'worker' | 'bench' | 'test';

export function openStudio(root: string, door: StudioDoor = 'test'): StudioContext {
  const home = ensureHome(root);
  const catalog = openCatalog(home.catalogFile);
  catalog.actor = `${osUser()} (${door})`;
  try {
    // an import whose process died (or whose abort hit a full disk) leaves staging rows: drop them now
    cleanStaleImports(catalog);
  } catch {
    // the catalog cannot be written yet (disk full, read-only): the next import retries
  }
  const events = new EventBus();
  const tasks = new TaskRegistry();
  const changes = new ChangeFeed(catalog, (e) => events.deliver(e));
  events.attach(changes);
  return {
    home,
    catalog,
    blobs: new BlobStore(home.blobsDir),
    events,
    changes,
    tasks,
    close: () => {
      // background tasks (features) stop first, so none writes to a closed catalog
      tasks.closeAll();
      changes.stop();
      catalog.close();
    },
  };
}

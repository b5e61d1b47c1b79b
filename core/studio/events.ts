// The event bus of one studio process, which doors forward to their clients (WebSocket, IPC). With
// a change feed attached (openStudio does), every event emitted here is also recorded in the
// catalog's change log, and events other processes recorded arrive here through `deliver` when the
// process follows the feed (core/studio/changeFeed.ts): a listener hears each event once, whichever
// process emitted it.
import { EventSchema, type StudioEvent } from '../contract/api';

export type EventListener = (e: StudioEvent, from: EventOrigin) => void;
/** 'local': emitted in this process; 'remote': emitted by another process, read from the change feed. */
export type EventOrigin = 'local' | 'remote';

export interface EventSink {
  append(e: StudioEvent): void;
}

export class EventBus {
  private listeners = new Set<EventListener>();
  private sink: EventSink | null = null;

  /** Records every event emitted from now on (the change feed). */
  attach(sink: EventSink | null): void {
    this.sink = sink;
  }

  on(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** An event of this process: delivered here and recorded for the other processes. */
  emit(e: StudioEvent): void {
    const checked = EventSchema.parse(e);
    this.fire(checked, 'local');
    this.sink?.append(checked);
  }

  /** An event another process emitted (already validated): delivered here only. */
  deliver(e: StudioEvent): void {
    this.fire(e, 'remote');
  }

  private fire(e: StudioEvent, from: EventOrigin): void {
    for (const l of this.listeners) {
      try {
        l(e, from);
      } catch {
        // one broken listener must not stop the others
      }
    }
  }
}

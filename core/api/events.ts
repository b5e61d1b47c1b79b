// The in-process event bus that doors forward to their clients (WebSocket, IPC).
import { EventSchema, type StudioEvent } from './contract';

export type EventListener = (e: StudioEvent) => void;

export class EventBus {
  private listeners = new Set<EventListener>();

  on(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(e: StudioEvent): void {
    const checked = EventSchema.parse(e);
    for (const l of this.listeners) {
      try {
        l(checked);
      } catch {
        // one broken listener must not stop the others
      }
    }
  }
}

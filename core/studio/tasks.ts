// Long tasks a door started in this process (imports), each cancellable by id through the API.
// Their progress reaches clients as task.progress events carrying the same id.
import { randomUUID } from 'node:crypto';

export class TaskRegistry {
  private running = new Map<string, AbortController>();
  private closed = false;

  /** True once the studio process is closing: tasks stopped by it are not "ended" by the user. */
  get closing(): boolean {
    return this.closed;
  }

  /** Cancels every running task because the studio is closing (their work stays resumable). */
  closeAll(): void {
    this.closed = true;
    for (const c of this.running.values()) c.abort();
    this.running.clear();
  }

  /** A new task id with its cancel signal; call finish(id) when the task ends, however it ends. */
  start(kind: string): { taskId: string; signal: AbortSignal } {
    const taskId = `${kind}-${randomUUID()}`;
    const controller = new AbortController();
    this.running.set(taskId, controller);
    return { taskId, signal: controller.signal };
  }

  finish(taskId: string): void {
    this.running.delete(taskId);
  }

  /** Asks a running task to stop; false when no task with that id is running. */
  cancel(taskId: string): boolean {
    const c = this.running.get(taskId);
    if (!c) return false;
    c.abort();
    return true;
  }
}

import type { Notifier } from "./store.ts";

type Listener = (queue: string, count: number) => void;

/**
 * Notifications within one process: every listener hears every notify at once. SQLite uses it
 * alone (one process owns the file); a shared database uses it for the local half and carries
 * notifications to the other instances itself.
 */
export class LocalNotifier implements Notifier {
  private readonly listeners = new Set<Listener>();

  notify(queue: string, count: number): void {
    if (count <= 0) return;
    for (const listener of this.listeners) listener(queue, count);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/**
 * Wait queues: a sleeper subscribes to the queues whose events could satisfy it and re-checks
 * its condition on every wake, as Linux's wait_event does. Wakers never hand data over; the
 * condition is the only truth, so spurious wakes are harmless.
 */
export class WaitQueue {
  private readonly sleepers = new Set<() => void>();

  /** Calls `f` on every wake until the returned function is called. */
  subscribe(f: () => void): () => void {
    this.sleepers.add(f);
    return () => { this.sleepers.delete(f); };
  }

  wake(): void {
    for (const f of [...this.sleepers]) f();
  }

  get empty(): boolean { return this.sleepers.size === 0; }
}

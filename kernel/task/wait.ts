/**
 * Wait queues: a sleeper subscribes to the queues whose events could satisfy it and re-checks
 * its condition on every wake, as Linux's wait_event does. Wakers never hand data over; the
 * condition is the only truth, so spurious wakes are harmless.
 *
 * A wake may carry a key, the POLL* events the change may have made ready (Linux's
 * wake_up_poll): epoll's edge-triggered items ignore wakes whose key holds none of their events,
 * so a pipe read (a POLLOUT change) does not re-report POLLIN. No key means "anything".
 */
export class WaitQueue {
  private readonly sleepers = new Set<(key?: number) => void>();

  /** Calls `f` on every wake until the returned function is called. */
  subscribe(f: (key?: number) => void): () => void {
    this.sleepers.add(f);
    return () => { this.sleepers.delete(f); };
  }

  wake(key?: number): void {
    for (const f of [...this.sleepers]) f(key);
  }

  get empty(): boolean { return this.sleepers.size === 0; }
}

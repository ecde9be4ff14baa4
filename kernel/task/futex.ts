/**
 * Futex wait queues (Linux kernel/futex): waiters keyed by the futex word. A private futex is
 * keyed by (address space, address); a shared one by the RAM frame behind the word, so
 * processes mapping the same page (MAP_SHARED, fork) meet on it. Waking is FIFO and counts
 * waiters, with FUTEX_BITSET matching.
 */
export interface FutexWaiter {
  bitset: number;
  woken: boolean;
  /** The queue it is on now (FUTEX_REQUEUE moves it). */
  key?: string;
  /** Wakes the sleeping task (it re-checks `woken`). */
  wake(): void;
}

export class Futexes {
  private readonly queues = new Map<string, FutexWaiter[]>();

  enqueue(key: string, w: FutexWaiter): void {
    w.key = key;
    const q = this.queues.get(key);
    if (q) q.push(w);
    else this.queues.set(key, [w]);
  }

  /** Takes a waiter that gave up (timeout, signal) off whichever queue it is on now. */
  remove(w: FutexWaiter): void {
    const key = w.key;
    const q = key === undefined ? undefined : this.queues.get(key);
    if (!q || key === undefined) return;
    const i = q.indexOf(w);
    if (i >= 0) q.splice(i, 1);
    if (q.length === 0) this.queues.delete(key);
  }

  /** Wakes up to `n` waiters whose bitset matches; returns how many. */
  wake(key: string, n: number, bitset = -1): number {
    const q = this.queues.get(key);
    if (!q) return 0;
    let done = 0;
    for (let i = 0; i < q.length && done < n;) {
      const w = q[i]!;
      if ((w.bitset & bitset) === 0) { i++; continue; }
      q.splice(i, 1);
      w.woken = true;
      w.wake();
      done++;
    }
    if (q.length === 0) this.queues.delete(key);
    return done;
  }

  /** FUTEX_REQUEUE: wakes `n`, then moves up to `move` of the rest to `to`. */
  requeue(from: string, to: string, n: number, move: number): number {
    const woken = this.wake(from, n);
    const q = this.queues.get(from);
    if (!q) return woken;
    const moved = q.splice(0, move);
    if (q.length === 0) this.queues.delete(from);
    for (const w of moved) this.enqueue(to, w);
    return woken + moved.length;
  }
}

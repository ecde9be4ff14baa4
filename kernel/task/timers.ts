/**
 * Timers on the kernel's monotonic clock. In real time they are host timeouts. In deterministic
 * mode time is virtual (retired instructions plus the time skipped while idle): a timer fires
 * only when no task can run, and the clock then jumps to its deadline — a discrete-event clock
 * that makes every run with the same input identical.
 */
export interface Timer { cancel(): void }

interface Pending { deadline: bigint; fire: () => void; seq: number }

export class Timers {
  private readonly virtual: Pending[] = [];
  private seq = 0;

  constructor(private readonly deterministic: boolean, private readonly now: () => bigint, private readonly skip: (ns: bigint) => void) {}

  /** Calls `fire` once the monotonic clock reaches `deadline` (ns). */
  at(deadline: bigint, fire: () => void): Timer {
    if (!this.deterministic) {
      // libuv measures timeouts from its cached loop time, so a timer can fire a little before
      // the deadline on the monotonic clock: it is re-armed for what is left.
      let h: NodeJS.Timeout;
      const arm = (): void => {
        const left = deadline - this.now();
        if (left <= 0n) { fire(); return; }
        h = setTimeout(arm, Math.ceil(Number(left) / 1e6));
      };
      arm();
      return { cancel: () => clearTimeout(h) };
    }
    const p: Pending = { deadline, fire, seq: this.seq++ };
    this.virtual.push(p);
    this.virtual.sort((a, b) => (a.deadline < b.deadline ? -1 : a.deadline > b.deadline ? 1 : a.seq - b.seq));
    return { cancel: () => { const i = this.virtual.indexOf(p); if (i >= 0) this.virtual.splice(i, 1); } };
  }

  /** Deterministic mode: fires the timers that are due; with `idle`, first jumps to the earliest. */
  advance(idle: boolean): boolean {
    if (this.virtual.length === 0) return false;
    const first = this.virtual[0]!;
    const now = this.now();
    if (first.deadline > now) {
      if (!idle) return false;
      this.skip(first.deadline - now);
    }
    const t = this.now();
    let fired = false;
    while (this.virtual.length > 0 && this.virtual[0]!.deadline <= t) {
      this.virtual.shift()!.fire();
      fired = true;
    }
    return fired;
  }
}

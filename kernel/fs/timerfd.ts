/**
 * timerfd (Linux fs/timerfd.c, man 2 timerfd_create): a timer whose expirations are counted
 * and read as a u64 (a read blocks while there were none, then returns them and starts over).
 * Deadlines live on the kernel's monotonic clock and fire through its Timers, so the
 * deterministic mode's virtual clock drives them like every other sleep; CLOCK_REALTIME and
 * CLOCK_BOOTTIME are that clock plus an offset (which never steps: there is no clock_settime).
 *
 * As Linux's hrtimer callback, an expiry wakes once and is not re-armed until the count is read:
 * the expirations since then are counted from the clock (hrtimer_forward_now's overruns).
 */
import { E, SysError } from '../errno';
import { AnonInodeFile } from './anon-inode';
import type { Blocked } from './file';
import { POLLIN, POLLRDNORM, type Readiness } from './poll';
import type { Timer } from '../task/timers';
import { WaitQueue } from '../task/wait';

/** What a timerfd needs of the kernel's clocks. */
export interface TimerClock {
  /** The monotonic clock (ns), on which deadlines are kept. */
  now(): bigint;
  /** This timer's clock minus the monotonic clock (ns). */
  offset(): bigint;
  /** Calls `fire` once the monotonic clock reaches `deadline`. */
  at(deadline: bigint, fire: () => void): Timer;
}

/** struct itimerspec in nanoseconds: the period and the time to the next expiry (0: disarmed). */
export interface TimerSetting { interval: bigint; value: bigint }

export class TimerFd extends AnonInodeFile {
  private readonly changed = new WaitQueue();
  /** Monotonic time of the next expiry not yet counted (null: disarmed or spent). */
  private next: bigint | null = null;
  private interval = 0n;
  /** Expirations counted and not read yet. */
  private ticks = 0n;
  private timer: Timer | null = null;

  constructor(readonly clockId: number, flags: number, private readonly clock: TimerClock) {
    super('timerfd', flags);
  }

  /**
   * timerfd_settime: a zero value disarms; `absolute` takes the value as a time on this timer's
   * clock (already passed: it expires at once). Pending expirations are dropped. Returns the
   * setting it replaces.
   */
  set(value: bigint, interval: bigint, absolute: boolean): TimerSetting {
    const old = this.get();
    this.timer?.cancel();
    this.timer = null;
    this.ticks = 0n;
    this.interval = interval;
    this.next = value === 0n ? null : absolute ? value - this.clock.offset() : this.clock.now() + value;
    this.arm();
    return old;
  }

  /** timerfd_gettime: the time left to the next expiry (0 when disarmed or spent) and the period. */
  get(): TimerSetting {
    this.count();
    const left = this.next === null ? 0n : this.next - this.clock.now();
    return { interval: this.interval, value: left > 0n ? left : 0n };
  }

  /** The expirations a read would return now (tests; /proc fdinfo's "ticks"). */
  get expirations(): bigint { this.count(); return this.ticks; }

  override read(buf: Uint8Array): number | Blocked {
    if (buf.length < 8) throw new SysError(E.EINVAL);
    this.count();
    if (this.ticks === 0n) return this.changed;
    new DataView(buf.buffer, buf.byteOffset, 8).setBigUint64(0, BigInt.asUintN(64, this.ticks), true);
    this.ticks = 0n;
    this.arm();
    return 8;
  }

  override poll(): Readiness {
    this.count();
    return { events: this.ticks > 0n ? POLLIN | POLLRDNORM : 0, queue: this.changed };
  }

  protected override release(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  /** Moves the expiries the clock has passed into `ticks`. */
  private count(): void {
    if (this.next === null) return;
    const now = this.clock.now();
    if (now < this.next) return;
    if (this.interval > 0n) {
      const n = (now - this.next) / this.interval + 1n;
      this.ticks += n;
      this.next += n * this.interval;
    } else {
      this.ticks += 1n;
      this.next = null;
    }
  }

  /** A wake at the next expiry, while nothing is waiting to be read. */
  private arm(): void {
    if (this.timer || this.next === null || this.ticks > 0n) return;
    this.timer = this.clock.at(this.next, () => {
      this.timer = null;
      this.count();
      if (this.ticks > 0n) this.changed.wake(POLLIN | POLLRDNORM);
      else this.arm();
    });
  }
}

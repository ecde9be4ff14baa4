/**
 * kernel/fs/timerfd.ts on a hand-driven clock: relative and absolute settings, intervals and
 * the expirations counted between reads, gettime's time left, one wake per read cycle (the
 * timer is not re-armed while expirations wait to be read), disarming, release.
 */
import test from 'ava';
import { E } from '../../kernel/errno';
import { isBlocked, O } from '../../kernel/fs/file';
import { POLLIN, POLLRDNORM } from '../../kernel/fs/poll';
import { TimerFd, type TimerClock } from '../../kernel/fs/timerfd';
import { errnoOf } from './_helpers';

const MS = 1_000_000n;

/** A clock at `now` with timers fired by `advance`. */
class FakeClock {
  now = 1000n * MS;
  armed = 0;
  private readonly timers: Array<{ at: bigint; fire: () => void; live: boolean }> = [];
  readonly clock: TimerClock;

  constructor(offset = 0n) {
    this.clock = {
      now: () => this.now,
      offset: () => offset,
      at: (deadline, fire) => {
        const t = { at: deadline, fire, live: true };
        this.timers.push(t);
        this.armed++;
        return { cancel: () => { t.live = false; } };
      },
    };
  }

  live(): bigint[] { return this.timers.filter((t) => t.live).map((t) => t.at); }

  advance(ns: bigint): void {
    this.now += ns;
    for (const t of [...this.timers]) if (t.live && t.at <= this.now) { t.live = false; t.fire(); }
  }
}

function readTicks(t: TimerFd): bigint | 'blocked' {
  const b = new Uint8Array(8);
  const r = t.read(b);
  if (isBlocked(r)) return 'blocked';
  return new DataView(b.buffer).getBigUint64(0, true);
}

test('a periodic timer counts every interval passed between reads', (t) => {
  const c = new FakeClock();
  const tf = new TimerFd(1, 0, c.clock);
  t.deepEqual(tf.set(10n * MS, 10n * MS, false), { interval: 0n, value: 0n });
  t.deepEqual(c.live(), [1010n * MS]);
  t.deepEqual(tf.get(), { interval: 10n * MS, value: 10n * MS });
  t.is(readTicks(tf), 'blocked');
  c.advance(35n * MS); // expiries at 1010, 1020, 1030
  t.is(tf.expirations, 3n);
  t.deepEqual(tf.get(), { interval: 10n * MS, value: 5n * MS });
  t.is(readTicks(tf), 3n);
  t.is(readTicks(tf), 'blocked');
  t.deepEqual(c.live(), [1040n * MS], 're-armed for the next expiry after the read');
});

test('one wake per read cycle: the timer is not re-armed while expirations are unread', (t) => {
  const c = new FakeClock();
  const tf = new TimerFd(1, 0, c.clock);
  const keys: Array<number | undefined> = [];
  tf.poll().queue!.subscribe((k) => keys.push(k));
  tf.set(10n * MS, 10n * MS, false);
  c.advance(10n * MS);
  c.advance(10n * MS);
  c.advance(10n * MS);
  t.deepEqual(keys, [POLLIN | POLLRDNORM]);
  t.is(c.armed, 1);
  t.is(tf.poll().events, POLLIN | POLLRDNORM);
  t.is(readTicks(tf), 3n);
  t.is(tf.poll().events, 0);
  c.advance(10n * MS);
  t.deepEqual(keys, [POLLIN | POLLRDNORM, POLLIN | POLLRDNORM]);
});

test('one-shot: one expiration, then spent (gettime 0)', (t) => {
  const c = new FakeClock();
  const tf = new TimerFd(7, O.NONBLOCK, c.clock);
  tf.set(5n * MS, 0n, false);
  c.advance(100n * MS);
  t.is(readTicks(tf), 1n);
  t.deepEqual(tf.get(), { interval: 0n, value: 0n });
  c.advance(100n * MS);
  t.is(readTicks(tf), 'blocked');
  t.deepEqual(c.live(), []);
});

test('absolute times are on the timer clock (offset from monotonic); past ones expire at once', (t) => {
  const off = 5000n * MS;
  const c = new FakeClock(off);
  const tf = new TimerFd(0, 0, c.clock);
  tf.set(c.now + off - 1000n * MS, 100n * MS, true); // 1 s ago on the realtime clock
  t.is(tf.expirations, 11n, 'the expiry 1 s ago and the ten since');
  tf.set(c.now + off + 250n * MS, 0n, true);
  t.is(tf.expirations, 0n, 'setting again drops what was not read');
  t.deepEqual(tf.get(), { interval: 0n, value: 250n * MS });
});

test('a zero value disarms and returns the old setting; release cancels the timer', (t) => {
  const c = new FakeClock();
  const tf = new TimerFd(1, 0, c.clock);
  tf.set(10n * MS, 10n * MS, false);
  c.advance(3n * MS);
  t.deepEqual(tf.set(0n, 0n, false), { interval: 10n * MS, value: 7n * MS });
  t.deepEqual(c.live(), []);
  t.deepEqual(tf.get(), { interval: 0n, value: 0n });
  tf.set(10n * MS, 0n, false);
  tf.hold().put();
  t.deepEqual(c.live(), [], 'released');
});

test('reads under 8 bytes are EINVAL; the anonymous inode', (t) => {
  const tf = new TimerFd(1, O.NONBLOCK, new FakeClock().clock);
  t.is(errnoOf(() => tf.read(new Uint8Array(4))), E.EINVAL);
  t.is(tf.name, 'anon_inode:[timerfd]');
  t.is(tf.flags, O.RDWR | O.NONBLOCK);
});

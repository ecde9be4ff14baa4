/**
 * kernel/task/timers.ts: in deterministic mode a timer fires only from advance(); advance(idle)
 * first jumps the virtual clock to the earliest deadline (through `skip`), then fires every
 * timer due, in deadline order and FIFO among equal deadlines. Real-time mode uses host timeouts.
 */
import test from 'ava';
import { Timers } from '../../kernel/task/timers';

function clock(start = 1000n) {
  const c = { now: start, skipped: [] as bigint[] };
  const timers = new Timers(true, () => c.now, (ns) => { c.skipped.push(ns); c.now += ns; });
  return { c, timers };
}

test('advance(false): fires only what is due, never moves the clock', (t) => {
  const { c, timers } = clock();
  const fired: string[] = [];
  timers.at(1500n, () => fired.push('a'));
  t.false(timers.advance(false));
  t.deepEqual(fired, []);
  c.now = 1499n;
  t.false(timers.advance(false));
  c.now = 1500n;
  t.true(timers.advance(false), 'due at exactly its deadline');
  t.deepEqual(fired, ['a']);
  t.false(timers.advance(false), 'fires once');
  t.deepEqual(c.skipped, []);
  t.is(c.now, 1500n);
});

test('advance(true): jumps to the earliest deadline and fires all due, in deadline order', (t) => {
  const { c, timers } = clock();
  const fired: Array<[string, bigint]> = [];
  const at = (d: bigint, id: string): unknown => timers.at(d, () => fired.push([id, c.now]));
  at(5000n, 'late');
  at(2000n, 'first');
  at(3000n, 'second-a');
  at(3000n, 'second-b');
  at(2000n, 'first-b');
  t.true(timers.advance(true));
  t.deepEqual(c.skipped, [1000n]);
  t.deepEqual(fired, [['first', 2000n], ['first-b', 2000n]], 'equal deadlines fire in the order they were set');
  t.true(timers.advance(true));
  t.deepEqual(fired.slice(2), [['second-a', 3000n], ['second-b', 3000n]]);
  t.true(timers.advance(true));
  t.deepEqual(fired.slice(4), [['late', 5000n]]);
  t.deepEqual(c.skipped, [1000n, 1000n, 2000n]);
  t.false(timers.advance(true), 'nothing pending: false, no jump');
  t.is(c.now, 5000n);
  t.deepEqual(c.skipped, [1000n, 1000n, 2000n]);
});

test('advance(true) with a timer already due does not jump (and fires every overdue one)', (t) => {
  const { c, timers } = clock(10_000n);
  const fired: string[] = [];
  timers.at(9000n, () => fired.push('past'));
  timers.at(10_000n, () => fired.push('now'));
  timers.at(10_001n, () => fired.push('future'));
  t.true(timers.advance(true));
  t.deepEqual(fired, ['past', 'now']);
  t.deepEqual(c.skipped, []);
  t.true(timers.advance(true));
  t.deepEqual(c.skipped, [1n]);
  t.deepEqual(fired, ['past', 'now', 'future']);
});

test('cancel: before it fires it never does; after, or twice, it is harmless', (t) => {
  const { c, timers } = clock();
  const fired: string[] = [];
  const a = timers.at(2000n, () => fired.push('a'));
  const b = timers.at(2000n, () => fired.push('b'));
  const later = timers.at(9000n, () => fired.push('later'));
  a.cancel();
  a.cancel();
  t.true(timers.advance(true));
  t.deepEqual(fired, ['b']);
  b.cancel();
  later.cancel();
  t.false(timers.advance(true), 'the only pending timer was cancelled: no jump to 9000');
  t.is(c.now, 2000n);
});

test('a timer set or cancelled from a firing timer: a due one fires in the same advance', (t) => {
  const { c, timers } = clock();
  const fired: string[] = [];
  let victim: { cancel(): void } | null = null;
  timers.at(2000n, () => {
    fired.push('a');
    timers.at(1500n, () => fired.push('rearmed-past'));
    timers.at(2500n, () => fired.push('rearmed-future'));
    victim!.cancel();
  });
  victim = timers.at(2000n, () => fired.push('victim'));
  t.true(timers.advance(true));
  t.deepEqual(fired, ['a', 'rearmed-past']);
  t.true(timers.advance(true));
  t.deepEqual(fired, ['a', 'rearmed-past', 'rearmed-future']);
  t.is(c.now, 2500n);
});

test('real-time mode: a host timeout fires the callback; cancel stops it', async (t) => {
  const start = process.hrtime.bigint();
  const timers = new Timers(false, () => process.hrtime.bigint() - start, () => t.fail('no skipping in real time'));
  const fired: string[] = [];
  await new Promise<void>((resolve) => {
    timers.at(-1n, () => fired.push('past'));
    const c = timers.at(5_000_000n, () => fired.push('cancelled'));
    c.cancel();
    timers.at(10_000_000n, () => { fired.push('10ms'); resolve(); });
  });
  t.deepEqual(fired, ['past', '10ms']);
  t.true(process.hrtime.bigint() - start >= 9_000_000n);
  t.false(timers.advance(true), 'advance has nothing to do in real time');
});

/**
 * kernel/task/futex.ts: waiters keyed by futex word, woken FIFO up to a count with
 * FUTEX_BITSET matching; FUTEX_REQUEUE wakes some and moves others (kernel/futex/requeue.c
 * returns woken + requeued for both REQUEUE and CMP_REQUEUE).
 */
import test from 'ava';
import { Futexes, type FutexWaiter } from '../../kernel/task/futex';

interface Probe extends FutexWaiter { id: string; wakes: number }

function waiter(id: string, bitset = -1, log?: string[]): Probe {
  const w: Probe = { id, bitset, woken: false, wakes: 0, wake: () => { w.wakes++; log?.push(id); } };
  return w;
}

test('wake: FIFO, at most n, marks woken before calling wake(), returns the count', (t) => {
  const fx = new Futexes();
  const log: string[] = [];
  const ws = ['a', 'b', 'c', 'd'].map((id) => waiter(id, -1, log));
  const seen: boolean[] = [];
  ws[0]!.wake = () => { seen.push(ws[0]!.woken); log.push('a'); };
  for (const w of ws) fx.enqueue('k', w);
  t.is(fx.wake('k', 1), 1);
  t.deepEqual(log, ['a']);
  t.deepEqual(seen, [true], 'woken is set when wake() runs (the sleeper re-checks it)');
  t.is(fx.wake('k', 2), 2);
  t.deepEqual(log, ['a', 'b', 'c']);
  t.is(fx.wake('k', 10), 1);
  t.deepEqual(log, ['a', 'b', 'c', 'd']);
  t.is(fx.wake('k', 10), 0, 'nobody left');
  t.deepEqual(ws.map((w) => w.woken), [true, true, true, true]);
  t.is(ws[1]!.wakes, 1, 'each waiter woken once');
});

test('wake: n = 0 wakes nobody; keys are separate; an unknown key is 0', (t) => {
  const fx = new Futexes();
  const a = waiter('a'), b = waiter('b');
  fx.enqueue('k1', a);
  fx.enqueue('k2', b);
  t.is(fx.wake('k1', 0), 0);
  t.false(a.woken);
  t.is(fx.wake('nope', 5), 0);
  t.is(fx.wake('k2', 5), 1);
  t.false(a.woken);
  t.true(b.woken);
  t.is(fx.wake('k1', 5), 1);
});

test('bitsets: only waiters sharing a bit are woken and counted; others keep their place', (t) => {
  const fx = new Futexes();
  const log: string[] = [];
  const w1 = waiter('1', 0b0001, log), w2 = waiter('2', 0b0010, log), w3 = waiter('3', 0b0011, log), w4 = waiter('4', -1, log);
  for (const w of [w1, w2, w3, w4]) fx.enqueue('k', w);
  t.is(fx.wake('k', 10, 0b0010), 3, 'w2, w3 and the match-any w4');
  t.deepEqual(log, ['2', '3', '4']);
  t.is(fx.wake('k', 10, 0b0100), 0);
  t.is(fx.wake('k', 1, 0b0100 | 0b0001), 1);
  t.deepEqual(log, ['2', '3', '4', '1']);
  // Bit 31 (a negative bitset in JS) matches too.
  const hi = waiter('hi', 1 << 31, log);
  fx.enqueue('k', hi);
  t.is(fx.wake('k', 1, 0x8000_0000 | 0), 1);
  t.true(hi.woken);
  // Non-matching waiters ahead do not use up the count.
  const x = waiter('x', 1), y = waiter('y', 2), z = waiter('z', 2);
  for (const w of [x, y, z]) fx.enqueue('q', w);
  t.is(fx.wake('q', 1, 2), 1);
  t.deepEqual([x.woken, y.woken, z.woken], [false, true, false]);
  t.is(fx.wake('q', 5), 2, 'x first, then z');
});

test('remove: a timed-out or interrupted waiter leaves its queue (and only it)', (t) => {
  const fx = new Futexes();
  const a = waiter('a'), b = waiter('b'), c = waiter('c');
  for (const w of [a, b, c]) fx.enqueue('k', w);
  fx.remove(b);
  fx.remove(b); // twice: harmless
  t.is(fx.wake('k', 10), 2);
  t.deepEqual([a.woken, b.woken, c.woken], [true, false, true]);
  fx.enqueue('k', b);
  fx.remove(b);
  t.is(fx.wake('k', 10), 0);
});

test('requeue: wakes n from the front, moves up to `move` of the rest to the end of `to`; returns both', (t) => {
  const fx = new Futexes();
  const log: string[] = [];
  const ws = ['a', 'b', 'c', 'd', 'e'].map((id) => waiter(id, -1, log));
  for (const w of ws) fx.enqueue('from', w);
  const t1 = waiter('t1', -1, log);
  fx.enqueue('to', t1);
  t.is(fx.requeue('from', 'to', 1, 2), 3, '1 woken + 2 requeued');
  t.deepEqual(log, ['a']);
  t.is(fx.wake('from', 10), 2, 'd and e stayed');
  t.deepEqual(log, ['a', 'd', 'e']);
  t.is(fx.wake('to', 10), 3);
  t.deepEqual(log, ['a', 'd', 'e', 't1', 'b', 'c'], 'requeued waiters queue behind those already there, in order');
  t.deepEqual([ws[1]!.wakes, ws[2]!.wakes], [1, 1], 'moved waiters were not woken by the requeue');
});

test('requeue: counts are capped by the waiters present; nothing to do is 0', (t) => {
  const fx = new Futexes();
  t.is(fx.requeue('none', 'to', 5, 5), 0);
  const a = waiter('a'), b = waiter('b');
  fx.enqueue('f', a);
  fx.enqueue('f', b);
  t.is(fx.requeue('f', 'g', 0, 1), 1, 'wake 0 (the broadcast case), move 1');
  t.false(a.woken);
  t.is(fx.requeue('f', 'g', 0, 0), 0);
  t.is(fx.requeue('f', 'g', 5, 5), 1, 'only b is left in f');
  t.true(b.woken);
  t.is(fx.wake('g', 5), 1, 'a was moved to g');
  t.true(a.woken);
  t.is(fx.wake('f', 5), 0);
});

test('requeue then timeout: the waiter, removed with the key it waited on, stops absorbing wakes of the new key', (t) => {
  // futex(2) in kernel/syscall/handlers/process.ts: FUTEX_WAIT enqueues on key(uaddr) and, on a
  // timeout or signal, calls remove(key(uaddr), waiter): it cannot know of a later requeue.
  // (musl's pthread_cond_broadcast requeues waiters onto the mutex; a timed wait then times out.)
  const fx = new Futexes();
  const a = waiter('a'), b = waiter('b');
  fx.enqueue('cond', a);
  t.is(fx.requeue('cond', 'mutex', 0, 1), 1);
  fx.enqueue('mutex', b);
  fx.remove(a); // a timed out: it leaves whichever queue it is on
  t.is(fx.wake('mutex', 1), 1);
  t.true(b.woken, 'FUTEX_WAKE(mutex, 1) must wake b, the only waiter still sleeping');
  t.false(a.woken, 'a is gone: a wake spent on it is lost for b');
});

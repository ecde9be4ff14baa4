/** kernel/task/wait.ts: subscribe, wake everyone subscribed at the time of the wake, unsubscribe. */
import test from 'ava';
import { WaitQueue } from '../../kernel/task/wait';

test('wake calls every subscriber once per wake, in subscription order', (t) => {
  const q = new WaitQueue();
  t.true(q.empty);
  const log: string[] = [];
  q.subscribe(() => log.push('a'));
  q.subscribe(() => log.push('b'));
  t.false(q.empty);
  q.wake();
  q.wake();
  t.deepEqual(log, ['a', 'b', 'a', 'b']);
});

test('unsubscribe: stops the calls, twice is harmless, the queue becomes empty', (t) => {
  const q = new WaitQueue();
  let n = 0;
  const off = q.subscribe(() => n++);
  q.wake();
  off();
  off();
  q.wake();
  t.is(n, 1);
  t.true(q.empty);
  const f = (): void => { n += 10; };
  const off1 = q.subscribe(f);
  q.subscribe(f); // the same function twice is one subscription
  q.wake();
  t.is(n, 11);
  off1();
  t.true(q.empty);
});

test('a wake sees the subscribers of its start: unsubscribing others or subscribing during it', (t) => {
  const q = new WaitQueue();
  const log: string[] = [];
  let offB: () => void = () => {};
  q.subscribe(() => { log.push('a'); offB(); q.subscribe(() => log.push('late')); });
  offB = q.subscribe(() => log.push('b'));
  q.wake();
  t.deepEqual(log, ['a', 'b'], 'b was subscribed when the wake began; "late" was not');
  log.length = 0;
  q.wake();
  t.deepEqual(log.slice(0, 2), ['a', 'late']);
});

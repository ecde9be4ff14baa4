/**
 * kernel/fs/eventfd.ts: the 64-bit counter, EFD_SEMAPHORE, 8-byte buffers, the overflow limit
 * (a write that would pass 0xfffffffffffffffe answers its wait queue), poll masks and the keys
 * its wakes carry (epoll's edge-triggered items rely on them).
 */
import test from 'ava';
import { E } from '../../kernel/errno';
import { EFD_SEMAPHORE, EventFd } from '../../kernel/fs/eventfd';
import { isBlocked, O } from '../../kernel/fs/file';
import { POLLERR, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM } from '../../kernel/fs/poll';
import { errnoOf } from './_helpers';

const MAX = 0xffff_ffff_ffff_ffffn;

function u64(v: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v, true);
  return b;
}

function readValue(e: EventFd): bigint | 'blocked' {
  const b = new Uint8Array(8);
  const r = e.read(b);
  if (isBlocked(r)) return 'blocked';
  if (r !== 8) throw new Error(`read returned ${r}`);
  return new DataView(b.buffer).getBigUint64(0, true);
}

test('a read returns the counter and zeroes it; then it blocks', (t) => {
  const e = new EventFd(3n, 0);
  t.is(readValue(e), 3n);
  t.is(e.value, 0n);
  t.is(readValue(e), 'blocked');
  t.is(e.write(u64(40n)), 8);
  t.is(e.write(u64(2n)), 8);
  t.is(readValue(e), 42n);
});

test('EFD_SEMAPHORE: each read takes 1', (t) => {
  const e = new EventFd(2n, EFD_SEMAPHORE);
  t.is(readValue(e), 1n);
  t.is(readValue(e), 1n);
  t.is(readValue(e), 'blocked');
});

test('reads under 8 bytes, writes of other than 8 and a write of 2^64-1 are EINVAL; larger read buffers get 8 bytes', (t) => {
  const e = new EventFd(5n, 0);
  t.is(errnoOf(() => e.read(new Uint8Array(7))), E.EINVAL);
  t.is(errnoOf(() => e.write(new Uint8Array(4))), E.EINVAL);
  t.is(errnoOf(() => e.write(new Uint8Array(16))), E.EINVAL, 'Linux 6.4+: exactly 8 bytes');
  t.is(errnoOf(() => e.write(u64(MAX))), E.EINVAL);
  const big = new Uint8Array(16).fill(0xaa);
  t.is(e.read(big), 8);
  t.deepEqual([...big], [5, 0, 0, 0, 0, 0, 0, 0, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa]);
});

test('overflow: the counter stops at 2^64-2; a write past it answers the wait queue', (t) => {
  const e = new EventFd(0n, 0);
  t.is(e.write(u64(MAX - 1n)), 8);
  const r = e.write(u64(1n));
  t.true(isBlocked(r));
  t.is(r, e.poll().queue!);
  t.is(e.value, MAX - 1n, 'nothing added');
  t.is(readValue(e), MAX - 1n);
  t.is(e.write(u64(1n)), 8);
});

test('poll: POLLIN with a count, POLLOUT while a write of 1 fits', (t) => {
  const e = new EventFd(0n, 0);
  t.is(e.poll().events, POLLOUT | POLLWRNORM);
  e.write(u64(MAX - 2n));
  t.is(e.poll().events, POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM);
  e.write(u64(1n));
  t.is(e.poll().events, POLLIN | POLLRDNORM, 'at 2^64-2 nothing more fits');
  t.is(e.poll().events & POLLERR, 0);
});

test('wakes carry POLLIN for a write (even of 0) and POLLOUT for a read', (t) => {
  const e = new EventFd(0n, 0);
  const keys: Array<number | undefined> = [];
  e.poll().queue!.subscribe((k) => keys.push(k));
  e.write(u64(0n));
  e.write(u64(7n));
  readValue(e);
  t.deepEqual(keys, [POLLIN | POLLRDNORM, POLLIN | POLLRDNORM, POLLOUT | POLLWRNORM]);
});

test('flags: O_RDWR plus O_NONBLOCK only; the anonymous inode', (t) => {
  const e = new EventFd(0n, O.NONBLOCK | O.CLOEXEC | EFD_SEMAPHORE);
  t.is(e.flags, O.RDWR | O.NONBLOCK);
  t.is(e.name, 'anon_inode:[eventfd]');
  t.is(e.stat().mode, 0o600);
  t.is(e.inode, null);
});

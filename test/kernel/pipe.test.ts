/**
 * kernel/fs/pipe.ts: a 64 KiB ring between a read and a write end — blocking answered with the
 * wait queue, EOF, EPIPE, PIPE_BUF atomicity, wrap-around, poll readiness, FIONREAD, stat.
 */
import test from 'ava';
import type { Memory } from '../../arch/common/memory';
import { E } from '../../kernel/errno';
import { isBlocked, O } from '../../kernel/fs/file';
import { S_IFIFO } from '../../kernel/fs/inode';
import { makePipe, PIPE_BUF } from '../../kernel/fs/pipe';
import { POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM } from '../../kernel/fs/poll';
import { WaitQueue } from '../../kernel/task/wait';
import { errnoOf, rng } from './_helpers';

const CAPACITY = 65536;
const FIONREAD = 0x541b;

function bytes(n: number, seed: number): Uint8Array {
  const r = rng(seed), a = new Uint8Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.floor(r() * 256);
  return a;
}

/** Reads everything available (at most `max`). */
function drain(r: { read(b: Uint8Array): number | WaitQueue }, max = CAPACITY): Uint8Array {
  const buf = new Uint8Array(max);
  const n = r.read(buf);
  if (typeof n !== 'number') throw new Error('blocked');
  return buf.subarray(0, n);
}

test('makePipe: access modes, O_NONBLOCK kept (and only it), names, stat', (t) => {
  const [r, w] = makePipe(O.NONBLOCK | O.CLOEXEC | O.DIRECT, 123_000_000_456n);
  t.is(r.flags, O.RDONLY | O.NONBLOCK);
  t.is(w.flags, O.WRONLY | O.NONBLOCK);
  t.true(r.readable);
  t.false(r.writable);
  t.false(w.readable);
  t.true(w.writable);
  const [r0, w0] = makePipe(0, 0n);
  t.is(r0.flags, O.RDONLY);
  t.is(w0.flags, O.WRONLY);
  const st = r.stat();
  t.deepEqual(st, {
    dev: 0xd, ino: st.ino, mode: S_IFIFO | 0o600, nlink: 1, uid: 0, gid: 0, rdev: 0, size: 0, blksize: 4096, blocks: 0,
    atimeNs: 123_000_000_456n, mtimeNs: 123_000_000_456n, ctimeNs: 123_000_000_456n,
  });
  t.is(w.stat().ino, st.ino, 'both ends are one inode');
  t.not(r0.stat().ino, st.ino, 'each pipe its own');
  t.is(r.name, `pipe:[${st.ino}]`);
  t.is(w.name, r.name);
  t.is(r.inode, null);
  t.false(r.isTty);
});

test('read: an empty pipe with a writer answers its wait queue; a write wakes it', (t) => {
  const [r, w] = makePipe(0, 0n);
  const q = r.read(new Uint8Array(10));
  t.true(isBlocked(q));
  t.true(q instanceof WaitQueue);
  t.is(r.poll().queue, q as WaitQueue, 'the same queue poll sleeps on');
  t.is(r.poll().events, 0);
  let wakes = 0;
  const unsub = (q as WaitQueue).subscribe(() => wakes++);
  t.is(w.write(Uint8Array.of(1, 2, 3)), 3);
  t.is(wakes, 1);
  t.is(r.poll().events, POLLIN | POLLRDNORM);
  t.deepEqual([...drain(r)], [1, 2, 3]);
  t.is(wakes, 2, 'a read wakes writers waiting for room');
  unsub();
  t.is(r.read(new Uint8Array(0)), 0, 'a zero-length read never blocks');
  t.true(isBlocked(r.read(new Uint8Array(1))));
});

test('read: FIFO order, short reads, data before EOF, EOF after the last writer is released', (t) => {
  const [r, w] = makePipe(0, 0n);
  w.hold();
  w.write(Uint8Array.of(1, 2, 3, 4, 5));
  w.write(Uint8Array.of(6, 7));
  const two = new Uint8Array(2);
  t.is(r.read(two), 2);
  t.deepEqual([...two], [1, 2]);
  let wakes = 0;
  w.poll().queue!.subscribe(() => wakes++);
  w.put();
  t.is(wakes, 1, 'closing the write end wakes readers');
  t.deepEqual([...drain(r)], [3, 4, 5, 6, 7], 'what was written is still read after the close');
  t.is(r.read(new Uint8Array(4)), 0);
  t.is(r.read(new Uint8Array(4)), 0);
  t.is(r.poll().events, POLLHUP, 'EOF: POLLHUP (readable for poll, as on Linux)');
});

test('write: EPIPE once the read end is released, even into an empty or full pipe', (t) => {
  const [r, w] = makePipe(0, 0n);
  r.hold();
  t.is(w.write(new Uint8Array(CAPACITY)), CAPACITY);
  let wakes = 0;
  r.poll().queue!.subscribe(() => wakes++);
  r.put();
  t.is(wakes, 1, 'closing the read end wakes writers');
  t.is(errnoOf(() => w.write(Uint8Array.of(1))), E.EPIPE);
  t.is(w.poll().events, POLLERR, 'a pipe without readers is POLLERR (writable for poll: the write fails)');
  const [r2, w2] = makePipe(0, 0n);
  r2.hold().put();
  t.is(errnoOf(() => w2.write(new Uint8Array(10))), E.EPIPE);
});

test('PIPE_BUF: writes of up to 4096 bytes go in whole or wait; longer ones may be split', (t) => {
  t.is(PIPE_BUF, 4096);
  const [r, w] = makePipe(0, 0n);
  t.is(w.write(new Uint8Array(CAPACITY - 4095)), CAPACITY - 4095);
  // 4095 bytes of room.
  t.true(isBlocked(w.write(new Uint8Array(4096))), 'PIPE_BUF bytes do not fit: nothing is written');
  t.is(w.poll().events, 0, 'less than PIPE_BUF room: not writable for poll');
  t.is(w.write(new Uint8Array(4095)), 4095, 'exactly the room');
  t.true(isBlocked(w.write(Uint8Array.of(1))), 'full');
  t.is(drain(r, 100).length, 100);
  t.true(isBlocked(w.write(new Uint8Array(101))), '101 <= PIPE_BUF with 100 of room: whole or nothing');
  t.is(w.write(new Uint8Array(5000)), 100, 'more than PIPE_BUF: what fits goes in');
  t.true(isBlocked(w.write(new Uint8Array(5000))), 'nothing fits: blocked');
  t.is(drain(r).length, CAPACITY);
  t.is(w.poll().events, POLLOUT | POLLWRNORM);
  t.is(w.write(new Uint8Array(CAPACITY + 10)), CAPACITY, 'an empty pipe takes 64 KiB of a long write');
});

test('ring: data wraps around the end of the 64 KiB buffer unchanged', (t) => {
  const [r, w] = makePipe(0, 0n);
  t.is(w.write(new Uint8Array(60000)), 60000);
  t.is(drain(r, 60000).length, 60000);
  const a = bytes(10000, 1);
  t.is(w.write(a), 10000); // 5536 bytes at the end, 4464 at the start
  const b = bytes(50000, 2);
  t.is(w.write(b), 50000);
  t.is(w.write(bytes(6000, 3)), 5536, 'room is counted across the wrap');
  t.deepEqual(drain(r, 10000), a);
  t.deepEqual(drain(r, 50000), b);
  // Many small writes and reads of varying sizes keep the order.
  const out: number[] = [], inp: number[] = [];
  const g = rng(9);
  const rest = drain(r);
  t.is(rest.length, 5536);
  for (let k = 0; k < 200; k++) {
    const chunk = bytes(1 + Math.floor(g() * 3000), 100 + k);
    const n = w.write(chunk);
    if (typeof n === 'number') inp.push(...chunk.subarray(0, n));
    out.push(...drain(r, 1 + Math.floor(g() * 3000)));
  }
  out.push(...drain(r));
  t.is(out.length, inp.length);
  t.deepEqual(out, inp);
});

test('FIONREAD: bytes unread, as a u32 at the argument; other ioctls ENOTTY', (t) => {
  const [r, w] = makePipe(0, 0n);
  const writes: Array<[number, number]> = [];
  const mem = { writeU32: (va: number, v: number) => { writes.push([va, v]); } } as unknown as Memory;
  w.write(new Uint8Array(1234));
  t.is(r.ioctl(FIONREAD, 0x1000, mem), 0);
  drain(r, 34);
  r.ioctl(FIONREAD, 0x2000, mem);
  t.deepEqual(writes, [[0x1000, 1234], [0x2000, 1200]]);
  t.is(errnoOf(() => r.ioctl(0x5401, 0, mem)), E.ENOTTY);
  t.is(errnoOf(() => w.ioctl(FIONREAD, 0, mem)), E.ENOTTY);
});

test('pipes do not seek or pread; each end refuses the other direction', (t) => {
  const [r, w] = makePipe(0, 0n);
  t.is(errnoOf(() => r.seek(0, 0)), E.ESPIPE);
  t.is(errnoOf(() => w.seek(0, 1)), E.ESPIPE);
  t.is(errnoOf(() => r.pread(new Uint8Array(1), 0)), E.ESPIPE);
  t.is(errnoOf(() => w.pwrite(new Uint8Array(1), 0)), E.ESPIPE);
  t.is(errnoOf(() => r.write(new Uint8Array(1))), E.EINVAL);
  t.is(errnoOf(() => w.read(new Uint8Array(1))), E.EINVAL);
  t.is(errnoOf(() => r.readdir()), E.ENOTDIR);
});

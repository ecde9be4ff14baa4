/**
 * kernel/fs/signalfd.ts: reads take the reader's pending signals of the mask (several per read,
 * in dequeue order), leave the others pending, block on the task's signal queue when none is
 * there; struct signalfd_siginfo by siginfo layout; SIGKILL/SIGSTOP never in the mask.
 */
import test from 'ava';
import type { Cpu } from '../../arch/common/cpu';
import { E } from '../../kernel/errno';
import { isBlocked, O } from '../../kernel/fs/file';
import { POLLIN, POLLRDNORM } from '../../kernel/fs/poll';
import { encodeSignalfdSiginfo, SignalFd } from '../../kernel/fs/signalfd';
import { SIG } from '../../kernel/signals';
import { generate, SI, sigbit } from '../../kernel/task/signal';
import { errnoOf, testTask, world } from './_helpers';

const USR = sigbit(SIG.SIGUSR1) | sigbit(SIG.SIGUSR2);

function task() {
  const t = testTask(world({ ramBytes: 1 << 20 }), {} as Cpu, 100);
  t.sigmask = USR;
  return t;
}

function fields(b: Uint8Array, at = 0) {
  const dv = new DataView(b.buffer, b.byteOffset + at, 128);
  return {
    signo: dv.getUint32(0, true), errno: dv.getInt32(4, true), code: dv.getInt32(8, true), pid: dv.getUint32(12, true),
    uid: dv.getUint32(16, true), status: dv.getInt32(40, true), int: dv.getInt32(44, true), ptr: dv.getBigUint64(48, true),
    addr: dv.getBigUint64(72, true),
  };
}

test('a read takes the pending signals of the mask, two in one read, others stay pending', (t) => {
  const p = task();
  const sfd = new SignalFd(sigbit(SIG.SIGUSR1) | sigbit(SIG.SIGUSR2), 0, () => p);
  t.is(sfd.poll().events, 0);
  generate(p, { signo: SIG.SIGUSR2, errno: 0, code: SI.USER, pid: 55, uid: 0 });
  generate(p, { signo: SIG.SIGUSR1, errno: 0, code: SI.TKILL, pid: 100, uid: 0 });
  p.sigmask |= sigbit(SIG.SIGHUP);
  generate(p, { signo: SIG.SIGHUP, errno: 0, code: SI.USER, pid: 1, uid: 0 });
  t.is(sfd.poll().events, POLLIN | POLLRDNORM);
  const buf = new Uint8Array(300);
  t.is(sfd.read(buf), 256);
  t.like(fields(buf, 0), { signo: SIG.SIGUSR1, code: SI.TKILL, pid: 100 });
  t.like(fields(buf, 128), { signo: SIG.SIGUSR2, code: SI.USER, pid: 55 });
  t.is(p.signals.pending.set, sigbit(SIG.SIGHUP), 'SIGHUP is not in the mask');
  t.is(sfd.poll().events, 0);
  const r = sfd.read(new Uint8Array(128));
  t.true(isBlocked(r));
  t.is(r, p.signals.wakeups, 'it sleeps until a signal is queued');
});

test('short buffers are EINVAL; SIGKILL and SIGSTOP are dropped from the mask', (t) => {
  const p = task();
  const sfd = new SignalFd(~0n, O.NONBLOCK | O.CLOEXEC, () => p);
  t.is(errnoOf(() => sfd.read(new Uint8Array(127))), E.EINVAL);
  t.is(sfd.sigmask & (sigbit(SIG.SIGKILL) | sigbit(SIG.SIGSTOP)), 0n);
  sfd.setMask(sigbit(SIG.SIGUSR2) | sigbit(SIG.SIGKILL));
  t.is(sfd.sigmask, sigbit(SIG.SIGUSR2));
  t.is(sfd.flags, O.RDWR | O.NONBLOCK);
  t.is(sfd.name, 'anon_inode:[signalfd]');
});

test('the reader is whoever reads: another task sees its own signals', (t) => {
  const a = task(), b = task();
  let reader = a;
  const sfd = new SignalFd(USR, 0, () => reader);
  generate(b, { signo: SIG.SIGUSR1, errno: 0, code: SI.USER, pid: 1, uid: 0 });
  t.is(sfd.poll().events, 0);
  reader = b;
  t.is(sfd.poll().events, POLLIN | POLLRDNORM);
  t.is(sfd.read(new Uint8Array(128)), 128);
});

test('signalfd_siginfo layouts: kill, rt (sigqueue value), SIGCHLD status, fault address', (t) => {
  t.like(fields(encodeSignalfdSiginfo({ signo: 15, errno: 0, code: SI.USER, pid: 9, uid: 1000 })),
    { signo: 15, code: 0, pid: 9, uid: 1000, int: 0, ptr: 0n, addr: 0n });
  t.like(fields(encodeSignalfdSiginfo({ signo: 40, errno: 0, code: SI.QUEUE, pid: 9, uid: 0, value: 0x1_0000_002an })),
    { signo: 40, code: -1, pid: 9, int: 42, ptr: 0x1_0000_002an });
  t.like(fields(encodeSignalfdSiginfo({ signo: SIG.SIGCHLD, errno: 0, code: 1, pid: 77, uid: 0, status: 3 })),
    { signo: SIG.SIGCHLD, code: 1, pid: 77, status: 3, ptr: 0n });
  t.like(fields(encodeSignalfdSiginfo({ signo: SIG.SIGSEGV, errno: 0, code: 1, addr: 0xdead0n })),
    { signo: SIG.SIGSEGV, code: 1, pid: 0, addr: 0xdead0n });
});

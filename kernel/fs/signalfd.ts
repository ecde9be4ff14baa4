/**
 * signalfd (Linux fs/signalfd.c, man 2 signalfd): reading takes the pending signals of its mask
 * from the reading task, as sigtimedwait would, each as a 128-byte struct signalfd_siginfo; it
 * blocks while none is pending. Like Linux it works on whoever reads or polls (after fork the
 * child reads its own signals): `reader` names that task. Readiness changes when a signal is
 * queued, which wakes the task's signal queue (SignalState.notify), so that is the poll queue.
 */
import { E, SysError } from '../errno';
import { SIG } from '../signals';
import type { Process } from '../task/process';
import { SI, UNBLOCKABLE, type SigInfo } from '../task/signal';
import { AnonInodeFile } from './anon-inode';
import type { Blocked } from './file';
import { POLLIN, POLLRDNORM, type Readiness } from './poll';

export const SIGNALFD_SIGINFO_SIZE = 128;

/**
 * struct signalfd_siginfo as signalfd_copyinfo fills it, by the siginfo layout of the signal:
 * ssi_signo 0, ssi_errno 4, ssi_code 8, ssi_pid 12, ssi_uid 16, ssi_fd 20, ssi_tid 24, ssi_band 28,
 * ssi_overrun 32, ssi_trapno 36, ssi_status 40, ssi_int 44, ssi_ptr 48, ssi_utime 56, ssi_stime 64,
 * ssi_addr 72; the rest zero.
 */
export function encodeSignalfdSiginfo(info: SigInfo): Uint8Array {
  const b = new Uint8Array(SIGNALFD_SIGINFO_SIZE), dv = new DataView(b.buffer);
  dv.setUint32(0, info.signo, true);
  dv.setInt32(4, info.errno, true);
  dv.setInt32(8, info.code, true);
  const sender = (): void => {
    dv.setUint32(12, info.pid ?? 0, true);
    dv.setUint32(16, info.uid ?? 0, true);
  };
  const value = (): void => {
    const v = BigInt.asUintN(64, info.value ?? 0n);
    dv.setInt32(44, Number(BigInt.asIntN(32, v)), true);
    dv.setBigUint64(48, v, true);
  };
  if (info.addr !== undefined) {
    dv.setBigUint64(72, BigInt.asUintN(64, info.addr), true); // SIL_FAULT
  } else if (info.signo === SIG.SIGCHLD && info.code > SI.USER && info.code < SI.KERNEL) {
    sender(); // SIL_CHLD (no per-child CPU times are kept: utime and stime stay 0)
    dv.setInt32(40, info.status ?? 0, true);
  } else if (info.code === SI.TIMER) {
    value(); // SIL_TIMER
  } else if (info.code < 0 && info.code !== SI.SIGIO) {
    sender(); // SIL_RT: sigqueue, tkill, mq_notify
    value();
  } else {
    sender(); // SIL_KILL
  }
  return b;
}

export class SignalFd extends AnonInodeFile {
  private mask: bigint;

  constructor(mask: bigint, flags: number, private readonly reader: () => Process | null) {
    super('signalfd', flags);
    this.mask = mask & ~UNBLOCKABLE;
  }

  /** signalfd4 on an existing descriptor: the signals it takes from now on. */
  setMask(mask: bigint): void { this.mask = mask & ~UNBLOCKABLE; }
  get sigmask(): bigint { return this.mask; }

  private task(): Process {
    const t = this.reader();
    if (!t) throw new SysError(E.EINVAL);
    return t;
  }

  /** As many pending signals as whole structures fit (at least one, blocking for the first). */
  override read(buf: Uint8Array): number | Blocked {
    const room = Math.floor(buf.length / SIGNALFD_SIGINFO_SIZE);
    if (room === 0) throw new SysError(E.EINVAL);
    const t = this.task();
    let n = 0;
    for (; n < room; n++) {
      const info = t.signals.pending.dequeue(this.mask);
      if (!info) break;
      buf.set(encodeSignalfdSiginfo(info), n * SIGNALFD_SIGINFO_SIZE);
    }
    return n > 0 ? n * SIGNALFD_SIGINFO_SIZE : t.signals.wakeups;
  }

  override poll(): Readiness {
    const t = this.task();
    return { events: t.signals.pending.set & this.mask ? POLLIN | POLLRDNORM : 0, queue: t.signals.wakeups };
  }
}

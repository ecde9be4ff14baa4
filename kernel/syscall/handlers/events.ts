/**
 * Event files: epoll (epoll_create1, epoll_ctl, epoll_pwait, epoll_pwait2 and x86_64's
 * epoll_create and epoll_wait), eventfd2 (and x86_64's eventfd), timerfd_create/settime/gettime,
 * signalfd4 (and x86_64's signalfd). The files are in kernel/fs/{epoll,eventfd,timerfd,signalfd}.ts;
 * epoll's wait shares poll's wait loop, timeouts and temporary signal mask (handlers/poll.ts).
 */
import { E, SysError } from '../../errno';
import { canPoll, EPOLL_CTL_DEL, EpollInstance, type EpollEvent } from '../../fs/epoll';
import { EventFd, EFD_SEMAPHORE } from '../../fs/eventfd';
import { O, type OpenFile } from '../../fs/file';
import { SignalFd } from '../../fs/signalfd';
import { TimerFd, type TimerSetting } from '../../fs/timerfd';
import { msDeadline, readDeadline, restoreSigmaskUnless, setUserSigmask, waitReady, type Deadline } from './poll';
import { restoreSavedMask } from '../../task/signal';
import { err, int, num, uint, type SyscallCtx, type SyscallDef } from '../table';

const NS = 1_000_000_000n;
const INT_MAX = 0x7fff_ffff;

/** Installs a new file; `flags` carries O_CLOEXEC. */
function install(ctx: SyscallCtx, file: OpenFile, flags: number): bigint {
  return BigInt(ctx.proc.fds.install(file, (flags & O.CLOEXEC) !== 0));
}

// ---- epoll ----

/** struct epoll_event: { u32 events; u64 data } — packed (12 bytes) on x86_64 only. */
function eventSize(ctx: SyscallCtx): number {
  return ctx.k.arch.spec.name === 'x86_64' ? 12 : 16;
}

function epollCreate(ctx: SyscallCtx, flags: number): bigint {
  if (flags & ~O.CLOEXEC) return err(E.EINVAL);
  return install(ctx, new EpollInstance(0), flags);
}

function epollOf(ctx: SyscallCtx, fd: number): EpollInstance {
  const f = ctx.proc.fds.get(fd);
  if (!(f instanceof EpollInstance)) throw new SysError(E.EINVAL);
  return f;
}

function epollCtl(ctx: SyscallCtx, a: bigint[]): bigint {
  const op = int(a[1]!), fd = int(a[2]!), addr = num(a[3]!);
  let ev: EpollEvent | null = null;
  if (op !== EPOLL_CTL_DEL) {
    const mem = ctx.proc.cpu.mem;
    ev = { events: mem.readU32(addr), data: mem.readU64(addr + eventSize(ctx) - 8) };
  }
  const ep = ctx.proc.fds.get(int(a[0]!));
  const target = ctx.proc.fds.get(fd);
  if (!canPoll(target)) return err(E.EPERM);
  if (!(ep instanceof EpollInstance)) return err(E.EINVAL);
  ep.ctl(op, target, fd, ev);
  return 0n;
}

/**
 * do_epoll_wait: EINVAL for maxevents outside 1..EP_MAX_EVENTS or a non-epoll; the events are
 * written to the array; EINTR (never restarted) when a signal ends the wait; a zero timeout
 * answers 0 rather than EINTR.
 */
function epollWait(ctx: SyscallCtx, epfd: number, addr: number, max: number, d: Deadline): bigint | Promise<bigint> {
  const size = eventSize(ctx);
  if (max <= 0 || max > Math.floor(INT_MAX / size)) return err(E.EINVAL);
  const ep = epollOf(ctx, epfd);
  const r = waitReady(ctx, (queues) => {
    queues.push(ep.changed);
    const evs = ep.collect(max);
    return evs.length > 0 ? evs : undefined;
  }, d, true);
  const done = (res: EpollEvent[] | 'timeout' | 'interrupted'): bigint => {
    if (res === 'interrupted') return err(E.EINTR);
    if (res === 'timeout') return 0n;
    const mem = ctx.proc.cpu.mem;
    res.forEach((e, i) => {
      mem.writeU32(addr + i * size, e.events >>> 0);
      mem.writeU64(addr + i * size + size - 8, e.data);
    });
    return BigInt(res.length);
  };
  return r instanceof Promise ? r.then(done) : done(r);
}

/** epoll_pwait and epoll_pwait2: epoll_wait with a temporary signal mask. */
function epollPwait(ctx: SyscallCtx, a: bigint[], d: Deadline): bigint | Promise<bigint> {
  setUserSigmask(ctx, num(a[4]!), a[5]!);
  const end = (ret: bigint): bigint => {
    restoreSigmaskUnless(ctx.proc, ret === err(E.EINTR));
    return ret;
  };
  let r: bigint | Promise<bigint>;
  try {
    r = epollWait(ctx, int(a[0]!), num(a[1]!), int(a[2]!), d);
  } catch (e) {
    restoreSavedMask(ctx.proc);
    throw e;
  }
  return r instanceof Promise ? r.then(end) : end(r);
}

// ---- eventfd ----

function eventfd2(ctx: SyscallCtx, initval: number, flags: number): bigint {
  if (flags & ~(O.CLOEXEC | O.NONBLOCK | EFD_SEMAPHORE)) return err(E.EINVAL);
  return install(ctx, new EventFd(BigInt(initval), flags), flags);
}

// ---- timerfd ----

const CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1, CLOCK_BOOTTIME = 7, CLOCK_REALTIME_ALARM = 8, CLOCK_BOOTTIME_ALARM = 9;
const TFD_TIMER_ABSTIME = 1, TFD_TIMER_CANCEL_ON_SET = 2;

function timerfdCreate(ctx: SyscallCtx, clockId: number, flags: number): bigint {
  const { k } = ctx;
  if (flags & ~(O.CLOEXEC | O.NONBLOCK)) return err(E.EINVAL);
  const realtime = clockId === CLOCK_REALTIME || clockId === CLOCK_REALTIME_ALARM;
  if (!realtime && clockId !== CLOCK_MONOTONIC && clockId !== CLOCK_BOOTTIME && clockId !== CLOCK_BOOTTIME_ALARM) return err(E.EINVAL);
  // The alarm clocks need CAP_WAKE_ALARM.
  if ((clockId === CLOCK_REALTIME_ALARM || clockId === CLOCK_BOOTTIME_ALARM) && k.uid !== 0) return err(E.EPERM);
  const file = new TimerFd(clockId, flags, {
    now: () => k.monotonicNs(),
    offset: () => (realtime ? k.realtimeNs() - k.monotonicNs() : 0n),
    at: (deadline, fire) => k.timers.at(deadline, fire),
  });
  return install(ctx, file, flags);
}

function timerfdOf(ctx: SyscallCtx, fd: number): TimerFd {
  const f = ctx.proc.fds.get(fd);
  if (!(f instanceof TimerFd)) throw new SysError(E.EINVAL);
  return f;
}

/** struct itimerspec: it_interval, then it_value (timespecs). */
function writeItimerspec(ctx: SyscallCtx, addr: number, s: TimerSetting): void {
  const b = new Uint8Array(32), dv = new DataView(b.buffer);
  dv.setBigInt64(0, s.interval / NS, true);
  dv.setBigInt64(8, s.interval % NS, true);
  dv.setBigInt64(16, s.value / NS, true);
  dv.setBigInt64(24, s.value % NS, true);
  ctx.proc.cpu.mem.writeBytes(addr, b);
}

function timerfdSettime(ctx: SyscallCtx, a: bigint[]): bigint {
  const fd = int(a[0]!), flags = int(a[1]!), newp = num(a[2]!), oldp = num(a[3]!);
  const mem = ctx.proc.cpu.mem;
  const f = [0, 8, 16, 24].map((o) => BigInt.asIntN(64, mem.readU64(newp + o)));
  const [isec, insec, vsec, vnsec] = f as [bigint, bigint, bigint, bigint];
  const valid = (s: bigint, n: bigint): boolean => s >= 0n && n >= 0n && n < NS;
  if (flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET) || !valid(isec, insec) || !valid(vsec, vnsec)) return err(E.EINVAL);
  const t = timerfdOf(ctx, fd);
  const old = t.set(vsec * NS + vnsec, isec * NS + insec, (flags & TFD_TIMER_ABSTIME) !== 0);
  if (oldp !== 0) writeItimerspec(ctx, oldp, old);
  return 0n;
}

// ---- signalfd ----

function signalfd4(ctx: SyscallCtx, fd: number, maskp: number, size: bigint, flags: number): bigint {
  if (flags & ~(O.CLOEXEC | O.NONBLOCK)) return err(E.EINVAL);
  if (size !== 8n) return err(E.EINVAL);
  let mask: bigint;
  try { mask = ctx.proc.cpu.mem.readU64(maskp); } catch { return err(E.EINVAL); }
  if (fd === -1) {
    const k = ctx.k;
    return install(ctx, new SignalFd(mask, flags, () => k.currentTask), flags);
  }
  const f = ctx.proc.fds.get(fd);
  if (!(f instanceof SignalFd)) return err(E.EINVAL);
  f.setMask(mask);
  return BigInt(fd);
}

export const eventSyscalls: SyscallDef[] = [
  { name: 'epoll_create1', args: ['x'], handler: (ctx, a) => epollCreate(ctx, int(a[0]!)) },
  {
    name: 'epoll_create', args: ['d'],
    handler: (ctx, a) => (int(a[0]!) <= 0 ? err(E.EINVAL) : epollCreate(ctx, 0)),
  },
  { name: 'epoll_ctl', args: ['f', 'd', 'f', 'p'], handler: epollCtl },
  {
    name: 'epoll_wait', args: ['f', 'p', 'd', 'd'],
    handler: (ctx, a) => epollWait(ctx, int(a[0]!), num(a[1]!), int(a[2]!), msDeadline(ctx, int(a[3]!))),
  },
  {
    name: 'epoll_pwait', args: ['f', 'p', 'd', 'd', 'p', 'u'],
    handler: (ctx, a) => epollPwait(ctx, a, msDeadline(ctx, int(a[3]!))),
  },
  {
    name: 'epoll_pwait2', args: ['f', 'p', 'd', 'p', 'p', 'u'],
    handler: (ctx, a) => epollPwait(ctx, a, readDeadline(ctx, num(a[3]!), 'timespec')),
  },
  { name: 'eventfd2', args: ['u', 'x'], handler: (ctx, a) => eventfd2(ctx, uint(a[0]!), int(a[1]!)) },
  { name: 'eventfd', args: ['u'], handler: (ctx, a) => eventfd2(ctx, uint(a[0]!), 0) },
  { name: 'timerfd_create', args: ['d', 'x'], handler: (ctx, a) => timerfdCreate(ctx, int(a[0]!), int(a[1]!)) },
  { name: 'timerfd_settime', args: ['f', 'x', 'p', 'p'], handler: timerfdSettime },
  {
    name: 'timerfd_gettime', args: ['f', 'p'],
    handler: (ctx, a) => { writeItimerspec(ctx, num(a[1]!), timerfdOf(ctx, int(a[0]!)).get()); return 0n; },
  },
  {
    name: 'signalfd4', args: ['d', 'p', 'u', 'x'],
    handler: (ctx, a) => signalfd4(ctx, int(a[0]!), num(a[1]!), a[2]!, int(a[3]!)),
  },
  { name: 'signalfd', args: ['d', 'p', 'u'], handler: (ctx, a) => signalfd4(ctx, int(a[0]!), num(a[1]!), a[2]!, 0) },
];

/** uname, the clocks, interval timers (setitimer, alarm) and POSIX timers (timer_create...). */
import { E, SysError } from '../../errno';
import {
  arm, createPosixTimer, deletePosixTimer, ITIMER_PROF, ITIMER_REAL, ITIMER_VIRTUAL, overrunOf, remaining, SIGEV_NONE, SIGEV_SIGNAL,
  SIGEV_THREAD, SIGEV_THREAD_ID, timerNow, timersOf, type ProcTimer, type TimerBase, type TimerNotify,
} from '../../task/ptimers';
import { SIG } from '../../signals';
import { validSignal } from '../../task/signal';
import { err, int, num, type SyscallCtx, type SyscallDef } from '../table';

const CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1, CLOCK_PROCESS_CPUTIME_ID = 2, CLOCK_THREAD_CPUTIME_ID = 3;
const CLOCK_MONOTONIC_RAW = 4, CLOCK_REALTIME_COARSE = 5, CLOCK_MONOTONIC_COARSE = 6, CLOCK_BOOTTIME = 7;
const NS = 1_000_000_000n;
const TIMER_ABSTIME = 1;

function clockNs({ proc, k }: SyscallCtx, clock: number): bigint | null {
  switch (clock) {
    case CLOCK_REALTIME: case CLOCK_REALTIME_COARSE: return k.realtimeNs();
    case CLOCK_MONOTONIC: case CLOCK_MONOTONIC_RAW: case CLOCK_MONOTONIC_COARSE: case CLOCK_BOOTTIME: return k.monotonicNs();
    case CLOCK_PROCESS_CPUTIME_ID: return k.cpuTimeNs(proc);
    case CLOCK_THREAD_CPUTIME_ID: return k.cpuTimeNs(proc, true);
    default: return null;
  }
}

function timespec(sec: bigint, nsec: bigint): Uint8Array {
  const b = new Uint8Array(16), dv = new DataView(b.buffer);
  dv.setBigInt64(0, sec, true);
  dv.setBigInt64(8, nsec, true);
  return b;
}

function utsField(s: string): Uint8Array {
  const b = new Uint8Array(65);
  b.set(Buffer.from(s.slice(0, 64), 'utf8').subarray(0, 64));
  return b;
}

const US = 1000n;

/** A struct timeval or timespec pair (itimerval / itimerspec): interval first, then value; ns. */
function readPair(ctx: SyscallCtx, addr: number, unit: bigint): { interval: bigint; value: bigint } {
  const mem = ctx.proc.cpu.mem;
  const f = (off: number): bigint => BigInt.asIntN(64, mem.readU64(addr + off));
  const [isec, ifrac, vsec, vfrac] = [f(0), f(8), f(16), f(24)];
  const max = NS / unit;
  // timeval_valid / timespec64_valid.
  if (isec < 0n || vsec < 0n || ifrac < 0n || vfrac < 0n || ifrac >= max || vfrac >= max) throw new SysError(E.EINVAL);
  return { interval: isec * NS + ifrac * unit, value: vsec * NS + vfrac * unit };
}

function writePair(ctx: SyscallCtx, addr: number, unit: bigint, interval: bigint, value: bigint): void {
  const b = new Uint8Array(32), dv = new DataView(b.buffer);
  dv.setBigInt64(0, interval / NS, true);
  dv.setBigInt64(8, (interval % NS) / unit, true);
  dv.setBigInt64(16, value / NS, true);
  dv.setBigInt64(24, (value % NS) / unit, true);
  ctx.proc.cpu.mem.writeBytes(addr, b);
}

function itimer(ctx: SyscallCtx, which: number): ProcTimer {
  if (which !== ITIMER_REAL && which !== ITIMER_VIRTUAL && which !== ITIMER_PROF) throw new SysError(E.EINVAL);
  return timersOf(ctx.proc.group).itimers[which]!;
}

/** setitimer: a NULL new value disarms (Linux's compatibility behaviour); the old one in `old`. */
function setitimer(ctx: SyscallCtx, which: number, newp: number, oldp: number): bigint {
  const t = itimer(ctx, which);
  const next = newp !== 0 ? readPair(ctx, newp, US) : { interval: 0n, value: 0n };
  const g = ctx.proc.group, k = ctx.k;
  if (oldp !== 0) writePair(ctx, oldp, US, t.intervalNs, remaining(k, g, t));
  arm(k, g, t, next.value === 0n ? null : timerNow(k, g, t) + next.value, next.interval);
  return 0n;
}

/** alarm (x86_64 only): ITIMER_REAL in whole seconds; the old time left, rounded as alarm_setitimer does. */
function alarm(ctx: SyscallCtx, seconds: number): bigint {
  const t = itimer(ctx, ITIMER_REAL);
  const g = ctx.proc.group, k = ctx.k;
  const left = remaining(k, g, t);
  arm(k, g, t, seconds === 0 ? null : k.monotonicNs() + BigInt(seconds) * NS, 0n);
  const sec = left / NS, usec = (left % NS) / US;
  return (sec === 0n && usec > 0n) || usec >= 500_000n ? sec + 1n : sec;
}

/** Clocks a POSIX timer may count. */
function timerBase(ctx: SyscallCtx, clock: number): TimerBase {
  switch (clock) {
    case CLOCK_REALTIME: case CLOCK_MONOTONIC: case CLOCK_BOOTTIME: return { kind: 'mono', clock };
    case CLOCK_PROCESS_CPUTIME_ID: return { kind: 'process-cpu' };
    case CLOCK_THREAD_CPUTIME_ID: return { kind: 'thread-cpu', task: ctx.proc };
    case CLOCK_MONOTONIC_RAW: case CLOCK_REALTIME_COARSE: case CLOCK_MONOTONIC_COARSE: throw new SysError(E.ENOTSUP);
    default: throw new SysError(E.EINVAL);
  }
}

/** timer_create: struct sigevent is sigev_value (8), sigev_signo, sigev_notify, then the thread id at 16. */
function timerCreate(ctx: SyscallCtx, clock: number, sevp: number, idp: number): bigint {
  const base = timerBase(ctx, clock);
  let notify: TimerNotify = { kind: 'process', signo: SIG.SIGALRM };
  let value: bigint | null = null;
  if (sevp !== 0) {
    const mem = ctx.proc.cpu.mem;
    value = mem.readU64(sevp);
    const signo = mem.readU32(sevp + 8) | 0, how = mem.readU32(sevp + 12) | 0, tid = mem.readU32(sevp + 16) | 0;
    switch (how) {
      case SIGEV_NONE: notify = { kind: 'none' }; break;
      case SIGEV_SIGNAL: case SIGEV_THREAD:
        if (!validSignal(signo)) return err(E.EINVAL);
        notify = { kind: 'process', signo };
        break;
      case SIGEV_SIGNAL | SIGEV_THREAD_ID: {
        const task = ctx.k.findTask(tid);
        if (!task || task.group !== ctx.proc.group || !validSignal(signo)) return err(E.EINVAL);
        notify = { kind: 'thread', signo, task };
        break;
      }
      default: return err(E.EINVAL);
    }
  }
  const t = createPosixTimer(ctx.proc.group, base, notify, value);
  try {
    ctx.proc.cpu.mem.writeU32(idp, t.id);
  } catch (e) {
    deletePosixTimer(ctx.proc.group, t.id);
    throw e;
  }
  return 0n;
}

function posixTimer(ctx: SyscallCtx, id: number): ProcTimer {
  const t = timersOf(ctx.proc.group).posix.get(id);
  if (!t) throw new SysError(E.EINVAL);
  return t;
}

/** timer_settime: TIMER_ABSTIME values are times on the timer's clock (a wall-clock time converts to monotonic once). */
function timerSettime(ctx: SyscallCtx, id: number, flags: number, newp: number, oldp: number): bigint {
  const t = posixTimer(ctx, id);
  const next = readPair(ctx, newp, 1n);
  const g = ctx.proc.group, k = ctx.k;
  if (oldp !== 0) writePair(ctx, oldp, 1n, t.intervalNs, remaining(k, g, t, 0n));
  let deadline: bigint | null = null;
  if (next.value !== 0n) {
    const now = timerNow(k, g, t);
    // An absolute time is on the creation clock; CPU clocks are the timer's own clock.
    const onClock = t.base.kind === 'mono' ? clockNs(ctx, t.base.clock)! : now;
    deadline = flags & TIMER_ABSTIME ? now + (next.value - onClock) : now + next.value;
  }
  arm(k, g, t, deadline, next.interval);
  return 0n;
}

export const infoSyscalls: SyscallDef[] = [
  {
    name: 'uname', args: ['p'],
    handler: ({ proc, k }, a) => {
      const fields = ['Linux', k.hostname, '6.1.0-runlinuxd', '#1 SMP PREEMPT_DYNAMIC', k.arch.spec.unameMachine, '(none)'];
      const b = new Uint8Array(65 * 6);
      fields.forEach((f, i) => b.set(utsField(f), i * 65));
      proc.cpu.mem.writeBytes(num(a[0]!), b);
      return 0n;
    },
  },
  {
    name: 'clock_gettime', args: ['d', 'p'],
    handler: (ctx, a) => {
      const ns = clockNs(ctx, int(a[0]!));
      if (ns === null) return err(E.EINVAL);
      ctx.proc.cpu.mem.writeBytes(num(a[1]!), timespec(ns / NS, ns % NS));
      return 0n;
    },
  },
  {
    name: 'clock_getres', args: ['d', 'p'],
    handler: (ctx, a) => {
      if (clockNs(ctx, int(a[0]!)) === null) return err(E.EINVAL);
      if (a[1] !== 0n) ctx.proc.cpu.mem.writeBytes(num(a[1]!), timespec(0n, 1n));
      return 0n;
    },
  },
  {
    name: 'gettimeofday', args: ['p', 'p'],
    handler: ({ proc, k }, a) => {
      const ns = k.realtimeNs();
      if (a[0] !== 0n) proc.cpu.mem.writeBytes(num(a[0]!), timespec(ns / NS, (ns % NS) / 1000n));
      if (a[1] !== 0n) proc.cpu.mem.writeBytes(num(a[1]!), new Uint8Array(8));
      return 0n;
    },
  },
  {
    name: 'nanosleep', args: ['p', 'p'],
    handler: (ctx, a) => sleepFor(ctx, CLOCK_MONOTONIC, 0, num(a[0]!), num(a[1]!)),
  },
  {
    name: 'clock_nanosleep', args: ['d', 'x', 'p', 'p'],
    handler: (ctx, a) => {
      const clock = int(a[0]!);
      if (clock === CLOCK_THREAD_CPUTIME_ID) return err(E.EINVAL);
      if (clockNs(ctx, clock) === null) return err(E.EINVAL);
      return sleepFor(ctx, clock, int(a[1]!), num(a[2]!), num(a[3]!));
    },
  },
  {
    name: 'times', args: ['p'],
    handler: ({ proc, k }, a) => {
      // clock ticks at USER_HZ = 100: user time from retired instructions (1 GHz).
      const ticks = (n: number): bigint => BigInt(Math.floor(n / 10_000_000));
      if (a[0] !== 0n) {
        const b = new Uint8Array(32), dv = new DataView(b.buffer);
        dv.setBigInt64(0, ticks(proc.group.instret), true);
        dv.setBigInt64(16, ticks(proc.group.children.reduce((s, c) => s + c.deadInstret, 0)), true);
        proc.cpu.mem.writeBytes(num(a[0]!), b);
      }
      return k.monotonicNs() / 10_000_000n;
    },
  },
  {
    name: 'setitimer', args: ['d', 'p', 'p'],
    handler: (ctx, a) => setitimer(ctx, int(a[0]!), num(a[1]!), num(a[2]!)),
  },
  {
    name: 'getitimer', args: ['d', 'p'],
    handler: (ctx, a) => {
      const t = itimer(ctx, int(a[0]!));
      writePair(ctx, num(a[1]!), US, t.intervalNs, remaining(ctx.k, ctx.proc.group, t));
      return 0n;
    },
  },
  { name: 'alarm', args: ['u'], handler: (ctx, a) => alarm(ctx, Number(BigInt.asUintN(32, a[0]!))) },
  {
    name: 'timer_create', args: ['d', 'p', 'p'],
    handler: (ctx, a) => timerCreate(ctx, int(a[0]!), num(a[1]!), num(a[2]!)),
  },
  {
    name: 'timer_settime', args: ['d', 'x', 'p', 'p'],
    handler: (ctx, a) => timerSettime(ctx, int(a[0]!), int(a[1]!), num(a[2]!), num(a[3]!)),
  },
  {
    name: 'timer_gettime', args: ['d', 'p'],
    handler: (ctx, a) => {
      const t = posixTimer(ctx, int(a[0]!));
      writePair(ctx, num(a[1]!), 1n, t.intervalNs, remaining(ctx.k, ctx.proc.group, t, 0n));
      return 0n;
    },
  },
  {
    name: 'timer_getoverrun', args: ['d'],
    handler: (ctx, a) => BigInt(overrunOf(ctx.proc.group, posixTimer(ctx, int(a[0]!)))),
  },
  {
    name: 'timer_delete', args: ['d'],
    handler: (ctx, a) => (deletePosixTimer(ctx.proc.group, int(a[0]!)) ? 0n : err(E.EINVAL)),
  },
];



/**
 * nanosleep and clock_nanosleep: parks the task until the deadline; a signal ends it early with
 * EINTR and the time left in `rem` (relative sleeps only).
 */
function sleepFor(ctx: SyscallCtx, clock: number, flags: number, req: number, rem: number): bigint | Promise<bigint> {
  const { proc, k } = ctx;
  const mem = proc.cpu.mem;
  const sec = BigInt.asIntN(64, mem.readU64(req)), nsec = BigInt.asIntN(64, mem.readU64(req + 8));
  if (sec < 0n || nsec < 0n || nsec >= NS) return err(E.EINVAL);
  const t = sec * NS + nsec;
  const abs = (flags & TIMER_ABSTIME) !== 0;
  const now = clockNs(ctx, clock)!;
  // Deadlines live on the monotonic clock; an absolute time on another clock is shifted onto it.
  const deadline = k.monotonicNs() + (abs ? t - now : t);
  if (deadline <= k.monotonicNs()) return 0n;
  return k.sleep(proc, [], () => undefined, deadline).then((r) => {
    if (r === 'timeout') return 0n;
    if (!abs && rem !== 0) {
      const left = deadline - k.monotonicNs();
      mem.writeBytes(rem, timespec(left > 0n ? left / NS : 0n, left > 0n ? left % NS : 0n));
    }
    return err(E.EINTR);
  });
}

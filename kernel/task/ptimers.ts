/**
 * Per-process interval timers (man 2 setitimer) and POSIX timers (man 2 timer_create), as Linux's
 * kernel/time/itimer.c and posix-timers.c keep them. ITIMER_REAL and timers on the wall or
 * monotonic clock run on the kernel's monotonic clock (the realtime clock never steps here, so an
 * absolute wall-clock time converts once); ITIMER_VIRTUAL, ITIMER_PROF and timers on a CPU-time
 * clock count retired instructions (1 GHz, the clock CLOCK_PROCESS_CPUTIME_ID reads) and are
 * checked by the scheduler after every slice, so they fire within one quantum of their expiry.
 * There is no system time: ITIMER_VIRTUAL and ITIMER_PROF count the same.
 *
 * Timers are not inherited by fork; exec keeps the interval timers and deletes the POSIX ones;
 * they all go with the process.
 */
import type { Kernel } from '../kernel';
import { SIG } from '../signals';
import type { Process, ThreadGroup } from './process';
import { SI, type SigInfo } from './signal';
import type { Timer } from './timers';

export const ITIMER_REAL = 0, ITIMER_VIRTUAL = 1, ITIMER_PROF = 2;
export const SIGEV_SIGNAL = 0, SIGEV_NONE = 1, SIGEV_THREAD = 2, SIGEV_THREAD_ID = 4;
/** Linux's DELAYTIMER_MAX: si_overrun saturates here. */
const DELAYTIMER_MAX = 0x7fffffff;

/**
 * Which clock a timer counts: monotonic ns (`clock`: the clock id it was created on, for
 * absolute times), or CPU ns of the process or of one thread.
 */
export type TimerBase = { kind: 'mono'; clock: number } | { kind: 'process-cpu' } | { kind: 'thread-cpu'; task: Process };

/** Where its expiry goes: nowhere (SIGEV_NONE), the process, or one thread. */
export type TimerNotify = { kind: 'none' } | { kind: 'process'; signo: number } | { kind: 'thread'; signo: number; task: Process };

export interface ProcTimer {
  base: TimerBase;
  notify: TimerNotify;
  /** sigev_value, for POSIX timers' si_value. */
  value: bigint;
  /** POSIX timer id (si_timerid); -1 for the interval timers (their signals carry SI_KERNEL). */
  id: number;
  /** Next expiry on the base's clock; null: disarmed. */
  deadline: bigint | null;
  intervalNs: bigint;
  /** The host or virtual timer of a 'mono' timer while armed. */
  handle: Timer | null;
  /** The signal queued for the last expiry, while it may still be pending. */
  queued: SigInfo | null;
  /** si_overrun of the last delivered expiry (timer_getoverrun). */
  overrunLast: number;
}

class ProcessTimers {
  /** ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF. */
  readonly itimers: ProcTimer[];
  readonly posix = new Map<number, ProcTimer>();

  constructor() {
    const sig = [SIG.SIGALRM, SIG.SIGVTALRM, SIG.SIGPROF];
    const base: TimerBase[] = [{ kind: 'mono', clock: 1 }, { kind: 'process-cpu' }, { kind: 'process-cpu' }];
    this.itimers = sig.map((signo, i) => newTimer(base[i]!, { kind: 'process', signo }, 0n, -1));
  }
}

function newTimer(base: TimerBase, notify: TimerNotify, value: bigint, id: number): ProcTimer {
  return { base, notify, value, id, deadline: null, intervalNs: 0n, handle: null, queued: null, overrunLast: 0 };
}

const state = new WeakMap<ThreadGroup, ProcessTimers>();

export function timersOf(g: ThreadGroup): ProcessTimers {
  let s = state.get(g);
  if (!s) { s = new ProcessTimers(); state.set(g, s); }
  return s;
}

/** The base clock's now. */
export function timerNow(k: Kernel, g: ThreadGroup, t: ProcTimer): bigint {
  switch (t.base.kind) {
    case 'mono': return k.monotonicNs();
    case 'process-cpu': return BigInt(g.instret);
    case 'thread-cpu': return BigInt(t.base.task.cpu.instret);
  }
}

/** The signal of one expiry is still queued (not yet delivered): the expiry is an overrun. */
function stillPending(g: ThreadGroup, info: SigInfo): boolean {
  return g.tasks.some((t) => t.signals.pending.includes(info));
}

/** posix_timer_fn / it_real_fn: one expiry. */
function expire(k: Kernel, g: ThreadGroup, t: ProcTimer, overruns: number): void {
  const n = t.notify;
  if (n.kind === 'none') return;
  if (t.queued && stillPending(g, t.queued)) {
    // One signal per timer at a time; further expiries only count (si_overrun).
    t.queued.uid = Math.min(DELAYTIMER_MAX, (t.queued.uid ?? 0) + 1 + overruns);
    return;
  }
  if (t.queued) t.overrunLast = t.queued.uid ?? 0;
  // A POSIX timer's siginfo is _timer {si_tid, si_overrun, si_value}: the same offsets as
  // _rt {pid, uid, value}, which is what encodeSigInfo writes.
  const info: SigInfo = t.id < 0
    ? { signo: n.signo, errno: 0, code: SI.KERNEL }
    : { signo: n.signo, errno: 0, code: SI.TIMER, pid: t.id, uid: Math.min(DELAYTIMER_MAX, overruns), value: t.value };
  t.queued = t.id < 0 ? null : info;
  if (n.kind === 'thread') {
    if (!n.task.status) k.signalTask(n.task, info);
  } else {
    k.signalGroup(g, info);
  }
}

/** The expiry is due: signal, then re-arm a periodic timer past `now` (skipped periods are overruns). */
function due(k: Kernel, g: ThreadGroup, t: ProcTimer): void {
  if (!g.alive || g.dying || t.deadline === null) return;
  const now = timerNow(k, g, t);
  let overruns = 0;
  if (t.intervalNs > 0n) {
    let next = t.deadline + t.intervalNs;
    if (next <= now) {
      const missed = (now - next) / t.intervalNs + 1n;
      overruns = Number(missed > BigInt(DELAYTIMER_MAX) ? BigInt(DELAYTIMER_MAX) : missed);
      next += missed * t.intervalNs;
    }
    t.deadline = next;
  } else {
    t.deadline = null;
  }
  t.handle = null;
  expire(k, g, t, overruns);
  if (t.deadline !== null) armHandle(k, g, t);
}

function armHandle(k: Kernel, g: ThreadGroup, t: ProcTimer): void {
  if (t.base.kind !== 'mono' || t.deadline === null) return;
  // A deadline already past fires inside at(); due() has then set the handle itself.
  let fired = false;
  const h = k.timers.at(t.deadline, () => { fired = true; due(k, g, t); });
  if (!fired) t.handle = h;
}

/**
 * Arms `t` to expire at `deadline` on its clock (null disarms), then every `intervalNs` (0: once).
 */
export function arm(k: Kernel, g: ThreadGroup, t: ProcTimer, deadline: bigint | null, intervalNs: bigint): void {
  t.handle?.cancel();
  t.handle = null;
  t.deadline = deadline;
  t.intervalNs = deadline === null ? 0n : intervalNs;
  armHandle(k, g, t);
}

/** Time left until the next expiry (0: disarmed); a due but not yet handled expiry shows 1 µs as Linux's get_itimer does. */
export function remaining(k: Kernel, g: ThreadGroup, t: ProcTimer, minimum = 1000n): bigint {
  if (t.deadline === null) return 0n;
  const left = t.deadline - timerNow(k, g, t);
  return left > 0n ? left : minimum;
}

/** timer_getoverrun: the overrun count of the last delivered expiry. */
export function overrunOf(g: ThreadGroup, t: ProcTimer): number {
  if (t.queued && !stillPending(g, t.queued)) t.overrunLast = t.queued.uid ?? 0;
  return t.overrunLast;
}

/** timer_create's new timer (ids from 0, the lowest free one, as Linux's idr hands them out). */
export function createPosixTimer(g: ThreadGroup, base: TimerBase, notify: TimerNotify, value: bigint | null): ProcTimer {
  const s = timersOf(g);
  let id = 0;
  while (s.posix.has(id)) id++;
  const t = newTimer(base, notify, value ?? BigInt(id), id);
  s.posix.set(id, t);
  return t;
}

export function deletePosixTimer(g: ThreadGroup, id: number): boolean {
  const s = state.get(g);
  const t = s?.posix.get(id);
  if (!t) return false;
  t.handle?.cancel();
  s!.posix.delete(id);
  return true;
}

/** The scheduler ran a slice of `task`: CPU-time timers that are due expire. */
export function checkCpuTimers(k: Kernel, task: Process): void {
  const s = state.get(task.group);
  if (!s) return;
  for (const t of [...s.itimers, ...s.posix.values()]) {
    if (t.deadline === null || t.base.kind === 'mono') continue;
    if (t.base.kind === 'thread-cpu' && t.base.task !== task) continue;
    if (timerNow(k, task.group, t) >= t.deadline) due(k, task.group, t);
  }
}

/** execve: POSIX timers are deleted, interval timers kept. */
export function timersAtExec(g: ThreadGroup): void {
  const s = state.get(g);
  if (!s) return;
  for (const id of [...s.posix.keys()]) deletePosixTimer(g, id);
}

/** The process is gone: every timer stops. */
export function timersAtExit(g: ThreadGroup): void {
  const s = state.get(g);
  if (!s) return;
  timersAtExec(g);
  for (const t of s.itimers) { t.handle?.cancel(); t.handle = null; t.deadline = null; }
  state.delete(g);
}

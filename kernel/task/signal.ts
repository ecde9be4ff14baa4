/**
 * Linux signal semantics, arch-neutral (Linux kernel/signal.c, include/linux/sched/signal.h,
 * include/uapi/asm-generic/siginfo.h, man 7 signal): generation (what `kill` and a fault do:
 * drop ignored signals, coalesce standard ones, queue real-time ones), dequeueing in Linux's
 * order (synchronous faults first, then the lowest number), default actions, and the
 * sigaltstack rules. Delivery itself (frames, registers) is in kernel.ts and sigframe/.
 *
 * Pending signals live in a {@link SigPending} of their own so that they can move from the
 * process to each thread (Linux's per-task `pending` beside the group's `shared_pending`).
 */
import { NSIG, SIG } from '../signals';
import type { Process, SigAction } from './process';
import { WaitQueue } from './wait';

// ---- constants (asm-generic/signal-defs.h, asm-generic/signal.h, asm-generic/siginfo.h) ----

export const SA = {
  NOCLDSTOP: 0x1n, NOCLDWAIT: 0x2n, SIGINFO: 0x4n, UNSUPPORTED: 0x400n, EXPOSE_TAGBITS: 0x800n,
  RESTORER: 0x0400_0000n, ONSTACK: 0x0800_0000n, RESTART: 0x1000_0000n, NODEFER: 0x4000_0000n,
  RESETHAND: 0x8000_0000n,
} as const;

export const SIG_DFL = 0n, SIG_IGN = 1n;

/** si_code values. */
export const SI = { USER: 0, KERNEL: 0x80, QUEUE: -1, TIMER: -2, MESGQ: -3, ASYNCIO: -4, SIGIO: -5, TKILL: -6 } as const;
export const SEGV_MAPERR = 1, SEGV_ACCERR = 2;
export const ILL_ILLOPC = 1;
export const TRAP_BRKPT = 1;
export const FPE_INTDIV = 1;
export const BUS_ADRALN = 1, BUS_ADRERR = 2;

/** stack_t.ss_flags. */
export const SS_ONSTACK = 1, SS_DISABLE = 2, SS_AUTODISARM = 1 << 31;

/** One bit per signal: bit (n - 1) for signal n, as in the kernel's sigset_t. */
export function sigbit(sig: number): bigint { return 1n << BigInt(sig - 1); }

/** SIGKILL and SIGSTOP can be neither caught nor blocked. */
export const UNBLOCKABLE = sigbit(SIG.SIGKILL) | sigbit(SIG.SIGSTOP);

/** Signals a fault raises; Linux dequeues these before any other (SYNCHRONOUS_MASK). */
const SYNCHRONOUS = [SIG.SIGSEGV, SIG.SIGBUS, SIG.SIGILL, SIG.SIGTRAP, SIG.SIGFPE, SIG.SIGSYS].reduce((m, s) => m | sigbit(s), 0n);

/** First real-time signal the kernel knows (glibc/musl reserve 32..34 for themselves). */
export const SIGRTMIN = 32;

// ---- siginfo ----

/** A kernel_siginfo: the fields of the union that our sources fill. */
export interface SigInfo {
  signo: number;
  errno: number;
  code: number;
  /** _kill / _rt / _sigchld: sender. */
  pid?: number;
  uid?: number;
  /** _sigfault: fault address (SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE). */
  addr?: bigint;
  /** _sigchld: status; _rt: sival (written at the same offset). */
  status?: number;
  value?: bigint;
  /** Why, for logs and the exit status (not part of the ABI). */
  detail?: string;
  /** Already shown to a debugger (do not report it again). */
  reported?: boolean;
}

export const SIGINFO_SIZE = 128;

/**
 * The 128-byte siginfo_t as copy_siginfo_to_user writes it on a 64-bit arch: si_signo, si_errno,
 * si_code (ints at 0, 4, 8), then the union at 16 — _kill {pid, uid}, _rt {pid, uid, sigval at
 * 24}, _sigchld {pid, uid, status at 24}, _sigfault {addr at 16}.
 */
export function encodeSigInfo(info: SigInfo): Uint8Array {
  const b = new Uint8Array(SIGINFO_SIZE), dv = new DataView(b.buffer);
  dv.setInt32(0, info.signo, true);
  dv.setInt32(4, info.errno, true);
  dv.setInt32(8, info.code, true);
  if (info.addr !== undefined) {
    dv.setBigUint64(16, BigInt.asUintN(64, info.addr), true);
  } else {
    if (info.pid !== undefined) dv.setInt32(16, info.pid, true);
    if (info.uid !== undefined) dv.setUint32(20, info.uid, true);
    if (info.value !== undefined) dv.setBigUint64(24, BigInt.asUintN(64, info.value), true);
    else if (info.status !== undefined) dv.setInt32(24, info.status, true);
  }
  return b;
}

/** siginfo of kill (SI_USER) or tkill/tgkill (SI_TKILL) from `sender`. */
export function userInfo(sig: number, code: number, pid: number, uid: number): SigInfo {
  return { signo: sig, errno: 0, code, pid, uid };
}

// ---- default actions (man 7 signal; kernel/signal.c SIG_KERNEL_*_MASK) ----

export type DefaultAction = 'term' | 'core' | 'ign' | 'stop' | 'cont';

const CORE = new Set<number>([SIG.SIGQUIT, SIG.SIGILL, SIG.SIGTRAP, SIG.SIGABRT, SIG.SIGBUS, SIG.SIGFPE, SIG.SIGSEGV,
  SIG.SIGXCPU, SIG.SIGXFSZ, SIG.SIGSYS]);
const IGNORE = new Set<number>([SIG.SIGCHLD, SIG.SIGURG, SIG.SIGWINCH]);
const STOP = new Set<number>([SIG.SIGSTOP, SIG.SIGTSTP, SIG.SIGTTIN, SIG.SIGTTOU]);

export function defaultAction(sig: number): DefaultAction {
  if (sig === SIG.SIGCONT) return 'cont';
  if (IGNORE.has(sig)) return 'ign';
  if (STOP.has(sig)) return 'stop';
  if (CORE.has(sig)) return 'core';
  return 'term';
}

/** sig_handler_ignored: SIG_IGN, or SIG_DFL of a signal whose default is to ignore. */
export function handlerIgnores(act: SigAction, sig: number): boolean {
  if (sig === SIG.SIGKILL || sig === SIG.SIGSTOP) return false;
  return act.handler === SIG_IGN || (act.handler === SIG_DFL && (defaultAction(sig) === 'ign' || defaultAction(sig) === 'cont'));
}

export function validSignal(sig: number): boolean {
  return sig >= 1 && sig <= NSIG;
}

// ---- pending signals ----

/**
 * A set of pending signals with their siginfo: standard signals (below SIGRTMIN) are pending
 * at most once, real-time signals queue every instance (Linux's `struct sigpending`).
 */
export class SigPending {
  /** Bit (n - 1) set when signal n has at least one queued instance. */
  set = 0n;
  private readonly queue = new Map<number, SigInfo[]>();

  has(sig: number): boolean { return (this.set & sigbit(sig)) !== 0n; }

  add(info: SigInfo): void {
    const q = this.queue.get(info.signo);
    if (q) q.push(info);
    else this.queue.set(info.signo, [info]);
    this.set |= sigbit(info.signo);
  }

  /** This very siginfo is still queued (a POSIX timer's expiry not yet delivered). */
  includes(info: SigInfo): boolean {
    return this.queue.get(info.signo)?.includes(info) ?? false;
  }

  /** Removes every instance of the signals in `mask`. */
  flush(mask: bigint): void {
    for (let s = 1; s <= NSIG; s++) {
      if (mask & sigbit(s)) this.queue.delete(s);
    }
    this.set &= ~mask;
  }

  /** next_signal + collect_signal: the first deliverable signal of `wanted` in Linux's order. */
  dequeue(wanted: bigint): SigInfo | null {
    const ready = this.set & wanted;
    if (ready === 0n) return null;
    const pick = (ready & SYNCHRONOUS) !== 0n ? ready & SYNCHRONOUS : ready;
    let sig = 1;
    while (!(pick & sigbit(sig))) sig++;
    const q = this.queue.get(sig)!;
    const info = q.shift()!;
    if (q.length === 0) {
      this.queue.delete(sig);
      this.set &= ~sigbit(sig);
    }
    return info;
  }
}

/** The alternate signal stack (sigaltstack(2)): task_struct's sas_ss_sp/size/flags. */
export interface AltStack { sp: bigint; size: bigint; flags: number }

/**
 * A task's signal state besides the dispositions (Process.sigactions) and the blocked mask
 * (Process.sigmask).
 */
export class SignalState {
  readonly pending = new SigPending();
  altstack: AltStack = { sp: 0n, size: 0n, flags: SS_DISABLE };
  /** rt_sigsuspend's saved mask: stored in the next frame, or put back when no handler runs. */
  savedMask: bigint | null = null;
  /** Address of the rt_sigreturn trampoline in the "[vdso]" page (0: none mapped). */
  trampoline = 0n;
  /** Woken whenever a signal is queued, so that a sleeping task can be interrupted. */
  readonly wakeups = new WaitQueue();

  /** Tells sleepers that something was queued. */
  notify(): void {
    this.wakeups.wake();
  }
}

// ---- generation ----

/**
 * send_signal for a signal to `p` (kill, tkill, raise from a fault): SIGKILL ends the process at
 * once, an ignored and unblocked signal is dropped, a standard signal already pending is not
 * queued twice. Returns the status to terminate `p` with, for SIGKILL.
 */
export function generate(p: Process, info: SigInfo): 'kill' | null {
  const sig = info.signo;
  if (sig === SIG.SIGKILL) return 'kill';
  const blocked = (p.sigmask & sigbit(sig)) !== 0n;
  if (!blocked && handlerIgnores(p.sigactions[sig]!, sig)) return null;
  if (sig < SIGRTMIN && p.signals.pending.has(sig)) return null;
  p.signals.pending.add(info);
  p.signals.notify();
  return null;
}

/**
 * force_sig_info_to_task: a fault's signal cannot be blocked or ignored — if it is, the handler
 * goes back to SIG_DFL and the signal is unblocked, so the process dies of it.
 */
export function force(p: Process, info: SigInfo): void {
  const sig = info.signo;
  const act = p.sigactions[sig]!;
  const blocked = (p.sigmask & sigbit(sig)) !== 0n;
  if (act.handler === SIG_IGN || blocked) {
    p.sigactions[sig] = { ...act, handler: SIG_DFL };
    p.sigmask &= ~sigbit(sig);
  }
  if (sig < SIGRTMIN && p.signals.pending.has(sig)) return; // legacy_queue: the first instance wins
  p.signals.pending.add(info);
  p.signals.notify();
}

/** Signals that would be delivered now. */
export function deliverable(p: Process): bigint {
  return p.signals.pending.set & ~p.sigmask;
}

/** set_current_blocked: SIGKILL and SIGSTOP are never blocked. */
export function setBlocked(p: Process, mask: bigint): void {
  p.sigmask = BigInt.asUintN(64, mask) & ~UNBLOCKABLE;
}

/**
 * set_user_sigmask (rt_sigsuspend, ppoll, pselect6, epoll_pwait): `mask` is blocked for the
 * call; the old one is kept in `savedMask`, which the frame of a handler that ends the wait
 * stores (so sigreturn brings it back) or the return to user mode restores.
 */
export function setTemporaryMask(p: Process, mask: bigint): void {
  p.signals.savedMask = p.sigmask;
  setBlocked(p, mask);
}

/**
 * restore_saved_sigmask: the old mask back now. A call that was not interrupted does this
 * before returning, so a signal only the temporary mask let through stays pending.
 */
export function restoreSavedMask(p: Process): void {
  if (p.signals.savedMask === null) return;
  setBlocked(p, p.signals.savedMask);
  p.signals.savedMask = null;
}

// ---- alternate stack (include/linux/sched/signal.h) ----

export function onSigStack(ss: AltStack, sp: bigint): boolean {
  if (ss.flags & SS_AUTODISARM) return false;
  return sp > ss.sp && sp - ss.sp <= ss.size;
}

export function sasSsFlags(ss: AltStack, sp: bigint): number {
  if (ss.size === 0n) return SS_DISABLE;
  return onSigStack(ss, sp) ? SS_ONSTACK : 0;
}

/** sigsp: the top of the stack a handler with `flags` runs on, given the interrupted sp. */
export function sigsp(ss: AltStack, sp: bigint, flags: bigint): bigint {
  if (flags & SA.ONSTACK && sasSsFlags(ss, sp) === 0) return ss.sp + ss.size;
  return sp;
}

/** do_sigaltstack's update half: errno or 0. `minSize` is the arch's MINSIGSTKSZ. */
export function setAltStack(state: SignalState, next: AltStack, sp: bigint, minSize: number): number {
  const cur = state.altstack;
  if (onSigStack(cur, sp)) return 1; // EPERM
  const mode = next.flags & ~SS_AUTODISARM;
  if (mode !== SS_DISABLE && mode !== SS_ONSTACK && mode !== 0) return 22; // EINVAL
  if (cur.sp === next.sp && cur.size === next.size && cur.flags === next.flags) return 0;
  if (mode === SS_DISABLE) {
    state.altstack = { sp: 0n, size: 0n, flags: next.flags };
    return 0;
  }
  if (next.size < BigInt(minSize)) return 12; // ENOMEM
  state.altstack = { ...next };
  return 0;
}

/** stack_t as user space sees it: ss_sp (u64), ss_flags (int, then padding), ss_size (u64). */
export const STACK_T_SIZE = 24;

export function encodeStack(ss: AltStack): Uint8Array {
  const b = new Uint8Array(STACK_T_SIZE), dv = new DataView(b.buffer);
  dv.setBigUint64(0, BigInt.asUintN(64, ss.sp), true);
  dv.setInt32(8, ss.flags, true);
  dv.setBigUint64(16, BigInt.asUintN(64, ss.size), true);
  return b;
}

export function decodeStack(b: Uint8Array): AltStack {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { sp: dv.getBigUint64(0, true), flags: dv.getInt32(8, true), size: dv.getBigUint64(16, true) };
}

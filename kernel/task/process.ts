/**
 * Tasks and processes, as Linux splits them: a {@link Process} here is one schedulable task (a
 * thread: registers, blocked mask, its own pending signals), and its {@link ThreadGroup} is the
 * process users see (pid, parent and children, address space, exit status). The parts clone(2)
 * can share — file table, fs context, signal handlers — are objects of their own that tasks
 * point to.
 */
import type { Cpu } from '../../arch/common/cpu';
import type { AddressSpace } from '../mm/address-space';
import type { FdTable } from '../fs/fdtable';
import type { FsContext } from '../fs/vfs';
import { NSIG } from '../signals';
import { SignalState } from './signal';
import { WaitQueue } from './wait';

export interface SigAction { handler: bigint; flags: bigint; restorer: bigint; mask: bigint }

/** How a process ended. */
export type ExitStatus =
  | { kind: 'exited'; code: number }
  /** `core`: the signal's default action dumps core (wait status bit 0x80; no file is written). */
  | { kind: 'signaled'; signal: number; detail: string; core?: boolean };

/** The wait(2) status word of an exit status. */
export function waitStatus(s: ExitStatus): number {
  return s.kind === 'exited' ? (s.code & 0xff) << 8 : (s.signal & 0x7f) | (s.core ? 0x80 : 0);
}

export const SIG_DFL = 0n;

/** Signal dispositions (Linux's sighand_struct), shared by CLONE_SIGHAND. */
export class SigHandlers {
  readonly actions: SigAction[] = Array.from({ length: NSIG + 1 }, () => ({ handler: SIG_DFL, flags: 0n, restorer: 0n, mask: 0n }));

  clone(): SigHandlers {
    const h = new SigHandlers();
    this.actions.forEach((a, i) => { h.actions[i] = { ...a }; });
    return h;
  }
}

/** A process: what its threads share, and its place among processes. */
export class ThreadGroup {
  readonly tasks: Process[] = [];
  readonly children: ThreadGroup[] = [];
  /** Set when the last thread is gone: a zombie until its parent reaps it. */
  exit: ExitStatus | null = null;
  /** exit_group / fatal signal in progress: the status every thread dies with. */
  dying: ExitStatus | null = null;
  /** Woken when a child changes state (wait4 sleeps here). */
  readonly childEvents = new WaitQueue();
  /** Signal the parent gets at our exit (clone's low byte; SIGCHLD for fork). */
  exitSignal = 17;
  /** Instructions retired by threads that are gone (process CPU time). */
  deadInstret = 0;
  /** The auxiliary vector given at exec (gdb reads it with qXfer:auxv:read). */
  auxv: Uint8Array = new Uint8Array(0);
  /** The program's argv as /proc/self/cmdline shows it. */
  argv: string[] = [];

  constructor(
    readonly pid: number,
    public parent: ThreadGroup | null,
    public as: AddressSpace,
    public execPath: string,
    public pgid: number,
    public sid: number,
  ) {}

  get ppid(): number { return this.parent?.pid ?? 1; }
  get alive(): boolean { return this.exit === null; }

  /** Instructions retired by all threads, live and gone. */
  get instret(): number { return this.tasks.reduce((n, t) => n + t.cpu.instret, this.deadInstret); }
}

/** One task (thread). */
export class Process {
  /** Blocked signals (bit n-1 for signal n). */
  sigmask = 0n;
  /** Pending signals, sigaltstack, rt_sigsuspend's saved mask, the sigreturn trampoline. */
  readonly signals = new SignalState();
  clearChildTid = 0n;
  robustList = 0n;
  /** Set when this task has ended (for the whole process: group.exit). */
  status: ExitStatus | null = null;
  /** The thread's name (prctl PR_SET_NAME, /proc comm); the program's base name at exec. */
  comm = '';
  /** Signal to get when the parent dies (PR_SET_PDEATHSIG; kept for PR_GET_PDEATHSIG). */
  pdeathSignal = 0;
  /** Nice value, -20..19 (setpriority; per thread as on Linux, inherited by clone). It does not
   *  weigh the round-robin: every runnable task gets the same quantum. */
  nice = 0;
  /** personality(2) persona (PER_LINUX and flags), inherited by clone, kept across execve. */
  persona = 0;

  constructor(
    readonly tid: number,
    public group: ThreadGroup,
    public cpu: Cpu,
    public fds: FdTable,
    public fs: FsContext,
    public sighand: SigHandlers,
  ) {}

  get pid(): number { return this.group.pid; }
  get ppid(): number { return this.group.ppid; }
  get as(): AddressSpace { return this.group.as; }
  get sigactions(): SigAction[] { return this.sighand.actions; }
  get execPath(): string { return this.group.execPath; }
  get auxv(): Uint8Array { return this.group.auxv; }
}

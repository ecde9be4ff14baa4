/**
 * The Linux personality: processes created from ELF images, scheduled round-robin by
 * instruction budget (the timer preemption of the racho seed), each serviced through its CPU's
 * StopReasons (the seed's `UserContext::run()` trap loop). The loop runs in bounded slices and
 * returns a KernelEvent, so the daemon's event loop (gdb, signals, host I/O) stays responsive; a
 * task that must wait is parked and the others run.
 */
import { randomFillSync } from 'node:crypto';
import type { ArchModule, Cpu } from '../arch/common/cpu';
import { unreachable } from '../arch/common/cpu';
import { Access, accessName, FRAME_SHIFT, Memory, MemFault, type Watchpoint } from '../arch/common/memory';
import { errnoName, E, SysError } from './errno';
import type { OpenFile } from './fs/file';
import { FdTable } from './fs/fdtable';
import { makeDevFs } from './fs/devfs';
import { makeProcFs } from './fs/procfs';
import { TmpFileSystem } from './fs/tmpfs';
import { FsContext, type Vfs } from './fs/vfs';
import { parseElf } from './loader/elf';
import { loadImage } from './loader/exec';
import { FrameAllocator } from './mm/frames';
import { AddressSpace } from './mm/address-space';
import { SIG, signalName } from './signals';
import { dispatchTable, type SyscallRoute } from './syscall/dispatch';
import { err, ERESTARTNOHAND, ERESTARTSYS, type SleepResult, type SyscallCtx } from './syscall/table';
import { Futexes } from './task/futex';
import { Process, SigHandlers, ThreadGroup, type ExitStatus, type SigAction } from './task/process';
import { BadFrame, mapSigTrampoline, sigframeFor, type SigFrameArch } from './task/sigframe';
import {
  defaultAction, deliverable, encodeSigInfo, encodeStack, force, FPE_INTDIV, generate, handlerIgnores, ILL_ILLOPC, onSigStack, SA,
  BUS_ADRERR, SEGV_ACCERR, SEGV_MAPERR, restoreSavedMask, setBlocked, SI, SIG_DFL, SIG_IGN, sigbit, SIGRTMIN, sigsp, SS_AUTODISARM, SS_DISABLE, TRAP_BRKPT,
  type SigInfo,
} from './task/signal';
import { checkCpuTimers, timersAtExec, timersAtExit } from './task/ptimers';
import { Timers } from './task/timers';
import { WaitQueue } from './task/wait';

export interface Logger {
  error(msg: string): void;
  warn(msg: string): void;
  info(msg: string): void;
  debug(msg: string): void;
}

export interface KernelOptions {
  arch: ArchModule;
  /** Guest RAM (shared with the device Bus); its first `reservedBytes` belong to drivers. */
  ram: ArrayBuffer;
  reservedBytes: number;
  /** The file namespace (root file system and mounts). */
  vfs: Vfs;
  /** Descriptors 0, 1, 2 of the first process. */
  stdio: [OpenFile, OpenFile, OpenFile];
  log: Logger;
  /** One line per syscall when set (`--trace-syscalls`). */
  trace?: ((line: string) => void) | null;
  /** Reproducible time, pids and randomness. */
  deterministic?: boolean;
}

export type KernelEvent = (
  | { kind: 'exit'; status: ExitStatus }
  | { kind: 'budget' }
  | { kind: 'breakpoint' }
  | { kind: 'watchpoint'; addr: bigint; access: Access }
  /** A signal is about to be delivered (reported first when a debugger asks for it). */
  | { kind: 'signal'; signal: number; detail: string }
  /** Every task waits (for host I/O, a timer, another task); call again once `until` settles. */
  | { kind: 'blocked'; until: Promise<void> }
  | { kind: 'syscall-entry'; nr: number }
  | { kind: 'syscall-exit'; nr: number; ret: bigint }
) & { task?: Process };

export interface RunOptions {
  /** Report signals as events before acting on them (a debugger decides). */
  stopOnSignal?: boolean;
  /** Syscall numbers to stop at (entry and return), or 'all'. */
  catchSyscalls?: ReadonlySet<number> | 'all' | null;
  /** The process a debugger follows: the options above apply to its tasks only. */
  traced?: ThreadGroup;
}

/** Where a task is inside a syscall, across run() calls. */
type SyscallPhase =
  | { at: 'entry'; nr: number }
  | { at: 'waiting'; nr: number; trace: string | null }
  | { at: 'done'; nr: number; ret: bigint; trace: string | null };

const EPOCH_NS = 1_767_225_600n * 1_000_000_000n; // 2026-01-01T00:00:00Z, deterministic mode's "now"
/** Instructions a task runs before the next one gets the CPU. */
const QUANTUM = 200_000;
/** First pid handed out (the same in every run: pids are reproducible). */
const FIRST_PID = 1000;

export class Kernel {
  readonly arch: ArchModule;
  readonly deterministic: boolean;
  readonly frames: FrameAllocator;
  readonly vfs: Vfs;
  readonly uid: number;
  readonly gid: number;
  readonly hostname = 'runlinuxd';
  readonly futexes = new Futexes();
  readonly timers: Timers;
  private readonly routes: SyscallRoute[];
  private readonly warned = new Set<number>();
  private readonly startNs = process.hrtime.bigint();
  private readonly bootRealNs = BigInt(Date.now()) * 1_000_000n;
  private rngState = 0x2545f4914f6cdd1dn;
  private nextPid = FIRST_PID;
  private readonly phase = new WeakMap<Process, SyscallPhase>();
  /** A signal shown to the debugger (stopOnSignal), acted on by the next run() unless cleared. */
  private readonly heldSignal = new WeakMap<Process, SigInfo>();
  /** Live tasks in round-robin order. */
  readonly tasks: Process[] = [];
  private rr = 0;
  private orphansRun = false;
  readonly groups = new Map<number, ThreadGroup>();
  /** The first process: the daemon's run ends with it. */
  init: ThreadGroup | null = null;
  /** Woken when a parked task can run again. */
  private readonly runnable: WaitQueue = new WaitQueue();
  private readonly memories = new Map<AddressSpace, Memory>();
  /** vfork parents waiting for their child to exec or exit. */
  private readonly vforkWaiters = new Map<ThreadGroup, WaitQueue>();
  /** Instructions of tasks that are gone, and virtual time skipped while idle (deterministic clock). */
  private goneInstret = 0;
  private skewNs = 0n;
  private breakpoints: ReadonlySet<bigint> = new Set();
  private watchpoints: Watchpoint[] = [];
  /** The process debugger breakpoints and watchpoints apply to (its forks run without them). */
  private traced: ThreadGroup | null = null;

  constructor(private readonly opts: KernelOptions) {
    this.arch = opts.arch;
    this.deterministic = opts.deterministic ?? false;
    this.vfs = opts.vfs;
    this.frames = new FrameAllocator(new Uint8Array(opts.ram), opts.reservedBytes >>> FRAME_SHIFT);
    this.frames.onReuse = (frame) => { for (const m of this.memories.values()) m.invalidateFrame(frame); };
    this.uid = this.deterministic ? 0 : process.getuid?.() ?? 0;
    this.gid = this.deterministic ? 0 : process.getgid?.() ?? 0;
    this.routes = dispatchTable(opts.arch.spec.name);
    this.timers = new Timers(this.deterministic, () => this.monotonicNs(), (ns) => { this.skewNs += ns; });
    this.vfs.mount('/dev', makeDevFs((b) => this.fillRandom(b), () => this.controllingTty()));
    this.vfs.mount('/dev/shm', new TmpFileSystem({ dev: 0x17, clock: () => this.realtimeNs() }));
    this.vfs.mount('/proc', makeProcFs({
      current: () => this.current ?? this.tasks[0]!,
      group: (pid) => { const g = this.groups.get(pid); return g?.alive ? g : undefined; },
      pids: () => [...this.groups.values()].filter((g) => g.alive).map((g) => g.pid),
      mounts: () => this.vfs.mountTable(),
      uptimeNs: () => this.monotonicNs(),
      ramBytes: opts.ram.byteLength,
      freeBytes: () => (this.frames.totalFrames - this.frames.usedFrames) * 4096,
      cpuName: `isa\t\t: ${opts.arch.spec.unameMachine}`,
    }));
  }

  /** The task whose syscall is being handled (procfs's "self"). */
  private current: Process | null = null;

  /** The task a syscall, or the re-check of a sleeping one, is running for (signalfd's reader). */
  get currentTask(): Process | null { return this.current; }

  /** /dev/tty: the caller's standard input when that is a terminal. */
  private controllingTty(): OpenFile | null {
    const t = this.current;
    if (!t || !t.fds.has(0)) return null;
    const f = t.fds.get(0);
    return f.isTty ? f : null;
  }

  // ---- processes ----

  /** Creates the first process running `image` (the ELF file's bytes); ElfError for a bad image. */
  spawn(path: string, image: Uint8Array, argv: string[], envp: string[]): Process {
    const as = this.newAddressSpace();
    const pid = this.nextPid++;
    const group = new ThreadGroup(pid, null, as, path, pid, pid);
    const fds = new FdTable();
    this.opts.stdio.forEach((f, i) => fds.installAt(i, f));
    const task = new Process(pid, group, this.newCpu(group), fds, new FsContext(this.vfs.root, this.vfs.root), new SigHandlers());
    this.load(task, path, image, argv, envp);
    group.tasks.push(task);
    this.tasks.push(task);
    this.groups.set(pid, group);
    this.init = group;
    return task;
  }

  private newAddressSpace(): AddressSpace {
    const spec = this.arch.spec, ram = this.opts.ram;
    const as = new AddressSpace(this.frames, new Uint8Array(ram), spec.pageSize, ram.byteLength, spec.mmapBase);
    as.onOutOfMemory = () => this.opts.log.error('guest RAM exhausted (raise --mem)');
    return as;
  }

  /** The Memory (TLB, decode cache) of an address space: shared by the threads using it. */
  private memoryOf(as: AddressSpace): Memory {
    let mem = this.memories.get(as);
    if (!mem) {
      mem = new Memory(this.opts.ram, as);
      const m = mem;
      as.onChange = () => m.flushTlb();
      this.memories.set(as, mem);
    }
    return mem;
  }

  /** A CPU for a task of `group`, with the debugger's breakpoints when that process is traced. */
  private newCpu(group: ThreadGroup): Cpu {
    const cpu = this.arch.createCpu(this.memoryOf(group.as));
    if (group === this.traced) {
      cpu.setBreakpoints(this.breakpoints);
      cpu.mem.setWatchpoints(this.watchpoints);
    }
    return cpu;
  }

  /** Loads an ELF image into a fresh address space for `task`'s process (spawn and execve). */
  private load(task: Process, path: string, image: Uint8Array, argv: string[], envp: string[]): void {
    const spec = this.arch.spec;
    const elf = parseElf(image, spec.elfMachine, spec.pageSize);
    const as = this.newAddressSpace();
    const random = new Uint8Array(16);
    this.fillRandom(random);
    let r;
    try {
      r = loadImage(as, spec, elf, image, path, argv, envp, { uid: this.uid, euid: this.uid, gid: this.gid, egid: this.gid }, random);
    } catch (e) {
      as.destroy();
      throw e;
    }
    const old = task.group.as;
    task.group.as = as;
    task.cpu = this.newCpu(task.group);
    this.arch.abi.setEntry(task.cpu, BigInt(r.entry), BigInt(r.sp));
    task.group.auxv = r.auxv;
    task.group.execPath = path;
    task.group.argv = argv;
    task.comm = path.slice(path.lastIndexOf('/') + 1).slice(0, 15);
    if (this.sigframes) task.signals.trampoline = BigInt(mapSigTrampoline(as, spec.name));
    if (old !== as) this.dropAddressSpace(old);
  }

  /** Frees an address space no live process uses any more (exit, exec, vfork child leaving). */
  private dropAddressSpace(as: AddressSpace): void {
    for (const g of this.groups.values()) if (g.as === as && g.alive && g.tasks.length > 0) return;
    as.destroy();
    this.memories.delete(as);
  }

  findTask(tid: number): Process | undefined {
    return this.tasks.find((t) => t.tid === tid);
  }

  /**
   * execve: replaces the calling process's image. Other threads die first (de_thread), caught
   * signals go back to SIG_DFL, close-on-exec descriptors close, a vfork parent is released.
   */
  exec(task: Process, path: string, image: Uint8Array, argv: string[], envp: string[]): void {
    parseElf(image, this.arch.spec.elfMachine, this.arch.spec.pageSize); // ENOEXEC before anything changes
    const g = task.group;
    for (const t of [...g.tasks]) if (t !== task) this.removeTask(t, { kind: 'exited', code: 0 }, false);
    if (task.sighand.actions.some((a) => a.handler !== SIG_DFL && a.handler !== SIG_IGN)) {
      // An unshared copy: a CLONE_SIGHAND sibling process keeps its handlers.
      const h = task.sighand.clone();
      for (const a of h.actions) if (a.handler !== SIG_IGN) a.handler = SIG_DFL;
      for (const a of h.actions) { a.flags = 0n; a.mask = 0n; a.restorer = 0n; }
      task.sighand = h;
    }
    task.signals.altstack = { sp: 0n, size: 0n, flags: SS_DISABLE };
    task.clearChildTid = 0n;
    task.robustList = 0n;
    this.load(task, path, image, argv, envp);
    timersAtExec(g);
    task.fds.closeOnExec();
    this.releaseVfork(g);
  }

  /**
   * fork/clone: a new task, in a new process unless CLONE_THREAD. The child returns 0 from the
   * syscall on `newSp` (or the parent's stack), with TLS when asked.
   */
  clone(parent: Process, o: CloneRequest): Process {
    const tid = this.nextPid++;
    let group: ThreadGroup;
    if (o.thread) {
      group = parent.group;
    } else {
      const as = o.vm ? parent.as : parent.as.fork();
      const pg = parent.group;
      group = new ThreadGroup(tid, pg, as, pg.execPath, pg.pgid, pg.sid);
      group.auxv = pg.auxv;
      group.argv = pg.argv;
      group.exitSignal = o.exitSignal;
      pg.children.push(group);
      this.groups.set(tid, group);
    }
    const cpu = this.newCpu(group);
    cpu.restoreState(parent.cpu.saveState());
    const abi = this.arch.abi;
    abi.setResult(cpu, 0n);
    if (o.newSp !== 0n) abi.setSp(cpu, o.newSp);
    if (o.tls !== null) cpu.tls = o.tls;
    const child = new Process(tid, group, cpu, o.files ? parent.fds : parent.fds.clone(), o.fs ? parent.fs : parent.fs.clone(),
      o.sighand ? parent.sighand : parent.sighand.clone());
    child.sigmask = parent.sigmask;
    child.signals.altstack = o.vm && !o.vfork ? { sp: 0n, size: 0n, flags: SS_DISABLE } : { ...parent.signals.altstack };
    child.signals.trampoline = parent.signals.trampoline;
    child.comm = parent.comm;
    child.nice = parent.nice;
    child.persona = parent.persona;
    if (o.childClearTid !== null) child.clearChildTid = o.childClearTid;
    group.tasks.push(child);
    this.tasks.push(child);
    return child;
  }

  /** A vfork child exec'd or exited: its parent may go on. */
  private releaseVfork(g: ThreadGroup): void {
    const w = this.vforkWaiters.get(g);
    if (!w) return;
    this.vforkWaiters.delete(g);
    w.wake();
  }

  /** CLONE_VFORK: the parent sleeps until the child execs or exits. */
  waitVfork(parent: Process, child: ThreadGroup): Promise<void> {
    const q = new WaitQueue();
    this.vforkWaiters.set(child, q);
    return this.sleep(parent, [q], () => (this.vforkWaiters.has(child) ? undefined : true), null, false).then(() => {});
  }

  /**
   * Ends the whole process (exit_group, fatal signal, the debugger's kill, daemon shutdown).
   */
  terminate(p: Process, status: ExitStatus): void {
    const g = p.group;
    if (g.exit || g.dying) return;
    g.dying = status;
    for (const t of [...g.tasks]) this.removeTask(t, status, true);
  }

  /** exit(2) of one thread; the last one out ends the process with `status`. */
  exitThread(t: Process, status: ExitStatus): void {
    this.removeTask(t, status, true);
  }

  private removeTask(t: Process, status: ExitStatus, mayEndGroup: boolean): void {
    if (t.status) return;
    t.status = status;
    this.phase.delete(t);
    t.signals.notify();
    const g = t.group;
    if (t.clearChildTid !== 0n && !g.dying) {
      // CLONE_CHILD_CLEARTID: zero the tid word and wake a joiner (pthread_join).
      try {
        t.cpu.mem.writeU32(Number(t.clearChildTid), 0);
        this.futexes.wake(this.futexKey(t, Number(t.clearChildTid), false), 1);
      } catch { /* an unmapped word is ignored, as Linux does */ }
    }
    const i = this.tasks.indexOf(t);
    if (i >= 0) this.tasks.splice(i, 1);
    g.tasks.splice(g.tasks.indexOf(t), 1);
    g.deadInstret += t.cpu.instret;
    this.goneInstret += t.cpu.instret;
    // Descriptors close with the last task using the table (a pipe's reader then sees EOF).
    if (!this.tasks.some((x) => x.fds === t.fds)) t.fds.closeAll();
    if (g.tasks.length === 0 && mayEndGroup) this.endGroup(g, g.dying ?? status);
    this.runnable.wake();
  }

  /** The last thread is gone: a zombie for the parent to reap, orphans go to init. */
  private endGroup(g: ThreadGroup, status: ExitStatus): void {
    g.exit = status;
    timersAtExit(g);
    this.dropAddressSpace(g.as);
    this.releaseVfork(g);
    for (const c of g.children) {
      c.parent = this.init && this.init !== g ? this.init : null;
      if (c.parent) c.parent.children.push(c);
    }
    g.children.length = 0;
    const parent = g.parent;
    if (!parent || !parent.alive) {
      this.groups.delete(g.pid);
      return;
    }
    const act = parent.tasks[0]?.sigactions[SIG.SIGCHLD];
    const autoReap = act !== undefined && (act.handler === SIG_IGN || (act.flags & SA.NOCLDWAIT) !== 0n);
    if (g.exitSignal > 0) {
      this.signalGroup(parent, {
        signo: g.exitSignal, errno: 0, code: status.kind === 'exited' ? CLD_EXITED : status.core ? CLD_DUMPED : CLD_KILLED,
        pid: g.pid, uid: this.uid, status: status.kind === 'exited' ? status.code : status.signal,
      });
    }
    if (autoReap) this.reap(g);
    parent.childEvents.wake();
  }

  /** Removes a zombie for good (wait4 collected it, or its parent does not wait). */
  reap(g: ThreadGroup): void {
    this.groups.delete(g.pid);
    const p = g.parent;
    if (p) p.children.splice(p.children.indexOf(g), 1);
  }

  // ---- signals to processes ----

  /**
   * A process-directed signal (kill): queued on a thread that does not block it (Linux's
   * complete_signal), else on the first thread; SIGKILL ends the process.
   */
  signalGroup(g: ThreadGroup, info: SigInfo): void {
    if (!g.alive || g.dying) return;
    const bit = sigbit(info.signo);
    const t = g.tasks.find((x) => (x.sigmask & bit) === 0n) ?? g.tasks[0];
    if (!t) return;
    this.signalTask(t, info);
  }

  /** A thread-directed signal (tgkill, faults). */
  signalTask(t: Process, info: SigInfo): void {
    if (generate(t, info) === 'kill') {
      this.terminate(t, { kind: 'signaled', signal: SIG.SIGKILL, detail: info.detail ?? `killed by SIGKILL from pid ${info.pid ?? 0}` });
    }
  }

  // ---- scheduling ----

  /**
   * Runs tasks round-robin for up to `budget` instructions in all, each for at most a quantum
   * before the next runnable one gets the CPU. Returns when something needs the caller: the
   * first process ended (or, after keepRunningOrphans, every process), a debugger event (with the task it happened in), every task waits, or
   * the budget is spent.
   */
  schedule(budget: number, o: RunOptions = {}, skip: Process | null = null): KernelEvent {
    let spent = 0;
    for (;;) {
      if (this.init?.exit && (!this.orphansRun || this.tasks.length === 0)) return { kind: 'exit', status: this.init.exit };
      if (this.deterministic) this.timers.advance(false);
      const task = this.pickRunnable(skip);
      if (!task) {
        if (this.deterministic && this.timers.advance(true)) {
          return { kind: 'blocked', until: new Promise((r) => setImmediate(r)) };
        }
        return { kind: 'blocked', until: this.nextWake() };
      }
      const before = task.cpu.instret;
      const ev = this.run(task, Math.min(QUANTUM, budget - spent), !o.traced || task.group === o.traced ? o : {});
      spent += task.cpu.instret - before;
      checkCpuTimers(this, task);
      switch (ev.kind) {
        case 'budget':
        case 'blocked':
          break;
        case 'exit':
          if (this.init?.exit && (!this.orphansRun || this.tasks.length === 0)) return { kind: 'exit', status: this.init.exit };
          break;
        default:
          return { ...ev, task };
      }
      if (spent >= budget) return { kind: 'budget' };
    }
  }

  /**
   * After the first process ended, schedule() goes on running the processes it left (orphans,
   * as Linux reparents them) and reports its 'exit' once none is left.
   */
  keepRunningOrphans(): void { this.orphansRun = true; }

  /** The next task after the last one run that is not parked in a syscall. */
  private pickRunnable(skip: Process | null): Process | null {
    const n = this.tasks.length;
    for (let i = 0; i < n; i++) {
      const t = this.tasks[(this.rr + i) % n]!;
      if (t === skip || t.status) continue;
      if (this.phase.get(t)?.at === 'waiting') continue;
      this.rr = (this.rr + i + 1) % n;
      return t;
    }
    return null;
  }

  private nextWake(): Promise<void> {
    return new Promise((resolve) => {
      const off = this.runnable.subscribe(() => { off(); resolve(); });
    });
  }

  /** True when `task` is parked in a syscall. */
  isWaiting(task: Process): boolean {
    return this.phase.get(task)?.at === 'waiting';
  }

  /**
   * Parks `task` until `ready()` gives a value (re-checked whenever one of `queues` wakes), a
   * signal it does not block arrives ('interrupted', unless not interruptible), or the
   * monotonic clock reaches `deadlineNs` ('timeout').
   */
  sleep<T>(task: Process, queues: WaitQueue[], ready: () => T | undefined, deadlineNs: bigint | null, interruptible = true): Promise<SleepResult<T>> {
    return new Promise((resolve) => {
      const offs: Array<() => void> = [];
      let timer: { cancel(): void } | null = null;
      let done = false;
      const finish = (r: SleepResult<T>): void => {
        if (done) return;
        done = true;
        for (const off of offs) off();
        timer?.cancel();
        resolve(r);
      };
      const check = (): void => {
        if (done) return;
        if (task.status) { finish('interrupted'); return; }
        // The re-check runs for `task` (a wake comes from another task's syscall): a signalfd
        // asks whose signals are pending, /proc/self whose process it is.
        const caller = this.current;
        this.current = task;
        let v: T | undefined;
        try { v = ready(); } finally { this.current = caller; }
        if (v !== undefined) { finish(v); return; }
        if (interruptible && deliverable(task) !== 0n) finish('interrupted');
      };
      for (const q of queues) offs.push(q.subscribe(check));
      offs.push(task.signals.wakeups.subscribe(check));
      if (deadlineNs !== null) timer = this.timers.at(deadlineNs, () => finish('timeout'));
      check();
    });
  }

  /**
   * Runs `proc` for at most `budget` instructions (fewer when something happens). A signal held
   * back with stopOnSignal is acted on by the next call unless {@link clearSignal} dropped it.
   */
  run(proc: Process, budget: number, o: RunOptions = {}): KernelEvent {
    const cpu = proc.cpu;
    const start = cpu.instret;
    for (;;) {
      if (proc.status) return { kind: 'exit', status: proc.group.exit ?? proc.status };
      // Order: finish a syscall in progress, then signals (a debugger's first), then user code.
      const ph = this.phase.get(proc);
      if (ph && ph.at !== 'waiting') {
        const ev = this.continueSyscall(proc, ph, o);
        if (ev) return ev;
        continue;
      }
      const held = this.heldSignal.get(proc);
      if (held) {
        this.heldSignal.delete(proc);
        // ptrace_signal: a blocked one, or one for a task still waiting in a syscall, is queued.
        if (ph || (proc.sigmask & sigbit(held.signo)) !== 0n) this.requeue(proc, held);
        else this.actOnSignal(proc, held);
        continue;
      }
      if (ph) return { kind: 'blocked', until: this.wakeOf(proc) };
      if (deliverable(proc) !== 0n) {
        const ev = this.deliverOne(proc, o);
        if (ev) return ev;
        continue;
      }
      // A call with a temporary mask (rt_sigsuspend, ppoll, ...) returned but no handler ran.
      restoreSavedMask(proc);
      const left = budget - (proc.cpu.instret - start);
      if (left <= 0) return { kind: 'budget' };
      const r = proc.cpu.run(left);
      switch (r.kind) {
        case 'syscall': {
          const nr = this.arch.abi.number(proc.cpu);
          this.phase.set(proc, { at: 'entry', nr });
          if (this.catches(o, nr)) return { kind: 'syscall-entry', nr };
          break;
        }
        case 'budget':
          return { kind: 'budget' };
        case 'breakpoint':
          return { kind: 'breakpoint' };
        case 'watchpoint':
          return { kind: 'watchpoint', addr: r.addr, access: r.access };
        case 'fault':
          this.memoryFault(proc, r.addr, r.access);
          break;
        case 'illegal':
          this.raise(proc, SIG.SIGILL, ILL_ILLOPC, proc.cpu.pc, `illegal instruction 0x${(r.insn >>> 0).toString(16)} at pc 0x${proc.cpu.pc.toString(16)}`);
          break;
        case 'trap':
          this.raise(proc, SIG.SIGTRAP, TRAP_BRKPT, proc.cpu.pc, `breakpoint instruction at pc 0x${proc.cpu.pc.toString(16)}`);
          break;
        case 'arith':
          this.raise(proc, SIG.SIGFPE, FPE_INTDIV, proc.cpu.pc, `arithmetic exception at pc 0x${proc.cpu.pc.toString(16)}`);
          break;
        case 'halt':
          this.raise(proc, SIG.SIGILL, ILL_ILLOPC, proc.cpu.pc, `halt in user mode at pc 0x${proc.cpu.pc.toString(16)}`);
          break;
        default:
          unreachable(r);
      }
    }
  }

  /** Settles when `task`'s syscall in progress has finished. */
  private wakeOf(task: Process): Promise<void> {
    return new Promise((resolve) => {
      const off = this.runnable.subscribe(() => {
        if (this.phase.get(task)?.at === 'waiting' && !task.status) return;
        off();
        resolve();
      });
    });
  }

  private memoryFault(proc: Process, addr: bigint, access: Access): void {
    const why = `${accessName(access) === 'x' ? 'execute' : accessName(access) === 'w' ? 'write' : 'read'} at 0x${addr.toString(16)}, pc 0x${proc.cpu.pc.toString(16)}`;
    const va = addr >= 0n && addr < 1n << 47n ? Number(addr) : -1;
    const vma = va >= 0 ? proc.as.find(va) : undefined;
    // A file mapping's pages past the end of the file: SIGBUS, as Linux's filemap_fault answers.
    if (vma && proc.as.beyondFile(va)) {
      this.raise(proc, SIG.SIGBUS, BUS_ADRERR, addr, `access beyond the end of a mapped file: ${why}`);
      return;
    }
    // SEGV_MAPERR: no mapping there at all; SEGV_ACCERR: a mapping that forbids this access.
    this.raise(proc, SIG.SIGSEGV, vma ? SEGV_ACCERR : SEGV_MAPERR, addr, `invalid memory access: ${why}`);
  }

  // ---- debugger ----

  /** A debugger resumed without passing the signal it was shown: forget it. */
  clearSignal(proc: Process): void {
    this.heldSignal.delete(proc);
  }

  /**
   * A debugger resumed with a signal (vCont;C / C): the guest gets it as if delivered now. The
   * signal it was shown keeps its siginfo (si_addr of a fault); another one comes as SI_USER.
   */
  injectSignal(proc: Process, signal: number): void {
    const held = this.heldSignal.get(proc);
    const info: SigInfo = held && held.signo === signal
      ? held
      : { signo: signal, errno: 0, code: SI.USER, pid: 0, uid: 0, detail: `signal ${signalName(signal)} from the debugger` };
    info.reported = true;
    this.heldSignal.set(proc, info);
  }

  /** Debugger breakpoints, in every CPU of `group` (present and future threads, after exec). */
  setBreakpoints(addrs: ReadonlySet<bigint>, group: ThreadGroup): void {
    this.breakpoints = new Set(addrs);
    if (this.traced !== group) this.setWatchpoints(this.watchpoints, group);
    for (const t of group.tasks) t.cpu.setBreakpoints(this.breakpoints);
  }

  /** Debugger watchpoints, in the memory of `group` (and of its later images). */
  setWatchpoints(list: Watchpoint[], group: ThreadGroup): void {
    this.watchpoints = list.slice();
    this.traced = group;
    this.memoryOf(group.as).setWatchpoints(this.watchpoints);
  }

  /** Ends every process (the debugger's `run` starting over). */
  killAll(): void {
    for (const g of [...this.groups.values()]) {
      const t = g.tasks[0];
      if (t) this.terminate(t, { kind: 'signaled', signal: SIG.SIGKILL, detail: 'killed by the debugger' });
    }
  }

  // ---- signal delivery ----

  /** The per-arch frame layout, or null for an arch without one yet (handlers cannot run). */
  private get sigframes(): SigFrameArch | null {
    try { return sigframeFor(this.arch.spec.name); } catch { return null; }
  }

  /** A synchronous fault's signal (force_sig_fault): delivered before the next instruction. */
  private raise(proc: Process, signal: number, code: number, addr: bigint, detail: string): void {
    force(proc, { signo: signal, errno: 0, code, addr, detail });
  }

  private requeue(proc: Process, info: SigInfo): void {
    const p = proc.signals.pending;
    if (info.signo >= SIGRTMIN || !p.has(info.signo)) p.add(info);
    proc.signals.notify();
  }

  /**
   * get_signal: takes the next deliverable signal; with stopOnSignal a debugger sees it first
   * (it is then acted on by the next run(), unless clearSignal/injectSignal changed it).
   */
  private deliverOne(proc: Process, o: RunOptions): KernelEvent | null {
    const info = proc.signals.pending.dequeue(~proc.sigmask);
    if (!info) return null;
    if (o.stopOnSignal && !info.reported && info.signo !== SIG.SIGKILL) {
      info.reported = true;
      this.heldSignal.set(proc, info);
      return { kind: 'signal', signal: info.signo, detail: info.detail ?? `${signalName(info.signo)} (si_code ${info.code})` };
    }
    this.actOnSignal(proc, info);
    return null;
  }

  /** The disposition of a dequeued signal: ignore, default action, or run the handler. */
  private actOnSignal(proc: Process, info: SigInfo): void {
    const sig = info.signo;
    const act = proc.sigactions[sig];
    if (sig === SIG.SIGKILL || !act || act.handler === SIG_DFL) {
      const what = sig === SIG.SIGKILL ? 'term' : defaultAction(sig);
      if (what === 'ign' || what === 'cont') return;
      if (what === 'stop') {
        // Job control has no one to continue the process here (no shell, no SIGCONT source).
        this.opts.log.warn(`${signalName(sig)}: stopping is not supported; the signal is ignored`);
        return;
      }
      this.terminate(proc, { kind: 'signaled', signal: sig, detail: info.detail ?? `killed by ${signalName(sig)}`, core: what === 'core' });
      return;
    }
    if (act.handler === SIG_IGN) return;
    this.runHandler(proc, info, act);
  }

  /**
   * handle_signal + signal_delivered: builds the arch's frame (on the alternate stack with
   * SA_ONSTACK), points the registers at the handler, then blocks sa_mask and — unless
   * SA_NODEFER — the signal itself. A frame that cannot be written is force_sigsegv.
   */
  private runHandler(proc: Process, info: SigInfo, act: SigAction): void {
    const sig = info.signo, cpu = proc.cpu;
    const frames = this.sigframes;
    if (!frames) {
      this.terminate(proc, { kind: 'signaled', signal: sig, detail: `${signalName(sig)}: signal handlers are not supported on ${this.arch.spec.name} yet` });
      return;
    }
    if (act.flags & SA.RESETHAND) proc.sigactions[sig] = { ...act, handler: SIG_DFL };
    const ss = proc.signals.altstack;
    const sp = this.arch.abi.getSp(cpu);
    try {
      if (onSigStack(ss, sp) && !onSigStack(ss, sp - BigInt(frames.frameSize))) {
        throw new BadFrame('the frame would overflow the alternate signal stack');
      }
      frames.setup({
        cpu, gdb: this.arch.gdb, sig, info: encodeSigInfo(info),
        mask: proc.signals.savedMask ?? proc.sigmask,
        stack: encodeStack(ss),
        handler: act.handler, flags: act.flags, restorer: act.restorer,
        spTop: sigsp(ss, sp, act.flags),
        trampoline: proc.signals.trampoline,
        faultAddress: sig === SIG.SIGSEGV || sig === SIG.SIGBUS ? info.addr ?? 0n : 0n,
      });
    } catch (e) {
      if (!(e instanceof BadFrame) && !(e instanceof MemFault)) throw e;
      const why = e instanceof BadFrame ? e.message : `stack not writable at 0x${e.addr.toString(16)}`;
      if (sig === SIG.SIGSEGV) proc.sigactions[sig] = { ...proc.sigactions[sig]!, handler: SIG_DFL };
      force(proc, { signo: SIG.SIGSEGV, errno: 0, code: SI.KERNEL, pid: 0, uid: 0, detail: `cannot deliver ${signalName(sig)}: ${why}` });
      return;
    }
    proc.signals.savedMask = null;
    if (ss.flags & SS_AUTODISARM) proc.signals.altstack = { sp: 0n, size: 0n, flags: SS_DISABLE };
    setBlocked(proc, proc.sigmask | act.mask | (act.flags & SA.NODEFER ? 0n : sigbit(sig)));
  }

  // ---- syscalls ----

  private catches(o: RunOptions, nr: number): boolean {
    const c = o.catchSyscalls;
    return !!c && (c === 'all' || c.has(nr));
  }

  /** Advances a syscall in progress; an event when the caller must hear of it. */
  private continueSyscall(proc: Process, ph: SyscallPhase, o: RunOptions): KernelEvent | null {
    const abi = this.arch.abi, cpu = proc.cpu;
    if (ph.at === 'entry') {
      const args = [0, 1, 2, 3, 4, 5].map((i) => abi.arg(cpu, i));
      const route = this.routes[ph.nr];
      const trace = this.opts.trace ? this.describe(proc, ph.nr, route, args) : null;
      let res: bigint | Promise<bigint>;
      if (!route?.def) {
        if (!this.warned.has(ph.nr)) {
          this.warned.add(ph.nr);
          this.opts.log.warn(`unimplemented syscall ${ph.nr}${route ? ` (${route.name})` : ''}: returning -ENOSYS`);
        }
        res = err(E.ENOSYS);
      } else {
        res = this.invoke(proc, route.def.handler, args);
      }
      if (typeof res === 'bigint') {
        this.phase.set(proc, { at: 'done', nr: ph.nr, ret: res, trace });
        return null;
      }
      this.phase.set(proc, { at: 'waiting', nr: ph.nr, trace });
      const settle = (ret: bigint): void => {
        if (this.phase.get(proc)?.at === 'waiting') this.phase.set(proc, { at: 'done', nr: ph.nr, ret, trace });
        this.runnable.wake();
      };
      res.then(settle, (e: unknown) => settle(this.errorResult(e)));
      return null;
    }
    if (ph.at === 'waiting') return { kind: 'blocked', until: this.wakeOf(proc) };
    this.phase.delete(proc);
    if (proc.status) return null;
    const restart = ph.ret === ERESTARTSYS || ph.ret === ERESTARTNOHAND;
    if (restart && this.restarts(proc, ph.ret === ERESTARTNOHAND)) {
      // Back onto the syscall instruction with the arguments untouched: it runs again after the
      // handler returns (or at once when no handler runs), as Linux restarts it.
      if (ph.trace !== null) this.opts.trace?.(`${ph.trace} = ? ERESTARTSYS (restarted)`);
      abi.rewindSyscall(cpu);
      return null;
    }
    const ret = restart ? err(E.EINTR) : ph.ret;
    if (ph.trace !== null) this.opts.trace?.(`${ph.trace} = ${this.formatResult(ph.nr, ret)}`);
    abi.setResult(cpu, ret);
    if (this.catches(o, ph.nr)) return { kind: 'syscall-exit', nr: ph.nr, ret };
    return null;
  }

  /**
   * An interrupted call restarts unless the signal that interrupted it runs a handler without
   * SA_RESTART (or any handler, for `noHandler` calls: -ERESTARTNOHAND).
   */
  private restarts(proc: Process, noHandler: boolean): boolean {
    const ready = deliverable(proc);
    if (ready === 0n) return true;
    let sig = 1;
    while (!(ready & sigbit(sig))) sig++;
    const act = proc.sigactions[sig]!;
    if (act.handler === SIG_DFL || act.handler === SIG_IGN || handlerIgnores(act, sig)) return true;
    return !noHandler && (act.flags & SA.RESTART) !== 0n;
  }

  private invoke(proc: Process, handler: (c: SyscallCtx, a: bigint[]) => bigint | Promise<bigint>, args: bigint[]): bigint | Promise<bigint> {
    try {
      this.current = proc;
      const r = handler({ proc, k: this }, args);
      return typeof r === 'bigint' ? r : r.catch((e: unknown) => this.errorResult(e));
    } catch (e) {
      return this.errorResult(e);
    }
  }

  private errorResult(e: unknown): bigint {
    if (e instanceof SysError) return err(e.errno);
    if (e instanceof MemFault) return err(E.EFAULT);
    throw e;
  }

  // ---- trace ----

  private describe(proc: Process, nr: number, route: SyscallRoute | undefined, args: bigint[]): string {
    const name = route?.name ?? `syscall_${nr}`;
    const fmts = route?.def?.args ?? [];
    const shown = fmts.map((f, i) => {
      const v = args[i]!;
      switch (f) {
        case 'd': case 'f': return BigInt.asIntN(32, v).toString();
        case 'u': return BigInt.asUintN(64, v).toString();
        case 'o': return '0' + BigInt.asUintN(32, v).toString(8);
        case 'S': return signalName(Number(BigInt.asIntN(32, v)));
        case 's': {
          try {
            const s = proc.cpu.mem.readCString(Number(BigInt.asUintN(48, v)), 256);
            if (s !== null) return JSON.stringify(s);
          } catch { /* shown as a pointer */ }
          return '0x' + BigInt.asUintN(64, v).toString(16);
        }
        default: return '0x' + BigInt.asUintN(64, v).toString(16);
      }
    });
    const who = this.tasks.length > 1 || proc.group !== this.init ? `[pid ${proc.tid}] ` : '';
    return `${who}handle_syscall [${nr}] ${name}(${shown.join(', ')})`;
  }

  private formatResult(nr: number, ret: bigint): string {
    const r = BigInt.asIntN(64, ret);
    if (r < 0n && r >= -4095n) return `${r} ${errnoName[Number(-r)] ?? ''}`.trimEnd();
    return this.routes[nr]?.def?.hexResult ? '0x' + BigInt.asUintN(64, ret).toString(16) : r.toString();
  }

  // ---- services for handlers ----

  realtimeNs(): bigint {
    // The wall clock at start plus monotonic time: never steps back within a run.
    return (this.deterministic ? EPOCH_NS : this.bootRealNs) + this.monotonicNs();
  }

  /** Instructions retired by every task so far. */
  get totalInstret(): number {
    return this.tasks.reduce((n, t) => n + t.cpu.instret, this.goneInstret);
  }

  monotonicNs(): bigint {
    // Deterministic mode: a 1 GHz clock driven by retired instructions, plus time skipped idle.
    if (this.deterministic) return BigInt(this.totalInstret) + this.skewNs;
    return process.hrtime.bigint() - this.startNs;
  }

  cpuTimeNs(p: Process, thread = false): bigint {
    return BigInt(thread ? p.cpu.instret : p.group.instret);
  }

  fillRandom(buf: Uint8Array): void {
    if (!this.deterministic) { randomFillSync(buf); return; }
    for (let i = 0; i < buf.length; i++) {
      // xorshift64*: reproducible bytes for --deterministic
      let x = this.rngState;
      x ^= x >> 12n; x ^= (x << 25n) & 0xffffffffffffffffn; x ^= x >> 27n;
      this.rngState = x;
      buf[i] = Number(((x * 0x2545f4914f6cdd1dn) >> 56n) & 0xffn);
    }
  }

  /** Key of the futex word at `addr`: private to the address space, or the RAM frame when shared. */
  futexKey(t: Process, addr: number, shared: boolean): string {
    if (!shared) return `${this.asId(t.as)}:${addr}`;
    const off = t.as.translate(Math.floor(addr / 4096), Access.Read);
    return off < 0 ? `${this.asId(t.as)}:${addr}` : `frame:${off + (addr % 4096)}`;
  }

  private readonly asIds = new WeakMap<AddressSpace, number>();
  private nextAsId = 1;
  private asId(as: AddressSpace): number {
    let id = this.asIds.get(as);
    if (id === undefined) { id = this.nextAsId++; this.asIds.set(as, id); }
    return id;
  }

  warn(message: string): void {
    this.opts.log.warn(message);
  }
}

/** si_code of SIGCHLD. */
const CLD_EXITED = 1, CLD_KILLED = 2, CLD_DUMPED = 3;

export interface CloneRequest {
  /** CLONE_THREAD: same process. */
  thread: boolean;
  /** CLONE_VM: same address space. */
  vm: boolean;
  vfork: boolean;
  files: boolean;
  fs: boolean;
  sighand: boolean;
  newSp: bigint;
  tls: bigint | null;
  childClearTid: bigint | null;
  exitSignal: number;
}

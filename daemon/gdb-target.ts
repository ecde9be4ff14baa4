/**
 * The gdb stub's Target for a Linux-mode guest: registers through the arch's GdbArch, memory
 * through the process's address space (debugger writes reach read-only pages, like ptrace),
 * breakpoints and watchpoints kept in the CPU and the software MMU (guest memory is never
 * patched), and resume/step driving the kernel's trap loop in slices.
 */
import type { ArchModule } from '../arch/common/cpu';
import { Access, FRAME_SIZE, type Watchpoint } from '../arch/common/memory';
import type { ArchDescription, BreakpointType, StopEvent, StopReason, Target, TargetFileStat, ThreadAction } from '../gdbstub/target';
import { SysError } from '../kernel/errno';
import { readAll, S_IFDIR, S_IFMT } from '../kernel/fs/inode';
import type { VNode } from '../kernel/fs/vfs';
import type { Kernel, KernelEvent, RunOptions } from '../kernel/kernel';
import { SIG } from '../kernel/signals';
import type { Process } from '../kernel/task/process';

/** Instructions per slice while continuing: well under 100 ms, so Ctrl-C is prompt. */
const SLICE = 200_000;

export interface GuestProgram { path: string; image: Uint8Array; argv: string[]; env: string[] }

export class GuestTarget implements Target {
  readonly arch: ArchDescription;
  private interrupted = false;
  private interruptWaiter: { promise: Promise<void>; resolve: () => void } | null = null;
  private readonly breakpoints = new Map<bigint, BreakpointType>();
  private watchpoints: Array<Watchpoint & { type: 'write' | 'read' | 'access' }> = [];
  private catching: RunOptions['catchSyscalls'] = null;
  /** Called when the guest ends after a detach (the daemon then exits with its status). */
  onDetachedExit: (p: Process) => void = () => {};
  traceSyscalls: (on: boolean) => void = () => {};

  constructor(
    private readonly kernel: Kernel,
    private readonly archModule: ArchModule,
    /** The first task of the debugged process (gdb follows this process, as qemu-user's stub does). */
    public proc: Process,
    private readonly program: GuestProgram,
  ) {
    const g = archModule.gdb;
    this.arch = { gdbArch: g.name, targetXml: g.xml, regSizes: g.registers.map((r) => r.size), gRegs: g.gPacket };
  }

  get pid(): number { return this.proc.pid; }

  threads(): readonly number[] { return this.proc.group.tasks.filter((t) => !t.status).map((t) => t.tid); }

  threadName(): string { return this.proc.execPath.slice(this.proc.execPath.lastIndexOf('/') + 1); }

  private task(tid: number): Process | undefined {
    return this.proc.group.tasks.find((t) => t.tid === tid && !t.status);
  }

  readRegister(tid: number, regnum: number): Uint8Array | null {
    const r = this.archModule.gdb.registers[regnum], t = this.task(tid);
    return t && r ? r.read(t.cpu) : null;
  }

  writeRegister(tid: number, regnum: number, bytes: Uint8Array): boolean {
    const r = this.archModule.gdb.registers[regnum], t = this.task(tid);
    if (!t || !r || bytes.length !== r.size) return false;
    r.write(t.cpu, bytes);
    return true;
  }

  readMemory(addr: bigint, length: number): Uint8Array | null {
    if (addr >= 1n << 53n) return length > 0 ? null : new Uint8Array(0);
    const va = Number(addr), end = Math.min(va + length, 2 ** 53);
    const as = this.proc.as, u8 = this.proc.cpu.mem.u8;
    const out = new Uint8Array(end - va);
    let done = 0;
    // Page by page, stopping at the first unreadable page (gdb then gets the part that was).
    while (va + done < end) {
      const a = va + done, off = as.translate(Math.floor(a / FRAME_SIZE), Access.Read);
      if (off < 0) break;
      const n = Math.min(end - a, FRAME_SIZE - (a % FRAME_SIZE));
      out.set(u8.subarray(off + (a % FRAME_SIZE), off + (a % FRAME_SIZE) + n), done);
      done += n;
    }
    return done === 0 && length > 0 ? null : out.subarray(0, done);
  }

  writeMemory(addr: bigint, data: Uint8Array): boolean {
    if (addr + BigInt(data.length) > 1n << 53n) return false;
    const va = Number(addr), as = this.proc.as, mem = this.proc.cpu.mem;
    for (let p = Math.floor(va / FRAME_SIZE); p * FRAME_SIZE < va + data.length; p++) {
      if (!as.find(p * FRAME_SIZE)) return false;
    }
    as.kernelWrite(va, data);
    for (let p = Math.floor(va / FRAME_SIZE); p * FRAME_SIZE < va + data.length; p++) {
      mem.invalidateFrame(as.translate(p, Access.Read) / FRAME_SIZE);
    }
    mem.flushTlb();
    return true;
  }

  insertBreakpoint(type: BreakpointType, addr: bigint, length: number): boolean {
    if (type === 'sw' || type === 'hw') {
      this.breakpoints.set(addr, type);
      this.kernel.setBreakpoints(new Set(this.breakpoints.keys()), this.proc.group);
      return true;
    }
    if (length <= 0 || length > 4096 || addr >= 1n << 53n) return false;
    this.watchpoints.push({ addr: Number(addr), len: length, read: type !== 'write', write: type !== 'read', type });
    this.kernel.setWatchpoints(this.watchpoints, this.proc.group);
    return true;
  }

  removeBreakpoint(type: BreakpointType, addr: bigint, length: number): boolean {
    if (type === 'sw' || type === 'hw') {
      if (this.breakpoints.get(addr) !== type) return false;
      this.breakpoints.delete(addr);
      this.kernel.setBreakpoints(new Set(this.breakpoints.keys()), this.proc.group);
      return true;
    }
    const i = this.watchpoints.findIndex((w) => w.type === type && w.addr === Number(addr) && w.len === length);
    if (i < 0) return false;
    this.watchpoints.splice(i, 1);
    this.kernel.setWatchpoints(this.watchpoints, this.proc.group);
    return true;
  }

  async resume(actions: readonly ThreadAction[]): Promise<StopEvent> {
    const stepping = actions.find((a) => a.step);
    const mine = stepping ?? actions.find((a) => this.task(a.tid)) ?? actions[0];
    if (!mine) return this.stopped(this.proc.tid, SIG.SIGTRAP);
    const task = this.task(mine.tid) ?? this.proc;
    this.interrupted = false;
    for (const a of actions) {
      const t = this.task(a.tid);
      if (!t) continue;
      if (a.signal) this.kernel.injectSignal(t, a.signal);
      else this.kernel.clearSignal(t);
    }
    const opts: RunOptions = { stopOnSignal: true, catchSyscalls: this.catching, traced: this.proc.group };
    if (stepping) return this.step(task, opts);
    for (;;) {
      if (this.interrupted) return this.stopped(task.tid, SIG.SIGINT);
      const ev = this.kernel.schedule(SLICE, opts);
      if (ev.kind === 'blocked') {
        await Promise.race([ev.until, this.interruption()]);
        continue;
      }
      const stop = this.toStop(ev);
      if (stop) return stop;
      await new Promise((r) => setImmediate(r));
    }
  }

  /**
   * One instruction of `task`, the other threads staying stopped — unless the task waits in a
   * syscall, when the others run until it can go on (as gdb's default scheduler-locking
   * "replay" lets them).
   */
  private async step(task: Process, opts: RunOptions): Promise<StopEvent> {
    let ev = this.kernel.run(task, 1, opts);
    while (ev.kind === 'blocked') {
      while (this.kernel.isWaiting(task)) {
        if (this.interrupted) return this.stopped(task.tid, SIG.SIGINT);
        const other = this.kernel.schedule(SLICE, opts, task);
        if (other.kind === 'blocked') await Promise.race([other.until, this.interruption()]);
        else if (other.kind !== 'budget') return this.toStop(other) ?? this.stopped(task.tid, SIG.SIGTRAP);
        else await new Promise((r) => setImmediate(r));
      }
      // The syscall the step began has finished: that ends the step (no further instruction).
      ev = this.kernel.run(task, 0, opts);
    }
    return this.toStop({ ...ev, task }) ?? this.stopped(task.tid, SIG.SIGTRAP);
  }

  /** Settles on the next {@link interrupt} (one shared promise: no pollers left behind). */
  private interruption(): Promise<void> {
    if (this.interrupted) return Promise.resolve();
    if (!this.interruptWaiter) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => { resolve = r; });
      this.interruptWaiter = { promise, resolve };
    }
    return this.interruptWaiter.promise;
  }

  private stopped(tid: number, signal: number, reason?: StopReason): StopEvent {
    return reason ? { kind: 'signal', signal, tid, reason } : { kind: 'signal', signal, tid };
  }

  /** The gdb stop for a kernel event; null to keep running. */
  private toStop(ev: KernelEvent): StopEvent | null {
    const t = ev.task ?? this.proc;
    switch (ev.kind) {
      case 'exit':
        return ev.status.kind === 'exited' ? { kind: 'exited', code: ev.status.code } : { kind: 'terminated', signal: ev.status.signal };
      case 'budget':
      case 'blocked':
        return null;
      case 'breakpoint':
        return this.stopped(t.tid, SIG.SIGTRAP, { kind: this.breakpoints.get(t.cpu.pc) === 'hw' ? 'hwbreak' : 'swbreak' });
      case 'watchpoint': {
        const a = Number(ev.addr);
        const w = this.watchpoints.find((x) => a >= x.addr && a < x.addr + x.len && (ev.access === Access.Read ? x.read : x.write));
        return this.stopped(t.tid, SIG.SIGTRAP, { kind: 'watch', type: w?.type ?? 'access', addr: ev.addr });
      }
      case 'signal':
        return this.stopped(t.tid, ev.signal);
      case 'syscall-entry':
        return this.stopped(t.tid, SIG.SIGTRAP, { kind: 'syscall_entry', nr: ev.nr });
      case 'syscall-exit':
        return this.stopped(t.tid, SIG.SIGTRAP, { kind: 'syscall_return', nr: ev.nr });
    }
  }

  interrupt(): void {
    this.interrupted = true;
    const w = this.interruptWaiter;
    this.interruptWaiter = null;
    w?.resolve();
  }

  kill(): void {
    this.kernel.terminate(this.proc, { kind: 'signaled', signal: SIG.SIGKILL, detail: 'killed by the debugger' });
  }

  detach(): void {
    this.breakpoints.clear();
    this.watchpoints = [];
    this.kernel.setBreakpoints(new Set(), this.proc.group);
    this.kernel.setWatchpoints([], this.proc.group);
    for (const t of this.proc.group.tasks) this.kernel.clearSignal(t);
    const proc = this.proc;
    void (async () => {
      // first let the stub send its OK to gdb (a short guest may end within one slice)
      await new Promise((r) => setImmediate(r));
      for (;;) {
        const ev = this.kernel.schedule(1_000_000);
        if (ev.kind === 'exit') { this.onDetachedExit(proc); return; }
        if (ev.kind === 'blocked') await ev.until;
        else await new Promise((r) => setImmediate(r));
      }
    })();
  }

  auxv(): Uint8Array { return this.proc.auxv; }

  execFile(): string { return this.program.path; }

  /** A path in the guest's namespace, as the debugged process sees it. */
  private lookup(path: string): VNode | null {
    const root = this.kernel.vfs.root;
    try {
      return this.kernel.vfs.resolve(root, root, path, true);
    } catch (e) {
      if (e instanceof SysError) return null;
      throw e;
    }
  }

  readFile(path: string): Uint8Array | null {
    const node = this.lookup(path);
    return node && !node.isDir ? readAll(node.inode) : null;
  }

  statFile(path: string): TargetFileStat | null {
    const st = this.lookup(path)?.inode.stat();
    if (!st) return null;
    const ms = (ns: bigint): number => Number(ns / 1_000_000n);
    return { size: st.size, isDir: (st.mode & S_IFMT) === S_IFDIR, perm: st.mode & 0o777, mtimeMs: ms(st.mtimeNs), atimeMs: ms(st.atimeNs), ctimeMs: ms(st.ctimeNs) };
  }

  async restart(argv: readonly string[]): Promise<void> {
    if (!this.proc.status) this.kill();
    if (argv.length > 0) this.program.argv = [this.program.path, ...argv.slice(1)];
    this.kernel.killAll();
    this.proc = this.kernel.spawn(this.program.path, this.program.image, this.program.argv, this.program.env);
    this.kernel.setBreakpoints(new Set(this.breakpoints.keys()), this.proc.group);
    this.kernel.setWatchpoints(this.watchpoints, this.proc.group);
  }

  monitor(cmdline: string): string {
    const [cmd, ...rest] = cmdline.trim().split(/\s+/);
    switch (cmd) {
      case 'help': case '':
        return [
          'runlinuxd monitor commands:',
          '  trace on|off   print one line per guest syscall on the daemon\'s stderr',
          '  maps           the guest\'s memory map (like /proc/self/maps)',
          '  insns          guest instructions retired so far',
          '  pid            guest process id',
          '',
        ].join('\n');
      case 'trace': {
        if (rest[0] !== 'on' && rest[0] !== 'off') return 'usage: monitor trace on|off\n';
        this.traceSyscalls(rest[0] === 'on');
        return `syscall tracing ${rest[0]}\n`;
      }
      case 'maps':
        return this.proc.as.vmas.map((v) => {
          const perm = `${v.prot & 1 ? 'r' : '-'}${v.prot & 2 ? 'w' : '-'}${v.prot & 4 ? 'x' : '-'}${v.shared ? 's' : 'p'}`;
          return `${v.start.toString(16).padStart(12, '0')}-${v.end.toString(16).padStart(12, '0')} ${perm} ${v.name}`;
        }).join('\n') + '\n';
      case 'insns':
        return `${this.proc.group.instret} instructions retired\n`;
      case 'pid':
        return `${this.proc.pid}\n`;
      default:
        return `unknown monitor command '${cmd}'; try 'monitor help'\n`;
    }
  }

  setCatchSyscalls(which: null | 'all' | readonly number[]): boolean {
    this.catching = which === null ? null : which === 'all' ? 'all' : new Set(which);
    return true;
  }
}

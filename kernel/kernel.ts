/**
 * The Linux personality: creates processes from ELF images and runs them, servicing every
 * StopReason of the CPU (the seed's `UserContext::run()` trap loop). The loop runs in bounded
 * slices and returns a KernelEvent, so the daemon's event loop (gdb, signals, timers) stays
 * responsive and a debugger can drive it.
 */
import { randomFillSync } from 'node:crypto';
import type { ArchModule } from '../arch/common/cpu';
import { unreachable } from '../arch/common/cpu';
import { Access, accessName, FRAME_SHIFT, Memory, MemFault } from '../arch/common/memory';
import { errnoName, E, SysError } from './errno';
import type { InputSource, OutputSink } from './fs/file';
import { InputFile, OutputFile } from './fs/stdio';
import { parseElf } from './loader/elf';
import { loadImage } from './loader/exec';
import { FrameAllocator } from './mm/frames';
import { AddressSpace } from './mm/address-space';
import { SIG, signalName } from './signals';
import { dispatchTable, type SyscallRoute } from './syscall/dispatch';
import { err, type KernelServices, type SyscallCtx } from './syscall/table';
import { Process, type ExitStatus } from './task/process';

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
  stdin: InputSource;
  stdout: OutputSink;
  stderr: OutputSink;
  log: Logger;
  /** One line per syscall when set (`--trace-syscalls`). */
  trace?: ((line: string) => void) | null;
  /** Reproducible time, pids and randomness. */
  deterministic?: boolean;
}

export type KernelEvent =
  | { kind: 'exit'; status: ExitStatus }
  | { kind: 'budget' }
  | { kind: 'breakpoint' }
  | { kind: 'watchpoint'; addr: bigint; access: Access }
  /** A signal is about to be delivered (reported first when a debugger asks for it). */
  | { kind: 'signal'; signal: number; detail: string }
  /** The task waits for host I/O; call run() again once `until` settles. */
  | { kind: 'blocked'; until: Promise<void> }
  | { kind: 'syscall-entry'; nr: number }
  | { kind: 'syscall-exit'; nr: number; ret: bigint };

export interface RunOptions {
  /** Report signals as events before acting on them (a debugger decides). */
  stopOnSignal?: boolean;
  /** Syscall numbers to stop at (entry and return), or 'all'. */
  catchSyscalls?: ReadonlySet<number> | 'all' | null;
}

/** Where a process is inside a syscall, across run() calls. */
type SyscallPhase =
  | { at: 'entry'; nr: number }
  | { at: 'waiting'; nr: number; args: bigint[]; trace: string | null }
  | { at: 'done'; nr: number; ret: bigint; trace: string | null };

const EPOCH_NS = 1_767_225_600n * 1_000_000_000n; // 2026-01-01T00:00:00Z, deterministic mode's "now"

export class Kernel implements KernelServices {
  readonly arch: ArchModule;
  readonly deterministic: boolean;
  readonly frames: FrameAllocator;
  readonly uid: number;
  readonly gid: number;
  readonly hostname = 'runlinuxd';
  private readonly routes: SyscallRoute[];
  private readonly warned = new Set<number>();
  private readonly startNs = process.hrtime.bigint();
  private rngState = 0x2545f4914f6cdd1dn;
  private nextPid = 1000;
  private readonly phase = new WeakMap<Process, SyscallPhase>();
  private readonly pendingSignal = new WeakMap<Process, { signal: number; detail: string }>();
  private readonly procs: Process[] = [];

  constructor(private readonly opts: KernelOptions) {
    this.arch = opts.arch;
    this.deterministic = opts.deterministic ?? false;
    this.frames = new FrameAllocator(new Uint8Array(opts.ram), opts.reservedBytes >>> FRAME_SHIFT);
    this.uid = this.deterministic ? 0 : process.getuid?.() ?? 0;
    this.gid = this.deterministic ? 0 : process.getgid?.() ?? 0;
    this.routes = dispatchTable(opts.arch.spec.name);
  }

  // ---- processes ----

  /** Creates a process running `image` (the ELF file's bytes); ElfError for a bad image. */
  spawn(path: string, image: Uint8Array, argv: string[], envp: string[]): Process {
    const spec = this.arch.spec;
    const elf = parseElf(image, spec.elfMachine, spec.pageSize);
    const ram = this.opts.ram;
    const as = new AddressSpace(this.frames, new Uint8Array(ram), spec.pageSize, ram.byteLength, spec.mmapBase);
    const mem = new Memory(ram, as);
    as.onChange = () => mem.flushTlb();
    as.onOutOfMemory = () => this.opts.log.error('guest RAM exhausted (raise --mem)');
    const cpu = this.arch.createCpu(mem);
    const proc = new Process(this.nextPid++, 1, as, cpu, path);
    const random = new Uint8Array(16);
    this.fillRandom(random);
    const r = loadImage(as, spec, elf, image, path, argv, envp, { uid: this.uid, euid: this.uid, gid: this.gid, egid: this.gid }, random);
    this.arch.abi.setEntry(cpu, BigInt(r.entry), BigInt(r.sp));
    proc.auxv = r.auxv;
    proc.fds.install(new InputFile('stdin', this.opts.stdin), 0);
    proc.fds.install(new OutputFile('stdout', this.opts.stdout), 1);
    proc.fds.install(new OutputFile('stderr', this.opts.stderr), 2);
    this.procs.push(proc);
    return proc;
  }

  terminate(p: Process, status: ExitStatus): void {
    if (p.status) return;
    p.status = status;
    p.as.destroy();
  }

  /**
   * Runs `proc` for at most `budget` instructions (fewer when something happens). A signal held
   * back with stopOnSignal is acted on by the next call unless {@link clearSignal} dropped it.
   */
  run(proc: Process, budget: number, o: RunOptions = {}): KernelEvent {
    const cpu = proc.cpu, abi = this.arch.abi;
    const start = cpu.instret;
    for (;;) {
      if (proc.status) return { kind: 'exit', status: proc.status };
      const held = this.pendingSignal.get(proc);
      if (held) {
        this.pendingSignal.delete(proc);
        this.actOnSignal(proc, held.signal, held.detail);
        continue;
      }
      const ph = this.phase.get(proc);
      if (ph) {
        const ev = this.continueSyscall(proc, ph, o);
        if (ev) return ev;
        continue;
      }
      const left = budget - (cpu.instret - start);
      if (left <= 0) return { kind: 'budget' };
      const r = cpu.run(left);
      switch (r.kind) {
        case 'syscall': {
          const nr = abi.number(cpu);
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
        case 'fault': {
          const why = `${accessName(r.access) === 'x' ? 'execute' : accessName(r.access) === 'w' ? 'write' : 'read'} at 0x${r.addr.toString(16)}, pc 0x${cpu.pc.toString(16)}`;
          const ev = this.raise(proc, SIG.SIGSEGV, `invalid memory access: ${why}`, o);
          if (ev) return ev;
          break;
        }
        case 'illegal': {
          const ev = this.raise(proc, SIG.SIGILL, `illegal instruction 0x${(r.insn >>> 0).toString(16)} at pc 0x${cpu.pc.toString(16)}`, o);
          if (ev) return ev;
          break;
        }
        case 'trap': {
          const ev = this.raise(proc, SIG.SIGTRAP, `breakpoint instruction at pc 0x${cpu.pc.toString(16)}`, o);
          if (ev) return ev;
          break;
        }
        case 'arith': {
          const ev = this.raise(proc, SIG.SIGFPE, `arithmetic exception at pc 0x${cpu.pc.toString(16)}`, o);
          if (ev) return ev;
          break;
        }
        case 'halt': {
          const ev = this.raise(proc, SIG.SIGILL, `halt in user mode at pc 0x${cpu.pc.toString(16)}`, o);
          if (ev) return ev;
          break;
        }
        default:
          unreachable(r);
      }
    }
  }

  /** A debugger resumed without passing the signal it was shown: forget it. */
  clearSignal(proc: Process): void {
    this.pendingSignal.delete(proc);
  }

  /** A debugger resumed with a signal (vCont;C / C): act on it as if the guest got it. */
  injectSignal(proc: Process, signal: number): void {
    this.pendingSignal.set(proc, { signal, detail: `signal ${signalName(signal)} from the debugger` });
  }

  private raise(proc: Process, signal: number, detail: string, o: RunOptions): KernelEvent | null {
    if (o.stopOnSignal) {
      this.pendingSignal.set(proc, { signal, detail });
      return { kind: 'signal', signal, detail };
    }
    this.actOnSignal(proc, signal, detail);
    return null;
  }

  /**
   * Signal delivery. Handlers and the per-arch signal frames come with the process work (issue
   * 6); until then every signal takes its default action, which for these is termination.
   */
  private actOnSignal(proc: Process, signal: number, detail: string): void {
    const act = proc.sigactions[signal];
    if (act && act.handler > 1n) this.opts.log.warn(`${signalName(signal)} handler installed but signal delivery to handlers is not implemented yet`);
    this.terminate(proc, { kind: 'signaled', signal, detail });
  }

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
      const waiting: SyscallPhase = { at: 'waiting', nr: ph.nr, args, trace };
      this.phase.set(proc, waiting);
      const until = res.then(
        (ret) => { this.phase.set(proc, { at: 'done', nr: ph.nr, ret, trace }); },
        (e: unknown) => { this.phase.set(proc, { at: 'done', nr: ph.nr, ret: this.errorResult(e), trace }); },
      );
      return { kind: 'blocked', until };
    }
    if (ph.at === 'waiting') {
      return { kind: 'blocked', until: new Promise((r) => setImmediate(r)) };
    }
    this.phase.delete(proc);
    if (ph.trace !== null) this.opts.trace?.(`${ph.trace} = ${this.formatResult(ph.nr, ph.ret)}`);
    if (proc.status) return null;
    abi.setResult(cpu, ph.ret);
    if (this.catches(o, ph.nr)) return { kind: 'syscall-exit', nr: ph.nr, ret: ph.ret };
    return null;
  }

  private invoke(proc: Process, handler: (c: SyscallCtx, a: bigint[]) => bigint | Promise<bigint>, args: bigint[]): bigint | Promise<bigint> {
    try {
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
    return `handle_syscall [${nr}] ${name}(${shown.join(', ')})`;
  }

  private formatResult(nr: number, ret: bigint): string {
    const r = BigInt.asIntN(64, ret);
    if (r < 0n && r >= -4095n) return `${r} ${errnoName[Number(-r)] ?? ''}`.trimEnd();
    return this.routes[nr]?.def?.hexResult ? '0x' + BigInt.asUintN(64, ret).toString(16) : r.toString();
  }

  // ---- services for handlers ----

  realtimeNs(): bigint {
    if (this.deterministic) return EPOCH_NS + this.monotonicNs();
    return BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
  }

  monotonicNs(): bigint {
    // Deterministic mode: a 1 GHz clock driven by retired instructions of all processes.
    if (this.deterministic) return BigInt(this.procs.reduce((n, p) => n + p.cpu.instret, 0));
    return process.hrtime.bigint() - this.startNs;
  }

  cpuTimeNs(p: Process): bigint {
    return BigInt(p.cpu.instret);
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

  warn(message: string): void {
    this.opts.log.warn(message);
  }
}


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
import { Process, type ExitStatus, type SigAction } from './task/process';
import { BadFrame, mapSigTrampoline, sigframeFor, type SigFrameArch } from './task/sigframe';
import {
  defaultAction, deliverable, encodeSigInfo, encodeStack, force, FPE_INTDIV, ILL_ILLOPC, onSigStack, SA, SEGV_ACCERR,
  SEGV_MAPERR, setBlocked, SI, SIG_DFL, SIG_IGN, sigbit, SIGRTMIN, sigsp, SS_AUTODISARM, SS_DISABLE, TRAP_BRKPT, type SigInfo,
} from './task/signal';

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
  /** A signal shown to the debugger (stopOnSignal), acted on by the next run() unless cleared. */
  private readonly heldSignal = new WeakMap<Process, SigInfo>();
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
    if (this.sigframes) proc.signals.trampoline = BigInt(mapSigTrampoline(as, spec.name));
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
      if (ph) {
        const ev = this.continueSyscall(proc, ph, o);
        if (ev) return ev;
        continue;
      }
      if (deliverable(proc) !== 0n) {
        const ev = this.deliverOne(proc, o);
        if (ev) return ev;
        continue;
      }
      if (proc.signals.savedMask !== null) {
        // restore_saved_sigmask: rt_sigsuspend returned but no handler ran.
        setBlocked(proc, proc.signals.savedMask);
        proc.signals.savedMask = null;
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
          // SEGV_MAPERR: no mapping there at all; SEGV_ACCERR: a mapping that forbids this access.
          const mapped = r.addr >= 0n && r.addr < 1n << 47n && proc.as.find(Number(r.addr)) !== undefined;
          this.raise(proc, SIG.SIGSEGV, mapped ? SEGV_ACCERR : SEGV_MAPERR, r.addr, `invalid memory access: ${why}`);
          break;
        }
        case 'illegal':
          this.raise(proc, SIG.SIGILL, ILL_ILLOPC, cpu.pc, `illegal instruction 0x${(r.insn >>> 0).toString(16)} at pc 0x${cpu.pc.toString(16)}`);
          break;
        case 'trap':
          this.raise(proc, SIG.SIGTRAP, TRAP_BRKPT, cpu.pc, `breakpoint instruction at pc 0x${cpu.pc.toString(16)}`);
          break;
        case 'arith':
          this.raise(proc, SIG.SIGFPE, FPE_INTDIV, cpu.pc, `arithmetic exception at pc 0x${cpu.pc.toString(16)}`);
          break;
        case 'halt':
          this.raise(proc, SIG.SIGILL, ILL_ILLOPC, cpu.pc, `halt in user mode at pc 0x${cpu.pc.toString(16)}`);
          break;
        default:
          unreachable(r);
      }
    }
  }

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


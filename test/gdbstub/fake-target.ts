/**
 * An in-memory riscv64 Target for the gdb stub tests: a handful of RV64I
 * instructions (addi, lui, jal, ld, sd, ecall), threads sharing one memory,
 * breakpoints/watchpoints kept aside (never patched into memory), syscalls
 * write(64) / exit(93) / exit_group(94), Ctrl-C, kill/detach/restart.
 * RISC-V Unprivileged ISA, ch. 2 (RV32I) and ch. 5 (RV64I) for the encodings.
 */
import {
  ArchDescription,
  BreakpointType,
  StopEvent,
  StopReason,
  Target,
  ThreadAction,
} from '../../gdbstub/target';
import { F0, FCSR, FFLAGS, FRM, PC, RISCV64_ARCH } from './riscv64-tdesc';

// ---- encoders ----
export const enc = {
  addi: (rd: number, rs1: number, imm: number): number => (((imm & 0xfff) << 20) | (rs1 << 15) | (rd << 7) | 0x13) >>> 0,
  lui: (rd: number, imm20: number): number => (((imm20 & 0xfffff) << 12) | (rd << 7) | 0x37) >>> 0,
  sd: (rs2: number, imm: number, rs1: number): number =>
    ((((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (3 << 12) | ((imm & 0x1f) << 7) | 0x23) >>> 0,
  ld: (rd: number, imm: number, rs1: number): number => (((imm & 0xfff) << 20) | (rs1 << 15) | (3 << 12) | (rd << 7) | 0x03) >>> 0,
  jal: (rd: number, off: number): number =>
    ((((off >> 20) & 1) << 31) |
      (((off >> 1) & 0x3ff) << 21) |
      (((off >> 11) & 1) << 20) |
      (((off >> 12) & 0xff) << 12) |
      (rd << 7) |
      0x6f) >>>
    0,
  ecall: (): number => 0x73,
  nop: (): number => 0x13,
};

export const CODE = 0x10000n;
export const DATA = 0x20000n;
export const STACK = 0x7fff0000n;
const REGION = 0x1000;

/** Default program: see the addresses in the comments (tests rely on them). */
export function defaultProgram(): number[] {
  return [
    enc.addi(10, 0, 1), // 10000 a0 = 1
    enc.addi(11, 0, 2), // 10004 a1 = 2
    enc.lui(5, 0x20), // 10008 t0 = 0x20000
    enc.sd(11, 8, 5), // 1000c *(u64*)0x20008 = a1
    enc.ld(12, 8, 5), // 10010 a2 = *(u64*)0x20008
    enc.addi(17, 0, 64), // 10014 a7 = write
    enc.addi(10, 0, 1), // 10018 a0 = 1
    enc.addi(11, 5, 0x10), // 1001c a1 = 0x20010 ("hi\n")
    enc.addi(12, 0, 3), // 10020 a2 = 3
    enc.ecall(), // 10024 write(1, "hi\n", 3)
    enc.addi(10, 0, 3), // 10028 a0 = 3
    enc.addi(17, 0, 93), // 1002c a7 = exit
    enc.ecall(), // 10030 exit(3)
    enc.nop(), // 10034
    enc.nop(), // 10038
    enc.nop(), // 1003c
    enc.jal(0, 0), // 10040 spin: j .
  ];
}

export const SPIN = 0x10040n;

interface Thread {
  x: BigUint64Array; // x0..x31, [32] = pc
  f: BigUint64Array;
  fcsr: number;
  insns: number;
  /** Stopped at a syscall entry reported to gdb; the syscall runs on the next resume. */
  inSyscall: number | null;
}

interface Point {
  type: BreakpointType;
  addr: bigint;
  len: number;
}

export interface FakeOptions {
  program?: number[];
  /** Extra threads, each starting at the given pc. */
  extraThreads?: bigint[];
  pid?: number;
  /** Leave out the optional Target methods (auxv, execFile, restart, monitor, catch). */
  minimal?: boolean;
  /** qXfer:exec-file answer; null leaves execFile out (default '/sbin/hello'). */
  execPath?: string | null;
}

const MASK64 = (1n << 64n) - 1n;

function sext(v: number, bits: number): number {
  const s = 32 - bits;
  return (v << s) >> s;
}

export class FakeTarget implements Target {
  readonly arch: ArchDescription = RISCV64_ARCH;
  readonly pid: number;
  readonly mem = new Map<bigint, Uint8Array>();
  readonly ts = new Map<number, Thread>();
  readonly points: Point[] = [];
  stdout = '';
  catchSyscalls: null | 'all' | readonly number[] = null;
  /** Every resume's actions, for assertions. */
  readonly resumes: ThreadAction[][] = [];
  killed = false;
  detached = false;
  /** Exit code reached after detach (guest ran on to its end). */
  exitAfterDetach: Promise<number> | null = null;
  restarts: (readonly string[])[] = [];
  running = false;
  /** Time from interrupt() to the stop, ms. */
  lastInterruptLatency = -1;
  private interruptAt = 0;
  private interrupted = false;
  private exited: StopEvent | null = null;
  private readonly opts: FakeOptions;

  auxv?: () => Uint8Array | null;
  execFile?: () => string | null;
  restart?: (argv: readonly string[]) => Promise<void>;
  monitor?: (cmdline: string) => string;
  setCatchSyscalls?: (which: null | 'all' | readonly number[]) => boolean;

  constructor(opts: FakeOptions = {}) {
    this.opts = opts;
    this.pid = opts.pid ?? 1;
    this.reset();
    if (!opts.minimal) {
      this.auxv = () => {
        const b = Buffer.alloc(16 * 3);
        b.writeBigUInt64LE(6n, 0); // AT_PAGESZ
        b.writeBigUInt64LE(4096n, 8);
        b.writeBigUInt64LE(9n, 16); // AT_ENTRY
        b.writeBigUInt64LE(CODE, 24);
        return b; // AT_NULL (zeros)
      };
      const exe = opts.execPath === undefined ? '/sbin/hello' : opts.execPath;
      if (exe !== null) this.execFile = () => exe;
      this.restart = async (argv) => {
        this.restarts.push(argv);
        this.reset();
      };
      this.monitor = (cmd) => {
        if (cmd === 'help') return 'help -- this text\ninsns -- instructions executed\n';
        if (cmd === 'insns') return `${[...this.ts.values()].reduce((n, t) => n + t.insns, 0)}\n`;
        return `unknown monitor command: ${cmd}\n`;
      };
      this.setCatchSyscalls = (which) => {
        this.catchSyscalls = which;
        return true;
      };
    }
  }

  /** Fresh process: memory, one main thread (tid 0x100 + pid) at CODE, extra threads. */
  reset(): void {
    this.mem.clear();
    for (const base of [CODE, DATA, STACK]) this.mem.set(base, new Uint8Array(REGION));
    const code = this.mem.get(CODE)!;
    const dv = new DataView(code.buffer);
    (this.opts.program ?? defaultProgram()).forEach((w, i) => dv.setUint32(i * 4, w, true));
    this.mem.get(DATA)!.set(Buffer.from('hi\n'), 0x10);
    this.ts.clear();
    const starts = [CODE, ...(this.opts.extraThreads ?? [])];
    starts.forEach((pc, i) => {
      const t: Thread = { x: new BigUint64Array(33), f: new BigUint64Array(32), fcsr: 0, insns: 0, inSyscall: null };
      t.x[2] = STACK + BigInt(REGION) - 0x100n;
      t.x[PC] = pc;
      this.ts.set(0x100 + i, t);
    });
    this.points.length = 0;
    this.exited = null;
    this.killed = false;
    this.stdout = '';
  }

  threads(): readonly number[] {
    return this.exited ? [] : [...this.ts.keys()];
  }

  threadName(tid: number): string {
    return tid === 0x100 ? 'hello' : `worker-${tid.toString(16)}`;
  }

  thread(tid: number): Thread {
    const t = this.ts.get(tid);
    if (!t) throw new Error(`no thread ${tid}`);
    return t;
  }

  pc(tid = 0x100): bigint {
    return this.thread(tid).x[PC]!;
  }

  readRegister(tid: number, regnum: number): Uint8Array | null {
    const t = this.ts.get(tid);
    if (!t) return null;
    const b = Buffer.alloc(this.arch.regSizes[regnum] ?? 0);
    if (regnum <= PC) b.writeBigUInt64LE(t.x[regnum]!);
    else if (regnum >= F0 && regnum < F0 + 32) b.writeBigUInt64LE(t.f[regnum - F0]!);
    else if (regnum === FFLAGS) b.writeUInt32LE(t.fcsr & 0x1f);
    else if (regnum === FRM) b.writeUInt32LE((t.fcsr >> 5) & 7);
    else if (regnum === FCSR) b.writeUInt32LE(t.fcsr & 0xff);
    else return null;
    return b;
  }

  writeRegister(tid: number, regnum: number, bytes: Uint8Array): boolean {
    const t = this.ts.get(tid);
    if (!t) return false;
    const b = Buffer.from(bytes);
    if (regnum === 0) return true; // x0 is hardwired
    if (regnum <= PC) t.x[regnum] = b.readBigUInt64LE();
    else if (regnum >= F0 && regnum < F0 + 32) t.f[regnum - F0] = b.readBigUInt64LE();
    else if (regnum === FFLAGS) t.fcsr = (t.fcsr & ~0x1f) | (b.readUInt32LE() & 0x1f);
    else if (regnum === FRM) t.fcsr = (t.fcsr & 0x1f) | ((b.readUInt32LE() & 7) << 5);
    else if (regnum === FCSR) t.fcsr = b.readUInt32LE() & 0xff;
    else return false;
    return true;
  }

  private region(addr: bigint): { buf: Uint8Array; off: number } | null {
    for (const [base, buf] of this.mem) {
      if (addr >= base && addr < base + BigInt(buf.length)) return { buf, off: Number(addr - base) };
    }
    return null;
  }

  readMemory(addr: bigint, length: number): Uint8Array | null {
    const r = this.region(addr);
    if (!r) return null;
    return r.buf.slice(r.off, Math.min(r.buf.length, r.off + length));
  }

  writeMemory(addr: bigint, data: Uint8Array): boolean {
    for (let i = 0; i < data.length; i++) {
      const r = this.region(addr + BigInt(i));
      if (!r) return false;
      r.buf[r.off] = data[i]!;
    }
    return true;
  }

  insertBreakpoint(type: BreakpointType, addr: bigint, len: number): boolean {
    if (!this.points.some((p) => p.type === type && p.addr === addr && p.len === len)) this.points.push({ type, addr, len });
    return true;
  }

  removeBreakpoint(type: BreakpointType, addr: bigint, len: number): boolean {
    const i = this.points.findIndex((p) => p.type === type && p.addr === addr && p.len === len);
    if (i < 0) return false;
    this.points.splice(i, 1);
    return true;
  }

  interrupt(): void {
    if (this.running && !this.interrupted) {
      this.interrupted = true;
      this.interruptAt = Date.now();
    }
  }

  kill(): void {
    this.killed = true;
    this.exited = { kind: 'terminated', signal: 9 };
  }

  detach(): void {
    this.detached = true;
    this.points.length = 0;
    this.catchSyscalls = null;
    this.exitAfterDetach = this.resume(this.threads().map((tid) => ({ tid, step: false, signal: 0 }))).then((ev) =>
      ev.kind === 'exited' ? ev.code : -1,
    );
  }

  /** Memory access check for watchpoints: the exact data address hit, or null. */
  private watchHit(addr: bigint, size: number, write: boolean): StopReason | null {
    for (const p of this.points) {
      if (p.type === 'sw' || p.type === 'hw') continue;
      if (write ? p.type === 'read' : p.type === 'write') continue;
      if (addr < p.addr + BigInt(p.len) && p.addr < addr + BigInt(size)) {
        const hit = addr > p.addr ? addr : p.addr;
        return { kind: 'watch', type: p.type, addr: hit };
      }
    }
    return null;
  }

  private catches(nr: number): boolean {
    const c = this.catchSyscalls;
    return c === 'all' || (Array.isArray(c) && c.includes(nr));
  }

  /** Execute one instruction of thread `tid`; returns a stop or null. */
  private stepOne(tid: number): StopEvent | null {
    const t = this.thread(tid);
    const x = t.x;
    const pc = x[PC]!;
    if (t.inSyscall !== null) {
      // resume from a syscall-entry stop: perform it, then report its return
      const nr = t.inSyscall;
      t.inSyscall = null;
      const ev = this.syscall(t, nr);
      if (ev) return ev;
      x[PC] = pc + 4n;
      t.insns++;
      return { kind: 'signal', signal: 5, tid, reason: { kind: 'syscall_return', nr } };
    }
    const bp = this.points.find((p) => (p.type === 'sw' || p.type === 'hw') && p.addr === pc);
    if (bp) return { kind: 'signal', signal: 5, tid, reason: { kind: bp.type === 'sw' ? 'swbreak' : 'hwbreak' } };
    const raw = this.readMemory(pc, 4);
    if (!raw || raw.length < 4) return { kind: 'signal', signal: 11, tid };
    const insn = Buffer.from(raw).readUInt32LE();
    const op = insn & 0x7f;
    const rd = (insn >> 7) & 31;
    const f3 = (insn >> 12) & 7;
    const rs1 = (insn >> 15) & 31;
    const rs2 = (insn >> 20) & 31;
    const immI = BigInt(sext(insn >>> 20, 12));
    let next = pc + 4n;
    const set = (r: number, v: bigint): void => {
      if (r !== 0) x[r] = v & MASK64;
    };
    if (op === 0x13 && f3 === 0) set(rd, x[rs1]! + immI);
    else if (op === 0x37) set(rd, BigInt.asUintN(64, BigInt(sext(insn & 0xfffff000, 32))));
    else if (op === 0x6f) {
      const imm =
        (((insn >>> 31) & 1) << 20) | (((insn >>> 12) & 0xff) << 12) | (((insn >>> 20) & 1) << 11) | (((insn >>> 21) & 0x3ff) << 1);
      set(rd, pc + 4n);
      next = (pc + BigInt(sext(imm, 21))) & MASK64;
    } else if (op === 0x03 && f3 === 3) {
      const a = (x[rs1]! + immI) & MASK64;
      const d = this.readMemory(a, 8);
      if (!d || d.length < 8) return { kind: 'signal', signal: 11, tid };
      // riscv watchpoints fire before the access (gdb: nonsteppable watchpoints)
      const w = this.watchHit(a, 8, false);
      if (w) return { kind: 'signal', signal: 5, tid, reason: w };
      set(rd, Buffer.from(d).readBigUInt64LE());
    } else if (op === 0x23 && f3 === 3) {
      const imm = sext(((insn >>> 25) << 5) | ((insn >> 7) & 31), 12);
      const a = (x[rs1]! + BigInt(imm)) & MASK64;
      const w = this.watchHit(a, 8, true);
      if (w) return { kind: 'signal', signal: 5, tid, reason: w };
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(x[rs2]!);
      if (!this.writeMemory(a, b)) return { kind: 'signal', signal: 11, tid };
    } else if (insn === 0x73) {
      const nr = Number(x[17]!);
      if (this.catches(nr)) {
        t.inSyscall = nr;
        return { kind: 'signal', signal: 5, tid, reason: { kind: 'syscall_entry', nr } };
      }
      const ev = this.syscall(t, nr);
      if (ev) return ev;
    } else {
      return { kind: 'signal', signal: 4, tid };
    }
    x[PC] = next;
    t.insns++;
    return null;
  }

  private syscall(t: Thread, nr: number): StopEvent | null {
    if (nr === 64) {
      const d = this.readMemory(t.x[11]!, Number(t.x[12]!));
      this.stdout += d ? Buffer.from(d).toString('latin1') : '';
      t.x[10] = BigInt(d ? d.length : -14) & MASK64;
      return null;
    }
    if (nr === 93 || nr === 94) {
      this.exited = { kind: 'exited', code: Number(t.x[10]! & 0xffn) };
      return this.exited;
    }
    t.x[10] = BigInt(-38) & MASK64; // ENOSYS
    return null;
  }

  resume(actions: readonly ThreadAction[]): Promise<StopEvent> {
    this.resumes.push([...actions]);
    if (this.exited) return Promise.resolve(this.exited);
    this.running = true;
    this.interrupted = false;
    // continuing threads run before stepping ones, so a step lets the others make progress
    const order = [...actions].sort((a, b) => Number(a.step) - Number(b.step));
    return new Promise((resolve) => {
      const finish = (ev: StopEvent): void => {
        this.running = false;
        if (this.interrupted) this.lastInterruptLatency = Date.now() - this.interruptAt;
        this.interrupted = false;
        resolve(ev);
      };
      const slice = (): void => {
        for (let n = 0; n < 500; n++) {
          if (this.killed) return finish({ kind: 'terminated', signal: 9 });
          for (const a of order) {
            const ev = this.stepOne(a.tid);
            if (ev) return finish(ev);
            if (a.step) return finish({ kind: 'signal', signal: 5, tid: a.tid });
          }
        }
        if (this.interrupted) return finish({ kind: 'signal', signal: 2, tid: actions[0]!.tid });
        setImmediate(slice);
      };
      setImmediate(slice);
    });
  }
}

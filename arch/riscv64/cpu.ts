/**
 * One RV64GC hart at user level (RISC-V Unprivileged ISA 20191213). State lives in typed
 * arrays (PERF.md): the integer file is one ArrayBuffer viewed as Int32Array halves for the
 * interpreter and as BigInt64Array for slow paths and the debugger; the f registers likewise as
 * Int32Array (bit patterns, NaN-boxing) and Float64Array. The loop itself is exec/rvi.ts.
 */
import type { Cpu, StopReason } from '../common/cpu';
import { bigOf, MemFault, type Memory } from '../common/memory';
import { FpEnv } from '../common/softfloat';
import { decodeCacheOf, FRAME_INTS, type DecodeCache } from './decode';
import { run } from './exec/rvi';

/** Registers x0..x31 plus the x0 write sink (x32). */
const XREGS = 33;

/** Default `time` CSR: a 10 MHz timebase from the host's monotonic clock. */
const defaultClock = (): bigint => process.hrtime.bigint() / 100n;

/** saveState layout: x0..x31, pc, f0..f31 (8 bytes each), then fcsr (4 bytes). */
const STATE_BYTES = 32 * 8 + 8 + 32 * 8 + 4;

export class RvCpu implements Cpu {
  readonly arch = 'riscv64' as const;
  /** Integer registers, x[2n] low / x[2n+1] high word of xn; x[64..65] is the x0 write sink. */
  readonly x: Int32Array;
  /** The same registers as 64-bit values. */
  readonly xb: BigInt64Array;
  /** f registers as bit-pattern halves (fi) and as doubles (fd), one buffer. */
  readonly fi: Int32Array;
  readonly fd: Float64Array;
  /** fflags live in fenv.flags (the softfloat core ORs into it). */
  readonly fenv = new FpEnv();
  /** Dynamic rounding mode (frm, 3 bits as written). */
  frm = 0;
  pcLo = 0;
  pcHi = 0;
  /** Instructions retired since creation. */
  retired = 0;
  /** LR/SC reservation (ch. 8.2). */
  resValid = false;
  resLo = 0;
  resHi = 0;
  resWide = false;
  /** Source of the `time` CSR; the kernel may replace it. */
  clock: () => bigint = defaultClock;
  readonly cache: DecodeCache;
  /** Decode slots for an instruction straddling two frames (see Op.CROSS). */
  readonly scratch = new Int32Array(FRAME_INTS);

  constructor(readonly mem: Memory) {
    const xbuf = new ArrayBuffer(XREGS * 8);
    this.x = new Int32Array(xbuf);
    this.xb = new BigInt64Array(xbuf);
    const fbuf = new ArrayBuffer(32 * 8);
    this.fi = new Int32Array(fbuf);
    this.fd = new Float64Array(fbuf);
    this.cache = decodeCacheOf(mem);
  }

  get pc(): bigint { return bigOf(this.pcLo, this.pcHi); }
  set pc(v: bigint) {
    const u = BigInt.asUintN(64, v);
    this.pcLo = Number(u & 0xffffffffn) | 0;
    this.pcHi = Number(u >> 32n) | 0;
  }

  get instret(): number { return this.retired; }

  getReg(n: number): bigint { return n === 0 ? 0n : this.xb[n & 31]!; }
  setReg(n: number, v: bigint): void { if (n !== 0) this.xb[n & 31] = BigInt.asIntN(64, v); }

  /** f register n as raw 64 bits. */
  getFReg(n: number): bigint { return BigInt.asUintN(64, new BigInt64Array(this.fi.buffer)[n & 31]!); }
  setFReg(n: number, v: bigint): void { new BigInt64Array(this.fi.buffer)[n & 31] = BigInt.asIntN(64, v); }

  get fflags(): number { return this.fenv.flags & 31; }
  set fflags(v: number) { this.fenv.flags = v & 31; }
  get fcsr(): number { return (this.frm << 5) | this.fflags; }
  set fcsr(v: number) { this.fflags = v; this.frm = (v >>> 5) & 7; }

  get tls(): bigint { return this.xb[4]!; }
  set tls(v: bigint) { this.xb[4] = BigInt.asIntN(64, v); }

  run(budget: number): StopReason {
    return run(this, budget);
  }

  /** Debugger breakpoints, shared by every hart on this Memory (one address space). */
  setBreakpoints(addrs: ReadonlySet<bigint>): void {
    const old = this.cache.breakpoints;
    const next = new Set([...addrs].map((a) => BigInt.asUintN(64, a)));
    this.cache.breakpoints = next;
    // gdb inserts and removes breakpoints at every stop: re-decode only the slots that changed.
    for (const a of old) if (!next.has(a)) this.redecode(a);
    for (const a of next) if (!old.has(a)) this.redecode(a);
  }

  private redecode(a: bigint): void {
    const lo = Number(a & 0xffffffffn) | 0, hi = Number(a >> 32n) | 0;
    let off: number;
    try { off = this.mem.fetchFrame(lo, hi); } catch (e) {
      if (e instanceof MemFault) return; // not executable: nothing decoded there
      throw e;
    }
    this.cache.invalidate(off, lo & 0xfff);
  }

  isBreakpoint(lo: number, hi: number): boolean {
    return this.cache.breakpoints.has(bigOf(lo, hi));
  }

  saveState(): Uint8Array {
    const out = new Uint8Array(STATE_BYTES);
    out.set(new Uint8Array(this.x.buffer, 0, 256), 0);
    const dv = new DataView(out.buffer);
    dv.setInt32(256, this.pcLo, true);
    dv.setInt32(260, this.pcHi, true);
    out.set(new Uint8Array(this.fi.buffer), 264);
    dv.setUint32(520, this.fcsr, true);
    return out;
  }

  restoreState(s: Uint8Array): void {
    if (s.length !== STATE_BYTES) throw new RangeError('riscv64: bad state size');
    new Uint8Array(this.x.buffer, 0, 256).set(s.subarray(0, 256));
    this.x[0] = 0; this.x[1] = 0;
    const dv = new DataView(s.buffer, s.byteOffset, s.byteLength);
    this.pcLo = dv.getInt32(256, true);
    this.pcHi = dv.getInt32(260, true);
    new Uint8Array(this.fi.buffer).set(s.subarray(264, 520));
    this.fcsr = dv.getUint32(520, true);
    this.resValid = false;
  }
}

export function createCpu(mem: Memory): RvCpu {
  return new RvCpu(mem);
}

/**
 * The A64 architectural state at EL0 (Arm ARM DDI 0487, B1.2 "Registers in AArch64 state") and
 * the 64-bit integer helpers the exec/ groups share. Integer registers live as int32 halves in an
 * Int32Array over one ArrayBuffer that is also viewed as BigInt64Array (PERF.md): index 2r is the
 * low word of register r, 2r+1 the high word.
 *
 * Register indices: 0..30 = X0..X30, 31 = XZR (always zero, never written), 32 = SP,
 * 33 = write sink (a destination of XZR), 34 = TPIDR_EL0.
 */
import { FpEnv, FLAG_DZ, FLAG_NV, FLAG_NX, FLAG_OF, FLAG_UF } from '../common/softfloat';
import type { Memory } from '../common/memory';

export const ZR = 31, SP = 32, SINK = 33, TPIDR = 34;
export const NREGS = 35;

/** What an exec handler tells the run loop. */
export const enum Ret {
  /** Fall through to the next instruction. */
  NEXT = 0,
  /** pcLo/pcHi hold the next pc. */
  JUMP = 1,
  SVC = 2,
  BRK = 3,
  ILLEGAL = 4,
  /** Continue at the next instruction after dropping every decoded frame (ISB, IC IVAU). */
  FLUSH = 5,
}

/** FPCR bits (C5.2.8). */
export const FPCR_AHP = 1 << 26, FPCR_DN = 1 << 25, FPCR_FZ = 1 << 24;
/** FPSR cumulative bits (C5.2.10): IOC DZC OFC UFC IXC .. IDC; QC bit 27. */
export const FPSR_IOC = 1, FPSR_DZC = 2, FPSR_OFC = 4, FPSR_UFC = 8, FPSR_IXC = 16, FPSR_IDC = 128, FPSR_QC = 1 << 27;

export class A64State {
  readonly buf = new ArrayBuffer(NREGS * 8);
  readonly R = new Int32Array(this.buf);
  readonly X = new BigInt64Array(this.buf);
  /** V0..V31, 16 bytes each, little-endian lanes. */
  readonly vbuf = new ArrayBuffer(32 * 16);
  readonly V8 = new Uint8Array(this.vbuf);
  readonly V16 = new Uint16Array(this.vbuf);
  readonly V32 = new Int32Array(this.vbuf);
  readonly F32 = new Float32Array(this.vbuf);
  readonly F64 = new Float64Array(this.vbuf);
  readonly V64 = new BigUint64Array(this.vbuf);
  /** Address of the instruction being executed (or, after Ret.JUMP, the next one). */
  pcLo = 0;
  pcHi = 0;
  /** PSTATE.NZCV as 0/1 each. */
  n = 0; z = 1; c = 1; v = 0;
  fpcr = 0;
  /** IEEE flags of FPSR in softfloat layout; the other FPSR bits (QC, IDC) in fpsrExtra. */
  readonly env = new FpEnv();
  fpsrExtra = 0;
  /** Exclusive monitor (B2.9): address of the reserved granule or -1. */
  exAddr = -1;
  exSize = 0;
  /** Scratch high word returned by the 64-bit helpers. */
  th = 0;

  constructor(readonly mem: Memory) {
    this.env.tininessBeforeRounding = true;
  }

  get nzcv(): number { return (this.n << 31 | this.z << 30 | this.c << 29 | this.v << 28) >>> 0; }
  set nzcv(x: number) { this.n = (x >>> 31) & 1; this.z = (x >>> 30) & 1; this.c = (x >>> 29) & 1; this.v = (x >>> 28) & 1; }

  get fpsr(): number {
    const f = this.env.flags;
    return (this.fpsrExtra | (f & FLAG_NV ? FPSR_IOC : 0) | (f & FLAG_DZ ? FPSR_DZC : 0) | (f & FLAG_OF ? FPSR_OFC : 0)
      | (f & FLAG_UF ? FPSR_UFC : 0) | (f & FLAG_NX ? FPSR_IXC : 0)) >>> 0;
  }
  set fpsr(x: number) {
    this.fpsrExtra = x & (FPSR_IDC | FPSR_QC | 0xf0000000);
    this.env.flags = (x & FPSR_IOC ? FLAG_NV : 0) | (x & FPSR_DZC ? FLAG_DZ : 0) | (x & FPSR_OFC ? FLAG_OF : 0)
      | (x & FPSR_UFC ? FLAG_UF : 0) | (x & FPSR_IXC ? FLAG_NX : 0);
  }

  /** Condition check (C1.2.4 ConditionHolds). */
  cond(c: number): boolean {
    let r: boolean;
    switch (c >>> 1) {
      case 0: r = this.z === 1; break;
      case 1: r = this.c === 1; break;
      case 2: r = this.n === 1; break;
      case 3: r = this.v === 1; break;
      case 4: r = this.c === 1 && this.z === 0; break;
      case 5: r = this.n === this.v; break;
      case 6: r = this.n === this.v && this.z === 0; break;
      default: return true;
    }
    return (c & 1) !== 0 ? !r : r;
  }

  getX(r: number): bigint { return this.X[r]!; }
  setX(r: number, v: bigint): void { if (r !== ZR) this.X[r] = BigInt.asIntN(64, v); }
  get pc(): bigint { return (BigInt(this.pcHi >>> 0) << 32n) | BigInt(this.pcLo >>> 0); }
  set pc(v: bigint) { v = BigInt.asUintN(64, v); this.pcLo = Number(v & 0xffffffffn) | 0; this.pcHi = Number(v >> 32n) | 0; }
}

/** Register index for a 5-bit field where 31 names XZR, as a destination. */
export function wz(r: number): number { return r === 31 ? SINK : r; }
/** Register index for a 5-bit field where 31 names SP. */
export function sp(r: number): number { return r === 31 ? SP : r; }

/**
 * AddWithCarry (J1 shared pseudocode) on 64-bit halves; returns the low word, high word in st.th.
 * Sets NZCV when `flags`.
 */
export function adc64(st: A64State, alo: number, ahi: number, blo: number, bhi: number, cin: number, flags: boolean): number {
  const sl = (alo >>> 0) + (blo >>> 0) + cin;
  const c1 = sl > 0xffffffff ? 1 : 0;
  const sh = (ahi >>> 0) + (bhi >>> 0) + c1;
  const lo = sl | 0, hi = sh | 0;
  st.th = hi;
  if (flags) {
    st.n = hi >>> 31;
    st.z = (lo | hi) === 0 ? 1 : 0;
    st.c = sh > 0xffffffff ? 1 : 0;
    st.v = ((ahi ^ hi) & (bhi ^ hi)) >>> 31;
  }
  return lo;
}

/** 32-bit AddWithCarry. */
export function adc32(st: A64State, a: number, b: number, cin: number, flags: boolean): number {
  const s = (a >>> 0) + (b >>> 0) + cin;
  const r = s | 0;
  if (flags) {
    st.n = r >>> 31;
    st.z = r === 0 ? 1 : 0;
    st.c = s > 0xffffffff ? 1 : 0;
    st.v = ((a ^ r) & (b ^ r)) >>> 31;
  }
  return r;
}

/** 64-bit shift/rotate of (lo, hi) by 0..63 (type: 0 LSL, 1 LSR, 2 ASR, 3 ROR); hi in st.th. */
export function shift64(st: A64State, lo: number, hi: number, type: number, n: number): number {
  n &= 63;
  if (n === 0) { st.th = hi; return lo; }
  switch (type) {
    case 0:
      if (n >= 32) { st.th = lo << (n - 32); return 0; }
      st.th = (hi << n) | (lo >>> (32 - n)); return lo << n;
    case 1:
      if (n >= 32) { st.th = 0; return n === 32 ? hi : hi >>> (n - 32); }
      st.th = hi >>> n; return (lo >>> n) | (hi << (32 - n));
    case 2:
      if (n >= 32) { st.th = hi >> 31; return n === 32 ? hi : hi >> (n - 32); }
      st.th = hi >> n; return (lo >>> n) | (hi << (32 - n));
    default: {
      if (n >= 32) { const t = lo; lo = hi; hi = t; n -= 32; if (n === 0) { st.th = hi; return lo; } }
      st.th = (hi >>> n) | (lo << (32 - n));
      return (lo >>> n) | (hi << (32 - n));
    }
  }
}

/** 32-bit shift/rotate by 0..31. */
export function shift32(v: number, type: number, n: number): number {
  n &= 31;
  switch (type) {
    case 0: return v << n;
    case 1: return v >>> n;
    case 2: return v >> n;
    default: return n === 0 ? v : (v >>> n) | (v << (32 - n));
  }
}

/** Low 64 bits of a 64x64 product; hi in st.th. */
export function mul64(st: A64State, alo: number, ahi: number, blo: number, bhi: number): number {
  // (a_lo * b_lo) full 64 bits via 16-bit limbs, then cross terms into the high word.
  const a0 = alo & 0xffff, a1 = alo >>> 16, b0 = blo & 0xffff, b1 = blo >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  const lo = ((mid << 16) | (p00 & 0xffff)) | 0;
  const hiFromLo = p11 + (p01 >>> 16) + (p10 >>> 16) + Math.floor(mid / 65536);
  st.th = (hiFromLo + Math.imul(alo, bhi) + Math.imul(ahi, blo)) | 0;
  return lo;
}

/** High 64 bits of the unsigned 128-bit product of two 64-bit values; hi word in st.th. */
export function umulh64(st: A64State, alo: number, ahi: number, blo: number, bhi: number): number {
  const p0l = mul64(st, alo, 0, blo, 0), p0h = st.th;
  const p1l = mul64(st, alo, 0, bhi, 0), p1h = st.th;
  const p2l = mul64(st, ahi, 0, blo, 0), p2h = st.th;
  const p3l = mul64(st, ahi, 0, bhi, 0), p3h = st.th;
  void p0l;
  const mid = (p0h >>> 0) + (p1l >>> 0) + (p2l >>> 0);
  const sum = (p3l >>> 0) + (p1h >>> 0) + (p2h >>> 0) + Math.floor(mid / 4294967296);
  st.th = (p3h + Math.floor(sum / 4294967296)) | 0;
  return sum | 0;
}

/** High 64 bits of the signed 128-bit product; hi word in st.th. */
export function smulh64(st: A64State, alo: number, ahi: number, blo: number, bhi: number): number {
  let lo = umulh64(st, alo, ahi, blo, bhi), hi = st.th;
  if (ahi < 0) { lo = adc64(st, lo, hi, ~blo, ~bhi, 1, false); hi = st.th; }
  if (bhi < 0) { lo = adc64(st, lo, hi, ~alo, ~ahi, 1, false); hi = st.th; }
  st.th = hi;
  return lo;
}

/** Unsigned 32x32 -> 64 product; hi in st.th. */
export function umul32(st: A64State, a: number, b: number): number {
  return mul64(st, a, 0, b, 0);
}

export function big64(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/**
 * One exec handler: `w` is the instruction word, `d[s + 1]`, `d[s + 2]` the values its row's
 * prepare step cached when the slot was decoded. Returns a {@link Ret}.
 */
export type Handler = (st: A64State, w: number, d: Int32Array, s: number) => number;

/** Decode-time step of a handler: caches two ints in the slot, or returns false for an unallocated encoding. */
export type Prepare = (w: number, out: Int32Array, s: number) => boolean;

/** Ones in the low `width` bits (0..64) as halves; hi in st.th. */
export function ones64(st: A64State, width: number): number {
  if (width >= 64) { st.th = -1; return -1; }
  if (width >= 32) { st.th = width === 32 ? 0 : (1 << (width - 32)) - 1; return -1; }
  st.th = 0;
  return width === 0 ? 0 : ((1 << width) - 1) | 0;
}

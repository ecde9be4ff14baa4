/**
 * Scalar floating point (Arm ARM C4.1.6 "Data Processing -- Scalar Floating-Point"; semantics
 * C7.2; shared pseudocode J1 "FPProcessNaN(s)", "FPMulAdd", "FPCompare", "FPToFixed",
 * "FixedToFP", "FPRoundInt", "FPConvert"). The IEEE arithmetic is arch/common/softfloat.ts; this
 * file owns Arm's NaN rules (SNaN before QNaN, first operand first, FPCR.DN default NaN
 * 0x7fc00000 / 0x7ff8000000000000), FPCR.FZ flushing (FPSR.IDC on inputs) and the FPCR rounding
 * mode. Operands travel as bit patterns (lo, hi halves; hi unused for single precision) so NaN
 * payloads never pass through a JS number.
 */
import * as sf from '../../common/softfloat';
import { FLAG_NV, FLAG_UF, Rm } from '../../common/softfloat';
import { A64State, FPCR_DN, FPCR_FZ, FPSR_IDC, Handler, Prepare, Ret, wz } from '../state';

const F32B = new Float32Array(1), I32B = new Int32Array(F32B.buffer);
const F64B = new Float64Array(1), I64B = new Int32Array(F64B.buffer);

/** FPCR.RMode -> softfloat rounding mode. */
const RMODE: readonly Rm[] = [Rm.RNE, Rm.RUP, Rm.RDN, Rm.RTZ];
export function rmOf(st: A64State): Rm { return RMODE[(st.fpcr >>> 22) & 3]!; }

export function isNaNB(d: boolean, lo: number, hi: number): boolean {
  return d ? (hi & 0x7ff00000) === 0x7ff00000 && ((hi & 0xfffff) | lo) !== 0 : (lo & 0x7f800000) === 0x7f800000 && (lo & 0x7fffff) !== 0;
}
export function isSNaNB(d: boolean, lo: number, hi: number): boolean {
  return isNaNB(d, lo, hi) && (d ? (hi & 0x80000) === 0 : (lo & 0x400000) === 0);
}

/** Number of an operand, after FZ flushing of denormal inputs. */
export function num(st: A64State, d: boolean, lo: number, hi: number): number {
  if (st.fpcr & FPCR_FZ) {
    if (d ? (hi & 0x7ff00000) === 0 && ((hi & 0xfffff) | lo) !== 0 : (lo & 0x7f800000) === 0 && (lo & 0x7fffff) !== 0) {
      st.fpsrExtra |= FPSR_IDC;
      return (d ? hi : lo) < 0 ? -0 : 0;
    }
  }
  if (d) { I64B[0] = lo; I64B[1] = hi; return F64B[0]!; }
  I32B[0] = lo; return F32B[0]!;
}

/** Bits of a result (NaN = default NaN); hi in st.th. FZ flushes tiny results to zero (UFC). */
export function bits(st: A64State, d: boolean, x: number, flagsBefore: number): number {
  if (x !== x) { st.th = d ? 0x7ff80000 : 0; return d ? 0 : 0x7fc00000; }
  if (st.fpcr & FPCR_FZ && x !== 0 && Math.abs(x) < (d ? 2.2250738585072014e-308 : 1.1754943508222875e-38)) {
    st.env.flags = flagsBefore | FLAG_UF;
    x = x < 0 ? -0 : 0;
  }
  if (d) { F64B[0] = x; st.th = I64B[1]!; return I64B[0]!; }
  F32B[0] = x; st.th = 0; return I32B[0]!;
}

function defaultNaN(st: A64State, d: boolean): number { st.th = d ? 0x7ff80000 : 0; return d ? 0 : 0x7fc00000; }

/** FPProcessNaN of the chosen operand; hi in st.th. */
function processNaN(st: A64State, d: boolean, lo: number, hi: number): number {
  if (isSNaNB(d, lo, hi)) { st.env.flags |= FLAG_NV; if (d) hi |= 0x80000; else lo |= 0x400000; }
  if (st.fpcr & FPCR_DN) return defaultNaN(st, d);
  st.th = d ? hi : 0;
  return lo;
}

/** FPProcessNaNs for two operands (caller checked that one is a NaN). */
function processNaNs(st: A64State, d: boolean, alo: number, ahi: number, blo: number, bhi: number): number {
  if (isSNaNB(d, alo, ahi)) { if (isSNaNB(d, blo, bhi)) st.env.flags |= FLAG_NV; return processNaN(st, d, alo, ahi); }
  if (isSNaNB(d, blo, bhi)) return processNaN(st, d, blo, bhi);
  if (isNaNB(d, alo, ahi)) return processNaN(st, d, alo, ahi);
  return processNaN(st, d, blo, bhi);
}

export const enum FOp { MUL = 0, DIV = 1, ADD = 2, SUB = 3, MAX = 4, MIN = 5, MAXNM = 6, MINNM = 7, NMUL = 8 }

/** Two-operand arithmetic on bit patterns; hi of the result in st.th. */
export function fpBinop(st: A64State, op: number, d: boolean, alo: number, ahi: number, blo: number, bhi: number): number {
  const an = isNaNB(d, alo, ahi), bn = isNaNB(d, blo, bhi);
  if (an || bn) {
    if ((op === FOp.MAXNM || op === FOp.MINNM) && an !== bn) {
      // A quiet NaN loses against a number (FPMaxNum/FPMinNum).
      if (an && !isSNaNB(d, alo, ahi)) return fpBinop(st, op - 2, d, blo, bhi, blo, bhi);
      if (bn && !isSNaNB(d, blo, bhi)) return fpBinop(st, op - 2, d, alo, ahi, alo, ahi);
    }
    return processNaNs(st, d, alo, ahi, blo, bhi);
  }
  const a = num(st, d, alo, ahi), b = num(st, d, blo, bhi);
  const env = st.env, rm = rmOf(st), before = env.flags;
  let r: number;
  switch (op) {
    case FOp.MUL: case FOp.NMUL: r = d ? sf.f64Mul(a, b, rm, env) : sf.f32Mul(a, b, rm, env); if (op === FOp.NMUL) r = -r; break;
    case FOp.DIV: r = d ? sf.f64Div(a, b, rm, env) : sf.f32Div(a, b, rm, env); break;
    case FOp.ADD: r = d ? sf.f64Add(a, b, rm, env) : sf.f32Add(a, b, rm, env); break;
    case FOp.SUB: r = d ? sf.f64Sub(a, b, rm, env) : sf.f32Sub(a, b, rm, env); break;
    case FOp.MAX: case FOp.MAXNM:
      r = a === 0 && b === 0 ? (Object.is(a, -0) && Object.is(b, -0) ? -0 : 0) : a > b ? a : b; break;
    default:
      r = a === 0 && b === 0 ? (Object.is(a, -0) || Object.is(b, -0) ? -0 : 0) : a < b ? a : b; break;
  }
  return bits(st, d, r, before);
}

/** FPMulAdd(addend, op1, op2) with negations already applied to the bit patterns; hi in st.th. */
export function fpMulAdd(st: A64State, d: boolean, clo: number, chi: number, alo: number, ahi: number, blo: number, bhi: number): number {
  const cn = isNaNB(d, clo, chi), an = isNaNB(d, alo, ahi), bn = isNaNB(d, blo, bhi);
  if (cn || an || bn) {
    const a = an ? 0 : num(st, d, alo, ahi), b = bn ? 0 : num(st, d, blo, bhi);
    const infZero = !an && !bn && ((a === 0 && Math.abs(b) === Infinity) || (b === 0 && Math.abs(a) === Infinity));
    if (isSNaNB(d, clo, chi)) { if (isSNaNB(d, alo, ahi) || isSNaNB(d, blo, bhi) || infZero) st.env.flags |= FLAG_NV; return processNaN(st, d, clo, chi); }
    if (isSNaNB(d, alo, ahi)) { if (isSNaNB(d, blo, bhi)) st.env.flags |= FLAG_NV; return processNaN(st, d, alo, ahi); }
    if (isSNaNB(d, blo, bhi)) return processNaN(st, d, blo, bhi);
    if (cn && infZero) { st.env.flags |= FLAG_NV; return defaultNaN(st, d); }
    if (cn) return processNaN(st, d, clo, chi);
    if (an) return processNaN(st, d, alo, ahi);
    return processNaN(st, d, blo, bhi);
  }
  const a = num(st, d, alo, ahi), b = num(st, d, blo, bhi), c = num(st, d, clo, chi);
  const env = st.env, before = env.flags, rm = rmOf(st);
  const r = d ? sf.f64Fma(a, b, c, rm, env) : sf.f32Fma(a, b, c, rm, env);
  return bits(st, d, r, before);
}

/** FPCompare -> NZCV nibble; `signal` raises IOC for quiet NaNs too (FCMPE). */
export function fpCompare(st: A64State, d: boolean, alo: number, ahi: number, blo: number, bhi: number, signal: boolean): number {
  if (isNaNB(d, alo, ahi) || isNaNB(d, blo, bhi)) {
    if (signal || isSNaNB(d, alo, ahi) || isSNaNB(d, blo, bhi)) st.env.flags |= FLAG_NV;
    return 0b0011;
  }
  const a = num(st, d, alo, ahi), b = num(st, d, blo, bhi);
  return a === b ? 0b0110 : a < b ? 0b1000 : 0b0010;
}

/** FPRoundInt; `exact` raises IXC when inexact (FRINTX). */
export function fpRoundInt(st: A64State, d: boolean, lo: number, hi: number, rm: Rm, exact: boolean): number {
  if (isNaNB(d, lo, hi)) return processNaN(st, d, lo, hi);
  const a = num(st, d, lo, hi);
  const r = sf.f64RoundToInt(a, rm, st.env, exact);
  return bits(st, d, r, st.env.flags);
}

export function fpSqrt(st: A64State, d: boolean, lo: number, hi: number): number {
  if (isNaNB(d, lo, hi)) return processNaN(st, d, lo, hi);
  const a = num(st, d, lo, hi), before = st.env.flags, rm = rmOf(st);
  return bits(st, d, d ? sf.f64Sqrt(a, rm, st.env) : sf.f32Sqrt(a, rm, st.env), before);
}

/** FPToFixed with fbits fraction bits, to a 32- or 64-bit integer; hi in st.th. NaN gives 0 (IOC). */
export function fpToInt(st: A64State, d: boolean, lo: number, hi: number, rm: Rm, unsigned: boolean, is64: boolean, fbits: number): number {
  if (isNaNB(d, lo, hi)) { st.env.flags |= FLAG_NV; st.th = 0; return 0; }
  let a = num(st, d, lo, hi);
  if (fbits) a *= Math.pow(2, fbits);
  if (!is64) {
    const r = unsigned ? sf.f64ToU32(a, rm, st.env) : sf.f64ToI32(a, rm, st.env);
    st.th = 0;
    return r | 0;
  }
  const r = unsigned ? sf.f64ToU64(a, rm, st.env) : sf.f64ToI64(a, rm, st.env);
  const u = BigInt.asUintN(64, r);
  st.th = Number(u >> 32n) | 0;
  return Number(u & 0xffffffffn) | 0;
}

/** FixedToFP: integer (lo, hi) (32-bit when !is64) to S/D; hi in st.th. */
export function intToFp(st: A64State, d: boolean, lo: number, hi: number, unsigned: boolean, is64: boolean, fbits: number): number {
  const env = st.env, rm = rmOf(st), before = env.flags;
  let r: number;
  if (!is64 && fbits === 0) {
    const v = unsigned ? lo >>> 0 : lo | 0;
    r = d ? v : sf.f64ToF32(v, rm, env);
  } else {
    let v = is64 ? (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0) : BigInt(lo >>> 0);
    if (!unsigned) v = BigInt.asIntN(is64 ? 64 : 32, v);
    // Dividing by 2^fbits is exact at these magnitudes, so this is the one rounding.
    r = (unsigned ? (d ? sf.u64ToF64(v, rm, env) : sf.u64ToF32(v, rm, env)) : d ? sf.i64ToF64(v, rm, env) : sf.i64ToF32(v, rm, env)) / Math.pow(2, fbits);
  }
  return bits(st, d, r, before);
}

/** FPConvert between S (1), D (2) and H (0) formats, bits in and out; hi in st.th. */
export function fpConvert(st: A64State, from: number, to: number, lo: number, hi: number): number {
  const env = st.env, rm = rmOf(st);
  if (from === 0) {
    const h = lo & 0xffff;
    if ((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0) {
      if ((h & 0x200) === 0) env.flags |= FLAG_NV;
      if (st.fpcr & FPCR_DN) return defaultNaN(st, to === 2);
      const sign = h >>> 15, frac = (h & 0x3ff) | 0x200;
      if (to === 2) { st.th = (sign << 31) | 0x7ff00000 | (frac << 10); return 0; }
      st.th = 0; return (sign << 31) | 0x7f800000 | (frac << 13);
    }
    const v = sf.f16ToF32(h, env);
    return bits(st, to === 2, v, env.flags);
  }
  const d = from === 2;
  if (isNaNB(d, lo, hi)) {
    if (isSNaNB(d, lo, hi)) env.flags |= FLAG_NV;
    if (st.fpcr & FPCR_DN) { if (to === 0) { st.th = 0; return 0x7e00; } return defaultNaN(st, to === 2); }
    const sign = (d ? hi : lo) >>> 31;
    // Payload: the top fraction bits, quietened.
    const top = d ? ((hi & 0xfffff) << 12) | (lo >>> 20) : (lo & 0x7fffff) << 9; // 32 top fraction bits
    if (to === 0) { st.th = 0; return (sign << 15) | 0x7e00 | ((top >>> 22) & 0x3ff); }
    if (to === 1) { st.th = 0; return (sign << 31) | 0x7fc00000 | (top >>> 9); }
    st.th = (sign << 31) | 0x7ff80000 | (top >>> 12); return top << 20;
  }
  const a = num(st, d, lo, hi), before = env.flags;
  if (to === 0) {
    const x = d ? sf.f64ToF32(a, Rm.RTZ, new sf.FpEnv()) : a;
    // Round once: binary64 -> binary16 through binary32 is exact enough only when the f32 step is exact.
    const h = d && x !== a ? sf.f32ToF16(roundToOddF32(a), rm, env) : sf.f32ToF16(x, rm, env);
    st.th = 0;
    return h;
  }
  if (to === 1) return bits(st, false, sf.f64ToF32(a, rm, env), before);
  return bits(st, true, a, before);
}

/** binary64 -> binary32 rounded to odd (for a correct second rounding to binary16). */
function roundToOddF32(a: number): number {
  const t = Math.fround(a);
  if (t === a) return t;
  const tz = Math.abs(t) > Math.abs(a) ? nextToward0F32(t) : t;
  F32B[0] = tz;
  if ((I32B[0]! & 1) === 0) I32B[0] = I32B[0]! + 1;
  return F32B[0]!;
}
function nextToward0F32(x: number): number { F32B[0] = x; I32B[0] = I32B[0]! - 1; return F32B[0]!; }

// ---- register access (scalar: writes zero the rest of the vector register) ----

function rdLo(st: A64State, r: number): number { return st.V32[r * 4]!; }
function rdHi(st: A64State, r: number): number { return st.V32[r * 4 + 1]!; }
export function writeScalar(st: A64State, r: number, d: boolean, lo: number, hi: number): void {
  const i = r * 4;
  st.V32[i] = lo; st.V32[i + 1] = d ? hi : 0; st.V32[i + 2] = 0; st.V32[i + 3] = 0;
}

const prepType: Prepare = (w) => ((w >>> 22) & 3) < 2;
const prepDp1: Prepare = (w) => {
  const t = (w >>> 22) & 3, op = (w >>> 15) & 63;
  if (op >= 4 && op <= 7) { const to = op & 3; return to !== 2 && to !== t && t !== 2; } // FCVT
  if (t >= 2) return false;
  return op <= 3 || (op >= 8 && op <= 15 && op !== 13);
};
const prepDp2: Prepare = (w) => ((w >>> 22) & 3) < 2 && ((w >>> 12) & 15) <= 8;
const prepFpInt: Prepare = (w) => {
  const s = w >>> 31, t = (w >>> 22) & 3, rmode = (w >>> 19) & 3, op = (w >>> 16) & 7;
  if (op >= 6) {
    if (rmode === 0) return (s === 0 && t === 0) || (s === 1 && t === 1);
    return rmode === 1 && s === 1 && t === 2;
  }
  if (t >= 2) return false;
  if (op === 2 || op === 3 || op === 4 || op === 5) return rmode === 0;
  return true;
};
const prepFixed: Prepare = (w) => {
  const s = w >>> 31, t = (w >>> 22) & 3, rmode = (w >>> 19) & 3, op = (w >>> 16) & 7, scale = (w >>> 10) & 63;
  if (t >= 2 || (!s && scale < 32)) return false;
  return (rmode === 0 && (op === 2 || op === 3)) || (rmode === 3 && (op === 0 || op === 1));
};
const prepDp3: Prepare = prepType;
export const prepare: Record<string, Prepare> = {
  fpDp1: prepDp1, fcmp: prepType, fmovImm: prepType, fccmp: prepType, fpDp2: prepDp2, fcsel: prepType, fpDp3: prepDp3,
  fpInt: prepFpInt, fpFixed: prepFixed,
};

/** FMOV, FABS, FNEG, FSQRT, FCVT, FRINT{N,P,M,Z,A,X,I} (scalar). */
const fpDp1: Handler = (st, w) => {
  const t = (w >>> 22) & 3, op = (w >>> 15) & 63, rn = (w >>> 5) & 31, rd = w & 31;
  const d = t === 1;
  let lo = rdLo(st, rn), hi = rdHi(st, rn);
  if (op >= 4 && op <= 7) {
    const to = op & 3; // 0 S, 1 D, 3 H
    const fmt = (x: number) => (x === 3 ? 0 : x + 1);
    const r = fpConvert(st, fmt(t), fmt(to), lo, hi);
    writeScalar(st, rd, to === 1, to === 3 ? r & 0xffff : r, st.th);
    return Ret.NEXT;
  }
  switch (op) {
    case 0: break;
    case 1: if (d) hi &= 0x7fffffff; else lo &= 0x7fffffff; break;
    case 2: if (d) hi ^= 0x80000000; else lo ^= 0x80000000; break;
    case 3: lo = fpSqrt(st, d, lo, hi); hi = st.th; break;
    default: {
      const k = op - 8; // N P M Z A - X I
      const rm = k === 0 ? Rm.RNE : k === 1 ? Rm.RUP : k === 2 ? Rm.RDN : k === 3 ? Rm.RTZ : k === 4 ? Rm.RMM : rmOf(st);
      lo = fpRoundInt(st, d, lo, hi, rm, k === 6); hi = st.th;
    }
  }
  writeScalar(st, rd, d, lo, hi);
  return Ret.NEXT;
};

/** FCMP, FCMPE (register and zero). */
const fcmp: Handler = (st, w) => {
  const d = ((w >>> 22) & 3) === 1, rn = (w >>> 5) & 31, rm = (w >>> 16) & 31, opc2 = w & 31;
  const zero = (opc2 & 8) !== 0;
  const blo = zero ? 0 : rdLo(st, rm), bhi = zero ? 0 : rdHi(st, rm);
  st.nzcv = fpCompare(st, d, rdLo(st, rn), rdHi(st, rn), blo, bhi, (opc2 & 16) !== 0) << 28;
  return Ret.NEXT;
};

/** FCCMP, FCCMPE. */
const fccmp: Handler = (st, w) => {
  const d = ((w >>> 22) & 3) === 1, rn = (w >>> 5) & 31, rm = (w >>> 16) & 31;
  if (st.cond((w >>> 12) & 15)) st.nzcv = fpCompare(st, d, rdLo(st, rn), rdHi(st, rn), rdLo(st, rm), rdHi(st, rm), ((w >>> 4) & 1) === 1) << 28;
  else st.nzcv = (w & 15) << 28;
  return Ret.NEXT;
};

/** VFPExpandImm. */
export function expandImm(d: boolean, imm8: number): [number, number] {
  const a = imm8 >>> 7, b = (imm8 >>> 6) & 1, cd = (imm8 >>> 4) & 3, efgh = imm8 & 15;
  if (d) return [0, (a << 31) | ((b ^ 1) << 30) | ((b ? 0xff : 0) << 22) | (cd << 20) | (efgh << 16)];
  return [(a << 31) | ((b ^ 1) << 30) | ((b ? 0x1f : 0) << 25) | (cd << 23) | (efgh << 19), 0];
}

/** FMOV (scalar, immediate). */
const fmovImm: Handler = (st, w) => {
  const d = ((w >>> 22) & 3) === 1;
  const [lo, hi] = expandImm(d, (w >>> 13) & 0xff);
  writeScalar(st, w & 31, d, lo, hi);
  return Ret.NEXT;
};

/** FMUL, FDIV, FADD, FSUB, FMAX, FMIN, FMAXNM, FMINNM, FNMUL (scalar). */
const fpDp2: Handler = (st, w) => {
  const d = ((w >>> 22) & 3) === 1, rn = (w >>> 5) & 31, rm = (w >>> 16) & 31, op = (w >>> 12) & 15;
  const lo = fpBinop(st, op, d, rdLo(st, rn), rdHi(st, rn), rdLo(st, rm), rdHi(st, rm));
  writeScalar(st, w & 31, d, lo, st.th);
  return Ret.NEXT;
};

/** FCSEL. */
const fcsel: Handler = (st, w) => {
  const d = ((w >>> 22) & 3) === 1, r = st.cond((w >>> 12) & 15) ? (w >>> 5) & 31 : (w >>> 16) & 31;
  writeScalar(st, w & 31, d, rdLo(st, r), rdHi(st, r));
  return Ret.NEXT;
};

/** FMADD, FMSUB, FNMADD, FNMSUB: one rounding. */
const fpDp3: Handler = (st, w) => {
  const d = ((w >>> 22) & 3) === 1, o1 = (w >>> 21) & 1, o0 = (w >>> 15) & 1;
  const rm = (w >>> 16) & 31, ra = (w >>> 10) & 31, rn = (w >>> 5) & 31;
  const sign = d ? 0 : 0x80000000, signHi = d ? 0x80000000 : 0;
  let alo = rdLo(st, rn), ahi = rdHi(st, rn), clo = rdLo(st, ra), chi = rdHi(st, ra);
  if (o0 !== o1) { alo ^= sign; ahi ^= signHi; } // FMSUB, FNMADD negate the product
  if (o1) { clo ^= sign; chi ^= signHi; } // FNMADD, FNMSUB negate the addend
  const lo = fpMulAdd(st, d, clo, chi, alo, ahi, rdLo(st, rm), rdHi(st, rm));
  writeScalar(st, w & 31, d, lo, st.th);
  return Ret.NEXT;
};

/** Conversions between FP and integer registers, FMOV (general). */
const fpInt: Handler = (st, w) => {
  const R = st.R;
  const is64 = (w >>> 31) === 1, t = (w >>> 22) & 3, rmode = (w >>> 19) & 3, op = (w >>> 16) & 7;
  const rn = (w >>> 5) & 31, rd = w & 31, d = t === 1;
  if (op >= 6) {
    if (rmode === 1) {
      // FMOV Xd, Vn.D[1] / FMOV Vd.D[1], Xn
      if (op === 6) { const o = wz(rd); R[o * 2] = st.V32[rn * 4 + 2]!; R[o * 2 + 1] = st.V32[rn * 4 + 3]!; }
      else { st.V32[rd * 4 + 2] = R[rn * 2]!; st.V32[rd * 4 + 3] = R[rn * 2 + 1]!; }
      return Ret.NEXT;
    }
    if (op === 6) { const o = wz(rd); R[o * 2] = rdLo(st, rn); R[o * 2 + 1] = is64 ? rdHi(st, rn) : 0; }
    else writeScalar(st, rd, d, R[rn * 2]!, R[rn * 2 + 1]!);
    return Ret.NEXT;
  }
  if (op === 2 || op === 3) {
    const lo = intToFp(st, d, R[rn * 2]!, R[rn * 2 + 1]!, op === 3, is64, 0);
    writeScalar(st, rd, d, lo, st.th);
    return Ret.NEXT;
  }
  const rm = op >= 4 ? Rm.RMM : RMODE_CVT[rmode]!;
  const lo = fpToInt(st, d, rdLo(st, rn), rdHi(st, rn), rm, (op & 1) === 1, is64, 0);
  const o = wz(rd);
  R[o * 2] = lo; R[o * 2 + 1] = st.th;
  return Ret.NEXT;
};

/** FCVT{N,P,M,Z}{S,U}: rmode 00 N, 01 P, 10 M, 11 Z. */
const RMODE_CVT: readonly Rm[] = [Rm.RNE, Rm.RUP, Rm.RDN, Rm.RTZ];

/** SCVTF, UCVTF, FCVTZS, FCVTZU (fixed-point). */
const fpFixed: Handler = (st, w) => {
  const R = st.R;
  const is64 = (w >>> 31) === 1, d = ((w >>> 22) & 3) === 1, op = (w >>> 16) & 7, fbits = 64 - ((w >>> 10) & 63);
  const rn = (w >>> 5) & 31, rd = w & 31;
  if (op >= 2) {
    const lo = intToFp(st, d, R[rn * 2]!, R[rn * 2 + 1]!, op === 3, is64, fbits);
    writeScalar(st, rd, d, lo, st.th);
  } else {
    const lo = fpToInt(st, d, rdLo(st, rn), rdHi(st, rn), Rm.RTZ, op === 1, is64, fbits);
    const o = wz(rd);
    R[o * 2] = lo; R[o * 2 + 1] = st.th;
  }
  return Ret.NEXT;
};

export const handlers: Record<string, Handler> = { fpDp1, fcmp, fmovImm, fccmp, fpDp2, fcsel, fpDp3, fpInt, fpFixed };

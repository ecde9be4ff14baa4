/**
 * IEEE 754-2008 binary32/binary64 arithmetic with all five rounding modes, the five exception
 * flags and a correctly rounded fused multiply-add, shared by every CPU core.
 *
 * Spec: IEEE 754-2008 §4.3 (rounding-direction attributes), §5.4 (arithmetic operations),
 * §5.8 (integer conversions), §7 (exceptions; tininess §7.5). Flag layout and rounding-mode
 * encoding follow the RISC-V Unprivileged ISA, ch. 13.2 ("F" extension, fcsr).
 *
 * How it works (DESIGN.md, "Floating point"):
 *  - binary64: the host's round-to-nearest-even result plus an error-free transform (TwoSum,
 *    Dekker TwoProduct, exact residual a - q*b / a - s*s) tells whether the result is exact and
 *    on which side the exact value lies; directed modes then move the bit pattern by one ulp.
 *    Results that may be subnormal, overflow, or sit outside the range where the transforms are
 *    exact go to a slow path that rounds an exact BigInt significand (`roundPack`).
 *  - binary32: the exact result is computed in binary64 and folded to "round to odd" (a sticky
 *    bit in the last binary64 place), which makes the final rounding to binary32 correct in any
 *    mode, for any operation including FMA (Boldo & Melquiond, 2008).
 *  - FMA on binary64 is exact BigInt arithmetic with one rounding, except when the product is exact.
 *
 * NaN policy belongs to the arch: NaN inputs give a NaN with no flag raised; invalid operations
 * on non-NaN inputs raise NV and return NaN.
 */

/** Rounding mode, RISC-V `frm` encoding. */
export const enum Rm { RNE = 0, RTZ = 1, RDN = 2, RUP = 3, RMM = 4 }

/** Exception flags, RISC-V `fflags` bit layout. */
export const FLAG_NX = 1, FLAG_UF = 2, FLAG_OF = 4, FLAG_DZ = 8, FLAG_NV = 16;

/** Accumulated exception flags and the tininess convention of the arch. */
export class FpEnv {
  /** Sticky flags (FLAG_*); OR-ed by every operation, never cleared here. */
  flags = 0;
  /** Arm detects tininess before rounding; RISC-V, x86 and LoongArch after rounding. */
  tininessBeforeRounding = false;
}

// ---------------------------------------------------------------------------------------------
// Bit access (scratch buffers, no allocation per call)

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const LO = LITTLE ? 0 : 1;
const HI = LITTLE ? 1 : 0;
const F32 = new Float32Array(1);
const U32S = new Uint32Array(F32.buffer);

function pow2(e: number): number {
  // Exact for -1074 <= e <= 1023 (two steps keep every factor representable).
  if (e < -1022) return Math.pow(2, e + 64) * 5.421010862427522e-20; // * 2^-64
  return Math.pow(2, e);
}

const F64_MAX = 1.7976931348623157e308;
const F32_MAX = 3.4028234663852886e38;
const F32_MIN_NORMAL = 1.1754943508222875e-38; // 2^-126
/** Range where TwoProduct/Veltkamp are exact (no overflow in the split, no underflow in the error). */
const SAFE_LO = 4.008336720017946e-292; // 2^-968
const SAFE_HI = 2.6153781029342563e299; // 2^994
const F64_MIN_NORMAL = 2.2250738585072014e-308;
const SPLIT = 134217729; // 2^27 + 1
const TWO53 = 9007199254740992;

/** x moved one ulp away from zero (dir > 0) or toward zero (dir < 0); x finite and non-zero. */
function stepMag64(x: number, dir: number): number {
  F64[0] = x;
  const lo = U32[LO]!;
  if (dir > 0) {
    if (lo === 0xffffffff) { U32[LO] = 0; U32[HI] = U32[HI]! + 1; } else U32[LO] = lo + 1;
  } else if (lo === 0) { U32[LO] = 0xffffffff; U32[HI] = U32[HI]! - 1; } else U32[LO] = lo - 1;
  return F64[0]!;
}

function stepMag32(x: number, dir: number): number {
  F32[0] = x;
  U32S[0] = U32S[0]! + (dir > 0 ? 1 : -1);
  return F32[0]!;
}

/** Round to odd: s is the RNE value of an exact x, tail the sign of x - s (non-zero). */
function toOdd(s: number, tail: number): number {
  F64[0] = s;
  if ((U32[LO]! & 1) !== 0) return s;
  return stepMag64(s, (s > 0) === (tail > 0) ? 1 : -1);
}

/** Error of the product a*b = p (Dekker/Veltkamp); exact when a, b in the safe range. */
function twoProductErr(a: number, b: number, p: number): number {
  let t = SPLIT * a;
  const ah = t - (t - a), al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b), bl = b - bh;
  return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}

/**
 * Final step of a binary64 fast path: r is the RNE result (normal, finite), err is non-zero
 * and has the sign of (exact - r). Ties (RMM) are decided by the caller.
 */
function directed64(r: number, err: number, rm: Rm, env: FpEnv): number {
  env.flags |= FLAG_NX;
  let out = r;
  switch (rm) {
    case Rm.RTZ: if ((r > 0) !== (err > 0)) out = stepMag64(r, -1); break;
    case Rm.RDN: if (err < 0) out = stepMag64(r, r > 0 ? -1 : 1); break;
    case Rm.RUP: if (err > 0) out = stepMag64(r, r > 0 ? 1 : -1); break;
    default: return r;
  }
  if (out - out !== 0) env.flags |= FLAG_OF;
  return out;
}

/** RMM for a fast path whose exact error err (exact - r) is known exactly. */
function rmm64(r: number, err: number, env: FpEnv): number {
  env.flags |= FLAG_NX;
  const n = stepMag64(r, (r > 0) === (err > 0) ? 1 : -1);
  if (n - r === 2 * err && Math.abs(n) > Math.abs(r)) return n;
  return r;
}

// ---------------------------------------------------------------------------------------------
// Exact slow path: round (-1)^neg * (M + sticky) * 2^E to a format

const FMT_F64 = 0, FMT_F32 = 1, FMT_F16 = 2;
const FMT_P = [53, 24, 11];
const FMT_EMIN = [-1022, -126, -14];
const FMT_EMAX = [1023, 127, 15];
const FMT_MAX = [F64_MAX, F32_MAX, 65504];

function bitLen(m: bigint): number {
  const s = m.toString(16);
  const d = parseInt(s[0]!, 16);
  return (s.length - 1) * 4 + (d >= 8 ? 4 : d >= 4 ? 3 : d >= 2 ? 2 : 1);
}

function mask(n: number): bigint { return (1n << BigInt(n)) - 1n; }

/** Whether rounding m (with sticky) right by sh bits increments, for the given mode and sign. */
function roundsUp(m: bigint, sh: number, sticky: boolean, neg: boolean, rm: Rm): boolean {
  if (sh <= 0) return false; // exact at this precision (callers keep sh >= 1 when sticky)
  const rem = m & mask(sh);
  const half = 1n << BigInt(sh - 1);
  const inexact = rem !== 0n || sticky;
  switch (rm) {
    case Rm.RNE: return rem > half || (rem === half && (sticky || ((m >> BigInt(sh)) & 1n) === 1n));
    case Rm.RMM: return rem >= half && (rem !== 0n);
    case Rm.RTZ: return false;
    case Rm.RDN: return inexact && neg;
    case Rm.RUP: return inexact && !neg;
  }
  return false;
}

/**
 * Rounds the exact value (-1)^neg * (M + s) * 2^E, 0 <= s < 1 with s > 0 iff sticky, to the
 * format; raises NX/UF/OF. Callers with sticky supply at least p+2 significant bits.
 * Returns the signed result as a JS number (exactly representable in the format).
 */
function roundPack(neg: boolean, M: bigint, E: number, sticky: boolean, fmt: number, rm: Rm, env: FpEnv): number {
  if (M === 0n) return neg ? -0 : 0;
  const p = FMT_P[fmt]!, emin = FMT_EMIN[fmt]!, emax = FMT_EMAX[fmt]!;
  const t = E + bitLen(M) - 1; // exponent of the leading bit
  let q = t - (p - 1);
  if (q < emin - p + 1) q = emin - p + 1;
  const sh = q - E;
  let kept: bigint;
  let inexact = sticky;
  if (sh <= 0) kept = M << BigInt(-sh);
  else {
    kept = M >> BigInt(sh);
    if ((M & mask(sh)) !== 0n) inexact = true;
    if (roundsUp(M, sh, sticky, neg, rm)) kept += 1n;
  }
  if (kept === 1n << BigInt(p)) { kept >>= 1n; q += 1; }
  if (kept !== 0n && q + p - 1 > emax) {
    env.flags |= FLAG_OF | FLAG_NX;
    const big = rm === Rm.RNE || rm === Rm.RMM || (rm === Rm.RDN && neg) || (rm === Rm.RUP && !neg);
    const mag = big ? Infinity : FMT_MAX[fmt]!;
    return neg ? -mag : mag;
  }
  if (inexact) {
    env.flags |= FLAG_NX;
    if (t < emin) {
      let tiny = true;
      if (!env.tininessBeforeRounding && t === emin - 1) {
        // Unbounded exponent range: round to p bits at lsb t-p+1; tiny unless it carries to 2^emin.
        const sh2 = t - p + 1 - E;
        if (sh2 > 0 && (M >> BigInt(sh2)) === mask(p) && roundsUp(M, sh2, sticky, neg, rm)) tiny = false;
      }
      if (tiny) env.flags |= FLAG_UF;
    }
  }
  const v = Number(kept) * pow2(q);
  return neg ? -v : v;
}

// Decoded finite binary64: value = (-1)^dNeg * dM * 2^dE, dM an integer < 2^53.
let dNeg = false, dM = 0, dE = 0;
function decode(x: number): void {
  F64[0] = x;
  const hi = U32[HI]!, lo = U32[LO]!;
  dNeg = hi >>> 31 === 1;
  const ex = (hi >>> 20) & 0x7ff;
  const m = (hi & 0xfffff) * 4294967296 + lo;
  if (ex === 0) { dM = m; dE = -1074; } else { dM = m + 4503599627370496; dE = ex - 1075; }
}

/** Signed zero result of an exact-zero sum x + y under the rounding mode (IEEE 754 §6.3). */
function zeroSum(x: number, y: number, rm: Rm): number {
  return rm === Rm.RDN ? -((-x) + (-y)) : x + y;
}

function addSlow(a: number, b: number, rm: Rm, env: FpEnv, fmt: number): number {
  decode(a); const na = dNeg, ma = BigInt(dM), ea = dE;
  decode(b); const nb = dNeg, mb = BigInt(dM), eb = dE;
  const e = ea < eb ? ea : eb;
  let sa = ma << BigInt(ea - e); if (na) sa = -sa;
  let sb = mb << BigInt(eb - e); if (nb) sb = -sb;
  const s = sa + sb;
  if (s === 0n) return zeroSum(a, b, rm);
  return roundPack(s < 0n, s < 0n ? -s : s, e, false, fmt, rm, env);
}

function mulSlow(a: number, b: number, rm: Rm, env: FpEnv): number {
  decode(a); const na = dNeg, ma = BigInt(dM), ea = dE;
  decode(b);
  return roundPack(na !== dNeg, ma * BigInt(dM), ea + dE, false, FMT_F64, rm, env);
}

function divSlow(a: number, b: number, rm: Rm, env: FpEnv): number {
  decode(a); const na = dNeg, ma = BigInt(dM), ea = dE;
  decode(b); const mb = BigInt(dM);
  const k = 56 + bitLen(mb) - bitLen(ma) + 1;
  const num = ma << BigInt(k);
  const quo = num / mb;
  return roundPack(na !== dNeg, quo, ea - dE - k, quo * mb !== num, FMT_F64, rm, env);
}

function isqrt(n: bigint): bigint {
  let x = BigInt(Math.ceil(Math.sqrt(Number(n)) * (1 + 1e-12))) + 2n;
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/** Exact square root of a finite positive binary64 value, rounded to fmt. */
function sqrtSlow(a: number, fmt: number, rm: Rm, env: FpEnv): number {
  decode(a);
  let m = BigInt(dM);
  const n = bitLen(m);
  let k = 2 * 56 - n; // radicand of >= 112 bits gives a root of >= 56 bits
  if (k < 0) k = 0;
  if (((dE - k) & 1) !== 0) k++;
  m <<= BigInt(k);
  const r = isqrt(m);
  return roundPack(false, r, (dE - k) / 2, r * r !== m, fmt, rm, env);
}

// ---------------------------------------------------------------------------------------------
// binary64 arithmetic

/** a + b rounded to binary64. */
export function f64Add(a: number, b: number, rm: Rm, env: FpEnv): number {
  const s = a + b;
  const bb = s - a;
  const err = (a - (s - bb)) + (b - bb);
  if (err === 0) return s === 0 && rm === Rm.RDN ? zeroSum(a, b, rm) : s;
  if (err - err === 0 && Math.abs(s) < 8.98846567431158e307 /* 2^1023 */) {
    if (rm === Rm.RNE) { env.flags |= FLAG_NX; return s; }
    return rm === Rm.RMM ? rmm64(s, err, env) : directed64(s, err, rm, env);
  }
  return addSpecial(a, b, s, rm, env, FMT_F64);
}

function addSpecial(a: number, b: number, s: number, rm: Rm, env: FpEnv, fmt: number): number {
  if (a !== a || b !== b) return NaN;
  if (s !== s) { env.flags |= FLAG_NV; return NaN; } // inf - inf
  if (a - a !== 0 || b - b !== 0) return s; // an infinite operand
  return addSlow(a, b, rm, env, fmt);
}

/** a - b rounded to binary64. */
export function f64Sub(a: number, b: number, rm: Rm, env: FpEnv): number {
  return f64Add(a, -b, rm, env);
}

/** a * b rounded to binary64. */
export function f64Mul(a: number, b: number, rm: Rm, env: FpEnv): number {
  const p = a * b;
  const ap = Math.abs(p), aa = Math.abs(a), ab = Math.abs(b);
  if (ap >= SAFE_LO && ap < 8.98846567431158e307 && aa >= F64_MIN_NORMAL && aa < SAFE_HI &&
      ab >= F64_MIN_NORMAL && ab < SAFE_HI) {
    const err = twoProductErr(a, b, p);
    if (err === 0) return p;
    if (rm === Rm.RNE) { env.flags |= FLAG_NX; return p; }
    return rm === Rm.RMM ? rmm64(p, err, env) : directed64(p, err, rm, env);
  }
  return mulSpecial(a, b, p, rm, env);
}

function mulSpecial(a: number, b: number, p: number, rm: Rm, env: FpEnv): number {
  if (a !== a || b !== b) return NaN;
  if (p !== p) { env.flags |= FLAG_NV; return NaN; } // 0 * inf
  if (a === 0 || b === 0 || a - a !== 0 || b - b !== 0) return p;
  return mulSlow(a, b, rm, env);
}

/** a / b rounded to binary64. */
export function f64Div(a: number, b: number, rm: Rm, env: FpEnv): number {
  const q = a / b;
  const aq = Math.abs(q), aa = Math.abs(a), ab = Math.abs(b);
  if (aq > F64_MIN_NORMAL && aq < SAFE_HI && ab >= F64_MIN_NORMAL && ab < SAFE_HI &&
      aa >= SAFE_LO && aa < 8.98846567431158e307) {
    const p = q * b;
    const rem = (a - p) - twoProductErr(q, b, p);
    if (rem === 0) return q;
    // Exact midpoints are impossible for a normal quotient, so RMM = RNE here.
    if (rm === Rm.RNE || rm === Rm.RMM) { env.flags |= FLAG_NX; return q; }
    return directed64(q, b > 0 ? rem : -rem, rm, env);
  }
  return divSpecial(a, b, q, rm, env);
}

function divSpecial(a: number, b: number, q: number, rm: Rm, env: FpEnv): number {
  if (a !== a || b !== b) return NaN;
  if (q !== q) { env.flags |= FLAG_NV; return NaN; } // 0/0, inf/inf
  if (b === 0) { if (a - a === 0) env.flags |= FLAG_DZ; return q; }
  if (a === 0 || a - a !== 0 || b - b !== 0) return q; // exact zero or infinity
  return divSlow(a, b, rm, env);
}

/** sqrt(a) rounded to binary64. */
export function f64Sqrt(a: number, rm: Rm, env: FpEnv): number {
  const s = Math.sqrt(a);
  if (a >= SAFE_LO && a < 8.98846567431158e307) {
    const p = s * s;
    const rem = (a - p) - twoProductErr(s, s, p);
    if (rem === 0) return s;
    if (rm === Rm.RNE || rm === Rm.RMM) { env.flags |= FLAG_NX; return s; } // no exact midpoints
    return directed64(s, rem, rm, env);
  }
  return sqrtSpecial(a, s, FMT_F64, rm, env);
}

function sqrtSpecial(a: number, s: number, fmt: number, rm: Rm, env: FpEnv): number {
  if (a !== a) return NaN;
  if (a < 0) { env.flags |= FLAG_NV; return NaN; }
  if (a === 0 || a === Infinity) return s;
  return sqrtSlow(a, fmt, rm, env);
}

/** a * b + c with a single rounding to binary64. */
export function f64Fma(a: number, b: number, c: number, rm: Rm, env: FpEnv): number {
  const p = a * b;
  const ap = Math.abs(p), aa = Math.abs(a), ab = Math.abs(b);
  if (ap >= SAFE_LO && ap < 8.98846567431158e307 && aa >= F64_MIN_NORMAL && aa < SAFE_HI &&
      ab >= F64_MIN_NORMAL && ab < SAFE_HI && c - c === 0) {
    if (twoProductErr(a, b, p) === 0) return f64Add(p, c, rm, env); // exact product: one rounding
    if (c === 0) return f64Mul(a, b, rm, env); // non-zero exact result, sign of c irrelevant
  }
  return fmaSlow(a, b, c, p, FMT_F64, rm, env);
}

function fmaSpecial(a: number, b: number, c: number, p: number, env: FpEnv): number | undefined {
  if (a !== a || b !== b) return NaN;
  if ((a === 0 && b - b !== 0) || (b === 0 && a - a !== 0)) { env.flags |= FLAG_NV; return NaN; }
  if (c !== c) return NaN;
  if (p - p !== 0 && (a - a !== 0 || b - b !== 0)) { // infinite product
    if (c - c !== 0 && (c > 0) !== (p > 0)) { env.flags |= FLAG_NV; return NaN; }
    return p;
  }
  if (c - c !== 0) return c;
  return undefined;
}

function fmaSlow(a: number, b: number, c: number, p: number, fmt: number, rm: Rm, env: FpEnv): number {
  const sp = fmaSpecial(a, b, c, p, env);
  if (sp !== undefined) return sp;
  decode(a); const na = dNeg, ma = dM, ea = dE;
  decode(b); const nprod = na !== dNeg;
  const mp = BigInt(ma) * BigInt(dM), ep = ea + dE;
  decode(c); const mc = BigInt(dM), ec = dE;
  if (mp === 0n && mc === 0n) return zeroSum(nprod ? -0 : 0, c, rm);
  const e = ep < ec ? ep : ec;
  let x = mp << BigInt(ep - e); if (nprod) x = -x;
  let y = mc << BigInt(ec - e); if (dNeg) y = -y;
  const s = x + y;
  if (s === 0n) return rm === Rm.RDN ? -0 : 0;
  return roundPack(s < 0n, s < 0n ? -s : s, e, false, fmt, rm, env);
}

// ---------------------------------------------------------------------------------------------
// binary32 arithmetic: exact-or-round-to-odd binary64 value, then one rounding to binary32

/** Rounds the binary64 value x to binary32 (FCVT.S.D, CVTSD2SS). */
export function f64ToF32(x: number, rm: Rm, env: FpEnv): number {
  const r = Math.fround(x);
  if (r === x || x !== x) return r;
  const ax = Math.abs(x), ar = Math.abs(r);
  if (ax >= F32_MIN_NORMAL && ar < F32_MAX) {
    env.flags |= FLAG_NX;
    switch (rm) {
      case Rm.RNE: return r;
      case Rm.RTZ: return ar > ax ? stepMag32(r, -1) : r;
      case Rm.RDN: return r > x ? stepMag32(r, r > 0 ? -1 : 1) : r;
      case Rm.RUP: return r < x ? stepMag32(r, r > 0 ? 1 : -1) : r;
      default: { // RMM: differs from RNE only on a tie rounded toward zero
        if (ar > ax) return r;
        const n = stepMag32(r, 1);
        return n - x === x - r ? n : r;
      }
    }
  }
  decode(x);
  return roundPack(dNeg, BigInt(dM), dE, false, FMT_F32, rm, env);
}

/** binary32 to binary64 is exact. */
export function f32ToF64(a: number): number { return a; }

/** a + b rounded to binary32 (operands are binary32 values). */
export function f32Add(a: number, b: number, rm: Rm, env: FpEnv): number {
  const s = a + b;
  const bb = s - a;
  const err = (a - (s - bb)) + (b - bb);
  if (err === 0) {
    if (s === 0) return zeroSum(a, b, rm);
    return f64ToF32(s, rm, env);
  }
  if (err !== err) return addSpecial(a, b, s, rm, env, FMT_F32);
  return f64ToF32(toOdd(s, err), rm, env);
}

/** a - b rounded to binary32. */
export function f32Sub(a: number, b: number, rm: Rm, env: FpEnv): number {
  return f32Add(a, -b, rm, env);
}

/** a * b rounded to binary32 (the binary64 product of two binary32 values is exact). */
export function f32Mul(a: number, b: number, rm: Rm, env: FpEnv): number {
  const p = a * b;
  if (p !== p) { if (a === a && b === b) env.flags |= FLAG_NV; return NaN; }
  return f64ToF32(p, rm, env);
}

/** a / b rounded to binary32. */
export function f32Div(a: number, b: number, rm: Rm, env: FpEnv): number {
  const q = a / b;
  if (q - q !== 0 || q === 0) return divSpecial(a, b, q, rm, env);
  const p = q * b;
  const rem = (a - p) - twoProductErr(q, b, p);
  if (rem === 0) return f64ToF32(q, rm, env);
  return f64ToF32(toOdd(q, b > 0 ? rem : -rem), rm, env);
}

/** sqrt(a) rounded to binary32. */
export function f32Sqrt(a: number, rm: Rm, env: FpEnv): number {
  const s = Math.sqrt(a);
  if (!(a > 0 && a < Infinity)) return sqrtSpecial(a, s, FMT_F32, rm, env);
  const p = s * s;
  const rem = (a - p) - twoProductErr(s, s, p);
  if (rem === 0) return f64ToF32(s, rm, env);
  return f64ToF32(toOdd(s, rem), rm, env);
}

/** a * b + c with a single rounding to binary32. */
export function f32Fma(a: number, b: number, c: number, rm: Rm, env: FpEnv): number {
  const p = a * b; // exact
  const s = p + c;
  const bb = s - p;
  const err = (p - (s - bb)) + (c - bb);
  if (err === 0) {
    if (s === 0) {
      return p === 0 && c === 0 ? zeroSum(p, c, rm) : (rm === Rm.RDN ? -0 : 0);
    }
    return f64ToF32(s, rm, env);
  }
  if (err !== err) {
    const sp = fmaSpecial(a, b, c, p, env);
    return sp === undefined ? NaN : sp; // finite operands cannot overflow binary64
  }
  return f64ToF32(toOdd(s, err), rm, env);
}

// ---------------------------------------------------------------------------------------------
// Integer to floating point

/** int64 to binary64. */
export function i64ToF64(v: bigint, rm: Rm, env: FpEnv): number {
  v = BigInt.asIntN(64, v);
  if (v >= -9007199254740992n && v <= 9007199254740992n) return Number(v);
  return v < 0n ? roundPack(true, -v, 0, false, FMT_F64, rm, env) : roundPack(false, v, 0, false, FMT_F64, rm, env);
}

/** uint64 to binary64. */
export function u64ToF64(v: bigint, rm: Rm, env: FpEnv): number {
  v = BigInt.asUintN(64, v);
  if (v <= 9007199254740992n) return Number(v);
  return roundPack(false, v, 0, false, FMT_F64, rm, env);
}

/** int64 to binary32. */
export function i64ToF32(v: bigint, rm: Rm, env: FpEnv): number {
  v = BigInt.asIntN(64, v);
  if (v >= -9007199254740992n && v <= 9007199254740992n) return f64ToF32(Number(v), rm, env);
  return v < 0n ? roundPack(true, -v, 0, false, FMT_F32, rm, env) : roundPack(false, v, 0, false, FMT_F32, rm, env);
}

/** uint64 to binary32. */
export function u64ToF32(v: bigint, rm: Rm, env: FpEnv): number {
  v = BigInt.asUintN(64, v);
  if (v <= 9007199254740992n) return f64ToF32(Number(v), rm, env);
  return roundPack(false, v, 0, false, FMT_F32, rm, env);
}

/** int32 to binary32 (int32 to binary64 is exact: use the number). */
export function i32ToF32(v: number, rm: Rm, env: FpEnv): number { return f64ToF32(v | 0, rm, env); }

/** uint32 to binary32. */
export function u32ToF32(v: number, rm: Rm, env: FpEnv): number { return f64ToF32(v >>> 0, rm, env); }

// ---------------------------------------------------------------------------------------------
// Floating point to integer, round to integral value

/** x rounded to an integral value (as a number) under rm; x finite. Sign of zero not kept. */
function roundInt(x: number, rm: Rm): number {
  switch (rm) {
    case Rm.RTZ: return Math.trunc(x);
    case Rm.RDN: return Math.floor(x);
    case Rm.RUP: return Math.ceil(x);
    default: {
      if (!(Math.abs(x) < TWO53)) return x;
      const t = Math.trunc(x);
      const d = Math.abs(x - t); // exact
      if (d > 0.5 || (d === 0.5 && (rm === Rm.RMM || (t % 2) !== 0))) return x > 0 ? t + 1 : t - 1;
      return t;
    }
  }
}

function toIntCommon(a: number, rm: Rm, env: FpEnv, lo: number, hi: number, nanVal: number): number {
  if (a !== a) { env.flags |= FLAG_NV; return nanVal; }
  const r = roundInt(a, rm);
  if (r < lo) { env.flags |= FLAG_NV; return lo; }
  if (r > hi) { env.flags |= FLAG_NV; return hi; }
  if (r !== a) env.flags |= FLAG_NX;
  return r + 0; // no -0
}

/** binary64 to int32 (FCVT.W.D): saturates; NaN gives INT32_MAX; NV for invalid, NX for inexact. */
export function f64ToI32(a: number, rm: Rm, env: FpEnv): number {
  return toIntCommon(a, rm, env, -2147483648, 2147483647, 2147483647);
}
/** binary64 to uint32 (FCVT.WU.D), returned as a non-negative number. */
export function f64ToU32(a: number, rm: Rm, env: FpEnv): number {
  return toIntCommon(a, rm, env, 0, 4294967295, 4294967295);
}
/** binary32 to int32 (FCVT.W.S). */
export function f32ToI32(a: number, rm: Rm, env: FpEnv): number {
  return toIntCommon(a, rm, env, -2147483648, 2147483647, 2147483647);
}
/** binary32 to uint32 (FCVT.WU.S). */
export function f32ToU32(a: number, rm: Rm, env: FpEnv): number {
  return toIntCommon(a, rm, env, 0, 4294967295, 4294967295);
}

const I64_MAX = 0x7fffffffffffffffn, I64_MIN = -0x8000000000000000n, U64_MAX = 0xffffffffffffffffn;

/** binary64 to int64 (FCVT.L.D): saturates; NaN gives INT64_MAX. */
export function f64ToI64(a: number, rm: Rm, env: FpEnv): bigint {
  if (a !== a) { env.flags |= FLAG_NV; return I64_MAX; }
  const r = roundInt(a, rm);
  if (r < -9223372036854775808) { env.flags |= FLAG_NV; return I64_MIN; }
  if (r >= 9223372036854775808) { env.flags |= FLAG_NV; return I64_MAX; }
  if (r !== a) env.flags |= FLAG_NX;
  return BigInt(r);
}
/** binary64 to uint64 (FCVT.LU.D): saturates; NaN gives UINT64_MAX. */
export function f64ToU64(a: number, rm: Rm, env: FpEnv): bigint {
  if (a !== a) { env.flags |= FLAG_NV; return U64_MAX; }
  const r = roundInt(a, rm);
  if (r < 0) { env.flags |= FLAG_NV; return 0n; }
  if (r >= 18446744073709551616) { env.flags |= FLAG_NV; return U64_MAX; }
  if (r !== a) env.flags |= FLAG_NX;
  return BigInt(r);
}
/** binary32 to int64 (FCVT.L.S). */
export function f32ToI64(a: number, rm: Rm, env: FpEnv): bigint { return f64ToI64(a, rm, env); }
/** binary32 to uint64 (FCVT.LU.S). */
export function f32ToU64(a: number, rm: Rm, env: FpEnv): bigint { return f64ToU64(a, rm, env); }

/**
 * Rounds to an integral binary64 value (Arm FRINT*, x86 ROUNDSD, LoongArch FRINT); keeps the
 * sign of zero; NX when inexact and signalInexact. NaN in gives NaN, no flag.
 */
export function f64RoundToInt(a: number, rm: Rm, env: FpEnv, signalInexact: boolean): number {
  if (!(Math.abs(a) < TWO53)) return a; // NaN, infinities and already integral values
  let r = roundInt(a, rm);
  if (r === 0) r = a < 0 || Object.is(a, -0) ? -0 : 0;
  if (r !== a && signalInexact) env.flags |= FLAG_NX;
  return r;
}

/** Rounds a binary32 value to an integral value (integers of binary32 are binary64 integers). */
export function f32RoundToInt(a: number, rm: Rm, env: FpEnv, signalInexact: boolean): number {
  return f64RoundToInt(a, rm, env, signalInexact);
}

// ---------------------------------------------------------------------------------------------
// binary16

/** binary16 bits to binary32 value (exact). NaN bits give NaN (payload is the arch's business). */
export function f16ToF32(bits: number, env: FpEnv): number {
  void env;
  const s = bits & 0x8000 ? -1 : 1;
  const e = (bits >>> 10) & 0x1f, m = bits & 0x3ff;
  if (e === 0x1f) return m === 0 ? s * Infinity : NaN;
  if (e === 0) return s * m * 5.960464477539063e-8; // 2^-24
  return s * (m + 1024) * pow2(e - 25);
}

/** binary32 value to binary16 bits. NaN gives the default quiet NaN 0x7e00 with no flag. */
export function f32ToF16(a: number, rm: Rm, env: FpEnv): number {
  if (a !== a) return 0x7e00;
  const sign = a < 0 || Object.is(a, -0) ? 0x8000 : 0;
  if (a - a !== 0) return sign | 0x7c00;
  if (a === 0) return sign;
  decode(a);
  const v = Math.abs(roundPack(dNeg, BigInt(dM), dE, false, FMT_F16, rm, env));
  if (v === Infinity) return sign | 0x7c00;
  if (v < 6.103515625e-5) return sign | Math.round(v / 5.960464477539063e-8); // subnormal, exact
  const e = Math.floor(Math.log2(v));
  let ex = e;
  if (pow2(ex) > v) ex--; else if (pow2(ex + 1) <= v) ex++;
  const m = v / pow2(ex - 10) - 1024;
  return sign | ((ex + 15) << 10) | m;
}

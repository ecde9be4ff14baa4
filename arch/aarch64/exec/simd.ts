/**
 * Advanced SIMD (Arm ARM C4.1.6 "Data Processing -- Scalar Floating-Point and Advanced SIMD";
 * semantics C7.2): the instructions clang emits for ordinary C at -O2/-O3 and musl's string
 * routines use — three-same (ADD/SUB/MUL/MLA/MLS, logic incl. BSL/BIT/BIF, compares, min/max,
 * pairwise ADDP/MAXP/MINP, SSHL/USHL, FP add/sub/mul/div/fma/min/max/compares), two-reg misc
 * (REV*, CNT, NOT, RBIT, CLZ/CLS, compares with zero, ABS/NEG, XTN, SADDLP/UADDLP, FP
 * SCVTF/UCVTF/FCVTZS/FCVTZU/FABS/FNEG/FSQRT/FCVTL/FCVTN), across lanes (ADDV, SADDLV/UADDLV,
 * S/UMAXV, S/UMINV), copy (DUP, INS, SMOV, UMOV), modified immediate (MOVI/MVNI/ORR/BIC/FMOV),
 * shift by immediate (SSHR/USHR/SSRA/USRA/SHL/SLI/SRI/SHRN/RSHRN/SSHLL/USHLL), permute (ZIP/UZP/
 * TRN), EXT, TBL/TBX, three-different (S/UADDL/W, S/USUBL/W, S/UMULL, S/UMLAL/MLSL, ADDHN), by
 * element (MUL/MLA/MLS/S/UMULL, FMUL/FMLA/FMLS) and the scalar (SISD) forms of ADD/SUB/compares/
 * shifts/DUP/ADDP/FADDP/SCVTF/FCVTZS. Results go to a scratch register first (Vd may equal a
 * source); a 64-bit (Q = 0) result clears the upper half of Vd.
 */
import { Rm } from '../../common/softfloat';
import { A64State, FPSR_QC, Handler, Prepare, Ret, wz } from '../state';
import { expandImm, FOp, fpBinop, fpCompare, fpConvert, fpMulAdd, fpSqrt, fpToInt, intToFp, isNaNB } from './fp';

const SB = new ArrayBuffer(16);
const S8 = new Uint8Array(SB), S16 = new Uint16Array(SB), S32 = new Int32Array(SB), S64 = new BigUint64Array(SB);

/** Unsigned lane e of size (0..2) of V register r. */
function getU(st: A64State, r: number, e: number, size: number): number {
  switch (size) {
    case 0: return st.V8[r * 16 + e]!;
    case 1: return st.V16[r * 8 + e]!;
    default: return st.V32[r * 4 + e]! >>> 0;
  }
}
function getS(st: A64State, r: number, e: number, size: number): number {
  switch (size) {
    case 0: return (st.V8[r * 16 + e]! << 24) >> 24;
    case 1: return (st.V16[r * 8 + e]! << 16) >> 16;
    default: return st.V32[r * 4 + e]!;
  }
}
function get(st: A64State, r: number, e: number, size: number, signed: boolean): number {
  return signed ? getS(st, r, e, size) : getU(st, r, e, size);
}
function get64(st: A64State, r: number, e: number, signed: boolean): bigint {
  const v = st.V64[r * 2 + e]!;
  return signed ? BigInt.asIntN(64, v) : v;
}
/** Writes lane e of the scratch result (value truncated to the lane). */
function put(e: number, size: number, v: number): void {
  switch (size) {
    case 0: S8[e] = v; break;
    case 1: S16[e] = v; break;
    default: S32[e] = v; break;
  }
}
function put64(e: number, v: bigint): void { S64[e] = BigInt.asUintN(64, v); }

/** Copies the scratch result to Vd; Q = 0 clears bits 127:64. */
function commit(st: A64State, rd: number, q: number): void {
  const i = rd * 4;
  st.V32[i] = S32[0]!; st.V32[i + 1] = S32[1]!;
  st.V32[i + 2] = q ? S32[2]! : 0; st.V32[i + 3] = q ? S32[3]! : 0;
}
function loadScratch(st: A64State, r: number): void {
  for (let k = 0; k < 4; k++) S32[k] = st.V32[r * 4 + k]!;
}

function cnt8(x: number): number { x = x - ((x >>> 1) & 0x55); x = (x & 0x33) + ((x >>> 2) & 0x33); return (x + (x >>> 4)) & 0x0f; }
function satU(v: number, size: number): number { const m = size === 2 ? 4294967295 : (1 << (8 << size)) - 1; return v < 0 ? 0 : v > m ? m : v; }
function satS(v: number, size: number): number { const m = size === 2 ? 2147483647 : (1 << ((8 << size) - 1)) - 1; return v < -m - 1 ? -m - 1 : v > m ? m : v; }

/** A saturated result sets FPSR.QC. */
function sat(st: A64State, r: number, exact: number): number {
  if (r !== exact) st.fpsrExtra |= FPSR_QC;
  return r;
}

/** Integer lane op shared by the vector and scalar three-same forms; returns the lane result. */
function int3(st: A64State, u: number, opcode: number, size: number, a: number, b: number, acc: number): number {
  const bitsz = 8 << size;
  switch (opcode) {
    case 0x01: return sat(st, u ? satU(a + b, size) : satS(a + b, size), a + b); // SQADD/UQADD
    case 0x05: return sat(st, u ? satU(a - b, size) : satS(a - b, size), a - b); // SQSUB/UQSUB
    case 0x00: return Math.floor((a + b) / 2); // SHADD/UHADD
    case 0x02: return Math.floor((a + b + 1) / 2); // SRHADD/URHADD
    case 0x04: return Math.floor((a - b) / 2); // SHSUB/UHSUB
    case 0x06: return a > b ? -1 : 0; // CMGT/CMHI
    case 0x07: return a >= b ? -1 : 0; // CMGE/CMHS
    case 0x08: { // SSHL/USHL: shift by signed low byte of b
      const sh = (b << 24) >> 24;
      if (sh >= 0) return sh >= bitsz ? 0 : a * Math.pow(2, sh);
      const r = -sh;
      if (r >= bitsz) return u || a >= 0 ? 0 : -1;
      return Math.floor(a / Math.pow(2, r));
    }
    case 0x0c: return a > b ? a : b; // SMAX/UMAX
    case 0x0d: return a < b ? a : b; // SMIN/UMIN
    case 0x0e: return Math.abs(a - b); // SABD/UABD
    case 0x0f: return acc + Math.abs(a - b); // SABA/UABA
    case 0x10: return u ? a - b : a + b; // ADD/SUB
    case 0x11: return u ? (a === b ? -1 : 0) : (a & b) !== 0 ? -1 : 0; // CMEQ/CMTST
    case 0x12: return u ? acc - Math.imul(a, b) : acc + Math.imul(a, b); // MLA/MLS
    case 0x13: return Math.imul(a, b); // MUL
    default: return NaN;
  }
}

function int3x64(u: number, opcode: number, a: bigint, b: bigint): bigint | null {
  switch (opcode) {
    case 0x06: return a > b ? -1n : 0n;
    case 0x07: return a >= b ? -1n : 0n;
    case 0x08: {
      const sh = Number(BigInt.asIntN(8, b));
      if (sh >= 0) return sh >= 64 ? 0n : a << BigInt(sh);
      return -sh >= 64 ? (u || a >= 0n ? 0n : -1n) : a >> BigInt(-sh);
    }
    case 0x0c: return a > b ? a : b;
    case 0x0d: return a < b ? a : b;
    case 0x10: return u ? a - b : a + b;
    case 0x11: return u ? (a === b ? -1n : 0n) : (a & b) !== 0n ? -1n : 0n;
    default: return null;
  }
}

/** FP three-same lanes (a = bit 23 of the instruction). Returns false when unallocated. */
function fp3(st: A64State, u: number, a: number, opcode: number, d: boolean, rn: number, rm: number, rd: number, lanes: number): boolean {
  const V = st.V32;
  const step = d ? 2 : 1;
  for (let e = 0; e < lanes; e++) {
    const i = e * step;
    const nlo = V[rn * 4 + i]!, nhi = d ? V[rn * 4 + i + 1]! : 0, mlo = V[rm * 4 + i]!, mhi = d ? V[rm * 4 + i + 1]! : 0;
    let lo: number, hi: number;
    const k = (u << 6) | (a << 5) | opcode;
    switch (k) {
      case 0x1a: lo = fpBinop(st, FOp.ADD, d, nlo, nhi, mlo, mhi); break;
      case 0x3a: lo = fpBinop(st, FOp.SUB, d, nlo, nhi, mlo, mhi); break;
      case 0x5b: lo = fpBinop(st, FOp.MUL, d, nlo, nhi, mlo, mhi); break;
      case 0x5f: lo = fpBinop(st, FOp.DIV, d, nlo, nhi, mlo, mhi); break;
      case 0x1e: lo = fpBinop(st, FOp.MAX, d, nlo, nhi, mlo, mhi); break;
      case 0x3e: lo = fpBinop(st, FOp.MIN, d, nlo, nhi, mlo, mhi); break;
      case 0x18: lo = fpBinop(st, FOp.MAXNM, d, nlo, nhi, mlo, mhi); break;
      case 0x38: lo = fpBinop(st, FOp.MINNM, d, nlo, nhi, mlo, mhi); break;
      case 0x19: case 0x39: {
        const s = a ? (d ? 0 : 0x80000000) : 0, sh = a ? (d ? 0x80000000 : 0) : 0;
        lo = fpMulAdd(st, d, V[rd * 4 + i]!, d ? V[rd * 4 + i + 1]! : 0, nlo ^ s, nhi ^ sh, mlo, mhi); break;
      }
      case 0x7a: { // FABD
        lo = fpBinop(st, FOp.SUB, d, nlo, nhi, mlo, mhi);
        if (!isNaNB(d, lo, st.th)) { if (d) st.th &= 0x7fffffff; else lo &= 0x7fffffff; }
        break;
      }
      case 0x1c: case 0x5c: case 0x7c: { // FCMEQ FCMGE FCMGT
        const nz = fpCompare(st, d, nlo, nhi, mlo, mhi, k !== 0x1c);
        const ok = k === 0x1c ? nz === 0b0110 : k === 0x5c ? nz === 0b0110 || nz === 0b0010 : nz === 0b0010;
        lo = ok ? -1 : 0; st.th = d ? lo : 0;
        break;
      }
      case 0x5a: { // FADDP: pairs of the concatenation Vm:Vn
        const half = lanes >>> 1;
        const src = e < half ? rn : rm, j = (e < half ? e : e - half) * 2 * step;
        lo = fpBinop(st, FOp.ADD, d, V[src * 4 + j]!, d ? V[src * 4 + j + 1]! : 0, V[src * 4 + j + step]!, d ? V[src * 4 + j + step + 1]! : 0);
        break;
      }
      default: return false;
    }
    hi = st.th;
    S32[i] = lo;
    if (d) S32[i + 1] = hi;
  }
  return true;
}

const simd3Same: Handler = (st, w) => {
  const q = (w >>> 30) & 1, u = (w >>> 29) & 1, size = (w >>> 22) & 3, opcode = (w >>> 11) & 31;
  const rm = (w >>> 16) & 31, rn = (w >>> 5) & 31, rd = w & 31;
  const V = st.V32;
  if (opcode === 0x03) {
    // AND BIC ORR ORN / EOR BSL BIT BIF
    for (let k = 0; k < 4; k++) {
      const n = V[rn * 4 + k]!, m = V[rm * 4 + k]!, dd = V[rd * 4 + k]!;
      let r: number;
      switch ((u << 2) | size) {
        case 0: r = n & m; break;
        case 1: r = n & ~m; break;
        case 2: r = n | m; break;
        case 3: r = n | ~m; break;
        case 4: r = n ^ m; break;
        case 5: r = (dd & n) | (~dd & m); break;
        case 6: r = (dd & ~m) | (n & m); break;
        default: r = (dd & m) | (n & ~m); break;
      }
      S32[k] = r;
    }
    commit(st, rd, q);
    return Ret.NEXT;
  }
  if (opcode >= 0x18) {
    const d = (size & 1) === 1;
    if (d && !q) return Ret.ILLEGAL;
    if (!fp3(st, u, size >>> 1, opcode, d, rn, rm, rd, (q ? 4 : 2) >>> (d ? 1 : 0))) return Ret.ILLEGAL;
    commit(st, rd, q);
    return Ret.NEXT;
  }
  if (opcode === 0x17 || opcode === 0x14 || opcode === 0x15) {
    // ADDP (U0), SMAXP/UMAXP, SMINP/UMINP: pairs of the concatenation Vm:Vn
    if (opcode === 0x17 && u) return Ret.ILLEGAL;
    if (size === 3) {
      if (opcode !== 0x17 || !q) return Ret.ILLEGAL;
      const a = st.V64[rn * 2]! + st.V64[rn * 2 + 1]!, b = st.V64[rm * 2]! + st.V64[rm * 2 + 1]!;
      put64(0, a); put64(1, b);
      commit(st, rd, 1);
      return Ret.NEXT;
    }
    const lanes = (q ? 16 : 8) >>> size, half = lanes >>> 1, signed = u === 0;
    for (let e = 0; e < lanes; e++) {
      const src = e < half ? rn : rm, j = (e < half ? e : e - half) * 2;
      const a = get(st, src, j, size, signed), b = get(st, src, j + 1, size, signed);
      put(e, size, opcode === 0x17 ? a + b : opcode === 0x14 ? (a > b ? a : b) : (a < b ? a : b));
    }
    commit(st, rd, q);
    return Ret.NEXT;
  }
  if (size === 3) {
    if (!q) return Ret.ILLEGAL;
    const signed = u === 0 && opcode !== 0x10 && opcode !== 0x11;
    for (let e = 0; e < 2; e++) {
      const r = int3x64(u, opcode, get64(st, rn, e, signed), get64(st, rm, e, signed));
      if (r === null) return Ret.ILLEGAL;
      put64(e, r);
    }
    commit(st, rd, q);
    return Ret.NEXT;
  }
  const lanes = (q ? 16 : 8) >>> size;
  const signed = u === 0 && opcode !== 0x10 && opcode !== 0x11 && opcode !== 0x12 && opcode !== 0x13;
  if ((opcode === 0x13 && u) || opcode === 0x03 || opcode === 0x09 || opcode === 0x0a || opcode === 0x0b || opcode === 0x16) return Ret.ILLEGAL;
  for (let e = 0; e < lanes; e++) {
    const a = get(st, rn, e, size, signed), b = get(st, rm, e, size, signed);
    const r = int3(st, u, opcode, size, a, b, opcode === 0x12 || opcode === 0x0f ? get(st, rd, e, size, false) : 0);
    if (r !== r) return Ret.ILLEGAL;
    put(e, size, r);
  }
  commit(st, rd, q);
  return Ret.NEXT;
};

/** Two-register miscellaneous (vector). */
const simd2Misc: Handler = (st, w) => {
  const q = (w >>> 30) & 1, u = (w >>> 29) & 1, size = (w >>> 22) & 3, opcode = (w >>> 12) & 31;
  const rn = (w >>> 5) & 31, rd = w & 31;
  const lanes = (q ? 16 : 8) >>> size;
  const k = (u << 5) | opcode;
  // FP forms (size<1> = a, size<0> = sz)
  if (opcode >= 0x0c && opcode !== 0x12 && opcode !== 0x13 && opcode !== 0x14) {
    return fp2Misc(st, q, u, size, opcode, rn, rd) ? Ret.NEXT : Ret.ILLEGAL;
  }
  if (size === 3 && !q && opcode !== 0x12) return Ret.ILLEGAL;
  switch (k) {
    case 0x00: case 0x20: case 0x01: { // REV64, REV32, REV16
      const cont = k === 0x00 ? 3 : k === 0x20 ? 2 : 1;
      if (size >= cont) return Ret.ILLEGAL;
      const per = 1 << (cont - size);
      for (let e = 0; e < lanes; e++) put(e, size, getU(st, rn, (e - (e % per)) + (per - 1 - (e % per)), size));
      break;
    }
    case 0x05: if (size !== 0) return Ret.ILLEGAL; for (let e = 0; e < lanes; e++) put(e, 0, cnt8(getU(st, rn, e, 0))); break; // CNT
    case 0x25: // NOT / RBIT (byte elements)
      if (size === 0) { for (let e = 0; e < lanes; e++) put(e, 0, ~getU(st, rn, e, 0)); }
      else if (size === 1) { for (let e = 0; e < (q ? 16 : 8); e++) { let b = getU(st, rn, e, 0), r = 0; for (let i = 0; i < 8; i++) { r = (r << 1) | (b & 1); b >>>= 1; } put(e, 0, r); } }
      else return Ret.ILLEGAL;
      break;
    case 0x04: case 0x24: { // CLS, CLZ
      if (size === 3) return Ret.ILLEGAL;
      const bitsz = 8 << size;
      for (let e = 0; e < lanes; e++) {
        const v = getU(st, rn, e, size);
        const z = Math.clz32(v) - (32 - bitsz);
        if (u) put(e, size, z);
        else { const s = getS(st, rn, e, size); put(e, size, Math.clz32((s < 0 ? ~s : s) & ((bitsz === 32 ? -1 : (1 << bitsz) - 1))) - (32 - bitsz) - 1); }
      }
      break;
    }
    case 0x08: case 0x28: case 0x09: case 0x29: case 0x0a: { // CMGT CMGE CMEQ CMLE CMLT #0
      for (let e = 0; e < lanes; e++) {
        const v = size === 3 ? Number(get64(st, rn, e, true) > 0n ? 1 : get64(st, rn, e, true) < 0n ? -1 : 0) : getS(st, rn, e, size);
        const r = k === 0x08 ? v > 0 : k === 0x28 ? v >= 0 : k === 0x09 ? v === 0 : k === 0x29 ? v <= 0 : v < 0;
        if (size === 3) put64(e, r ? -1n : 0n); else put(e, size, r ? -1 : 0);
      }
      break;
    }
    case 0x0b: case 0x2b: // ABS, NEG
      for (let e = 0; e < lanes; e++) {
        if (size === 3) { const v = get64(st, rn, e, true); put64(e, k === 0x0b ? (v < 0n ? -v : v) : -v); }
        else { const v = getS(st, rn, e, size); put(e, size, k === 0x0b ? Math.abs(v) : -v); }
      }
      break;
    case 0x12: { // XTN, XTN2
      if (size === 3) return Ret.ILLEGAL;
      loadScratch(st, rd);
      const n = 8 >>> size, base = q ? n : 0;
      for (let e = 0; e < n; e++) {
        if (size === 2) put(base + e, 2, Number(st.V64[rn * 2 + e]! & 0xffffffffn));
        else put(base + e, size, getU(st, rn, e, size + 1));
      }
      commit(st, rd, q);
      if (!q) { st.V32[rd * 4 + 2] = 0; st.V32[rd * 4 + 3] = 0; }
      return Ret.NEXT;
    }
    case 0x02: case 0x22: { // SADDLP, UADDLP
      if (size === 3) return Ret.ILLEGAL;
      const n = lanes >>> 1;
      for (let e = 0; e < n; e++) {
        if (size === 2) put64(e, get64(st, rn, 0, false) * 0n + BigInt(get(st, rn, 2 * e, 2, !u)) + BigInt(get(st, rn, 2 * e + 1, 2, !u)));
        else put(e, size + 1, get(st, rn, 2 * e, size, !u) + get(st, rn, 2 * e + 1, size, !u));
      }
      break;
    }
    default: return Ret.ILLEGAL;
  }
  commit(st, rd, q);
  return Ret.NEXT;
};

function fp2Misc(st: A64State, q: number, u: number, size: number, opcode: number, rn: number, rd: number): boolean {
  const a = size >>> 1, d = (size & 1) === 1;
  const V = st.V32;
  if (opcode === 0x16 || opcode === 0x17) {
    // FCVTN(2) (a=0, 0x16) narrows; FCVTL(2) (0x17) widens. sz selects S<-D / D<-S.
    if (a || u) return false;
    if (opcode === 0x16) {
      loadScratch(st, rd);
      const base = q ? 2 : 0;
      for (let e = 0; e < 2; e++) {
        const r = d ? fpConvert(st, 2, 1, V[rn * 4 + 2 * e]!, V[rn * 4 + 2 * e + 1]!) : 0;
        if (!d) return false;
        S32[base + e] = r;
      }
      commit(st, rd, q);
      if (!q) { V[rd * 4 + 2] = 0; V[rd * 4 + 3] = 0; }
      return true;
    }
    if (!d) return false;
    const base = q ? 2 : 0;
    for (let e = 0; e < 2; e++) { S32[2 * e] = fpConvert(st, 1, 2, V[rn * 4 + base + e]!, 0); S32[2 * e + 1] = st.th; }
    commit(st, rd, 1);
    return true;
  }
  if (d && !q) return false;
  const lanes = (q ? 4 : 2) >>> (d ? 1 : 0), step = d ? 2 : 1;
  const k = (u << 6) | (a << 5) | opcode;
  for (let e = 0; e < lanes; e++) {
    const i = e * step, lo = V[rn * 4 + i]!, hi = d ? V[rn * 4 + i + 1]! : 0;
    let r: number, rh = 0;
    switch (k) {
      case 0x1d: case 0x5d: r = intToFp(st, d, lo, d ? hi : 0, u === 1, d, 0); rh = st.th; break; // SCVTF UCVTF
      case 0x3b: case 0x7b: r = fpToInt(st, d, lo, hi, Rm.RTZ, u === 1, d, 0); rh = st.th; break; // FCVTZS FCVTZU
      case 0x1a: case 0x5a: r = fpToInt(st, d, lo, hi, Rm.RNE, u === 1, d, 0); rh = st.th; break; // FCVTNS/NU
      case 0x3a: case 0x7a: r = fpToInt(st, d, lo, hi, Rm.RUP, u === 1, d, 0); rh = st.th; break; // FCVTPS/PU
      case 0x1b: case 0x5b: r = fpToInt(st, d, lo, hi, Rm.RDN, u === 1, d, 0); rh = st.th; break; // FCVTMS/MU
      case 0x1c: case 0x5c: r = fpToInt(st, d, lo, hi, Rm.RMM, u === 1, d, 0); rh = st.th; break; // FCVTAS/AU
      case 0x2f: r = d ? lo : lo & 0x7fffffff; rh = d ? hi & 0x7fffffff : 0; break; // FABS
      case 0x6f: r = d ? lo : lo ^ 0x80000000; rh = d ? hi ^ 0x80000000 : 0; break; // FNEG
      case 0x7f: r = fpSqrt(st, d, lo, hi); rh = st.th; break; // FSQRT
      case 0x2c: case 0x2d: case 0x2e: case 0x6c: case 0x6d: { // FCMGT FCMEQ FCMLT #0, FCMGE FCMLE #0
        const nz = fpCompare(st, d, lo, hi, 0, 0, k !== 0x2d);
        const ok = k === 0x2c ? nz === 0b0010 : k === 0x2d ? nz === 0b0110 : k === 0x2e ? nz === 0b1000 : k === 0x6c ? nz === 0b0010 || nz === 0b0110 : nz === 0b1000 || nz === 0b0110;
        r = ok ? -1 : 0; rh = d ? r : 0; break;
      }
      default: return false;
    }
    S32[i] = r;
    if (d) S32[i + 1] = rh;
  }
  commit(st, rd, q);
  return true;
}

/** Across lanes: ADDV, SADDLV, UADDLV, SMAXV, UMAXV, SMINV, UMINV. */
const simdAcross: Handler = (st, w) => {
  const q = (w >>> 30) & 1, u = (w >>> 29) & 1, size = (w >>> 22) & 3, opcode = (w >>> 12) & 31;
  const rn = (w >>> 5) & 31, rd = w & 31;
  if (size === 3 || (size === 2 && !q)) return Ret.ILLEGAL;
  const lanes = (q ? 16 : 8) >>> size;
  const signed = u === 0;
  let acc = get(st, rn, 0, size, signed);
  for (let e = 1; e < lanes; e++) {
    const v = get(st, rn, e, size, signed);
    switch (opcode) {
      case 0x1b: case 0x03: acc += v; break;
      case 0x0a: if (v > acc) acc = v; break;
      case 0x1a: if (v < acc) acc = v; break;
      default: return Ret.ILLEGAL;
    }
  }
  if (opcode === 0x1b && u) return Ret.ILLEGAL;
  S32[0] = 0; S32[1] = 0; S32[2] = 0; S32[3] = 0;
  if (opcode === 0x03) { if (size === 2) put64(0, BigInt(acc)); else put(0, size + 1, acc); }
  else put(0, size, acc);
  commit(st, rd, 0);
  return Ret.NEXT;
};

/** DUP (element, general), INS (element, general), SMOV, UMOV. */
const simdCopy: Handler = (st, w) => {
  const R = st.R;
  const q = (w >>> 30) & 1, op = (w >>> 29) & 1, imm5 = (w >>> 16) & 31, imm4 = (w >>> 11) & 15;
  const rn = (w >>> 5) & 31, rd = w & 31;
  const size = 31 - Math.clz32(imm5 & -imm5);
  if (size > 3) return Ret.ILLEGAL;
  const idx = imm5 >>> (size + 1);
  const eb = 1 << size;
  if (op === 1) {
    if (!q) return Ret.ILLEGAL;
    const src = imm4 >>> size;
    st.V8.copyWithin(rd * 16 + idx * eb, rn * 16 + src * eb, rn * 16 + src * eb + eb);
    return Ret.NEXT;
  }
  switch (imm4) {
    case 0: { // DUP (element)
      if (size === 3 && !q) return Ret.ILLEGAL;
      const lanes = (q ? 16 : 8) >>> size;
      const src = rn * 16 + idx * eb;
      for (let e = 0; e < lanes; e++) for (let b = 0; b < eb; b++) S8[e * eb + b] = st.V8[src + b]!;
      commit(st, rd, q);
      return Ret.NEXT;
    }
    case 1: { // DUP (general)
      if (size === 3 && !q) return Ret.ILLEGAL;
      const lanes = (q ? 16 : 8) >>> size;
      const lo = R[rn * 2]!, hi = R[rn * 2 + 1]!;
      for (let e = 0; e < lanes; e++) { if (size === 3) { S32[e * 2] = lo; S32[e * 2 + 1] = hi; } else put(e, size, lo); }
      commit(st, rd, q);
      return Ret.NEXT;
    }
    case 3: { // INS (general)
      const lo = R[rn * 2]!, hi = R[rn * 2 + 1]!;
      switch (size) {
        case 0: st.V8[rd * 16 + idx] = lo; break;
        case 1: st.V16[rd * 8 + idx] = lo; break;
        case 2: st.V32[rd * 4 + idx] = lo; break;
        default: st.V32[rd * 4 + idx * 2] = lo; st.V32[rd * 4 + idx * 2 + 1] = hi; break;
      }
      return Ret.NEXT;
    }
    case 5: case 7: { // SMOV, UMOV
      const o = wz(rd);
      if (imm4 === 7) {
        if ((size === 3) !== (q === 1)) return Ret.ILLEGAL;
        if (size === 3) { R[o * 2] = st.V32[rn * 4 + idx * 2]!; R[o * 2 + 1] = st.V32[rn * 4 + idx * 2 + 1]!; }
        else { R[o * 2] = getU(st, rn, idx, size); R[o * 2 + 1] = 0; }
      } else {
        if (size >= 2 + q || (size === 2 && !q)) return Ret.ILLEGAL;
        const v = getS(st, rn, idx, size);
        R[o * 2] = q ? v : v & 0xffffffff; R[o * 2 + 1] = q ? v >> 31 : 0;
      }
      return Ret.NEXT;
    }
    default: return Ret.ILLEGAL;
  }
};

/** AdvSIMDExpandImm -> [lo, hi] of the 64-bit pattern, or null when unallocated. */
function expandSimdImm(op: number, cmode: number, imm8: number): [number, number] | null {
  let v: number;
  switch (cmode >>> 1) {
    case 0: case 1: case 2: case 3: v = imm8 << (8 * (cmode >>> 1)); return [v, v];
    case 4: case 5: v = imm8 << (8 * ((cmode >>> 1) & 1)); v = (v & 0xffff) | (v << 16); return [v, v];
    case 6: v = (cmode & 1) ? (imm8 << 16) | 0xffff : (imm8 << 8) | 0xff; return [v, v];
    default:
      if (!(cmode & 1)) {
        if (!op) { v = imm8 * 0x01010101; return [v | 0, v | 0]; }
        let lo = 0, hi = 0;
        for (let i = 0; i < 4; i++) { if (imm8 & (1 << i)) lo |= 0xff << (8 * i); if (imm8 & (1 << (i + 4))) hi |= 0xff << (8 * i); }
        return [lo, hi];
      }
      if (!op) { const [s] = expandImm(false, imm8); return [s, s]; }
      { const [lo, hi] = expandImm(true, imm8); return [lo, hi]; }
  }
}

/** MOVI, MVNI, ORR, BIC (vector, immediate), FMOV (vector, immediate). */
const simdModImm: Handler = (st, w) => {
  const q = (w >>> 30) & 1, op = (w >>> 29) & 1, cmode = (w >>> 12) & 15, rd = w & 31;
  if ((w >>> 11) & 1) return Ret.ILLEGAL;
  const imm8 = (((w >>> 16) & 7) << 5) | ((w >>> 5) & 31);
  if (cmode === 15 && op && !q) return Ret.ILLEGAL;
  const e = expandSimdImm(op, cmode, imm8);
  if (!e) return Ret.ILLEGAL;
  let [lo, hi] = e;
  const V = st.V32, i = rd * 4;
  const isOrrBic = cmode < 12 && (cmode & 1) === 1;
  if (isOrrBic) {
    if (op) { lo = ~lo; hi = ~hi; S32[0] = V[i]! & lo; S32[1] = V[i + 1]! & hi; S32[2] = V[i + 2]! & lo; S32[3] = V[i + 3]! & hi; }
    else { S32[0] = V[i]! | lo; S32[1] = V[i + 1]! | hi; S32[2] = V[i + 2]! | lo; S32[3] = V[i + 3]! | hi; }
  } else {
    if (op && cmode < 14) { lo = ~lo; hi = ~hi; } // MVNI
    S32[0] = lo; S32[1] = hi; S32[2] = lo; S32[3] = hi;
  }
  commit(st, rd, q);
  return Ret.NEXT;
};

/** Shift by immediate (vector). */
const simdShImm: Handler = (st, w) => {
  const q = (w >>> 30) & 1, u = (w >>> 29) & 1, immh = (w >>> 19) & 15, immb = (w >>> 16) & 7, opcode = (w >>> 11) & 31;
  const rn = (w >>> 5) & 31, rd = w & 31;
  const size = 31 - Math.clz32(immh);
  const esize = 8 << size, hb = (immh << 3) | immb;
  const rshift = 2 * esize - hb, lshift = hb - esize;
  if (opcode === 0x14) { // SSHLL/USHLL (+2)
    if (size === 3) return Ret.ILLEGAL;
    const n = 8 >>> size, base = q ? n : 0;
    for (let e = 0; e < n; e++) {
      const v = get(st, rn, base + e, size, !u);
      if (size === 2) put64(e, BigInt(v) << BigInt(lshift)); else put(e, size + 1, v * (1 << lshift));
    }
    commit(st, rd, 1);
    return Ret.NEXT;
  }
  if (opcode === 0x10 || opcode === 0x11) { // SHRN, RSHRN (+2)
    if (size === 3 || u) return Ret.ILLEGAL;
    loadScratch(st, rd);
    const n = 8 >>> size, base = q ? n : 0;
    for (let e = 0; e < n; e++) {
      let v: bigint = size === 2 ? get64(st, rn, e, false) : BigInt(getU(st, rn, e, size + 1));
      if (opcode === 0x11) v += 1n << BigInt(rshift - 1);
      put(base + e, size, Number(BigInt.asUintN(32, v >> BigInt(rshift))) | 0);
    }
    commit(st, rd, q);
    if (!q) { st.V32[rd * 4 + 2] = 0; st.V32[rd * 4 + 3] = 0; }
    return Ret.NEXT;
  }
  if (size === 3 && !q) return Ret.ILLEGAL;
  if (!shiftLanes(st, u, opcode, size, rshift, lshift, rn, rd, (q ? 16 : 8) >>> size)) return Ret.ILLEGAL;
  commit(st, rd, q);
  return Ret.NEXT;
};

/** Per-lane immediate shifts shared with the scalar form. */
function shiftLanes(st: A64State, u: number, opcode: number, size: number, rshift: number, lshift: number, rn: number, rd: number, lanes: number): boolean {
  const esize = 8 << size;
  for (let e = 0; e < lanes; e++) {
    if (size === 3) {
      const a = get64(st, rn, e, u === 0), dv = get64(st, rd, e, false);
      let r: bigint;
      switch (opcode) {
        case 0x00: r = a >> BigInt(rshift); break;
        case 0x02: r = dv + (a >> BigInt(rshift)); break;
        case 0x04: r = (a + (1n << BigInt(rshift - 1))) >> BigInt(rshift); break;
        case 0x0a: r = u ? (dv & ((1n << BigInt(lshift)) - 1n)) | (BigInt.asUintN(64, a) << BigInt(lshift)) : a << BigInt(lshift); break;
        case 0x08: if (!u) return false; { const m = rshift === 64 ? 0n : (~0n >> 0n) & (BigInt.asUintN(64, -1n) >> BigInt(rshift)); r = (dv & ~m) | (BigInt.asUintN(64, a) >> BigInt(rshift)); } break;
        default: return false;
      }
      put64(e, r);
      continue;
    }
    const a = get(st, rn, e, size, u === 0), dv = getU(st, rd, e, size);
    const sh = (x: number, n: number) => (n >= esize ? (x < 0 ? -1 : 0) : Math.floor(x / Math.pow(2, n)));
    let r: number;
    switch (opcode) {
      case 0x00: r = sh(a, rshift); break; // SSHR/USHR
      case 0x02: r = dv + sh(a, rshift); break; // SSRA/USRA
      case 0x04: r = Math.floor((a + Math.pow(2, rshift - 1)) / Math.pow(2, rshift)); break; // SRSHR/URSHR
      case 0x06: r = dv + Math.floor((a + Math.pow(2, rshift - 1)) / Math.pow(2, rshift)); break; // SRSRA/URSRA
      case 0x0a: { // SHL / SLI
        const v = (a * Math.pow(2, lshift)) % 4294967296;
        if (!u) { r = v; break; }
        const m = lshift === 0 ? 0 : (1 << lshift) - 1;
        r = (dv & m) | (v & ~m);
        break;
      }
      case 0x08: { // SRI
        if (!u) return false;
        const keep = rshift >= esize ? -1 : ~((esize === 32 ? -1 : (1 << esize) - 1) >>> rshift);
        r = (dv & keep) | (rshift >= esize ? 0 : getU(st, rn, e, size) >>> rshift);
        break;
      }
      default: return false;
    }
    put(e, size, r);
  }
  return true;
}

/** UZP1/2, TRN1/2, ZIP1/2. */
const simdPerm: Handler = (st, w) => {
  const q = (w >>> 30) & 1, size = (w >>> 22) & 3, opcode = (w >>> 12) & 7;
  const rm = (w >>> 16) & 31, rn = (w >>> 5) & 31, rd = w & 31;
  if (size === 3 && !q) return Ret.ILLEGAL;
  const lanes = (q ? 16 : 8) >>> size, half = lanes >>> 1, eb = 1 << size;
  const part = opcode >>> 2;
  const cp = (dst: number, src: number, e: number) => { for (let b = 0; b < eb; b++) S8[dst * eb + b] = st.V8[src * 16 + e * eb + b]!; };
  for (let e = 0; e < lanes; e++) {
    switch (opcode & 3) {
      case 1: { const j = 2 * e + part; if (j < lanes) cp(e, rn, j); else cp(e, rm, j - lanes); break; } // UZP
      case 2: { const p = e >>> 1; if ((e & 1) === 0) cp(e, rn, 2 * p + part); else cp(e, rm, 2 * p + part); break; } // TRN
      case 3: { const p = (e >>> 1) + part * half; cp(e, (e & 1) === 0 ? rn : rm, p); break; } // ZIP
      default: return Ret.ILLEGAL;
    }
  }
  commit(st, rd, q);
  return Ret.NEXT;
};

/** EXT. */
const simdExt: Handler = (st, w) => {
  const q = (w >>> 30) & 1, imm4 = (w >>> 11) & 15, rm = (w >>> 16) & 31, rn = (w >>> 5) & 31, rd = w & 31;
  if (!q && imm4 >= 8) return Ret.ILLEGAL;
  const n = q ? 16 : 8;
  for (let i = 0; i < n; i++) { const j = i + imm4; S8[i] = j < n ? st.V8[rn * 16 + j]! : st.V8[rm * 16 + j - n]!; }
  commit(st, rd, q);
  return Ret.NEXT;
};

/** TBL, TBX. */
const simdTbl: Handler = (st, w) => {
  const q = (w >>> 30) & 1, len = ((w >>> 13) & 3) + 1, tbx = (w >>> 12) & 1;
  const rm = (w >>> 16) & 31, rn = (w >>> 5) & 31, rd = w & 31;
  const n = q ? 16 : 8;
  for (let i = 0; i < n; i++) {
    const idx = st.V8[rm * 16 + i]!;
    if (idx < len * 16) S8[i] = st.V8[((rn + (idx >>> 4)) & 31) * 16 + (idx & 15)]!;
    else S8[i] = tbx ? st.V8[rd * 16 + i]! : 0;
  }
  commit(st, rd, q);
  return Ret.NEXT;
};

/** Three different: S/UADDL(2), S/UADDW(2), S/USUBL(2), S/USUBW(2), S/UMULL(2), S/UMLAL(2), S/UMLSL(2), ADDHN/SUBHN(2). */
const simd3Diff: Handler = (st, w) => {
  const q = (w >>> 30) & 1, u = (w >>> 29) & 1, size = (w >>> 22) & 3, opcode = (w >>> 12) & 15;
  const rm = (w >>> 16) & 31, rn = (w >>> 5) & 31, rd = w & 31;
  if (size === 3) return Ret.ILLEGAL;
  const n = 8 >>> size, base = q ? n : 0, signed = u === 0;
  if (opcode === 4 || opcode === 6) { // ADDHN, SUBHN (u: RADDHN/RSUBHN unsupported)
    if (u) return Ret.ILLEGAL;
    loadScratch(st, rd);
    const esz = 8 << size;
    for (let e = 0; e < n; e++) {
      const a = size === 2 ? get64(st, rn, e, false) : BigInt(getU(st, rn, e, size + 1));
      const b = size === 2 ? get64(st, rm, e, false) : BigInt(getU(st, rm, e, size + 1));
      const s = opcode === 4 ? a + b : a - b;
      put(base + e, size, Number(BigInt.asUintN(32, s >> BigInt(esz))) | 0);
    }
    commit(st, rd, q);
    if (!q) { st.V32[rd * 4 + 2] = 0; st.V32[rd * 4 + 3] = 0; }
    return Ret.NEXT;
  }
  for (let e = 0; e < n; e++) {
    const wide = opcode === 1 || opcode === 3;
    const ab = wide ? (size === 2 ? get64(st, rn, e, signed) : BigInt(get(st, rn, e, size + 1, signed))) : BigInt(get(st, rn, base + e, size, signed));
    const bb = BigInt(get(st, rm, base + e, size, signed));
    let r: bigint;
    const acc = size === 2 ? get64(st, rd, e, false) : BigInt(getU(st, rd, e, size + 1));
    switch (opcode) {
      case 0: case 1: r = ab + bb; break;
      case 2: case 3: r = ab - bb; break;
      case 12: r = ab * bb; break;
      case 8: r = acc + ab * bb; break;
      case 10: r = acc - ab * bb; break;
      default: return Ret.ILLEGAL;
    }
    if (size === 2) put64(e, r); else put(e, size + 1, Number(BigInt.asIntN(32, r)));
  }
  commit(st, rd, 1);
  return Ret.NEXT;
};

/** By element: MUL, MLA, MLS, S/UMULL(2), S/UMLAL(2), S/UMLSL(2), FMUL, FMLA, FMLS. */
const simdElem: Handler = (st, w) => {
  const q = (w >>> 30) & 1, u = (w >>> 29) & 1, size = (w >>> 22) & 3, L = (w >>> 21) & 1, M = (w >>> 20) & 1;
  const opcode = (w >>> 12) & 15, H = (w >>> 11) & 1, rn = (w >>> 5) & 31, rd = w & 31;
  let rm = (w >>> 16) & 15, index: number;
  const k = (u << 4) | opcode;
  const isFp = k === 0x09 || k === 0x01 || k === 0x05;
  if (isFp) {
    const d = (size & 1) === 1;
    if (size < 2 || (d && (L || !q))) return Ret.ILLEGAL;
    rm |= M << 4;
    index = d ? H : (H << 1) | L;
    const step = d ? 2 : 1, lanes = (q ? 4 : 2) >>> (d ? 1 : 0), V = st.V32;
    const mlo = V[rm * 4 + index * step]!, mhi = d ? V[rm * 4 + index * step + 1]! : 0;
    for (let e = 0; e < lanes; e++) {
      const i = e * step, nlo = V[rn * 4 + i]!, nhi = d ? V[rn * 4 + i + 1]! : 0;
      let r: number;
      if (k === 0x09) r = fpBinop(st, FOp.MUL, d, nlo, nhi, mlo, mhi);
      else {
        const neg = k === 0x05;
        r = fpMulAdd(st, d, V[rd * 4 + i]!, d ? V[rd * 4 + i + 1]! : 0, neg && !d ? nlo ^ 0x80000000 : nlo, neg && d ? nhi ^ 0x80000000 : nhi, mlo, mhi);
      }
      S32[i] = r; if (d) S32[i + 1] = st.th;
    }
    commit(st, rd, q);
    return Ret.NEXT;
  }
  if (size === 1) index = (H << 2) | (L << 1) | M;
  else if (size === 2) { index = (H << 1) | L; rm |= M << 4; }
  else return Ret.ILLEGAL;
  const signed = u === 0;
  if (k === 0x08 || k === 0x10 || k === 0x14) { // MUL, MLA, MLS
    const lanes = (q ? 16 : 8) >>> size, b = getU(st, rm, index, size);
    for (let e = 0; e < lanes; e++) {
      const p = Math.imul(getU(st, rn, e, size), b), acc = getU(st, rd, e, size);
      put(e, size, k === 0x08 ? p : k === 0x10 ? acc + p : acc - p);
    }
    commit(st, rd, q);
    return Ret.NEXT;
  }
  if (opcode === 0x0a || opcode === 0x02 || opcode === 0x06) { // S/UMULL, S/UMLAL, S/UMLSL (by element)
    const n = 8 >>> size, base = q ? n : 0, bb = BigInt(get(st, rm, index, size, signed));
    for (let e = 0; e < n; e++) {
      const p = BigInt(get(st, rn, base + e, size, signed)) * bb;
      const acc = size === 2 ? get64(st, rd, e, false) : BigInt(getU(st, rd, e, size + 1));
      const r = opcode === 0x0a ? p : opcode === 0x02 ? acc + p : acc - p;
      if (size === 2) put64(e, r); else put(e, size + 1, Number(BigInt.asIntN(32, r)));
    }
    commit(st, rd, 1);
    return Ret.NEXT;
  }
  return Ret.ILLEGAL;
};

// ---- scalar (SISD) forms ----

const sisd3Same: Handler = (st, w) => {
  const u = (w >>> 29) & 1, size = (w >>> 22) & 3, opcode = (w >>> 11) & 31;
  const rm = (w >>> 16) & 31, rn = (w >>> 5) & 31, rd = w & 31;
  S32[0] = S32[1] = S32[2] = S32[3] = 0;
  if (opcode >= 0x18) {
    const d = (size & 1) === 1;
    if (!fp3(st, u, size >>> 1, opcode, d, rn, rm, rd, 1)) return Ret.ILLEGAL;
    commit(st, rd, 0);
    return Ret.NEXT;
  }
  if (size !== 3) return Ret.ILLEGAL;
  const signed = u === 0 && opcode !== 0x10 && opcode !== 0x11;
  const r = int3x64(u, opcode, get64(st, rn, 0, signed), get64(st, rm, 0, signed));
  if (r === null) return Ret.ILLEGAL;
  put64(0, r);
  commit(st, rd, 0);
  return Ret.NEXT;
};

const sisd2Misc: Handler = (st, w) => {
  const u = (w >>> 29) & 1, size = (w >>> 22) & 3, opcode = (w >>> 12) & 31;
  const rn = (w >>> 5) & 31, rd = w & 31;
  const a = size >>> 1, d = (size & 1) === 1, V = st.V32;
  S32[0] = S32[1] = S32[2] = S32[3] = 0;
  const k = (u << 6) | (a << 5) | opcode;
  const lo = V[rn * 4]!, hi = V[rn * 4 + 1]!;
  let r: number, rh = 0;
  switch (k) {
    case 0x1d: case 0x5d: r = intToFp(st, d, lo, d ? hi : 0, u === 1, d, 0); rh = st.th; break;
    case 0x3b: case 0x7b: r = fpToInt(st, d, lo, hi, Rm.RTZ, u === 1, d, 0); rh = st.th; break;
    case 0x1a: case 0x5a: r = fpToInt(st, d, lo, hi, Rm.RNE, u === 1, d, 0); rh = st.th; break;
    case 0x3a: case 0x7a: r = fpToInt(st, d, lo, hi, Rm.RUP, u === 1, d, 0); rh = st.th; break;
    case 0x1b: case 0x5b: r = fpToInt(st, d, lo, hi, Rm.RDN, u === 1, d, 0); rh = st.th; break;
    case 0x1c: case 0x5c: r = fpToInt(st, d, lo, hi, Rm.RMM, u === 1, d, 0); rh = st.th; break;
    default: {
      // integer compares with zero / ABS / NEG on D
      if (size !== 3) return Ret.ILLEGAL;
      const v = get64(st, rn, 0, true);
      let x: bigint;
      switch ((u << 5) | opcode) {
        case 0x08: x = v > 0n ? -1n : 0n; break;
        case 0x28: x = v >= 0n ? -1n : 0n; break;
        case 0x09: x = v === 0n ? -1n : 0n; break;
        case 0x29: x = v <= 0n ? -1n : 0n; break;
        case 0x0a: x = v < 0n ? -1n : 0n; break;
        case 0x0b: x = v < 0n ? -v : v; break;
        case 0x2b: x = -v; break;
        default: return Ret.ILLEGAL;
      }
      put64(0, x);
      commit(st, rd, 0);
      return Ret.NEXT;
    }
  }
  S32[0] = r; if (d) S32[1] = rh;
  commit(st, rd, 0);
  return Ret.NEXT;
};

/** ADDP (scalar), FADDP/FMAXP/FMINP/FMAXNMP/FMINNMP (scalar). */
const sisdPair: Handler = (st, w) => {
  const u = (w >>> 29) & 1, size = (w >>> 22) & 3, opcode = (w >>> 12) & 31, rn = (w >>> 5) & 31, rd = w & 31;
  S32[0] = S32[1] = S32[2] = S32[3] = 0;
  if (!u && opcode === 0x1b) {
    if (size !== 3) return Ret.ILLEGAL;
    put64(0, st.V64[rn * 2]! + st.V64[rn * 2 + 1]!);
    commit(st, rd, 0);
    return Ret.NEXT;
  }
  if (!u) return Ret.ILLEGAL;
  const d = (size & 1) === 1, V = st.V32;
  const alo = V[rn * 4]!, ahi = d ? V[rn * 4 + 1]! : 0;
  const blo = d ? V[rn * 4 + 2]! : V[rn * 4 + 1]!, bhi = d ? V[rn * 4 + 3]! : 0;
  let op: number;
  switch ((size >>> 1) << 5 | opcode) {
    case 0x0d: op = FOp.ADD; break;
    case 0x0f: op = FOp.MAX; break;
    case 0x2f: op = FOp.MIN; break;
    case 0x0c: op = FOp.MAXNM; break;
    case 0x2c: op = FOp.MINNM; break;
    default: return Ret.ILLEGAL;
  }
  S32[0] = fpBinop(st, op, d, alo, ahi, blo, bhi);
  if (d) S32[1] = st.th;
  commit(st, rd, 0);
  return Ret.NEXT;
};

/** DUP (element, scalar) = MOV Vd, Vn.T[i]. */
const sisdDup: Handler = (st, w) => {
  const imm5 = (w >>> 16) & 31, rn = (w >>> 5) & 31, rd = w & 31;
  const size = 31 - Math.clz32(imm5 & -imm5);
  if (size > 3) return Ret.ILLEGAL;
  const idx = imm5 >>> (size + 1), eb = 1 << size;
  S32[0] = S32[1] = S32[2] = S32[3] = 0;
  for (let b = 0; b < eb; b++) S8[b] = st.V8[rn * 16 + idx * eb + b]!;
  commit(st, rd, 0);
  return Ret.NEXT;
};

/** Scalar shift by immediate (D lanes) and SCVTF/UCVTF/FCVTZS/FCVTZU (scalar, fixed-point). */
const sisdShImm: Handler = (st, w) => {
  const u = (w >>> 29) & 1, immh = (w >>> 19) & 15, immb = (w >>> 16) & 7, opcode = (w >>> 11) & 31;
  const rn = (w >>> 5) & 31, rd = w & 31;
  if (immh === 0) return Ret.ILLEGAL;
  const hb = (immh << 3) | immb;
  S32[0] = S32[1] = S32[2] = S32[3] = 0;
  if (opcode === 0x1c || opcode === 0x1f) {
    if (immh < 4) return Ret.ILLEGAL;
    const d = immh >= 8, fbits = (d ? 128 : 64) - hb, V = st.V32;
    const lo = V[rn * 4]!, hi = d ? V[rn * 4 + 1]! : 0;
    const r = opcode === 0x1c ? intToFp(st, d, lo, hi, u === 1, d, fbits) : fpToInt(st, d, lo, hi, Rm.RTZ, u === 1, d, fbits);
    S32[0] = r; if (d) S32[1] = st.th;
    commit(st, rd, 0);
    return Ret.NEXT;
  }
  if (immh < 8) return Ret.ILLEGAL;
  if (!shiftLanes(st, u, opcode, 3, 128 - hb, hb - 64, rn, rd, 1)) return Ret.ILLEGAL;
  commit(st, rd, 0);
  return Ret.NEXT;
};

export const handlers: Record<string, Handler> = {
  simd3Same, simd2Misc, simdAcross, simdCopy, simdModImm, simdShImm, simdPerm, simdExt, simdTbl, simd3Diff, simdElem,
  sisd3Same, sisd2Misc, sisdPair, sisdDup, sisdShImm,
};
export const prepare: Record<string, Prepare> = {};

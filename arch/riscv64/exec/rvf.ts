/**
 * "F" standard extension, single precision (RISC-V Unprivileged ISA 20191213, ch. 11), on the
 * shared softfloat core (arch/common/softfloat.ts). NaN policy is RISC-V's and lives here: any
 * NaN result is the canonical NaN 0x7fc00000 (ch. 11.3), signalling NaN inputs raise NV, and a
 * single-precision value is valid only NaN-boxed in a 64-bit f register (ch. 12.2): otherwise it
 * reads as the canonical NaN. Rounding mode from the instruction or, when 7 (DYN), from frm;
 * 5 and 6, or DYN with frm > 4, are illegal (ch. 11.2). fmin/fmax follow IEEE 754-2019
 * minimumNumber/maximumNumber (ch. 11.6, version 2.2 of F).
 */
import {
  FLAG_NV, f32Add, f32Div, f32Fma, f32Mul, f32Sqrt, f32Sub, f32ToI32, f32ToI64, f32ToU32, f32ToU64,
  i32ToF32, i64ToF32, u32ToF32, u64ToF32, type Rm,
} from '../../common/softfloat';
import type { RvCpu } from '../cpu';
import { Op } from '../encodings';

export const CANON_S = 0x7fc00000;
const F32 = new Float32Array(1);
const I32 = new Int32Array(F32.buffer);

/** Effective rounding mode, or -1 for an illegal instruction. */
export function rmOf(c: RvCpu, rm: number): number {
  const r = rm === 7 ? c.frm : rm;
  return r > 4 ? -1 : r;
}

/** Bits of the single in f register r (doubled), canonical NaN when not NaN-boxed. */
export function sBits(c: RvCpu, r: number): number {
  return c.fi[r + 1] === -1 ? c.fi[r]! : CANON_S;
}
export const isNaNS = (b: number) => (b & 0x7fffffff) > 0x7f800000;
export const isSNaNS = (b: number) => isNaNS(b) && (b & 0x00400000) === 0;
export function sVal(b: number): number { I32[0] = b; return F32[0]!; }
/** Bits of a value exactly representable in binary32 (NaN -> canonical). */
export function sOf(v: number): number { if (v !== v) return CANON_S; F32[0] = v; return I32[0]!; }
export function setS(c: RvCpu, rd: number, bits: number): void { c.fi[rd] = bits; c.fi[rd + 1] = -1; }

/** FCLASS bit index (ch. 11.9, table 11.5) from sign, exponent-all-ones, exponent-zero, mantissa-zero, quiet bit. */
export function fclass(neg: boolean, expMax: boolean, expZero: boolean, manZero: boolean, quiet: boolean): number {
  if (expMax) return manZero ? (neg ? 0 : 7) : quiet ? 9 : 8;
  if (expZero) return manZero ? (neg ? 3 : 4) : (neg ? 2 : 5);
  return neg ? 1 : 6;
}

/** Result bits of fmin/fmax on two binary32 bit patterns; raises NV for sNaN inputs. */
function minMaxS(c: RvCpu, a: number, b: number, isMin: boolean): number {
  const an = isNaNS(a), bn = isNaNS(b);
  if (isSNaNS(a) || isSNaNS(b)) c.fenv.flags |= FLAG_NV;
  if (an && bn) return CANON_S;
  if (an) return b;
  if (bn) return a;
  const va = sVal(a), vb = sVal(b);
  if (va === vb) return (a < 0) === isMin ? a : b; // equal values differ only as -0/+0
  return (va < vb) === isMin ? a : b;
}

/** Writes the integer result of a comparison. */
function setX(c: RvCpu, rd: number, v: number): void { c.x[rd] = v; c.x[rd + 1] = v >> 31; }

/**
 * Executes an F op (registers doubled; imm carries rm). Returns 0, or 1 for an illegal
 * instruction. FLW/FSW may throw MemFault.
 */
export function execF(c: RvCpu, op: Op, rd: number, rs1: number, rs2: number, rs3: number, imm: number): number {
  const env = c.fenv, x = c.x;
  switch (op) {
    case Op.FLW: { // FLW: no NaN check on transfer (ch. 11.5)
      const lo = x[rs1]!, hi = x[rs1 + 1]!;
      const al = (lo + imm) | 0, ah = (hi + (imm >> 31) + ((al >>> 0) < (lo >>> 0) ? 1 : 0)) | 0;
      setS(c, rd, c.mem.load32(al, ah));
      return 0;
    }
    case Op.FSW: { // FSW: stores the low 32 bits as they are
      const lo = x[rs1]!, hi = x[rs1 + 1]!;
      const al = (lo + imm) | 0, ah = (hi + (imm >> 31) + ((al >>> 0) < (lo >>> 0) ? 1 : 0)) | 0;
      c.mem.store32(al, ah, c.fi[rs2]!);
      return 0;
    }
    case Op.FSGNJ_S: case Op.FSGNJN_S: case Op.FSGNJX_S: { // FSGNJ.S / FSGNJN.S / FSGNJX.S
      const a = sBits(c, rs1), b = sBits(c, rs2);
      const s = op === Op.FSGNJ_S ? b : op === Op.FSGNJN_S ? ~b : a ^ b;
      setS(c, rd, (a & 0x7fffffff) | (s & 0x80000000));
      return 0;
    }
    case Op.FMIN_S: case Op.FMAX_S: // FMIN.S / FMAX.S
      setS(c, rd, minMaxS(c, sBits(c, rs1), sBits(c, rs2), op === Op.FMIN_S));
      return 0;
    case Op.FEQ_S: case Op.FLT_S: case Op.FLE_S: { // FEQ.S quiet; FLT.S / FLE.S signalling
      const a = sBits(c, rs1), b = sBits(c, rs2);
      if (isNaNS(a) || isNaNS(b)) {
        if (op !== Op.FEQ_S || isSNaNS(a) || isSNaNS(b)) env.flags |= FLAG_NV;
        setX(c, rd, 0);
        return 0;
      }
      const va = sVal(a), vb = sVal(b);
      setX(c, rd, (op === Op.FEQ_S ? va === vb : op === Op.FLT_S ? va < vb : va <= vb) ? 1 : 0);
      return 0;
    }
    case Op.FCLASS_S: { // FCLASS.S
      const a = sBits(c, rs1), e = (a >>> 23) & 0xff, m = a & 0x7fffff;
      setX(c, rd, 1 << fclass(a < 0, e === 0xff, e === 0, m === 0, (m & 0x400000) !== 0));
      return 0;
    }
    case Op.FMV_X_W: // FMV.X.W: raw low 32 bits, sign-extended
      setX(c, rd, c.fi[rs1]!);
      return 0;
    case Op.FMV_W_X: // FMV.W.X: NaN-boxes the low 32 bits
      setS(c, rd, x[rs1]!);
      return 0;
    default: break;
  }
  // Everything below has an rm field.
  const rm = rmOf(c, imm) as Rm;
  if (rm < 0) return 1;
  switch (op) {
    case Op.FADD_S: case Op.FSUB_S: case Op.FMUL_S: case Op.FDIV_S: { // FADD.S / FSUB.S / FMUL.S / FDIV.S
      const a = sBits(c, rs1), b = sBits(c, rs2);
      if (isNaNS(a) || isNaNS(b)) {
        if (isSNaNS(a) || isSNaNS(b)) env.flags |= FLAG_NV;
        setS(c, rd, CANON_S);
        return 0;
      }
      const va = sVal(a), vb = sVal(b);
      const r = op === Op.FADD_S ? f32Add(va, vb, rm, env) : op === Op.FSUB_S ? f32Sub(va, vb, rm, env)
        : op === Op.FMUL_S ? f32Mul(va, vb, rm, env) : f32Div(va, vb, rm, env);
      setS(c, rd, sOf(r));
      return 0;
    }
    case Op.FSQRT_S: { // FSQRT.S
      const a = sBits(c, rs1);
      if (isNaNS(a)) { if (isSNaNS(a)) env.flags |= FLAG_NV; setS(c, rd, CANON_S); return 0; }
      setS(c, rd, sOf(f32Sqrt(sVal(a), rm, env)));
      return 0;
    }
    case Op.FMADD_S: case Op.FMSUB_S: case Op.FNMSUB_S: case Op.FNMADD_S: { // FMADD.S / FMSUB.S / FNMSUB.S / FNMADD.S
      const a = sBits(c, rs1), b = sBits(c, rs2), d = sBits(c, rs3);
      if (isNaNS(a) || isNaNS(b) || isNaNS(d)) {
        const va = sVal(a), vb = sVal(b);
        // ch. 11.6: inf x 0 is invalid even when the addend is a quiet NaN.
        const infZero = (Math.abs(va) === Infinity && vb === 0) || (va === 0 && Math.abs(vb) === Infinity);
        if (isSNaNS(a) || isSNaNS(b) || isSNaNS(d) || infZero) env.flags |= FLAG_NV;
        setS(c, rd, CANON_S);
        return 0;
      }
      const negP = op === Op.FNMSUB_S || op === Op.FNMADD_S, negC = op === Op.FMSUB_S || op === Op.FNMADD_S;
      const va = sVal(a), vd = sVal(d);
      setS(c, rd, sOf(f32Fma(negP ? -va : va, sVal(b), negC ? -vd : vd, rm, env)));
      return 0;
    }
    case Op.FCVT_W_S: setX(c, rd, f32ToI32(sVal(sBits(c, rs1)), rm, env) | 0); return 0; // FCVT.W.S
    case Op.FCVT_WU_S: setX(c, rd, f32ToU32(sVal(sBits(c, rs1)), rm, env) | 0); return 0; // FCVT.WU.S (sign-extended)
    case Op.FCVT_L_S: c.xb[rd >> 1] = BigInt.asIntN(64, f32ToI64(sVal(sBits(c, rs1)), rm, env)); return 0; // FCVT.L.S
    case Op.FCVT_LU_S: c.xb[rd >> 1] = BigInt.asIntN(64, f32ToU64(sVal(sBits(c, rs1)), rm, env)); return 0; // FCVT.LU.S
    case Op.FCVT_S_W: setS(c, rd, sOf(i32ToF32(x[rs1]!, rm, env))); return 0; // FCVT.S.W
    case Op.FCVT_S_WU: setS(c, rd, sOf(u32ToF32(x[rs1]! >>> 0, rm, env))); return 0; // FCVT.S.WU
    case Op.FCVT_S_L: setS(c, rd, sOf(i64ToF32(c.xb[rs1 >> 1]!, rm, env))); return 0; // FCVT.S.L
    case Op.FCVT_S_LU: setS(c, rd, sOf(u64ToF32(BigInt.asUintN(64, c.xb[rs1 >> 1]!), rm, env))); return 0; // FCVT.S.LU
    default: return 1;
  }
}

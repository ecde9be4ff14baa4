/**
 * "D" standard extension, double precision (RISC-V Unprivileged ISA 20191213, ch. 12), same
 * NaN policy as rvf.ts: canonical NaN 0x7ff8000000000000 for every NaN result, NV for
 * signalling inputs; FCVT.S.D NaN-boxes its result; FCVT.D.S reads a NaN-boxed single.
 */
import {
  FLAG_NV, f64Add, f64Div, f64Fma, f64Mul, f64Sqrt, f64Sub, f64ToF32, f64ToI32, f64ToI64, f64ToU32,
  f64ToU64, i64ToF64, u64ToF64, type Rm,
} from '../../common/softfloat';
import type { RvCpu } from '../cpu';
import { Op } from '../encodings';
import { CANON_S, fclass, isNaNS, isSNaNS, rmOf, sBits, sOf, setS, sVal } from './rvf';

const CANON_D_HI = 0x7ff80000;

const isNaND = (lo: number, hi: number) => {
  const h = hi & 0x7fffffff;
  return h > 0x7ff00000 || (h === 0x7ff00000 && lo !== 0);
};
const isSNaND = (lo: number, hi: number) => isNaND(lo, hi) && (hi & 0x00080000) === 0;

/** Writes a binary64 result (canonical NaN for any NaN). */
function setD(c: RvCpu, rd: number, v: number): void {
  if (v !== v) { c.fi[rd] = 0; c.fi[rd + 1] = CANON_D_HI; } else c.fd[rd >> 1] = v;
}
function setX(c: RvCpu, rd: number, v: number): void { c.x[rd] = v; c.x[rd + 1] = v >> 31; }

/** Index (doubled register) of the winner of fmin/fmax, or -1 for the canonical NaN; NV for sNaN. */
function minMaxD(c: RvCpu, a: number, b: number, isMin: boolean): number {
  const fi = c.fi;
  const an = isNaND(fi[a]!, fi[a + 1]!), bn = isNaND(fi[b]!, fi[b + 1]!);
  if (isSNaND(fi[a]!, fi[a + 1]!) || isSNaND(fi[b]!, fi[b + 1]!)) c.fenv.flags |= FLAG_NV;
  if (an && bn) return -1;
  if (an) return b;
  if (bn) return a;
  const va = c.fd[a >> 1]!, vb = c.fd[b >> 1]!;
  if (va === vb) return (fi[a + 1]! < 0) === isMin ? a : b;
  return (va < vb) === isMin ? a : b;
}

/** Executes a D op (registers doubled; imm carries rm). Returns 0, or 1 for illegal. */
export function execD(c: RvCpu, op: Op, rd: number, rs1: number, rs2: number, rs3: number, imm: number): number {
  const env = c.fenv, x = c.x, fi = c.fi, fd = c.fd;
  switch (op) {
    case Op.FLD: { // FLD
      const lo = x[rs1]!, hi = x[rs1 + 1]!;
      const al = (lo + imm) | 0, ah = (hi + (imm >> 31) + ((al >>> 0) < (lo >>> 0) ? 1 : 0)) | 0;
      const v = c.mem.load64(al, ah);
      fi[rd] = v; fi[rd + 1] = c.mem.hi;
      return 0;
    }
    case Op.FSD: { // FSD
      const lo = x[rs1]!, hi = x[rs1 + 1]!;
      const al = (lo + imm) | 0, ah = (hi + (imm >> 31) + ((al >>> 0) < (lo >>> 0) ? 1 : 0)) | 0;
      c.mem.store64(al, ah, fi[rs2]!, fi[rs2 + 1]!);
      return 0;
    }
    case Op.FSGNJ_D: case Op.FSGNJN_D: case Op.FSGNJX_D: { // FSGNJ.D / FSGNJN.D / FSGNJX.D
      const ah = fi[rs1 + 1]!, bh = fi[rs2 + 1]!;
      const s = op === Op.FSGNJ_D ? bh : op === Op.FSGNJN_D ? ~bh : ah ^ bh;
      fi[rd] = fi[rs1]!; fi[rd + 1] = (ah & 0x7fffffff) | (s & 0x80000000);
      return 0;
    }
    case Op.FMIN_D: case Op.FMAX_D: { // FMIN.D / FMAX.D
      const w = minMaxD(c, rs1, rs2, op === Op.FMIN_D);
      if (w < 0) { fi[rd] = 0; fi[rd + 1] = CANON_D_HI; } else { const l = fi[w]!, h = fi[w + 1]!; fi[rd] = l; fi[rd + 1] = h; }
      return 0;
    }
    case Op.FEQ_D: case Op.FLT_D: case Op.FLE_D: { // FEQ.D quiet; FLT.D / FLE.D signalling
      const an = isNaND(fi[rs1]!, fi[rs1 + 1]!), bn = isNaND(fi[rs2]!, fi[rs2 + 1]!);
      if (an || bn) {
        if (op !== Op.FEQ_D || isSNaND(fi[rs1]!, fi[rs1 + 1]!) || isSNaND(fi[rs2]!, fi[rs2 + 1]!)) env.flags |= FLAG_NV;
        setX(c, rd, 0);
        return 0;
      }
      const va = fd[rs1 >> 1]!, vb = fd[rs2 >> 1]!;
      setX(c, rd, (op === Op.FEQ_D ? va === vb : op === Op.FLT_D ? va < vb : va <= vb) ? 1 : 0);
      return 0;
    }
    case Op.FCLASS_D: { // FCLASS.D
      const lo = fi[rs1]!, hi = fi[rs1 + 1]!, e = (hi >>> 20) & 0x7ff, mz = (hi & 0xfffff) === 0 && lo === 0;
      setX(c, rd, 1 << fclass(hi < 0, e === 0x7ff, e === 0, mz, (hi & 0x80000) !== 0));
      return 0;
    }
    case Op.FMV_X_D: { const l = fi[rs1]!, h = fi[rs1 + 1]!; x[rd] = l; x[rd + 1] = h; return 0; } // FMV.X.D
    case Op.FMV_D_X: { const l = x[rs1]!, h = x[rs1 + 1]!; fi[rd] = l; fi[rd + 1] = h; return 0; } // FMV.D.X
    default: break;
  }
  const rm = rmOf(c, imm) as Rm;
  if (rm < 0) return 1;
  switch (op) {
    case Op.FADD_D: case Op.FSUB_D: case Op.FMUL_D: case Op.FDIV_D: { // FADD.D / FSUB.D / FMUL.D / FDIV.D
      if (isNaND(fi[rs1]!, fi[rs1 + 1]!) || isNaND(fi[rs2]!, fi[rs2 + 1]!)) {
        if (isSNaND(fi[rs1]!, fi[rs1 + 1]!) || isSNaND(fi[rs2]!, fi[rs2 + 1]!)) env.flags |= FLAG_NV;
        setD(c, rd, NaN);
        return 0;
      }
      const va = fd[rs1 >> 1]!, vb = fd[rs2 >> 1]!;
      setD(c, rd, op === Op.FADD_D ? f64Add(va, vb, rm, env) : op === Op.FSUB_D ? f64Sub(va, vb, rm, env)
        : op === Op.FMUL_D ? f64Mul(va, vb, rm, env) : f64Div(va, vb, rm, env));
      return 0;
    }
    case Op.FSQRT_D: { // FSQRT.D
      if (isNaND(fi[rs1]!, fi[rs1 + 1]!)) {
        if (isSNaND(fi[rs1]!, fi[rs1 + 1]!)) env.flags |= FLAG_NV;
        setD(c, rd, NaN);
        return 0;
      }
      setD(c, rd, f64Sqrt(fd[rs1 >> 1]!, rm, env));
      return 0;
    }
    case Op.FMADD_D: case Op.FMSUB_D: case Op.FNMSUB_D: case Op.FNMADD_D: { // FMADD.D / FMSUB.D / FNMSUB.D / FNMADD.D
      const an = isNaND(fi[rs1]!, fi[rs1 + 1]!), bn = isNaND(fi[rs2]!, fi[rs2 + 1]!), cn = isNaND(fi[rs3]!, fi[rs3 + 1]!);
      const va = fd[rs1 >> 1]!, vb = fd[rs2 >> 1]!, vc = fd[rs3 >> 1]!;
      if (an || bn || cn) {
        const infZero = (Math.abs(va) === Infinity && vb === 0) || (va === 0 && Math.abs(vb) === Infinity);
        if (isSNaND(fi[rs1]!, fi[rs1 + 1]!) || isSNaND(fi[rs2]!, fi[rs2 + 1]!) || isSNaND(fi[rs3]!, fi[rs3 + 1]!) || infZero) env.flags |= FLAG_NV;
        setD(c, rd, NaN);
        return 0;
      }
      const negP = op === Op.FNMSUB_D || op === Op.FNMADD_D, negC = op === Op.FMSUB_D || op === Op.FNMADD_D;
      setD(c, rd, f64Fma(negP ? -va : va, vb, negC ? -vc : vc, rm, env));
      return 0;
    }
    case Op.FCVT_S_D: { // FCVT.S.D
      if (isNaND(fi[rs1]!, fi[rs1 + 1]!)) {
        if (isSNaND(fi[rs1]!, fi[rs1 + 1]!)) env.flags |= FLAG_NV;
        setS(c, rd, CANON_S);
        return 0;
      }
      setS(c, rd, sOf(f64ToF32(fd[rs1 >> 1]!, rm, env)));
      return 0;
    }
    case Op.FCVT_D_S: { // FCVT.D.S: exact
      const a = sBits(c, rs1);
      if (isNaNS(a)) { if (isSNaNS(a)) env.flags |= FLAG_NV; setD(c, rd, NaN); return 0; }
      setD(c, rd, sVal(a));
      return 0;
    }
    case Op.FCVT_W_D: setX(c, rd, f64ToI32(fdOrNaN(c, rs1), rm, env) | 0); return 0; // FCVT.W.D
    case Op.FCVT_WU_D: setX(c, rd, f64ToU32(fdOrNaN(c, rs1), rm, env) | 0); return 0; // FCVT.WU.D (sign-extended)
    case Op.FCVT_L_D: c.xb[rd >> 1] = BigInt.asIntN(64, f64ToI64(fdOrNaN(c, rs1), rm, env)); return 0; // FCVT.L.D
    case Op.FCVT_LU_D: c.xb[rd >> 1] = BigInt.asIntN(64, f64ToU64(fdOrNaN(c, rs1), rm, env)); return 0; // FCVT.LU.D
    case Op.FCVT_D_W: setD(c, rd, x[rs1]!); return 0; // FCVT.D.W: exact
    case Op.FCVT_D_WU: setD(c, rd, x[rs1]! >>> 0); return 0; // FCVT.D.WU: exact
    case Op.FCVT_D_L: setD(c, rd, i64ToF64(c.xb[rs1 >> 1]!, rm, env)); return 0; // FCVT.D.L
    case Op.FCVT_D_LU: setD(c, rd, u64ToF64(BigInt.asUintN(64, c.xb[rs1 >> 1]!), rm, env)); return 0; // FCVT.D.LU
    default: return 1;
  }
}

function fdOrNaN(c: RvCpu, r: number): number {
  return isNaND(c.fi[r]!, c.fi[r + 1]!) ? NaN : c.fd[r >> 1]!;
}

/**
 * "A" standard extension, RV64A (RISC-V Unprivileged ISA 20191213, ch. 8): LR/SC and AMOs.
 * One hart per Memory for now, so every AMO is a plain read-modify-write; the reservation is
 * per hart (ch. 8.2): LR sets it, every SC clears it, SC succeeds (rd = 0) only when it holds a
 * reservation on the same address. AMO.W results are sign-extended (ch. 8.4). Misaligned
 * LR/SC/AMO addresses fault (qemu-user raises a misaligned-address exception -> SIGBUS); the
 * fault is reported on the store side because the StopReason has no 'misaligned' kind.
 * aq/rl bits need nothing on one hart.
 */
import { Access, MemFault, bigOf } from '../../common/memory';
import type { RvCpu } from '../cpu';
import { Op } from '../encodings';

function misaligned(lo: number, hi: number): never {
  throw new MemFault(bigOf(lo, hi), Access.Write);
}

/** Executes an A-extension op; registers doubled; 0 = done. */
export function execA(c: RvCpu, op: Op, rd: number, rs1: number, rs2: number): number {
  const x = c.x, mem = c.mem;
  const lo = x[rs1]!, hi = x[rs1 + 1]!;
  const bl = x[rs2]!, bh = x[rs2 + 1]!;
  if (op <= Op.AMOMAXU_W) {
    if (lo & 3) misaligned(lo, hi);
    switch (op) {
      case Op.LR_W: { // LR.W
        const v = mem.load32(lo, hi);
        c.resValid = true; c.resLo = lo; c.resHi = hi; c.resWide = false;
        x[rd] = v; x[rd + 1] = v >> 31;
        return 0;
      }
      case Op.SC_W: { // SC.W
        const ok = c.resValid && !c.resWide && c.resLo === lo && c.resHi === hi;
        c.resValid = false;
        if (ok) mem.store32(lo, hi, bl);
        x[rd] = ok ? 0 : 1; x[rd + 1] = 0;
        return 0;
      }
      default: {
        const old = mem.load32(lo, hi);
        let v: number;
        switch (op) {
          case Op.AMOSWAP_W: v = bl; break;
          case Op.AMOADD_W: v = (old + bl) | 0; break;
          case Op.AMOXOR_W: v = old ^ bl; break;
          case Op.AMOAND_W: v = old & bl; break;
          case Op.AMOOR_W: v = old | bl; break;
          case Op.AMOMIN_W: v = old < bl ? old : bl; break;
          case Op.AMOMAX_W: v = old > bl ? old : bl; break;
          case Op.AMOMINU_W: v = (old >>> 0) < (bl >>> 0) ? old : bl; break;
          default: v = (old >>> 0) > (bl >>> 0) ? old : bl; break; // AMOMAXU.W
        }
        mem.store32(lo, hi, v);
        x[rd] = old; x[rd + 1] = old >> 31;
        return 0;
      }
    }
  }
  if (lo & 7) misaligned(lo, hi);
  switch (op) {
    case Op.LR_D: { // LR.D
      const v = mem.load64(lo, hi), vh = mem.hi;
      c.resValid = true; c.resLo = lo; c.resHi = hi; c.resWide = true;
      x[rd] = v; x[rd + 1] = vh;
      return 0;
    }
    case Op.SC_D: { // SC.D
      const ok = c.resValid && c.resWide && c.resLo === lo && c.resHi === hi;
      c.resValid = false;
      if (ok) mem.store64(lo, hi, bl, bh);
      x[rd] = ok ? 0 : 1; x[rd + 1] = 0;
      return 0;
    }
    default: {
      const ol = mem.load64(lo, hi), oh = mem.hi;
      let vl: number, vh: number;
      switch (op) {
        case Op.AMOSWAP_D: vl = bl; vh = bh; break;
        case Op.AMOADD_D: vl = (ol + bl) | 0; vh = (oh + bh + ((vl >>> 0) < (ol >>> 0) ? 1 : 0)) | 0; break;
        case Op.AMOXOR_D: vl = ol ^ bl; vh = oh ^ bh; break;
        case Op.AMOAND_D: vl = ol & bl; vh = oh & bh; break;
        case Op.AMOOR_D: vl = ol | bl; vh = oh | bh; break;
        default: {
          const signed = op === Op.AMOMIN_D || op === Op.AMOMAX_D;
          const wantMin = op === Op.AMOMIN_D || op === Op.AMOMINU_D;
          const oH = signed ? oh : oh >>> 0, bH = signed ? bh : bh >>> 0;
          const oldLess = oH < bH || (oh === bh && (ol >>> 0) < (bl >>> 0));
          const pickOld = wantMin ? oldLess : !oldLess;
          vl = pickOld ? ol : bl; vh = pickOld ? oh : bh;
          break;
        }
      }
      mem.store64(lo, hi, vl, vh);
      x[rd] = ol; x[rd + 1] = oh;
      return 0;
    }
  }
}

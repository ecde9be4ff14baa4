/**
 * Decode-time specialisation of the instruction forms that dominate compiled integer code
 * (measured on the fixtures: mov, add, ldr, cmp, b, str, bl, stp, sub, ldp, cbz, b.cond, ret
 * make up ~70% of executed instructions). The decoder gives such a word a {@link Fast} op with
 * its fields pre-extracted into slot ints [1] and [2]; cpu.ts executes them inline. Every other
 * word keeps its encoding-table row and goes through that row's exec/ handler. Register fields
 * are stored as register-file indices (SP = 32, XZR write sink = 33, XZR read = 31).
 */
import { ROW_BY_NAME, type Row } from './encodings';

/** Inline op ids (below FIRST_ROW_OP, where the table rows start). */
export const enum Fast {
  ADDI64 = 3, SUBI64, ADDI32, SUBI32, SUBSI64, SUBSI32, ADDSI64,
  MOVR64, MOVR32, MOVZ64, MOVZ32,
  ADDR64, SUBR64, SUBSR64, ADDR32, SUBSR32, ANDSR64,
  LDRX, LDRW, LDRB, STRX, STRW, STRB,
  LDPX, STPX, LDPX_PRE, STPX_PRE, LDPX_POST, STPX_POST,
  B, BL, BCOND, CBZ64, CBNZ64, CBZ32, CBNZ32, TBZ, TBNZ, RET, BLR, BR, ADRP, ADR,
  LSLI64, LSRI64, LSRI32, LSLI32,
  CSEL64, CSEL32, CSINC64, CSINC32,
  /** Register offset (LSL by 0 or the size, or UXTW/SXTW): slot[2] = size | option << 4 | S << 8. */
  LDRR, STRR,
  /** Unscaled / pre / post-index integer loads and stores: slot[2] = imm9; size and idx in the op. */
  LDUR, STUR, LDPRE, STPRE, LDPOST, STPOST,
  MADD64,
  /** ADD/SUB(S) (extended register), 64-bit, UXTW/SXTW/UXTX/SXTX: slot[2] = option | shift << 4 | sub << 8 | S << 9. */
  ADDEXT64,
}

/** Table rows get op ids from here up; Fast ids stay below it (room for 125 inline forms). */
export const FIRST_ROW_OP = 128;

const rows = (...names: string[]) => names.map((n) => ROW_BY_NAME.get(n)!);
const [ADD, SUB, SUBS, ADDS, ADDSUB_SREG, LOG_SREG, MOVZ, LDST_UIMM, LDST_PAIR, B, BL, BCOND, CBZ, CBNZ, TBZ, TBNZ, RET, BLR, BR, ADRP, ADR, UBFM] =
  rows('add', 'sub', 'subs', 'adds', 'addsub.sreg', 'log.sreg', 'movz', 'ldst.uimm', 'ldst.pair', 'b', 'bl', 'b.cond', 'cbz', 'cbnz', 'tbz', 'tbnz', 'ret', 'blr', 'br', 'adrp', 'adr', 'ubfm');
const [CSEL, LDST_REG, LDST_IMM9, DP3, ADDSUB_EREG] = rows('csel', 'ldst.reg', 'ldst.imm9', 'dp3', 'addsub.ereg');

const spR = (r: number) => (r === 31 ? 32 : r);
const zW = (r: number) => (r === 31 ? 33 : r);

/** Specialises word `w` of `row` into slot `s` of `d`; returns its Fast op or 0 to keep the row. */
export function fastForm(row: Row, w: number, d: Int32Array, s: number): number {
  const rd = w & 31, rn = (w >>> 5) & 31, rm = (w >>> 16) & 31, sf = w >>> 31;
  const imm12 = ((w >>> 10) & 0xfff) << ((w >>> 22) & 1 ? 12 : 0);
  switch (row) {
    case ADD: case SUB: case SUBS: case ADDS: {
      const flags = row === SUBS || row === ADDS;
      d[s + 1] = (flags ? zW(rd) : spR(rd)) | (spR(rn) << 8);
      d[s + 2] = imm12;
      if (row === ADD) return sf ? Fast.ADDI64 : Fast.ADDI32;
      if (row === SUB) return sf ? Fast.SUBI64 : Fast.SUBI32;
      if (row === SUBS) return sf ? Fast.SUBSI64 : Fast.SUBSI32;
      return sf ? Fast.ADDSI64 : 0;
    }
    case LOG_SREG: {
      const opc = (w >>> 29) & 3, n = (w >>> 21) & 1, shift = (w >>> 10) & 63;
      if (opc === 1 && n === 0 && rn === 31 && shift === 0) { d[s + 1] = zW(rd) | (rm << 8); return sf ? Fast.MOVR64 : Fast.MOVR32; }
      if (opc === 3 && n === 0 && shift === 0 && ((w >>> 22) & 3) === 0 && sf) { d[s + 1] = zW(rd) | (rn << 8) | (rm << 16); return Fast.ANDSR64; }
      return 0;
    }
    case MOVZ: d[s + 1] = zW(rd); d[s + 2] = ((w >>> 5) & 0xffff) | (((w >>> 21) & 3) << 16); return sf ? Fast.MOVZ64 : ((w >>> 22) & 1 ? 0 : Fast.MOVZ32);
    case ADDSUB_SREG: {
      const op = (w >>> 29) & 3, type = (w >>> 22) & 3, amt = (w >>> 10) & 63;
      if (type !== 0) return 0;
      d[s + 1] = zW(rd) | (rn << 8) | (rm << 16);
      d[s + 2] = amt;
      if (sf) return op === 0 ? Fast.ADDR64 : op === 2 ? Fast.SUBR64 : op === 3 ? Fast.SUBSR64 : 0;
      if (amt >= 32) return 0;
      return op === 0 ? Fast.ADDR32 : op === 3 ? Fast.SUBSR32 : 0;
    }
    case LDST_UIMM: {
      const size = w >>> 30, opc = (w >>> 22) & 3;
      if (opc > 1 || size === 1) return 0;
      d[s + 1] = (opc === 1 ? zW(rd) : rd) | (spR(rn) << 8);
      d[s + 2] = ((w >>> 10) & 0xfff) << size;
      if (opc === 1) return size === 3 ? Fast.LDRX : size === 2 ? Fast.LDRW : Fast.LDRB;
      return size === 3 ? Fast.STRX : size === 2 ? Fast.STRW : Fast.STRB;
    }
    case LDST_PAIR: {
      const opc = w >>> 30, idx = (w >>> 23) & 3, L = (w >>> 22) & 1, rt2 = (w >>> 10) & 31;
      if (opc !== 2 || idx === 0) return 0;
      d[s + 1] = (L ? zW(rd) : rd) | ((L ? zW(rt2) : rt2) << 8) | (spR(rn) << 16);
      d[s + 2] = ((w << 10) >> 25) * 8;
      if (idx === 2) return L ? Fast.LDPX : Fast.STPX;
      if (idx === 3) return L ? Fast.LDPX_PRE : Fast.STPX_PRE;
      return L ? Fast.LDPX_POST : Fast.STPX_POST;
    }
    case B: case BL: d[s + 2] = (w << 6) >> 4; return row === B ? Fast.B : Fast.BL;
    case BCOND: d[s + 1] = w & 15; d[s + 2] = ((w << 8) >> 13) << 2; return Fast.BCOND;
    case CBZ: case CBNZ:
      d[s + 1] = rd; d[s + 2] = ((w << 8) >> 13) << 2;
      return row === CBZ ? (sf ? Fast.CBZ64 : Fast.CBZ32) : (sf ? Fast.CBNZ64 : Fast.CBNZ32);
    case TBZ: case TBNZ: {
      const bit = ((w >>> 26) & 32) | ((w >>> 19) & 31);
      d[s + 1] = rd | (bit << 8); d[s + 2] = ((w << 13) >> 18) << 2;
      return row === TBZ ? Fast.TBZ : Fast.TBNZ;
    }
    case RET: case BLR: case BR: d[s + 1] = rn; return row === RET ? Fast.RET : row === BLR ? Fast.BLR : Fast.BR;
    case ADRP: d[s + 1] = zW(rd); d[s + 2] = (((w << 8) >> 13) << 2) | ((w >>> 29) & 3); return Fast.ADRP;
    case ADR: d[s + 1] = zW(rd); d[s + 2] = (((w << 8) >> 13) << 2) | ((w >>> 29) & 3); return Fast.ADR;
    case UBFM: {
      const immr = (w >>> 16) & 63, imms = (w >>> 10) & 63, N = (w >>> 22) & 1;
      if (sf !== N) return 0;
      d[s + 1] = zW(rd) | (rn << 8);
      if (sf) {
        if (imms === 63) { d[s + 2] = immr; return Fast.LSRI64; }
        if (imms + 1 === immr) { d[s + 2] = 63 - imms; return Fast.LSLI64; }
      } else if (immr < 32 && imms < 32) {
        if (imms === 31) { d[s + 2] = immr; return Fast.LSRI32; }
        if (imms + 1 === immr) { d[s + 2] = 31 - imms; return Fast.LSLI32; }
      }
      return 0;
    }
    case CSEL: {
      if ((w >>> 30) & 1) return 0;
      d[s + 1] = zW(rd) | (rn << 8) | (rm << 16); d[s + 2] = (w >>> 12) & 15;
      const inc = (w >>> 10) & 1;
      return sf ? (inc ? Fast.CSINC64 : Fast.CSEL64) : (inc ? Fast.CSINC32 : Fast.CSEL32);
    }
    case LDST_REG: {
      const size = w >>> 30, opc = (w >>> 22) & 3, option = (w >>> 13) & 7, S = (w >>> 12) & 1;
      if (opc > 1 || size === 1 || !(option === 2 || option === 3 || option === 6)) return 0;
      d[s + 1] = (opc === 1 ? zW(rd) : rd) | (spR(rn) << 8) | (rm << 16);
      d[s + 2] = size | (option << 4) | (S << 8);
      return opc === 1 ? Fast.LDRR : Fast.STRR;
    }
    case LDST_IMM9: {
      const size = w >>> 30, opc = (w >>> 22) & 3, idx = (w >>> 10) & 3;
      if (opc > 1 || size === 1 || idx === 2) return 0;
      d[s + 1] = (opc === 1 ? zW(rd) : rd) | (spR(rn) << 8) | (size << 16);
      d[s + 2] = (w << 11) >> 23;
      if (idx === 0) return opc ? Fast.LDUR : Fast.STUR;
      if (idx === 3) return opc ? Fast.LDPRE : Fast.STPRE;
      return opc ? Fast.LDPOST : Fast.STPOST;
    }
    case ADDSUB_EREG: {
      const option = (w >>> 13) & 7, sh = (w >>> 10) & 7, S = (w >>> 29) & 1;
      if (!sf || (option & 3) < 2 || sh > 4) return 0;
      d[s + 1] = (S ? zW(rd) : spR(rd)) | (spR(rn) << 8) | (rm << 16);
      d[s + 2] = option | (sh << 4) | (((w >>> 30) & 1) << 8) | (S << 9);
      return Fast.ADDEXT64;
    }
    case DP3: {
      if (!sf || ((w >>> 21) & 7) !== 0 || ((w >>> 15) & 1) !== 0) return 0;
      d[s + 1] = zW(rd) | (rn << 8) | (rm << 16) | (((w >>> 10) & 31) << 24);
      return Fast.MADD64;
    }
    default: return 0;
  }
}

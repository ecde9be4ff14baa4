/**
 * "Zicsr" (RISC-V Unprivileged ISA 20191213, ch. 9) with the CSRs a user-mode program can reach:
 * fflags/frm/fcsr (ch. 11.2) and the read-only counters cycle/time/instret (ch. 10.1). Every
 * other CSR, and any write to a read-only one, is an illegal instruction. CSRRS/CSRRC with
 * rs1 = x0 and CSRRSI/CSRRCI with zimm = 0 do not write (ch. 9.1), so they may read counters.
 */
import type { RvCpu } from '../cpu';
import { Op } from '../encodings';
import { SINK } from '../decode';

export const CSR_FFLAGS = 0x001, CSR_FRM = 0x002, CSR_FCSR = 0x003;
export const CSR_CYCLE = 0xc00, CSR_TIME = 0xc01, CSR_INSTRET = 0xc02;

/** Reads a CSR as a bigint; null when it does not exist at user level. */
export function readCsr(c: RvCpu, csr: number, retired: number): bigint | null {
  switch (csr) {
    case CSR_FFLAGS: return BigInt(c.fenv.flags & 31);
    case CSR_FRM: return BigInt(c.frm);
    case CSR_FCSR: return BigInt((c.frm << 5) | (c.fenv.flags & 31));
    case CSR_CYCLE: case CSR_INSTRET: return BigInt(retired);
    case CSR_TIME: return BigInt.asIntN(64, c.clock());
    default: return null;
  }
}

/** Writes a writable CSR; false when it is read-only or absent. */
export function writeCsr(c: RvCpu, csr: number, v: number): boolean {
  switch (csr) {
    case CSR_FFLAGS: c.fenv.flags = v & 31; return true;
    case CSR_FRM: c.frm = v & 7; return true;
    case CSR_FCSR: c.fenv.flags = v & 31; c.frm = (v >>> 5) & 7; return true;
    default: return false;
  }
}

/**
 * CSRRW / CSRRS / CSRRC / CSRRWI / CSRRSI / CSRRCI. `retired` is the instret value the
 * instruction observes (instructions retired before it). Returns 0, or 1 for illegal.
 */
export function execCsr(c: RvCpu, op: Op, rd: number, rs1: number, csr: number, retired: number): number {
  const imm = op >= Op.CSRRWI;
  const src = imm ? BigInt(rs1 >> 1) : c.xb[rs1 >> 1]!;
  const kind = imm ? op - Op.CSRRWI : op - Op.CSRRW; // 0 write, 1 set, 2 clear
  const writes = kind === 0 || rs1 !== 0;
  const old = readCsr(c, csr, retired);
  if (old === null) return 1;
  if (writes) {
    const nv = kind === 0 ? src : kind === 1 ? old | src : old & ~src;
    if (!writeCsr(c, csr, Number(BigInt.asUintN(32, nv)))) return 1;
  }
  if (rd !== SINK * 2) c.xb[rd >> 1] = old;
  return 0;
}

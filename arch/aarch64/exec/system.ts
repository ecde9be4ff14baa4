/**
 * Exception generation and system instructions at EL0 (Arm ARM C4.1.3, C5 "System"): SVC, BRK,
 * hints, CLREX, DMB/DSB/ISB, SYS (DC ZVA, IC IVAU, DC cache maintenance), MRS/MSR of the
 * registers Linux lets EL0 touch (D13 "AArch64 System Register Descriptions"): NZCV, FPCR, FPSR,
 * TPIDR_EL0, TPIDRRO_EL0, CTR_EL0, DCZID_EL0, CNTFRQ_EL0, CNTVCT_EL0. Anything else is UNDEFINED
 * at EL0 (SIGILL).
 */
import { A64State, Handler, Prepare, Ret, TPIDR } from '../state';

/**
 * The CPU we model is a v8.0 Cortex-A57 (HWCAP FP|ASIMD only), the reference qemu runs as
 * `-cpu cortex-a57`: CTR_EL0 0x8444c004 (64-byte D/I lines, PIPT I-cache) ...
 */
export const CTR_EL0 = 0x8444c004;
/** ... and DCZID_EL0 4: DC ZVA zeroes 4 << 4 = 64 bytes. */
export const DCZID_BS = 4;
export const DCZ_BYTES = 4 << DCZID_BS;
/** CNTFRQ_EL0: the generic timer frequency Linux programs on qemu virt (62.5 MHz). */
export const CNTFRQ = 62_500_000;

/** sysreg key: op0:op1:CRn:CRm:op2 with op0 in {2,3}. */
export function sysreg(op0: number, op1: number, crn: number, crm: number, op2: number): number {
  return ((op0 & 1) << 14) | (op1 << 11) | (crn << 7) | (crm << 3) | op2;
}
const NZCV = sysreg(3, 3, 4, 2, 0), FPCR = sysreg(3, 3, 4, 4, 0), FPSR = sysreg(3, 3, 4, 4, 1);
const TPIDR_EL0 = sysreg(3, 3, 13, 0, 2), TPIDRRO_EL0 = sysreg(3, 3, 13, 0, 3);
const CTR = sysreg(3, 3, 0, 0, 1), DCZID = sysreg(3, 3, 0, 0, 7);
const CNTFRQ_EL0 = sysreg(3, 3, 14, 0, 0), CNTVCT_EL0 = sysreg(3, 3, 14, 0, 2);

/** Where CNTVCT_EL0 comes from (the kernel may make it deterministic). */
export const clock = { ticks: (): bigint => (process.hrtime.bigint() * BigInt(CNTFRQ)) / 1_000_000_000n };

const svc: Handler = () => Ret.SVC;
const brk: Handler = () => Ret.BRK;
const hint: Handler = () => Ret.NEXT;
const clrex: Handler = (st) => { st.exAddr = -1; return Ret.NEXT; };
const barrier: Handler = () => Ret.NEXT;
const isb: Handler = () => Ret.FLUSH;

function setX(st: A64State, rt: number, v: bigint): void {
  if (rt !== 31) st.X[rt] = BigInt.asIntN(64, v);
}

/** MRS. */
const mrs: Handler = (st, w) => {
  const rt = w & 31;
  switch ((w >>> 5) & 0x7fff) {
    case NZCV: setX(st, rt, BigInt(st.nzcv)); break;
    case FPCR: setX(st, rt, BigInt(st.fpcr >>> 0)); break;
    case FPSR: setX(st, rt, BigInt(st.fpsr)); break;
    case TPIDR_EL0: setX(st, rt, st.X[TPIDR]!); break;
    case TPIDRRO_EL0: setX(st, rt, 0n); break;
    case CTR: setX(st, rt, BigInt(CTR_EL0)); break;
    case DCZID: setX(st, rt, BigInt(DCZID_BS)); break;
    case CNTFRQ_EL0: setX(st, rt, BigInt(CNTFRQ)); break;
    case CNTVCT_EL0: setX(st, rt, clock.ticks()); break;
    default: return Ret.ILLEGAL;
  }
  return Ret.NEXT;
};

/** FPCR bits that read back as written, as qemu-aarch64 keeps them: AHP DN FZ RMode Stride FZ16 Len. */
/** FPCR bits a v8.0 core keeps: AHP, DN, FZ, RMode, Stride, Len (no FZ16 without FEAT_FP16). */
export const FPCR_MASK = 0x07f70000;

/** MSR (register). */
const msr: Handler = (st, w) => {
  const rt = w & 31;
  const lo = rt === 31 ? 0 : st.R[rt * 2]!;
  switch ((w >>> 5) & 0x7fff) {
    case NZCV: st.nzcv = lo; break;
    case FPCR: st.fpcr = lo & FPCR_MASK; break;
    case FPSR: st.fpsr = lo; break;
    case TPIDR_EL0: st.X[TPIDR] = rt === 31 ? 0n : st.X[rt]!; break;
    default: return Ret.ILLEGAL;
  }
  return Ret.NEXT;
};

/** SYS: DC ZVA, IC IVAU, DC CVAU/CVAC/CIVAC/CVAP/CVADP (C5.3). */
const sys: Handler = (st, w) => {
  const op1 = (w >>> 16) & 7, crn = (w >>> 12) & 15, crm = (w >>> 8) & 15, op2 = (w >>> 5) & 7, rt = w & 31;
  if (op1 !== 3 || crn !== 7) return Ret.ILLEGAL;
  if (crm === 4 && op2 === 1) {
    // DC ZVA: zero the aligned block; probe the block's page for writing first.
    const lo = (rt === 31 ? 0 : st.R[rt * 2]!) & ~(DCZ_BYTES - 1), hi = rt === 31 ? 0 : st.R[rt * 2 + 1]!;
    for (let i = 0; i < DCZ_BYTES; i += 8) st.mem.store64((lo + i) | 0, hi, 0, 0);
    return Ret.NEXT;
  }
  if (crm === 5 && op2 === 1) return Ret.FLUSH; // IC IVAU
  if (op2 === 1 && (crm === 10 || crm === 11 || crm === 12 || crm === 13 || crm === 14)) return Ret.NEXT;
  return Ret.ILLEGAL;
};

export const handlers: Record<string, Handler> = { svc, brk, hint, clrex, barrier, isb, mrs, msr, sys };
export const prepare: Record<string, Prepare> = {};

/**
 * Branches (Arm ARM C4.1.3; semantics C6.2): B, BL, B.cond, CBZ/CBNZ, TBZ/TBNZ, BR, BLR, RET.
 * Handlers run with pcLo/pcHi at the branch; a taken branch leaves the target there and
 * returns Ret.JUMP.
 */
import { A64State, Handler, Prepare, Ret } from '../state';

/** pc += off (a signed byte offset, |off| < 2^28). */
function jump(st: A64State, off: number): number {
  const sum = (st.pcLo >>> 0) + off;
  st.pcLo = sum | 0;
  st.pcHi = (st.pcHi + Math.floor(sum / 4294967296)) | 0;
  return Ret.JUMP;
}

/** Writes pc + 4 to X30. */
function link(st: A64State): void {
  const sum = (st.pcLo >>> 0) + 4;
  st.R[60] = sum | 0;
  st.R[61] = (st.pcHi + (sum > 0xffffffff ? 1 : 0)) | 0;
}

/** B, BL. */
const b: Handler = (st, w) => {
  if (w >>> 31) link(st);
  return jump(st, (w << 6) >> 4);
};

/** B.cond. */
const bcond: Handler = (st, w) => (st.cond(w & 15) ? jump(st, (w << 8) >> 13 << 2) : Ret.NEXT);

/** CBZ, CBNZ. */
const cbz: Handler = (st, w) => {
  const rt = w & 31;
  const v = w >>> 31 ? st.R[rt * 2]! | st.R[rt * 2 + 1]! : st.R[rt * 2]!;
  const nz = (w >>> 24) & 1;
  return (v === 0) !== (nz === 1) ? jump(st, (w << 8) >> 13 << 2) : Ret.NEXT;
};

/** TBZ, TBNZ. */
const tbz: Handler = (st, w) => {
  const rt = w & 31, bit = ((w >>> 26) & 32) | ((w >>> 19) & 31);
  const v = (st.R[rt * 2 + (bit >>> 5)]! >>> (bit & 31)) & 1;
  return v === ((w >>> 24) & 1) ? jump(st, (w << 13) >> 18 << 2) : Ret.NEXT;
};

/** BR, BLR, RET. */
const br: Handler = (st, w) => {
  const rn = (w >>> 5) & 31;
  const lo = st.R[rn * 2]!, hi = st.R[rn * 2 + 1]!;
  if (((w >>> 21) & 3) === 1) link(st);
  st.pcLo = lo; st.pcHi = hi;
  return Ret.JUMP;
};

export const handlers: Record<string, Handler> = { b, bcond, cbz, tbz, br };
export const prepare: Record<string, Prepare> = {};

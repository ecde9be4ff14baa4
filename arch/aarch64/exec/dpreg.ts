/**
 * Data processing -- register (Arm ARM C4.1.5; semantics C6.2): logical and add/sub with shifted
 * or extended register, ADC/SBC(S), CCMP/CCMN, CSEL/CSINC/CSINV/CSNEG, MADD/MSUB/SMADDL/SMSUBL/
 * UMADDL/UMSUBL/SMULH/UMULH, UDIV/SDIV/LSLV/LSRV/ASRV/RORV, RBIT/REV16/REV32/REV/CLZ/CLS.
 */
import { A64State, adc32, adc64, big64, Handler, mul64, Prepare, Ret, shift32, shift64, smulh64, sp, umulh64, wz } from '../state';

const prepLogSreg: Prepare = (w) => (w >>> 31) === 1 || ((w >>> 15) & 1) === 0;
const prepAddsubSreg: Prepare = (w) => ((w >>> 22) & 3) !== 3 && ((w >>> 31) === 1 || ((w >>> 15) & 1) === 0);
const prepAddsubEreg: Prepare = (w) => ((w >>> 10) & 7) <= 4;
const prepCsel: Prepare = () => true;
const prepDp3: Prepare = (w) => {
  const k = ((w >>> 21) & 7) << 1 | ((w >>> 15) & 1);
  const sf = w >>> 31;
  if (k === 0 || k === 1) return true;
  return sf === 1 && (k === 2 || k === 3 || k === 4 || k === 10 || k === 11 || k === 12);
};
const prepDp2: Prepare = (w) => { const o = (w >>> 10) & 63; return o === 2 || o === 3 || (o >= 8 && o <= 11); };
const prepDp1: Prepare = (w) => { const o = (w >>> 10) & 63; return o <= 5 && (o !== 3 || (w >>> 31) === 1); };

export const prepare: Record<string, Prepare> = {
  logSreg: prepLogSreg, addsubSreg: prepAddsubSreg, addsubEreg: prepAddsubEreg, csel: prepCsel, dp3: prepDp3, dp2: prepDp2, dp1: prepDp1,
};

/** AND, BIC, ORR, ORN, EOR, EON, ANDS, BICS (shifted register). */
const logSreg: Handler = (st, w) => {
  const R = st.R;
  const sf = w >>> 31, opc = (w >>> 29) & 3, type = (w >>> 22) & 3, amt = (w >>> 10) & 63;
  const rm = (w >>> 16) & 31, rn = (w >>> 5) & 31, rd = wz(w & 31);
  let blo: number, bhi: number;
  if (sf) { blo = shift64(st, R[rm * 2]!, R[rm * 2 + 1]!, type, amt); bhi = st.th; }
  else { blo = shift32(R[rm * 2]!, type, amt); bhi = 0; }
  if (w & (1 << 21)) { blo = ~blo; bhi = ~bhi; }
  let lo = R[rn * 2]!, hi = R[rn * 2 + 1]!;
  switch (opc) {
    case 0: case 3: lo &= blo; hi &= bhi; break;
    case 1: lo |= blo; hi |= bhi; break;
    default: lo ^= blo; hi ^= bhi; break;
  }
  if (!sf) hi = 0;
  if (opc === 3) { st.n = (sf ? hi : lo) >>> 31; st.z = (lo | hi) === 0 ? 1 : 0; st.c = 0; st.v = 0; }
  R[rd * 2] = lo; R[rd * 2 + 1] = hi;
  return Ret.NEXT;
};

/** ADD, ADDS, SUB, SUBS (shifted register). */
const addsubSreg: Handler = (st, w) => {
  const R = st.R;
  const sf = w >>> 31, sub = (w >>> 30) & 1, S = ((w >>> 29) & 1) === 1, type = (w >>> 22) & 3, amt = (w >>> 10) & 63;
  const rm = (w >>> 16) & 31, rn = (w >>> 5) & 31, rd = wz(w & 31);
  if (sf) {
    let blo = shift64(st, R[rm * 2]!, R[rm * 2 + 1]!, type, amt), bhi = st.th;
    if (sub) { blo = ~blo; bhi = ~bhi; }
    const lo = adc64(st, R[rn * 2]!, R[rn * 2 + 1]!, blo, bhi, sub, S);
    R[rd * 2] = lo; R[rd * 2 + 1] = st.th;
  } else {
    let b = shift32(R[rm * 2]!, type, amt);
    if (sub) b = ~b;
    R[rd * 2] = adc32(st, R[rn * 2]!, b, sub, S); R[rd * 2 + 1] = 0;
  }
  return Ret.NEXT;
};

/** ExtendReg (J1): register rm extended by option and shifted left by sh (0..4); hi in st.th. */
function extendReg(st: A64State, rm: number, option: number, sh: number): number {
  const R = st.R;
  let lo = R[rm * 2]!, hi: number;
  switch (option) {
    case 0: lo &= 0xff; hi = 0; break;
    case 1: lo &= 0xffff; hi = 0; break;
    case 2: hi = 0; break;
    case 3: hi = R[rm * 2 + 1]!; break;
    case 4: lo = (lo << 24) >> 24; hi = lo >> 31; break;
    case 5: lo = (lo << 16) >> 16; hi = lo >> 31; break;
    case 6: hi = lo >> 31; break;
    default: hi = R[rm * 2 + 1]!; break;
  }
  return shift64(st, lo, hi, 0, sh);
}

/** ADD, ADDS, SUB, SUBS (extended register). */
const addsubEreg: Handler = (st, w) => {
  const R = st.R;
  const sf = w >>> 31, sub = (w >>> 30) & 1, S = ((w >>> 29) & 1) === 1;
  const rm = (w >>> 16) & 31, rn = sp((w >>> 5) & 31), rd = S ? wz(w & 31) : sp(w & 31);
  let blo = extendReg(st, rm, (w >>> 13) & 7, (w >>> 10) & 7), bhi = st.th;
  if (sub) { blo = ~blo; bhi = ~bhi; }
  if (sf) {
    const lo = adc64(st, R[rn * 2]!, R[rn * 2 + 1]!, blo, bhi, sub, S);
    R[rd * 2] = lo; R[rd * 2 + 1] = st.th;
  } else {
    R[rd * 2] = adc32(st, R[rn * 2]!, blo, sub, S); R[rd * 2 + 1] = 0;
  }
  return Ret.NEXT;
};

/** ADC, ADCS, SBC, SBCS. */
const adc: Handler = (st, w) => {
  const R = st.R;
  const sf = w >>> 31, sub = (w >>> 30) & 1, S = ((w >>> 29) & 1) === 1;
  const rm = (w >>> 16) & 31, rn = (w >>> 5) & 31, rd = wz(w & 31);
  let blo = R[rm * 2]!, bhi = R[rm * 2 + 1]!;
  if (sub) { blo = ~blo; bhi = ~bhi; }
  if (sf) {
    const lo = adc64(st, R[rn * 2]!, R[rn * 2 + 1]!, blo, bhi, st.c, S);
    R[rd * 2] = lo; R[rd * 2 + 1] = st.th;
  } else {
    R[rd * 2] = adc32(st, R[rn * 2]!, blo, st.c, S); R[rd * 2 + 1] = 0;
  }
  return Ret.NEXT;
};

/** CCMN, CCMP (register and immediate). */
const ccmp: Handler = (st, w) => {
  const R = st.R;
  if (st.cond((w >>> 12) & 15)) {
    const sf = w >>> 31, sub = (w >>> 30) & 1, rn = (w >>> 5) & 31;
    let blo: number, bhi: number;
    if (w & (1 << 11)) { blo = (w >>> 16) & 31; bhi = 0; } else { const rm = (w >>> 16) & 31; blo = R[rm * 2]!; bhi = R[rm * 2 + 1]!; }
    if (sub) { blo = ~blo; bhi = ~bhi; }
    if (sf) adc64(st, R[rn * 2]!, R[rn * 2 + 1]!, blo, bhi, sub, true);
    else adc32(st, R[rn * 2]!, blo, sub, true);
  } else {
    st.n = (w >>> 3) & 1; st.z = (w >>> 2) & 1; st.c = (w >>> 1) & 1; st.v = w & 1;
  }
  return Ret.NEXT;
};

/** CSEL, CSINC, CSINV, CSNEG. */
const csel: Handler = (st, w) => {
  const R = st.R;
  const sf = w >>> 31, rm = (w >>> 16) & 31, rn = (w >>> 5) & 31, rd = wz(w & 31);
  let lo: number, hi: number;
  if (st.cond((w >>> 12) & 15)) { lo = R[rn * 2]!; hi = R[rn * 2 + 1]!; }
  else {
    lo = R[rm * 2]!; hi = R[rm * 2 + 1]!;
    const inv = (w >>> 30) & 1, inc = (w >>> 10) & 1;
    if (inv) { lo = ~lo; hi = ~hi; }
    if (inc) { lo = (lo + 1) | 0; if (lo === 0) hi = (hi + 1) | 0; }
  }
  R[rd * 2] = lo; R[rd * 2 + 1] = sf ? hi : 0;
  return Ret.NEXT;
};

/** MADD, MSUB, SMADDL, SMSUBL, SMULH, UMADDL, UMSUBL, UMULH. */
const dp3: Handler = (st, w) => {
  const R = st.R;
  const sf = w >>> 31, k = ((w >>> 21) & 7) << 1 | ((w >>> 15) & 1);
  const rm = (w >>> 16) & 31, ra = (w >>> 10) & 31, rn = (w >>> 5) & 31, rd = wz(w & 31);
  if (k === 4 || k === 12) {
    // SMULH / UMULH
    const lo = (k === 4 ? smulh64 : umulh64)(st, R[rn * 2]!, R[rn * 2 + 1]!, R[rm * 2]!, R[rm * 2 + 1]!);
    R[rd * 2] = lo; R[rd * 2 + 1] = st.th;
    return Ret.NEXT;
  }
  let alo: number, ahi: number, blo: number, bhi: number;
  if (k <= 1) { alo = R[rn * 2]!; ahi = R[rn * 2 + 1]!; blo = R[rm * 2]!; bhi = R[rm * 2 + 1]!; }
  else if (k <= 3) { alo = R[rn * 2]!; ahi = alo >> 31; blo = R[rm * 2]!; bhi = blo >> 31; }
  else { alo = R[rn * 2]!; ahi = 0; blo = R[rm * 2]!; bhi = 0; }
  let plo = mul64(st, alo, ahi, blo, bhi), phi = st.th;
  if (!sf) {
    const acc = R[ra * 2]!;
    R[rd * 2] = (k & 1) ? (acc - plo) | 0 : (acc + plo) | 0; R[rd * 2 + 1] = 0;
    return Ret.NEXT;
  }
  const sub = k & 1;
  if (sub) { plo = ~plo; phi = ~phi; }
  const lo = adc64(st, R[ra * 2]!, R[ra * 2 + 1]!, plo, phi, sub, false);
  R[rd * 2] = lo; R[rd * 2 + 1] = st.th;
  return Ret.NEXT;
};

/** UDIV, SDIV, LSLV, LSRV, ASRV, RORV. */
const dp2: Handler = (st, w) => {
  const R = st.R;
  const sf = w >>> 31, op = (w >>> 10) & 63;
  const rm = (w >>> 16) & 31, rn = (w >>> 5) & 31, rd = wz(w & 31);
  if (op >= 8) {
    if (sf) { const lo = shift64(st, R[rn * 2]!, R[rn * 2 + 1]!, op - 8, R[rm * 2]! & 63); R[rd * 2] = lo; R[rd * 2 + 1] = st.th; }
    else { R[rd * 2] = shift32(R[rn * 2]!, op - 8, R[rm * 2]! & 31); R[rd * 2 + 1] = 0; }
    return Ret.NEXT;
  }
  const signed = op === 3;
  if (!sf) {
    const a = R[rn * 2]!, b = R[rm * 2]!;
    let q: number;
    if (b === 0) q = 0;
    else if (signed) q = a === -2147483648 && b === -1 ? a : (a / b) | 0;
    else q = ((a >>> 0) / (b >>> 0)) >>> 0;
    R[rd * 2] = q | 0; R[rd * 2 + 1] = 0;
    return Ret.NEXT;
  }
  const alo = R[rn * 2]!, ahi = R[rn * 2 + 1]!, blo = R[rm * 2]!, bhi = R[rm * 2 + 1]!;
  if (!signed && ahi === 0 && bhi === 0 && blo !== 0) {
    R[rd * 2] = Math.floor((alo >>> 0) / (blo >>> 0)) | 0; R[rd * 2 + 1] = 0;
    return Ret.NEXT;
  }
  if ((blo | bhi) === 0) { R[rd * 2] = 0; R[rd * 2 + 1] = 0; return Ret.NEXT; }
  let q: bigint;
  if (signed) {
    const a = BigInt.asIntN(64, big64(alo, ahi)), b = BigInt.asIntN(64, big64(blo, bhi));
    q = BigInt.asUintN(64, a / b); // INT64_MIN / -1 wraps to INT64_MIN
  } else q = big64(alo, ahi) / big64(blo, bhi);
  R[rd * 2] = Number(q & 0xffffffffn) | 0; R[rd * 2 + 1] = Number(q >> 32n) | 0;
  return Ret.NEXT;
};

function rbit32(x: number): number {
  x = ((x >>> 1) & 0x55555555) | ((x & 0x55555555) << 1);
  x = ((x >>> 2) & 0x33333333) | ((x & 0x33333333) << 2);
  x = ((x >>> 4) & 0x0f0f0f0f) | ((x & 0x0f0f0f0f) << 4);
  x = ((x >>> 8) & 0x00ff00ff) | ((x & 0x00ff00ff) << 8);
  return ((x >>> 16) | (x << 16)) | 0;
}

function rev32(x: number): number {
  return ((x >>> 24) | ((x >>> 8) & 0xff00) | ((x & 0xff00) << 8) | (x << 24)) | 0;
}

function rev16x2(x: number): number {
  return (((x >>> 8) & 0x00ff00ff) | ((x & 0x00ff00ff) << 8)) | 0;
}

function cls32(x: number): number {
  return Math.clz32((x ^ (x >> 31)) << 1 | 1) ;
}

/** RBIT, REV16, REV32, REV, CLZ, CLS. */
const dp1: Handler = (st, w) => {
  const R = st.R;
  const sf = w >>> 31, op = (w >>> 10) & 63, rn = (w >>> 5) & 31, rd = wz(w & 31);
  const lo = R[rn * 2]!, hi = R[rn * 2 + 1]!;
  let rlo: number, rhi = 0;
  if (!sf) {
    switch (op) {
      case 0: rlo = rbit32(lo); break;
      case 1: rlo = rev16x2(lo); break;
      case 2: rlo = rev32(lo); break;
      case 4: rlo = Math.clz32(lo); break;
      default: rlo = cls32(lo); break;
    }
  } else {
    switch (op) {
      case 0: rlo = rbit32(hi); rhi = rbit32(lo); break;
      case 1: rlo = rev16x2(lo); rhi = rev16x2(hi); break;
      case 2: rlo = rev32(lo); rhi = rev32(hi); break;
      case 3: rlo = rev32(hi); rhi = rev32(lo); break;
      case 4: rlo = hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(lo); break;
      default: {
        const s = hi >> 31;
        const xh = hi ^ s, xl = lo ^ s;
        rlo = (xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(xl)) - 1;
        break;
      }
    }
  }
  R[rd * 2] = rlo; R[rd * 2 + 1] = rhi;
  return Ret.NEXT;
};

export const handlers: Record<string, Handler> = { logSreg, addsubSreg, addsubEreg, adc, ccmp, csel, dp3, dp2, dp1 };

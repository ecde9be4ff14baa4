/**
 * Data processing -- immediate (Arm ARM C4.1.2; semantics C6.2): ADR/ADRP, ADD/SUB(S) immediate,
 * logical immediate (DecodeBitMasks, J1 shared/functions), MOVN/MOVZ/MOVK, SBFM/BFM/UBFM, EXTR.
 */
import { adc32, adc64, Handler, ones64, Prepare, Ret, shift64, sp, wz } from '../state';

/**
 * DecodeBitMasks(immN, imms, immr, immediate) for the logical immediates: the wmask as halves
 * (hi in out[1]), or null for a reserved encoding.
 */
export function decodeBitMasks(n: number, imms: number, immr: number, is64: boolean): [number, number] | null {
  const combined = (n << 6) | (~imms & 63);
  if (combined === 0) return null;
  const len = 31 - Math.clz32(combined);
  if (len < 1) return null;
  if (!is64 && len > 5) return null;
  const levels = (1 << len) - 1;
  if ((imms & levels) === levels) return null;
  const S = imms & levels, R = immr & levels, esize = 1 << len;
  // welem = ones(S+1) rotated right by R within esize bits, replicated to 64 bits.
  let elo: number, ehi: number;
  if (esize === 64) {
    let lo = S + 1 >= 32 ? -1 : (1 << (S + 1)) - 1, hi = S + 1 > 32 ? ((1 << (S + 1 - 32)) - 1) | 0 : 0;
    // rotate right by R within 64 bits
    if (R >= 32) { const t = lo; lo = hi; hi = t; }
    const r = R & 31;
    if (r !== 0) { const nlo = (lo >>> r) | (hi << (32 - r)); hi = (hi >>> r) | (lo << (32 - r)); lo = nlo; }
    elo = lo | 0; ehi = hi | 0;
  } else {
    const m = esize === 32 ? -1 : (1 << esize) - 1;
    let e = S + 1 >= 32 ? -1 : (1 << (S + 1)) - 1;
    if (R !== 0) e = ((e >>> R) | (e << (esize - R))) & m;
    // replicate to 32 bits
    for (let k = esize; k < 32; k *= 2) e = e | (e << k);
    elo = e | 0; ehi = e | 0;
  }
  return [elo, is64 ? ehi : 0];
}

const prepLogImm: Prepare = (w, out, s) => {
  const sf = w >>> 31, N = (w >>> 22) & 1;
  if (!sf && N) return false;
  const m = decodeBitMasks(N, (w >>> 10) & 63, (w >>> 16) & 63, sf === 1);
  if (!m) return false;
  out[s + 1] = m[0]; out[s + 2] = m[1];
  return true;
};

const prepBitfield: Prepare = (w) => {
  const sf = w >>> 31, N = (w >>> 22) & 1;
  if (sf !== N) return false;
  if (!sf && (((w >>> 16) & 32) || ((w >>> 10) & 32))) return false;
  return true;
};

const prepMovWide: Prepare = (w) => (w >>> 31) === 1 || ((w >>> 21) & 2) === 0;

const prepExtr: Prepare = (w) => {
  const sf = w >>> 31, N = (w >>> 22) & 1;
  return sf === N && (sf === 1 || ((w >>> 10) & 32) === 0);
};

export const prepare: Record<string, Prepare> = { logImm: prepLogImm, bitfield: prepBitfield, movWide: prepMovWide, extr: prepExtr };

/** ADR, ADRP. */
const adr: Handler = (st, w) => {
  const R = st.R;
  let imm = ((w << 8) >> 13 << 2) | ((w >>> 29) & 3); // immhi:immlo sign-extended
  let lo = st.pcLo, hi = st.pcHi;
  const rd = wz(w & 31);
  if (w >>> 31) { lo &= ~0xfff; imm = imm * 4096; }
  const sum = (lo >>> 0) + imm;
  R[rd * 2] = sum | 0;
  R[rd * 2 + 1] = (hi + Math.floor(sum / 4294967296)) | 0;
  return Ret.NEXT;
};

/** ADD, ADDS, SUB, SUBS (immediate). */
const addsubImm: Handler = (st, w) => {
  const R = st.R;
  const S = (w >>> 29) & 1, sub = (w >>> 30) & 1;
  const rn = sp((w >>> 5) & 31), rd = S ? wz(w & 31) : sp(w & 31);
  let imm = (w >>> 10) & 0xfff;
  if (w & (1 << 22)) imm <<= 12;
  if (w >>> 31) {
    const lo = sub ? adc64(st, R[rn * 2]!, R[rn * 2 + 1]!, ~imm, -1, 1, S === 1) : adc64(st, R[rn * 2]!, R[rn * 2 + 1]!, imm, 0, 0, S === 1);
    R[rd * 2] = lo; R[rd * 2 + 1] = st.th;
  } else {
    R[rd * 2] = sub ? adc32(st, R[rn * 2]!, ~imm, 1, S === 1) : adc32(st, R[rn * 2]!, imm, 0, S === 1);
    R[rd * 2 + 1] = 0;
  }
  return Ret.NEXT;
};

/** AND, ORR, EOR, ANDS (immediate); the mask was decoded into the slot. */
const logImm: Handler = (st, w, d, s) => {
  const R = st.R;
  const opc = (w >>> 29) & 3, rn = (w >>> 5) & 31;
  const rd = opc === 3 ? wz(w & 31) : sp(w & 31);
  const ilo = d[s + 1]!, ihi = d[s + 2]!;
  let lo = R[rn * 2]!, hi = R[rn * 2 + 1]!;
  switch (opc) {
    case 0: case 3: lo &= ilo; hi &= ihi; break;
    case 1: lo |= ilo; hi |= ihi; break;
    default: lo ^= ilo; hi ^= ihi; break;
  }
  if (!(w >>> 31)) hi = 0;
  if (opc === 3) {
    const top = w >>> 31 ? hi : lo;
    st.n = top >>> 31; st.z = (lo | hi) === 0 ? 1 : 0; st.c = 0; st.v = 0;
  }
  R[rd * 2] = lo; R[rd * 2 + 1] = hi;
  return Ret.NEXT;
};

/** MOVN, MOVZ, MOVK. */
const movWide: Handler = (st, w) => {
  const R = st.R;
  const opc = (w >>> 29) & 3, hw = (w >>> 21) & 3, imm = (w >>> 5) & 0xffff, sf = w >>> 31;
  const rd = wz(w & 31);
  let lo: number, hi: number;
  if (opc === 3) {
    const src = rd === 33 ? 31 : rd;
    lo = R[src * 2]!; hi = R[src * 2 + 1]!;
    switch (hw) {
      case 0: lo = (lo & ~0xffff) | imm; break;
      case 1: lo = (lo & 0xffff) | (imm << 16); break;
      case 2: hi = (hi & ~0xffff) | imm; break;
      default: hi = (hi & 0xffff) | (imm << 16); break;
    }
  } else {
    lo = hw === 0 ? imm : hw === 1 ? imm << 16 : 0;
    hi = hw === 2 ? imm : hw === 3 ? imm << 16 : 0;
    if (opc === 0) { lo = ~lo; hi = ~hi; }
  }
  R[rd * 2] = lo; R[rd * 2 + 1] = sf ? hi : 0;
  return Ret.NEXT;
};

/** SBFM, BFM, UBFM (C6.2.250, C6.2.36, C6.2.377). */
const bitfield: Handler = (st, w) => {
  const R = st.R;
  const opc = (w >>> 29) & 3, sf = w >>> 31;
  const immr = (w >>> 16) & 63, imms = (w >>> 10) & 63;
  const rn = (w >>> 5) & 31, rd = wz(w & 31);
  const slo = R[rn * 2]!, shi = R[rn * 2 + 1]!;
  let lo: number, hi: number;
  if (sf) {
    if (opc === 1) {
      // BFM: insert a field of the source into the destination
      const src = rd === 33 ? 31 : rd;
      let dlo = R[src * 2]!, dhi = R[src * 2 + 1]!;
      let width: number, pos: number, flo: number, fhi: number;
      if (imms >= immr) { width = imms - immr + 1; pos = 0; flo = shift64(st, slo, shi, 1, immr); fhi = st.th; }
      else { width = imms + 1; pos = 64 - immr; flo = slo; fhi = shi; }
      let mlo = ones64(st, width), mhi = st.th;
      flo &= mlo; fhi &= mhi;
      flo = shift64(st, flo, fhi, 0, pos); fhi = st.th;
      mlo = shift64(st, mlo, mhi, 0, pos); mhi = st.th;
      dlo = (dlo & ~mlo) | flo; dhi = (dhi & ~mhi) | fhi;
      lo = dlo; hi = dhi;
    } else {
      const type = opc === 0 ? 2 : 1;
      lo = shift64(st, slo, shi, 0, 63 - imms); hi = st.th;
      if (imms >= immr) { lo = shift64(st, lo, hi, type, 63 - imms + immr); hi = st.th; }
      else {
        lo = shift64(st, lo, hi, type, 63 - imms); hi = st.th;
        lo = shift64(st, lo, hi, 0, 64 - immr); hi = st.th;
      }
    }
  } else {
    if (opc === 1) {
      const src = rd === 33 ? 31 : rd;
      const dv = R[src * 2]!;
      let width: number, pos: number, f: number;
      if (imms >= immr) { width = imms - immr + 1; pos = 0; f = slo >>> immr; }
      else { width = imms + 1; pos = 32 - immr; f = slo; }
      const m = width >= 32 ? -1 : (1 << width) - 1;
      lo = (dv & ~(m << pos)) | ((f & m) << pos);
    } else {
      let v = slo << (31 - imms);
      if (imms >= immr) v = opc === 0 ? v >> (31 - imms + immr) : v >>> (31 - imms + immr);
      else { v = opc === 0 ? v >> (31 - imms) : v >>> (31 - imms); v = (32 - immr) === 32 ? 0 : v << (32 - immr); }
      lo = v | 0;
    }
    hi = 0;
  }
  R[rd * 2] = lo; R[rd * 2 + 1] = hi;
  return Ret.NEXT;
};

/** EXTR (ROR alias when Rn == Rm). */
const extr: Handler = (st, w) => {
  const R = st.R;
  const rm = (w >>> 16) & 31, rn = (w >>> 5) & 31, rd = wz(w & 31), lsb = (w >>> 10) & 63;
  if (w >>> 31) {
    // (Rn:Rm) >> lsb, low 64 bits
    let lo = shift64(st, R[rm * 2]!, R[rm * 2 + 1]!, 1, lsb), hi = st.th;
    if (lsb !== 0) {
      const nlo = shift64(st, R[rn * 2]!, R[rn * 2 + 1]!, 0, 64 - lsb), nhi = st.th;
      lo |= nlo; hi |= nhi;
    }
    R[rd * 2] = lo; R[rd * 2 + 1] = hi;
  } else {
    const m = R[rm * 2]!, n = R[rn * 2]!;
    R[rd * 2] = lsb === 0 ? m : (m >>> lsb) | (n << (32 - lsb));
    R[rd * 2 + 1] = 0;
  }
  return Ret.NEXT;
};

export const handlers: Record<string, Handler> = { adr, addsubImm, logImm, movWide, bitfield, extr };

/**
 * Loads and stores (Arm ARM C4.1.4; semantics C6.2, C7.2): LDR/STR of every width and addressing
 * form (unsigned offset, unscaled, pre/post-index, register offset with extend/shift, literal),
 * sign-extending loads, LDP/STP/LDPSW/LDNP/STNP, the exclusives LDXR/STXR/LDAXR/STLXR/LDXP/STXP
 * with a single-granule monitor (B2.9), LDAR/STLR, the SIMD&FP register forms B/H/S/D/Q and
 * LD1..LD4/ST1..ST4 (multiple structures), LD1..LD4/ST1..ST4 (single structure) and LD1R..LD4R.
 * A refused access throws MemFault out of the handler; the run loop reports it with pc at the
 * instruction.
 */
import { vaOf } from '../../common/memory';
import { A64State, Handler, Prepare, Ret, sp, wz } from '../state';

/** base (lo, hi) + off (|off| < 2^32) as halves; hi in st.th. */
function addr(st: A64State, lo: number, hi: number, off: number): number {
  const sum = (lo >>> 0) + off;
  st.th = (hi + Math.floor(sum / 4294967296)) | 0;
  return sum | 0;
}

/** Loads into integer register index rt: opc 1 zero-extends, 2 sign-extends to 64, 3 sign-extends to 32. */
function loadGpr(st: A64State, size: number, opc: number, rt: number, lo: number, hi: number): void {
  const m = st.mem, R = st.R;
  let vlo: number, vhi = 0;
  switch (size) {
    case 0: vlo = m.load8(lo, hi); if (opc >= 2) vlo = (vlo << 24) >> 24; break;
    case 1: vlo = m.load16(lo, hi); if (opc >= 2) vlo = (vlo << 16) >> 16; break;
    case 2: vlo = m.load32(lo, hi); break;
    default: vlo = m.load64(lo, hi); vhi = m.hi; break;
  }
  if (opc === 2 && size < 3) vhi = vlo >> 31;
  R[rt * 2] = vlo; R[rt * 2 + 1] = vhi;
}

function storeGpr(st: A64State, size: number, rt: number, lo: number, hi: number): void {
  const m = st.mem, R = st.R;
  switch (size) {
    case 0: m.store8(lo, hi, R[rt * 2]! & 0xff); break;
    case 1: m.store16(lo, hi, R[rt * 2]! & 0xffff); break;
    case 2: m.store32(lo, hi, R[rt * 2]!); break;
    default: m.store64(lo, hi, R[rt * 2]!, R[rt * 2 + 1]!); break;
  }
}

/** Loads 1 << scale bytes into byte offset `off` of V register vt (no zeroing). */
export function loadVPart(st: A64State, vt: number, off: number, scale: number, lo: number, hi: number): void {
  const m = st.mem, b = vt * 16 + off;
  switch (scale) {
    case 0: st.V8[b] = m.load8(lo, hi); break;
    case 1: st.V16[b >>> 1] = m.load16(lo, hi); break;
    case 2: st.V32[b >>> 2] = m.load32(lo, hi); break;
    case 3: st.V32[b >>> 2] = m.load64(lo, hi); st.V32[(b >>> 2) + 1] = m.hi; break;
    default: {
      const a = m.load64(lo, hi), ah = m.hi;
      const nlo = (lo + 8) | 0, nhi = (nlo >>> 0) < (lo >>> 0) ? (hi + 1) | 0 : hi;
      const c = m.load64(nlo, nhi), ch = m.hi;
      const i = b >>> 2;
      st.V32[i] = a; st.V32[i + 1] = ah; st.V32[i + 2] = c; st.V32[i + 3] = ch;
    }
  }
}

export function storeVPart(st: A64State, vt: number, off: number, scale: number, lo: number, hi: number): void {
  const m = st.mem, b = vt * 16 + off, i = b >>> 2;
  switch (scale) {
    case 0: m.store8(lo, hi, st.V8[b]!); break;
    case 1: m.store16(lo, hi, st.V16[b >>> 1]!); break;
    case 2: m.store32(lo, hi, st.V32[i]!); break;
    case 3: m.store64(lo, hi, st.V32[i]!, st.V32[i + 1]!); break;
    default: {
      const nlo = (lo + 8) | 0, nhi = (nlo >>> 0) < (lo >>> 0) ? (hi + 1) | 0 : hi;
      m.store64(lo, hi, st.V32[i]!, st.V32[i + 1]!);
      m.store64(nlo, nhi, st.V32[i + 2]!, st.V32[i + 3]!);
    }
  }
}

/** Scalar SIMD&FP load: the whole V register is written, upper bytes zero. */
function loadFp(st: A64State, vt: number, scale: number, lo: number, hi: number): void {
  if (scale === 4) { loadVPart(st, vt, 0, 4, lo, hi); return; }
  // Load first (a fault must leave the register as it was), then clear and place.
  const m = st.mem;
  let a = 0, b = 0;
  switch (scale) {
    case 0: a = m.load8(lo, hi); break;
    case 1: a = m.load16(lo, hi); break;
    case 2: a = m.load32(lo, hi); break;
    default: a = m.load64(lo, hi); b = m.hi; break;
  }
  const i = vt * 4;
  st.V32[i] = a; st.V32[i + 1] = b; st.V32[i + 2] = 0; st.V32[i + 3] = 0;
}

/** GPR (size, opc) -> true when the pair names a load/store (not PRFM, not unallocated). */
function gprKind(size: number, opc: number): number {
  // 0 store, 1 load, 2 prefetch, -1 unallocated
  if (opc < 2) return opc;
  if (size === 3) return opc === 2 ? 2 : -1;
  if (opc === 3 && size === 2) return -1;
  return 1;
}

/** Scale of a SIMD&FP access from size and opc<1>, or -1. */
function fpScale(size: number, opc: number): number {
  if (opc & 2) return size === 0 ? 4 : -1;
  return size;
}

const prepLdstImm9: Prepare = (w) => {
  const size = w >>> 30, opc = (w >>> 22) & 3, idx = (w >>> 10) & 3;
  const k = gprKind(size, opc);
  return k >= 0 && !(k === 2 && (idx === 1 || idx === 3 || idx === 2));
};
const prepLdstFpImm9: Prepare = (w) => fpScale(w >>> 30, (w >>> 22) & 3) >= 0 && ((w >>> 10) & 3) !== 2;
const prepGpr: Prepare = (w) => gprKind(w >>> 30, (w >>> 22) & 3) >= 0;
const prepFp: Prepare = (w) => fpScale(w >>> 30, (w >>> 22) & 3) >= 0;
const prepLdstReg: Prepare = (w) => gprKind(w >>> 30, (w >>> 22) & 3) >= 0 && ((w >>> 13) & 2) !== 0;
const prepLdstRegFp: Prepare = (w) => fpScale(w >>> 30, (w >>> 22) & 3) >= 0 && ((w >>> 13) & 2) !== 0;
const prepPair: Prepare = (w) => { const opc = w >>> 30; return opc === 0 || opc === 2 || (opc === 1 && ((w >>> 22) & 1) === 1 && ((w >>> 23) & 3) !== 0); };
const prepPairFp: Prepare = (w) => (w >>> 30) !== 3;
const prepLit: Prepare = () => true;
const prepLitFp: Prepare = (w) => (w >>> 30) !== 3;
const prepExPair: Prepare = () => true;
const prepMulti: Prepare = (w) => {
  const op = (w >>> 12) & 15;
  if (![0, 2, 4, 6, 7, 8, 10].includes(op)) return false;
  const size = (w >>> 10) & 3, q = (w >>> 30) & 1;
  return !(size === 3 && q === 0 && op !== 2 && op !== 6 && op !== 7 && op !== 10);
};
const prepSingle: Prepare = (w) => {
  const opcode = (w >>> 13) & 7, S = (w >>> 12) & 1, size = (w >>> 10) & 3, L = (w >>> 22) & 1;
  switch (opcode >>> 1) {
    case 0: return true;
    case 1: return (size & 1) === 0;
    case 2: return size === 0 || (size === 1 && S === 0);
    default: return L === 1 && S === 0;
  }
};

export const prepare: Record<string, Prepare> = {
  ldstImm9: prepLdstImm9, ldstImm9Fp: prepLdstFpImm9, ldstUimm: prepGpr, ldstUimmFp: prepFp, ldstReg: prepLdstReg,
  ldstRegFp: prepLdstRegFp, ldstPair: prepPair, ldstPairFp: prepPairFp, ldrLit: prepLit, ldrLitFp: prepLitFp,
  ldstExPair: prepExPair, ldstMulti: prepMulti, ldstSingle: prepSingle,
};

/** LDR/STR/LDRS* (immediate: unscaled, post-index, unprivileged, pre-index). */
const ldstImm9: Handler = (st, w) => {
  const R = st.R;
  const size = w >>> 30, opc = (w >>> 22) & 3, idx = (w >>> 10) & 3, imm = (w << 11) >> 23;
  const rn = sp((w >>> 5) & 31), rt = w & 31;
  const blo = R[rn * 2]!, bhi = R[rn * 2 + 1]!;
  let lo = blo, hi = bhi;
  if (idx !== 1) { lo = addr(st, blo, bhi, imm); hi = st.th; }
  const k = gprKind(size, opc);
  if (k === 0) storeGpr(st, size, rt, lo, hi);
  else if (k === 1) loadGpr(st, size, opc, wz(rt), lo, hi);
  if (idx & 1) {
    if (idx === 1) { lo = addr(st, blo, bhi, imm); hi = st.th; }
    R[rn * 2] = lo; R[rn * 2 + 1] = hi;
  }
  return Ret.NEXT;
};

const ldstImm9Fp: Handler = (st, w) => {
  const R = st.R;
  const opc = (w >>> 22) & 3, idx = (w >>> 10) & 3, imm = (w << 11) >> 23, scale = fpScale(w >>> 30, opc);
  const rn = sp((w >>> 5) & 31), rt = w & 31;
  const blo = R[rn * 2]!, bhi = R[rn * 2 + 1]!;
  let lo = blo, hi = bhi;
  if (idx !== 1) { lo = addr(st, blo, bhi, imm); hi = st.th; }
  if (opc & 1) loadFp(st, rt, scale, lo, hi); else storeVPart(st, rt, 0, scale, lo, hi);
  if (idx & 1) {
    if (idx === 1) { lo = addr(st, blo, bhi, imm); hi = st.th; }
    R[rn * 2] = lo; R[rn * 2 + 1] = hi;
  }
  return Ret.NEXT;
};

/** LDR/STR (unsigned offset). */
const ldstUimm: Handler = (st, w) => {
  const R = st.R;
  const size = w >>> 30, opc = (w >>> 22) & 3;
  const rn = sp((w >>> 5) & 31), rt = w & 31;
  const lo = addr(st, R[rn * 2]!, R[rn * 2 + 1]!, ((w >>> 10) & 0xfff) << size), hi = st.th;
  const k = gprKind(size, opc);
  if (k === 0) storeGpr(st, size, rt, lo, hi);
  else if (k === 1) loadGpr(st, size, opc, wz(rt), lo, hi);
  return Ret.NEXT;
};

const ldstUimmFp: Handler = (st, w) => {
  const R = st.R;
  const opc = (w >>> 22) & 3, scale = fpScale(w >>> 30, opc);
  const rn = sp((w >>> 5) & 31), rt = w & 31;
  const lo = addr(st, R[rn * 2]!, R[rn * 2 + 1]!, ((w >>> 10) & 0xfff) * (1 << scale)), hi = st.th;
  if (opc & 1) loadFp(st, rt, scale, lo, hi); else storeVPart(st, rt, 0, scale, lo, hi);
  return Ret.NEXT;
};

/** Address for the register-offset forms: Rn + ExtendReg(Rm, option, shift). */
function regOffsetAddr(st: A64State, w: number, shift: number): number {
  const R = st.R;
  const rm = (w >>> 16) & 31, option = (w >>> 13) & 7, rn = sp((w >>> 5) & 31);
  let olo = R[rm * 2]!, ohi: number;
  switch (option) {
    case 2: ohi = 0; break;
    case 6: ohi = olo >> 31; break;
    default: ohi = R[rm * 2 + 1]!; break;
  }
  if ((w >>> 12) & 1 && shift > 0) { ohi = (ohi << shift) | (olo >>> (32 - shift)); olo <<= shift; }
  const blo = R[rn * 2]!, bhi = R[rn * 2 + 1]!;
  const sum = (blo >>> 0) + (olo >>> 0);
  st.th = (bhi + ohi + (sum > 0xffffffff ? 1 : 0)) | 0;
  return sum | 0;
}

const ldstReg: Handler = (st, w) => {
  const size = w >>> 30, opc = (w >>> 22) & 3, rt = w & 31;
  const lo = regOffsetAddr(st, w, size), hi = st.th;
  const k = gprKind(size, opc);
  if (k === 0) storeGpr(st, size, rt, lo, hi);
  else if (k === 1) loadGpr(st, size, opc, wz(rt), lo, hi);
  return Ret.NEXT;
};

const ldstRegFp: Handler = (st, w) => {
  const opc = (w >>> 22) & 3, scale = fpScale(w >>> 30, opc), rt = w & 31;
  const lo = regOffsetAddr(st, w, scale), hi = st.th;
  if (opc & 1) loadFp(st, rt, scale, lo, hi); else storeVPart(st, rt, 0, scale, lo, hi);
  return Ret.NEXT;
};

/** LDR (literal), LDRSW (literal), PRFM (literal). */
const ldrLit: Handler = (st, w) => {
  const opc = w >>> 30;
  if (opc === 3) return Ret.NEXT;
  const lo = addr(st, st.pcLo, st.pcHi, (w << 8) >> 13 << 2), hi = st.th;
  loadGpr(st, opc === 1 ? 3 : 2, opc === 2 ? 2 : 1, wz(w & 31), lo, hi);
  return Ret.NEXT;
};

const ldrLitFp: Handler = (st, w) => {
  const opc = w >>> 30;
  const lo = addr(st, st.pcLo, st.pcHi, (w << 8) >> 13 << 2), hi = st.th;
  loadFp(st, w & 31, opc + 2, lo, hi);
  return Ret.NEXT;
};

/** LDP, STP, LDPSW, LDNP, STNP. */
const ldstPair: Handler = (st, w) => {
  const R = st.R;
  const opc = w >>> 30, idx = (w >>> 23) & 3, L = (w >>> 22) & 1;
  const scale = opc === 2 ? 3 : 2;
  const off = ((w << 10) >> 25) * (1 << scale);
  const rn = sp((w >>> 5) & 31), rt = w & 31, rt2 = (w >>> 10) & 31;
  const blo = R[rn * 2]!, bhi = R[rn * 2 + 1]!;
  let lo = blo, hi = bhi;
  if (idx !== 1) { lo = addr(st, blo, bhi, off); hi = st.th; }
  const lo2 = addr(st, lo, hi, 1 << scale), hi2 = st.th;
  const m = st.mem;
  if (L) {
    let a: number, ah: number, b: number, bh: number;
    if (scale === 3) { a = m.load64(lo, hi); ah = m.hi; b = m.load64(lo2, hi2); bh = m.hi; }
    else {
      a = m.load32(lo, hi); b = m.load32(lo2, hi2);
      ah = opc === 1 ? a >> 31 : 0; bh = opc === 1 ? b >> 31 : 0;
    }
    const d1 = wz(rt), d2 = wz(rt2);
    R[d1 * 2] = a; R[d1 * 2 + 1] = ah; R[d2 * 2] = b; R[d2 * 2 + 1] = bh;
  } else if (scale === 3) {
    m.store64(lo, hi, R[rt * 2]!, R[rt * 2 + 1]!);
    m.store64(lo2, hi2, R[rt2 * 2]!, R[rt2 * 2 + 1]!);
  } else {
    m.store32(lo, hi, R[rt * 2]!);
    m.store32(lo2, hi2, R[rt2 * 2]!);
  }
  if (idx & 1) {
    if (idx === 1) { lo = addr(st, blo, bhi, off); hi = st.th; }
    R[rn * 2] = lo; R[rn * 2 + 1] = hi;
  }
  return Ret.NEXT;
};

const ldstPairFp: Handler = (st, w) => {
  const R = st.R;
  const scale = (w >>> 30) + 2, idx = (w >>> 23) & 3, L = (w >>> 22) & 1;
  const off = ((w << 10) >> 25) * (1 << scale);
  const rn = sp((w >>> 5) & 31), rt = w & 31, rt2 = (w >>> 10) & 31;
  const blo = R[rn * 2]!, bhi = R[rn * 2 + 1]!;
  let lo = blo, hi = bhi;
  if (idx !== 1) { lo = addr(st, blo, bhi, off); hi = st.th; }
  const lo2 = addr(st, lo, hi, 1 << scale), hi2 = st.th;
  if (L) {
    // Load both into scratch registers first so a fault on the second leaves both unchanged.
    const save = st.V32.slice(rt * 4, rt * 4 + 4);
    loadFp(st, rt, scale, lo, hi);
    try { loadFp(st, rt2, scale, lo2, hi2); } catch (e) { st.V32.set(save, rt * 4); throw e; }
  } else {
    storeVPart(st, rt, 0, scale, lo, hi);
    storeVPart(st, rt2, 0, scale, lo2, hi2);
  }
  if (idx & 1) {
    if (idx === 1) { lo = addr(st, blo, bhi, off); hi = st.th; }
    R[rn * 2] = lo; R[rn * 2 + 1] = hi;
  }
  return Ret.NEXT;
};

/** LDXR, LDAXR, STXR, STLXR. */
const ldstEx: Handler = (st, w) => {
  const R = st.R;
  const size = w >>> 30, L = (w >>> 22) & 1;
  const rn = sp((w >>> 5) & 31), rt = w & 31;
  const lo = R[rn * 2]!, hi = R[rn * 2 + 1]!;
  if (L) {
    loadGpr(st, size, 1, wz(rt), lo, hi);
    st.exAddr = vaOf(lo, hi); st.exSize = 1 << size;
    return Ret.NEXT;
  }
  const rs = wz((w >>> 16) & 31);
  let status = 1;
  if (st.exAddr === vaOf(lo, hi) && st.exSize === 1 << size) { storeGpr(st, size, rt, lo, hi); status = 0; }
  st.exAddr = -1;
  R[rs * 2] = status; R[rs * 2 + 1] = 0;
  return Ret.NEXT;
};

/** LDXP, LDAXP, STXP, STLXP. */
const ldstExPair: Handler = (st, w) => {
  const R = st.R;
  const sz = (w >>> 30) & 1, L = (w >>> 22) & 1;
  const rn = sp((w >>> 5) & 31), rt = w & 31, rt2 = (w >>> 10) & 31;
  const lo = R[rn * 2]!, hi = R[rn * 2 + 1]!;
  const step = sz ? 8 : 4;
  const lo2 = addr(st, lo, hi, step), hi2 = st.th;
  const m = st.mem;
  if (L) {
    let a: number, ah = 0, b: number, bh = 0;
    if (sz) { a = m.load64(lo, hi); ah = m.hi; b = m.load64(lo2, hi2); bh = m.hi; }
    else { a = m.load32(lo, hi); b = m.load32(lo2, hi2); }
    const d1 = wz(rt), d2 = wz(rt2);
    R[d1 * 2] = a; R[d1 * 2 + 1] = ah; R[d2 * 2] = b; R[d2 * 2 + 1] = bh;
    st.exAddr = vaOf(lo, hi); st.exSize = step * 2;
    return Ret.NEXT;
  }
  const rs = wz((w >>> 16) & 31);
  let status = 1;
  if (st.exAddr === vaOf(lo, hi) && st.exSize === step * 2) {
    if (sz) { m.store64(lo, hi, R[rt * 2]!, R[rt * 2 + 1]!); m.store64(lo2, hi2, R[rt2 * 2]!, R[rt2 * 2 + 1]!); }
    else { m.store32(lo, hi, R[rt * 2]!); m.store32(lo2, hi2, R[rt2 * 2]!); }
    status = 0;
  }
  st.exAddr = -1;
  R[rs * 2] = status; R[rs * 2 + 1] = 0;
  return Ret.NEXT;
};

/** LDAR, STLR (and LDLAR/STLLR). */
const ldstAcqRel: Handler = (st, w) => {
  const R = st.R;
  const size = w >>> 30, L = (w >>> 22) & 1;
  const rn = sp((w >>> 5) & 31), rt = w & 31;
  const lo = R[rn * 2]!, hi = R[rn * 2 + 1]!;
  if (L) loadGpr(st, size, 1, wz(rt), lo, hi); else storeGpr(st, size, rt, lo, hi);
  return Ret.NEXT;
};

/** [opcode] -> rpt * 8 + selem for LD1..LD4/ST1..ST4 (multiple structures). */
const MULTI: Record<number, number> = { 0: 8 + 4, 2: 32 + 1, 4: 8 + 3, 6: 24 + 1, 7: 8 + 1, 8: 8 + 2, 10: 16 + 1 };

/** Post-index writeback: Rm = 31 means the immediate (bytes transferred). */
function postIndex(st: A64State, w: number, rn: number, bytes: number): void {
  const R = st.R, rm = (w >>> 16) & 31;
  let lo: number;
  if (rm === 31) lo = addr(st, R[rn * 2]!, R[rn * 2 + 1]!, bytes);
  else {
    const sum = (R[rn * 2]! >>> 0) + (R[rm * 2]! >>> 0);
    st.th = (R[rn * 2 + 1]! + R[rm * 2 + 1]! + (sum > 0xffffffff ? 1 : 0)) | 0;
    lo = sum | 0;
  }
  R[rn * 2] = lo; R[rn * 2 + 1] = st.th;
}

/** LD1-LD4 / ST1-ST4 (multiple structures), with post-index. */
const ldstMulti: Handler = (st, w) => {
  const R = st.R;
  const q = (w >>> 30) & 1, L = (w >>> 22) & 1, post = (w >>> 23) & 1, size = (w >>> 10) & 3;
  const k = MULTI[(w >>> 12) & 15]!, rpt = k >>> 3, selem = k & 7;
  const rn = sp((w >>> 5) & 31), rt = w & 31;
  const ebytes = 1 << size, elements = (q ? 16 : 8) >>> size;
  let lo = R[rn * 2]!, hi = R[rn * 2 + 1]!;
  const total = rpt * selem * elements * ebytes;
  if (L) {
    // Probe the whole range first (a fault must not leave half-loaded registers).
    const last = addr(st, lo, hi, total - 1);
    st.mem.load8(lo, hi); st.mem.load8(last, st.th);
  }
  for (let r = 0; r < rpt; r++) {
    for (let e = 0; e < elements; e++) {
      let tt = (rt + r) & 31;
      for (let s = 0; s < selem; s++) {
        if (L) loadVPart(st, tt, e * ebytes, size, lo, hi); else storeVPart(st, tt, e * ebytes, size, lo, hi);
        lo = addr(st, lo, hi, ebytes); hi = st.th;
        tt = (tt + 1) & 31;
      }
    }
  }
  if (L && !q) for (let r = 0; r < rpt * selem; r++) { const t = (rt + r) & 31; st.V32[t * 4 + 2] = 0; st.V32[t * 4 + 3] = 0; }
  if (post) postIndex(st, w, rn, total);
  return Ret.NEXT;
};

/** LD1-LD4 / ST1-ST4 (single structure), LD1R-LD4R, with post-index. */
const ldstSingle: Handler = (st, w) => {
  const R = st.R;
  const q = (w >>> 30) & 1, L = (w >>> 22) & 1, post = (w >>> 23) & 1, size = (w >>> 10) & 3, S = (w >>> 12) & 1;
  const opcode = (w >>> 13) & 7, selem = (((opcode & 1) << 1) | ((w >>> 21) & 1)) + 1;
  const rn = sp((w >>> 5) & 31), rt = w & 31;
  let lo = R[rn * 2]!, hi = R[rn * 2 + 1]!;
  let scale = opcode >>> 1, index = 0;
  switch (scale) {
    case 0: index = (q << 3) | (S << 2) | size; break;
    case 1: index = (q << 2) | (S << 1) | (size >>> 1); break;
    case 2:
      if (size & 1) { scale = 3; index = q; } else index = (q << 1) | S;
      break;
    default: scale = size; break;
  }
  const ebytes = 1 << scale;
  if (opcode >>> 1 === 3) {
    // LDnR: load one element and replicate to all lanes.
    for (let s = 0; s < selem; s++) {
      const t = (rt + s) & 31;
      loadVPart(st, t, 0, scale, lo, hi);
      const lanes = (q ? 16 : 8) >>> scale;
      for (let e = 1; e < lanes; e++) st.V8.copyWithin(t * 16 + e * ebytes, t * 16, t * 16 + ebytes);
      if (!q) { st.V32[t * 4 + 2] = 0; st.V32[t * 4 + 3] = 0; }
      lo = addr(st, lo, hi, ebytes); hi = st.th;
    }
  } else {
    for (let s = 0; s < selem; s++) {
      const t = (rt + s) & 31;
      if (L) loadVPart(st, t, index * ebytes, scale, lo, hi); else storeVPart(st, t, index * ebytes, scale, lo, hi);
      lo = addr(st, lo, hi, ebytes); hi = st.th;
    }
  }
  if (post) postIndex(st, w, rn, selem * ebytes);
  return Ret.NEXT;
};

export const handlers: Record<string, Handler> = {
  ldstImm9, ldstImm9Fp, ldstUimm, ldstUimmFp, ldstReg, ldstRegFp, ldrLit, ldrLitFp, ldstPair, ldstPairFp,
  ldstEx, ldstExPair, ldstAcqRel, ldstMulti, ldstSingle,
};

/**
 * The A64 core at EL0 (Arm ARM DDI 0487): the run loop over per-frame decoded slots, stop
 * reasons, debugger breakpoints and watchpoints, and the slow-path register access the kernel and
 * the gdb stub use. Execution is in exec/*.ts, one handler per instruction class; the loop
 * inlines the handful of instructions that dominate ordinary integer code (PERF.md technique 7:
 * the rest stays in small monomorphic handlers).
 */
import type { Cpu, StopReason } from '../common/cpu';
import { Access, bigOf, MemFault, TLB_MASK, WatchHit, type Memory } from '../common/memory';
import { DecodeCache, decodeCacheOf, decodeInto, HANDLERS, OP_BKPT } from './decode';
import { Fast } from './fast';
import { A64State, adc32, adc64, mul64, Ret, shift64, SP, TPIDR } from './state';


/** Bytes of {@link A64Cpu.saveState}: x0..x30, sp, pc, tpidr (8 each), nzcv, fpcr, fpsr (4 each), v0..v31. */
const STATE_BYTES = 34 * 8 + 3 * 4 + 4 + 512;

export class A64Cpu implements Cpu {
  readonly arch = 'aarch64' as const;
  readonly st: A64State;
  private readonly cache: DecodeCache;
  private readonly one = new Int32Array(4);
  private instretN = 0;

  constructor(readonly mem: Memory) {
    this.st = new A64State(mem);
    this.cache = decodeCacheOf(mem);
  }

  get instret(): number { return this.instretN; }

  get pc(): bigint { return this.st.pc; }
  set pc(v: bigint) { this.st.pc = v; }

  /** x0..x30 = 0..30, 31 = sp (gdb's numbering; XZR is not a register here). */
  getReg(n: number): bigint {
    if (n === 31) return BigInt.asUintN(64, this.st.X[SP]!);
    if (n === 32) return this.st.pc;
    return BigInt.asUintN(64, this.st.X[n]!);
  }

  setReg(n: number, v: bigint): void {
    if (n === 31) this.st.X[SP] = BigInt.asIntN(64, v);
    else if (n === 32) this.st.pc = v;
    else if (n >= 0 && n < 31) this.st.X[n] = BigInt.asIntN(64, v);
  }

  get tls(): bigint { return BigInt.asUintN(64, this.st.X[TPIDR]!); }
  set tls(v: bigint) { this.st.X[TPIDR] = BigInt.asIntN(64, v); }

  setBreakpoints(addrs: ReadonlySet<bigint>): void {
    this.cache.breakpoints = new Set(addrs);
    this.cache.clear();
  }

  saveState(): Uint8Array {
    const out = new Uint8Array(STATE_BYTES);
    const dv = new DataView(out.buffer);
    const st = this.st;
    for (let i = 0; i < 31; i++) dv.setBigInt64(i * 8, st.X[i]!, true);
    dv.setBigInt64(31 * 8, st.X[SP]!, true);
    dv.setBigUint64(32 * 8, st.pc, true);
    dv.setBigInt64(33 * 8, st.X[TPIDR]!, true);
    dv.setUint32(34 * 8, st.nzcv, true);
    dv.setUint32(34 * 8 + 4, st.fpcr >>> 0, true);
    dv.setUint32(34 * 8 + 8, st.fpsr, true);
    out.set(st.V8, 34 * 8 + 16);
    return out;
  }

  restoreState(state: Uint8Array): void {
    const dv = new DataView(state.buffer, state.byteOffset, state.byteLength);
    const st = this.st;
    for (let i = 0; i < 31; i++) st.X[i] = dv.getBigInt64(i * 8, true);
    st.X[SP] = dv.getBigInt64(31 * 8, true);
    st.pc = dv.getBigUint64(32 * 8, true);
    st.X[TPIDR] = dv.getBigInt64(33 * 8, true);
    st.nzcv = dv.getUint32(34 * 8, true);
    st.fpcr = dv.getUint32(34 * 8 + 4, true);
    st.fpsr = dv.getUint32(34 * 8 + 8, true);
    st.V8.set(state.subarray(34 * 8 + 16, 34 * 8 + 16 + 512));
    st.exAddr = -1;
  }

  run(budget: number): StopReason {
    if (budget <= 0) return { kind: 'budget' };
    // Watchpoints need no mode of their own: an access that touches one throws WatchHit before
    // it takes effect, and the stop leaves pc at the accessing instruction.
    return this.runSlice(budget, true);
  }

  /**
   * Runs up to `budget` instructions. `resume`: an instruction at a breakpoint address is
   * executed when it is the first one (the debugger resumes from it).
   */
  private runSlice(budget: number, resume: boolean): StopReason {
    const st = this.st, mem = this.mem, cache = this.cache, R = st.R, dv = mem.dv;
    // The read/write TLBs, for the inline hit paths below (see Memory.rLo).
    const rLo = mem.rLo, rHi = mem.rHi, rOff = mem.rOff, wLo = mem.wLo, wHi = mem.wHi, wOff = mem.wOff, tlbMask = TLB_MASK;
    let n = 0, o = 0, base = 0, fhi = 0, inFrame = false;
    try {
      outer: for (;;) {
        // ---- enter the frame holding pc ----
        inFrame = false;
        // Budget first: a step that branches to a bad pc ends there; the fetch fault belongs to
        // the next step (as Linux ptrace and qemu report it).
        if (n >= budget) { this.instretN += n; return BUDGET; }
        if (st.pcLo & 3) { this.instretN += n; return { kind: 'fault', addr: st.pc, access: Access.Exec }; }
        const off = mem.fetchFrame(st.pcLo, st.pcHi);
        mem.markCode(off >>> 12);
        const d = cache.frame(off);
        o = st.pcLo & 0xfff;
        base = (st.pcLo - o) | 0;
        fhi = st.pcHi;
        inFrame = true;
        for (;;) {
          if (n >= budget) { st.pcLo = (base + o) | 0; this.instretN += n; return BUDGET; }
          let op = d[o]!;
          if (op === 0) {
            op = decodeInto(d, o, mem.dv.getInt32(off + o, true));
            if (cache.breakpoints.size > 0 && cache.breakpoints.has(bigOf((base + o) | 0, fhi))) d[o] = op = OP_BKPT;
          }
          let D = d, S = o;
          if (op === OP_BKPT) {
            if (!(resume && n === 0)) { st.pcLo = (base + o) | 0; this.instretN += n; return BREAKPOINT; }
            D = this.one; S = 0;
            op = decodeInto(D, 0, d[o + 3]!);
          }
          n++;
          switch (op) {
            case Fast.ADDI64: case Fast.SUBI64: {
              const a = D[S + 1]!, rd = a & 255, rn = a >>> 8, imm = D[S + 2]!;
              const lo = R[rn * 2]!, hi = R[rn * 2 + 1]!;
              if (op === Fast.ADDI64) { const sum = (lo >>> 0) + imm; R[rd * 2] = sum | 0; R[rd * 2 + 1] = sum > 0xffffffff ? (hi + 1) | 0 : hi; }
              else { const dif = (lo >>> 0) - imm; R[rd * 2] = dif | 0; R[rd * 2 + 1] = dif < 0 ? (hi - 1) | 0 : hi; }
              break;
            }
            case Fast.ADDI32: { const a = D[S + 1]!; R[(a & 255) * 2] = (R[(a >>> 8) * 2]! + D[S + 2]!) | 0; R[(a & 255) * 2 + 1] = 0; break; }
            case Fast.SUBI32: { const a = D[S + 1]!; R[(a & 255) * 2] = (R[(a >>> 8) * 2]! - D[S + 2]!) | 0; R[(a & 255) * 2 + 1] = 0; break; }
            case Fast.SUBSI64: { const a = D[S + 1]!, rd = a & 255, rn = a >>> 8; R[rd * 2] = adc64(st, R[rn * 2]!, R[rn * 2 + 1]!, ~D[S + 2]!, -1, 1, true); R[rd * 2 + 1] = st.th; break; }
            case Fast.ADDSI64: { const a = D[S + 1]!, rd = a & 255, rn = a >>> 8; R[rd * 2] = adc64(st, R[rn * 2]!, R[rn * 2 + 1]!, D[S + 2]!, 0, 0, true); R[rd * 2 + 1] = st.th; break; }
            case Fast.SUBSI32: { const a = D[S + 1]!, rd = a & 255; R[rd * 2] = adc32(st, R[(a >>> 8) * 2]!, ~D[S + 2]!, 1, true); R[rd * 2 + 1] = 0; break; }
            case Fast.MOVR64: { const a = D[S + 1]!, rd = a & 255, rm = a >>> 8; R[rd * 2] = R[rm * 2]!; R[rd * 2 + 1] = R[rm * 2 + 1]!; break; }
            case Fast.MOVR32: { const a = D[S + 1]!, rd = a & 255; R[rd * 2] = R[(a >>> 8) * 2]!; R[rd * 2 + 1] = 0; break; }
            case Fast.MOVZ64: case Fast.MOVZ32: {
              const rd = D[S + 1]!, v = D[S + 2]!, imm = v & 0xffff, hw = v >>> 16;
              R[rd * 2] = hw === 0 ? imm : hw === 1 ? imm << 16 : 0;
              R[rd * 2 + 1] = hw === 2 ? imm : hw === 3 ? imm << 16 : 0;
              break;
            }
            case Fast.ADDR64: case Fast.SUBR64: case Fast.SUBSR64: {
              const a = D[S + 1]!, rd = a & 255, rn = (a >>> 8) & 255, rm = a >>> 16, amt = D[S + 2]!;
              let blo = R[rm * 2]!, bhi = R[rm * 2 + 1]!;
              if (amt !== 0) { blo = shift64(st, blo, bhi, 0, amt); bhi = st.th; }
              if (op === Fast.ADDR64) { R[rd * 2] = adc64(st, R[rn * 2]!, R[rn * 2 + 1]!, blo, bhi, 0, false); R[rd * 2 + 1] = st.th; }
              else { R[rd * 2] = adc64(st, R[rn * 2]!, R[rn * 2 + 1]!, ~blo, ~bhi, 1, op === Fast.SUBSR64); R[rd * 2 + 1] = st.th; }
              break;
            }
            case Fast.ADDR32: { const a = D[S + 1]!, rd = a & 255; R[rd * 2] = (R[((a >>> 8) & 255) * 2]! + (R[(a >>> 16) * 2]! << D[S + 2]!)) | 0; R[rd * 2 + 1] = 0; break; }
            case Fast.SUBSR32: { const a = D[S + 1]!, rd = a & 255; R[rd * 2] = adc32(st, R[((a >>> 8) & 255) * 2]!, ~(R[(a >>> 16) * 2]! << D[S + 2]!), 1, true); R[rd * 2 + 1] = 0; break; }
            case Fast.ANDSR64: {
              const a = D[S + 1]!, rd = a & 255, rn = (a >>> 8) & 255, rm = a >>> 16;
              const lo = R[rn * 2]! & R[rm * 2]!, hi = R[rn * 2 + 1]! & R[rm * 2 + 1]!;
              st.n = hi >>> 31; st.z = (lo | hi) === 0 ? 1 : 0; st.c = 0; st.v = 0;
              R[rd * 2] = lo; R[rd * 2 + 1] = hi;
              break;
            }
            case Fast.LDRX: case Fast.LDRW: case Fast.LDRB: case Fast.STRX: case Fast.STRW: case Fast.STRB: {
              const a = D[S + 1]!, rt = a & 255, rn = a >>> 8;
              const sum = (R[rn * 2]! >>> 0) + D[S + 2]!;
              const lo = sum | 0, hi = sum > 0xffffffff ? (R[rn * 2 + 1]! + 1) | 0 : R[rn * 2 + 1]!;
              switch (op) {
                case Fast.LDRX: { const v = mem.load64(lo, hi); R[rt * 2] = v; R[rt * 2 + 1] = mem.hi; break; }
                case Fast.LDRW: R[rt * 2] = mem.load32(lo, hi); R[rt * 2 + 1] = 0; break;
                case Fast.LDRB: R[rt * 2] = mem.load8(lo, hi); R[rt * 2 + 1] = 0; break;
                case Fast.STRX: st64(mem, lo, hi, R[rt * 2]!, R[rt * 2 + 1]!); break;
                case Fast.STRW: mem.store32(lo, hi, R[rt * 2]!); break;
                default: mem.store8(lo, hi, R[rt * 2]! & 0xff); break;
              }
              break;
            }
            case Fast.LDPX: case Fast.STPX: case Fast.LDPX_PRE: case Fast.STPX_PRE: case Fast.LDPX_POST: case Fast.STPX_POST: {
              const a = D[S + 1]!, rt = a & 255, rt2 = (a >>> 8) & 255, rn = a >>> 16, off = D[S + 2]!;
              const bl = R[rn * 2]!, bh = R[rn * 2 + 1]!;
              const sum = (bl >>> 0) + off;
              const nlo = sum | 0, nhi = sum < 0 ? (bh - 1) | 0 : sum > 0xffffffff ? (bh + 1) | 0 : bh;
              const post = op === Fast.LDPX_POST || op === Fast.STPX_POST;
              const lo = post ? bl : nlo, hi = post ? bh : nhi;
              const isLd = op === Fast.LDPX || op === Fast.LDPX_PRE || op === Fast.LDPX_POST;
              const fo = lo & 0xfff, vpn = lo >>> 12, ti = vpn & tlbMask;
              if (fo <= 0xff0) { // both words in one frame: TLB hit inline (Memory's accessors are not inlined here)
                if (isLd) {
                  if (rLo[ti] === vpn && rHi[ti] === hi) {
                    const p = rOff[ti]! + fo;
                    const v1 = dv.getInt32(p, true), h1 = dv.getInt32(p + 4, true), v2 = dv.getInt32(p + 8, true), h2 = dv.getInt32(p + 12, true);
                    R[rt * 2] = v1; R[rt * 2 + 1] = h1; R[rt2 * 2] = v2; R[rt2 * 2 + 1] = h2;
                    if (op !== Fast.LDPX) { R[rn * 2] = nlo; R[rn * 2 + 1] = nhi; }
                    break;
                  }
                } else if (wLo[ti] === vpn && wHi[ti] === hi) {
                  const p = wOff[ti]! + fo;
                  dv.setInt32(p, R[rt * 2]!, true); dv.setInt32(p + 4, R[rt * 2 + 1]!, true);
                  dv.setInt32(p + 8, R[rt2 * 2]!, true); dv.setInt32(p + 12, R[rt2 * 2 + 1]!, true);
                  if (op !== Fast.STPX) { R[rn * 2] = nlo; R[rn * 2 + 1] = nhi; }
                  break;
                }
              }
              const lo2 = (lo + 8) | 0, hi2 = (lo >>> 0) > 0xfffffff7 ? (hi + 1) | 0 : hi;
              if (isLd) {
                const v1 = mem.load64(lo, hi), h1 = mem.hi, v2 = mem.load64(lo2, hi2), h2 = mem.hi;
                R[rt * 2] = v1; R[rt * 2 + 1] = h1; R[rt2 * 2] = v2; R[rt2 * 2 + 1] = h2;
              } else {
                st64(mem, lo, hi, R[rt * 2]!, R[rt * 2 + 1]!);
                st64(mem, lo2, hi2, R[rt2 * 2]!, R[rt2 * 2 + 1]!);
              }
              if (op !== Fast.LDPX && op !== Fast.STPX) { R[rn * 2] = nlo; R[rn * 2 + 1] = nhi; }
              break;
            }
            case Fast.B: case Fast.BL: {
              if (op === Fast.BL) { const sum = ((base + o) >>> 0) + 4; R[60] = sum | 0; R[61] = sum > 0xffffffff ? (fhi + 1) | 0 : fhi; }
              const t = o + D[S + 2]!;
              if (t >= 0 && t < 4096) { o = t; continue; }
              jumpTo(st, base, o, fhi, D[S + 2]!); continue outer;
            }
            case Fast.BCOND:
              if (st.cond(D[S + 1]!)) {
                const t = o + D[S + 2]!;
                if (t >= 0 && t < 4096) { o = t; continue; }
                jumpTo(st, base, o, fhi, D[S + 2]!); continue outer;
              }
              break;
            case Fast.CBZ64: case Fast.CBNZ64: case Fast.CBZ32: case Fast.CBNZ32: {
              const rt = D[S + 1]!;
              const v = op === Fast.CBZ64 || op === Fast.CBNZ64 ? R[rt * 2]! | R[rt * 2 + 1]! : R[rt * 2]!;
              if ((v === 0) === (op === Fast.CBZ64 || op === Fast.CBZ32)) {
                const t = o + D[S + 2]!;
                if (t >= 0 && t < 4096) { o = t; continue; }
                jumpTo(st, base, o, fhi, D[S + 2]!); continue outer;
              }
              break;
            }
            case Fast.TBZ: case Fast.TBNZ: {
              const a = D[S + 1]!, rt = a & 255, bit = a >>> 8;
              const v = (R[rt * 2 + (bit >>> 5)]! >>> (bit & 31)) & 1;
              if (v === (op === Fast.TBZ ? 0 : 1)) {
                const t = o + D[S + 2]!;
                if (t >= 0 && t < 4096) { o = t; continue; }
                jumpTo(st, base, o, fhi, D[S + 2]!); continue outer;
              }
              break;
            }
            case Fast.RET: case Fast.BR: case Fast.BLR: {
              const rn = D[S + 1]!, lo = R[rn * 2]!, hi = R[rn * 2 + 1]!;
              if (op === Fast.BLR) { const sum = ((base + o) >>> 0) + 4; R[60] = sum | 0; R[61] = sum > 0xffffffff ? (fhi + 1) | 0 : fhi; }
              const t = (lo - base) | 0;
              if (hi === fhi && t >= 0 && t < 4096 && (t & 3) === 0) { o = t; continue; }
              st.pcLo = lo; st.pcHi = hi;
              continue outer;
            }
            case Fast.ADRP: case Fast.ADR: {
              const rd = D[S + 1]!, v = D[S + 2]!;
              const sum = op === Fast.ADRP ? (base >>> 0) + v * 4096 : ((base + o) >>> 0) + v;
              R[rd * 2] = sum | 0; R[rd * 2 + 1] = (fhi + Math.floor(sum / 4294967296)) | 0;
              break;
            }
            case Fast.LSRI64: case Fast.LSLI64: {
              const a = D[S + 1]!, rd = a & 255, rn = a >>> 8;
              R[rd * 2] = shift64(st, R[rn * 2]!, R[rn * 2 + 1]!, op === Fast.LSRI64 ? 1 : 0, D[S + 2]!); R[rd * 2 + 1] = st.th;
              break;
            }
            case Fast.LSRI32: { const a = D[S + 1]!, rd = a & 255; R[rd * 2] = R[(a >>> 8) * 2]! >>> D[S + 2]!; R[rd * 2 + 1] = 0; break; }
            case Fast.LSLI32: { const a = D[S + 1]!, rd = a & 255; R[rd * 2] = R[(a >>> 8) * 2]! << D[S + 2]!; R[rd * 2 + 1] = 0; break; }
            case Fast.CSEL64: case Fast.CSEL32: case Fast.CSINC64: case Fast.CSINC32: {
              const a = D[S + 1]!, rd = a & 255;
              let lo: number, hi: number;
              if (st.cond(D[S + 2]!)) { const rn = (a >>> 8) & 255; lo = R[rn * 2]!; hi = R[rn * 2 + 1]!; }
              else {
                const rm = a >>> 16; lo = R[rm * 2]!; hi = R[rm * 2 + 1]!;
                if (op === Fast.CSINC64 || op === Fast.CSINC32) { lo = (lo + 1) | 0; if (lo === 0) hi = (hi + 1) | 0; }
              }
              R[rd * 2] = lo; R[rd * 2 + 1] = op === Fast.CSEL64 || op === Fast.CSINC64 ? hi : 0;
              break;
            }
            case Fast.LDRR: case Fast.STRR: {
              const a = D[S + 1]!, rt = a & 255, rn = (a >>> 8) & 255, rm = a >>> 16, k = D[S + 2]!;
              const size = k & 15, option = (k >>> 4) & 15, sh = (k >>> 8) !== 0 ? size : 0;
              let olo = R[rm * 2]!, ohi = option === 3 ? R[rm * 2 + 1]! : option === 6 ? olo >> 31 : 0;
              if (sh !== 0) { ohi = (ohi << sh) | (olo >>> (32 - sh)); olo <<= sh; }
              const sum = (R[rn * 2]! >>> 0) + (olo >>> 0);
              const lo = sum | 0, hi = (R[rn * 2 + 1]! + ohi + (sum > 0xffffffff ? 1 : 0)) | 0;
              if (op === Fast.LDRR) {
                if (size === 3) { const v = mem.load64(lo, hi); R[rt * 2] = v; R[rt * 2 + 1] = mem.hi; }
                else { R[rt * 2] = size === 2 ? mem.load32(lo, hi) : mem.load8(lo, hi); R[rt * 2 + 1] = 0; }
              } else if (size === 3) mem.store64(lo, hi, R[rt * 2]!, R[rt * 2 + 1]!);
              else if (size === 2) mem.store32(lo, hi, R[rt * 2]!);
              else mem.store8(lo, hi, R[rt * 2]! & 0xff);
              break;
            }
            case Fast.LDUR: case Fast.STUR: case Fast.LDPRE: case Fast.STPRE: case Fast.LDPOST: case Fast.STPOST: {
              const a = D[S + 1]!, rt = a & 255, rn = (a >>> 8) & 255, size = a >>> 16, off = D[S + 2]!;
              const bl = R[rn * 2]!, bh = R[rn * 2 + 1]!;
              const sum = (bl >>> 0) + off;
              const nlo = sum | 0, nhi = sum < 0 ? (bh - 1) | 0 : sum > 0xffffffff ? (bh + 1) | 0 : bh;
              const post = op === Fast.LDPOST || op === Fast.STPOST;
              const lo = post ? bl : nlo, hi = post ? bh : nhi;
              if (op === Fast.LDUR || op === Fast.LDPRE || op === Fast.LDPOST) {
                if (size === 3) { const v = mem.load64(lo, hi); R[rt * 2] = v; R[rt * 2 + 1] = mem.hi; }
                else { R[rt * 2] = size === 2 ? mem.load32(lo, hi) : mem.load8(lo, hi); R[rt * 2 + 1] = 0; }
              } else if (size === 3) mem.store64(lo, hi, R[rt * 2]!, R[rt * 2 + 1]!);
              else if (size === 2) mem.store32(lo, hi, R[rt * 2]!);
              else mem.store8(lo, hi, R[rt * 2]! & 0xff);
              if (op !== Fast.LDUR && op !== Fast.STUR) { R[rn * 2] = nlo; R[rn * 2 + 1] = nhi; }
              break;
            }
            case Fast.ADDEXT64: {
              const a = D[S + 1]!, rd = a & 255, rn = (a >>> 8) & 255, rm = a >>> 16, k = D[S + 2]!;
              const option = k & 7, sh = (k >>> 4) & 7;
              let blo = R[rm * 2]!, bhi = option === 2 ? 0 : option === 6 ? blo >> 31 : R[rm * 2 + 1]!;
              if (sh !== 0) { bhi = (bhi << sh) | (blo >>> (32 - sh)); blo <<= sh; }
              const sub = (k >>> 8) & 1;
              if (sub) { blo = ~blo; bhi = ~bhi; }
              R[rd * 2] = adc64(st, R[rn * 2]!, R[rn * 2 + 1]!, blo, bhi, sub, (k & 512) !== 0); R[rd * 2 + 1] = st.th;
              break;
            }
            case Fast.MADD64: {
              const a = D[S + 1]!, rd = a & 255, rn = (a >>> 8) & 255, rm = (a >>> 16) & 255, ra = a >>> 24;
              const plo = mul64(st, R[rn * 2]!, R[rn * 2 + 1]!, R[rm * 2]!, R[rm * 2 + 1]!), phi = st.th;
              R[rd * 2] = adc64(st, R[ra * 2]!, R[ra * 2 + 1]!, plo, phi, 0, false); R[rd * 2 + 1] = st.th;
              break;
            }
            default: {
              // ---- everything else through its row's handler ----
              st.pcLo = (base + o) | 0;
              const r = HANDLERS[op]!(st, D[S + 3]!, D, S);
              if (r === Ret.NEXT) break;
              if (r === Ret.JUMP) {
                const t = (st.pcLo - base) | 0;
                if (t >= 0 && t < 4096 && st.pcHi === fhi && (t & 3) === 0) { o = t; continue; }
                continue outer;
              }
              if (r === Ret.SVC) { this.instretN += n; advance(st, 4); return SYSCALL; }
              if (r === Ret.FLUSH) { cache.clear(); advance(st, 4); continue outer; }
              n--;
              this.instretN += n;
              if (r === Ret.BRK) return TRAP;
              return { kind: 'illegal', insn: D[S + 3]! >>> 0 };
            }
          }
          o += 4;
          if (o === 4096) { nextFrame(st, base, fhi); continue outer; }
        }
      }
    } catch (e) {
      if (e instanceof MemFault) {
        if (inFrame) { st.pcLo = (base + o) | 0; st.pcHi = fhi; n--; }
        this.instretN += n;
        if (e instanceof WatchHit) return { kind: 'watchpoint', addr: e.addr, access: e.access };
        return { kind: 'fault', addr: e.addr, access: e.access };
      }
      throw e;
    }
  }
}

const BUDGET: StopReason = Object.freeze({ kind: 'budget' });
const SYSCALL: StopReason = Object.freeze({ kind: 'syscall' });
const TRAP: StopReason = Object.freeze({ kind: 'trap' });
const BREAKPOINT: StopReason = Object.freeze({ kind: 'breakpoint' });

/** pc of the next sequential instruction after crossing into the next frame. */
function nextFrame(st: A64State, base: number, fhi: number): void {
  const nb = (base + 4096) | 0;
  st.pcLo = nb;
  st.pcHi = nb === 0 ? (fhi + 1) | 0 : fhi;
}

/** pc = base + o + off (off signed, |off| < 2^28). */
function jumpTo(st: A64State, base: number, o: number, fhi: number, off: number): void {
  const sum = ((base + o) >>> 0) + off;
  st.pcLo = sum | 0;
  st.pcHi = (fhi + Math.floor(sum / 4294967296)) | 0;
}

/**
 * 64-bit store as two 32-bit stores when both halves are in one frame (Memory.store32 inlines
 * into the run loop, store64 does not); otherwise store64, which probes both pages first.
 */
function st64(mem: Memory, lo: number, hi: number, vlo: number, vhi: number): void {
  if ((lo & 0xfff) <= 0xff8) { mem.store32(lo, hi, vlo); mem.store32((lo + 4) | 0, hi, vhi); }
  else mem.store64(lo, hi, vlo, vhi);
}

function advance(st: A64State, k: number): void {
  const sum = (st.pcLo >>> 0) + k;
  st.pcLo = sum | 0;
  if (sum > 0xffffffff) st.pcHi = (st.pcHi + 1) | 0;
}

/** Creates a core on `mem` (ArchModule.createCpu). */
export function createCpu(mem: Memory): A64Cpu {
  return new A64Cpu(mem);
}


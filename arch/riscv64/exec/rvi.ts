/**
 * The interpreter loop and the RV64I base ISA (RISC-V Unprivileged ISA 20191213, ch. 2 RV32I,
 * ch. 5 RV64I, ch. 3 Zifencei), plus the fast paths of RV64M (ch. 7; general cases in rvm.ts).
 * A, F, D and Zicsr are handed to their files (rva.ts, rvf.ts, rvd.ts, zicsr.ts).
 *
 * PERF.md: one `switch` over op ids read from the decode cache (decode.ts), registers as int32
 * halves (x[2i] low, x[2i+1] high; x0 stays zero, writes to it go to the sink x32), pc as two
 * int32 locals, no allocation, BigInt or closure on the integer path. 64-bit add/sub/shift/
 * compare are done on the halves. The page check happens only on control transfers and when a
 * sequential pc leaves the 4 KiB frame. A MemFault thrown by any access unwinds to the catch
 * below with pc still at the faulting instruction and nothing written.
 */
import type { StopReason } from '../../common/cpu';
import { MemFault, WatchHit } from '../../common/memory';
import type { RvCpu } from '../cpu';
import { decodeInto } from '../decode';
import { Op, OpRange } from '../encodings';
import { execA } from './rva';
import { execD } from './rvd';
import { execF } from './rvf';
import { DIV, DIVU, DIVUW, DIVW, MUL, MULH, MULHSU, MULHU, REM, REMU, REMUW, REMW } from './rvm';
import { execCsr } from './zicsr';

const BUDGET: StopReason = Object.freeze({ kind: 'budget' });
const SYSCALL: StopReason = Object.freeze({ kind: 'syscall' });
const TRAP: StopReason = Object.freeze({ kind: 'trap' });
const BREAKPOINT: StopReason = Object.freeze({ kind: 'breakpoint' });

const TWO53 = 9007199254740992;

/** Runs at most `budget` instructions (see Cpu.run). */
export function run(c: RvCpu, budget: number): StopReason {
  const x = c.x, mem = c.mem, cache = c.cache;
  let pcLo = c.pcLo, pcHi = c.pcHi;
  let n = 0;
  let ca: Int32Array = c.scratch, cOff = 0;
  let tagLo = pcLo, tagHi = ~pcHi; // no frame yet (pcHi !== ~pcHi)
  let stop: StopReason = BUDGET;
  try {
    outer: for (;;) {
      // Budget first: a step that jumps to an unmapped pc ends there; the fetch fault belongs
      // to the next step (as Linux ptrace and qemu report it).
      if (n >= budget) break;
      if (((pcLo ^ tagLo) >>> 12) !== 0 || pcHi !== tagHi) {
        cOff = mem.fetchFrame(pcLo, pcHi);
        ca = cache.frame(cOff);
        tagLo = pcLo; tagHi = pcHi;
      }
      for (;;) {
        if (n >= budget) break outer;
        const i = (pcLo & 0xffe) << 1;
        const w = ca[i]!, r = ca[i + 1]!, imm = ca[i + 2]!;
        const rd = r & 0xff, rs1 = (r >>> 8) & 0xff, rs2 = (r >>> 16) & 0xff;
        switch (w & 0xffff) {
          // ---- decode cache plumbing ----
          case Op.UNDECODED: {
            const o = pcLo & 0xffe;
            let insn = mem.u8[cOff + o]! | (mem.u8[cOff + o + 1]! << 8);
            if ((insn & 3) === 3 && o === 0xffe) { ca[i] = Op.CROSS; ca[i + 3] = insn; }
            else {
              if ((insn & 3) === 3) insn |= (mem.u8[cOff + o + 2]! | (mem.u8[cOff + o + 3]! << 8)) << 16;
              decodeInto(ca, i, insn);
            }
            if (cache.breakpoints.size !== 0 && c.isBreakpoint(pcLo, pcHi)) ca[i] = Op.BREAK | (ca[i]! & 0xffff0000);
            mem.markCode(cOff >>> 12);
            continue;
          }
          case Op.CROSS: { // a 4-byte instruction at offset 0xffe: decode it afresh every time
            const nlo = (pcLo + 2) | 0, nhi = nlo === 0 ? (pcHi + 1) | 0 : pcHi;
            const off2 = mem.fetchFrame(nlo, nhi);
            const insn = (ca[i + 3]! & 0xffff) | ((mem.u8[off2]! | (mem.u8[off2 + 1]! << 8)) << 16);
            ca = c.scratch;
            decodeInto(ca, i, insn);
            tagHi = ~pcHi; // the next frame lookup must not reuse the scratch slots
            continue;
          }
          case Op.BREAK: stop = BREAKPOINT; break outer;
          case Op.ILLEGAL: stop = { kind: 'illegal', insn: ca[i + 3]! >>> 0 }; break outer;

          // ---- RV64I: upper immediates, jumps, branches ----
          case Op.LUI: x[rd] = imm; x[rd + 1] = imm >> 31; break; // LUI
          case Op.AUIPC: { // AUIPC
            const lo = (pcLo + imm) | 0;
            x[rd + 1] = (pcHi + (imm >> 31) + ((lo >>> 0) < (pcLo >>> 0) ? 1 : 0)) | 0; x[rd] = lo;
            break;
          }
          case Op.JAL: { // JAL
            const len = w >>> 16, ll = (pcLo + len) | 0;
            x[rd + 1] = (ll >>> 0) < (pcLo >>> 0) ? (pcHi + 1) | 0 : pcHi; x[rd] = ll;
            const lo = (pcLo + imm) | 0;
            pcHi = (pcHi + (imm >> 31) + ((lo >>> 0) < (pcLo >>> 0) ? 1 : 0)) | 0; pcLo = lo;
            n++;
            continue outer;
          }
          case Op.JALR: { // JALR: target (rs1 + imm) & ~1, read before rd is written
            const bl = x[rs1]!, bh = x[rs1 + 1]!;
            const lo = (bl + imm) | 0, hi = (bh + (imm >> 31) + ((lo >>> 0) < (bl >>> 0) ? 1 : 0)) | 0;
            const len = w >>> 16, ll = (pcLo + len) | 0;
            x[rd + 1] = (ll >>> 0) < (pcLo >>> 0) ? (pcHi + 1) | 0 : pcHi; x[rd] = ll;
            pcLo = lo & ~1; pcHi = hi;
            n++;
            continue outer;
          }
          case Op.BEQ: if (x[rs1] === x[rs2] && x[rs1 + 1] === x[rs2 + 1]) { const lo = (pcLo + imm) | 0; pcHi = (pcHi + (imm >> 31) + ((lo >>> 0) < (pcLo >>> 0) ? 1 : 0)) | 0; pcLo = lo; n++; continue outer; } break;
          case Op.BNE: if (x[rs1] !== x[rs2] || x[rs1 + 1] !== x[rs2 + 1]) { const lo = (pcLo + imm) | 0; pcHi = (pcHi + (imm >> 31) + ((lo >>> 0) < (pcLo >>> 0) ? 1 : 0)) | 0; pcLo = lo; n++; continue outer; } break;
          case Op.BLT: { const ah = x[rs1 + 1]!, bh = x[rs2 + 1]!; if (ah < bh || (ah === bh && (x[rs1]! >>> 0) < (x[rs2]! >>> 0))) { const lo = (pcLo + imm) | 0; pcHi = (pcHi + (imm >> 31) + ((lo >>> 0) < (pcLo >>> 0) ? 1 : 0)) | 0; pcLo = lo; n++; continue outer; } break; }
          case Op.BGE: { const ah = x[rs1 + 1]!, bh = x[rs2 + 1]!; if (!(ah < bh || (ah === bh && (x[rs1]! >>> 0) < (x[rs2]! >>> 0)))) { const lo = (pcLo + imm) | 0; pcHi = (pcHi + (imm >> 31) + ((lo >>> 0) < (pcLo >>> 0) ? 1 : 0)) | 0; pcLo = lo; n++; continue outer; } break; }
          case Op.BLTU: { const ah = x[rs1 + 1]! >>> 0, bh = x[rs2 + 1]! >>> 0; if (ah < bh || (ah === bh && (x[rs1]! >>> 0) < (x[rs2]! >>> 0))) { const lo = (pcLo + imm) | 0; pcHi = (pcHi + (imm >> 31) + ((lo >>> 0) < (pcLo >>> 0) ? 1 : 0)) | 0; pcLo = lo; n++; continue outer; } break; }
          case Op.BGEU: { const ah = x[rs1 + 1]! >>> 0, bh = x[rs2 + 1]! >>> 0; if (!(ah < bh || (ah === bh && (x[rs1]! >>> 0) < (x[rs2]! >>> 0)))) { const lo = (pcLo + imm) | 0; pcHi = (pcHi + (imm >> 31) + ((lo >>> 0) < (pcLo >>> 0) ? 1 : 0)) | 0; pcLo = lo; n++; continue outer; } break; }

          // ---- RV64I: loads and stores (misaligned allowed, as qemu-user does) ----
          case Op.LD: { // LD, LW: their own cases (the most frequent loads)
            const bl = x[rs1]!, lo = (bl + imm) | 0, hi = (x[rs1 + 1]! + (imm >> 31) + ((lo >>> 0) < (bl >>> 0) ? 1 : 0)) | 0;
            const v = mem.load64(lo, hi); x[rd + 1] = mem.hi; x[rd] = v;
            break;
          }
          case Op.LW: {
            const bl = x[rs1]!, lo = (bl + imm) | 0, hi = (x[rs1 + 1]! + (imm >> 31) + ((lo >>> 0) < (bl >>> 0) ? 1 : 0)) | 0;
            const v = mem.load32(lo, hi); x[rd] = v; x[rd + 1] = v >> 31;
            break;
          }
          case Op.SD: { // SD, SW likewise
            const bl = x[rs1]!, lo = (bl + imm) | 0, hi = (x[rs1 + 1]! + (imm >> 31) + ((lo >>> 0) < (bl >>> 0) ? 1 : 0)) | 0;
            mem.store64(lo, hi, x[rs2]!, x[rs2 + 1]!);
            break;
          }
          case Op.SW: {
            const bl = x[rs1]!, lo = (bl + imm) | 0, hi = (x[rs1 + 1]! + (imm >> 31) + ((lo >>> 0) < (bl >>> 0) ? 1 : 0)) | 0;
            mem.store32(lo, hi, x[rs2]!);
            break;
          }
          case Op.LB: case Op.LH: case Op.LBU: case Op.LHU: case Op.LWU: { // LB LH LBU LHU LWU
            const bl = x[rs1]!, bh = x[rs1 + 1]!;
            const lo = (bl + imm) | 0, hi = (bh + (imm >> 31) + ((lo >>> 0) < (bl >>> 0) ? 1 : 0)) | 0;
            switch (w & 0xffff) {
              case Op.LB: { const v = (mem.load8(lo, hi) << 24) >> 24; x[rd] = v; x[rd + 1] = v >> 31; break; }
              case Op.LH: { const v = (mem.load16(lo, hi) << 16) >> 16; x[rd] = v; x[rd + 1] = v >> 31; break; }
              case Op.LW: { const v = mem.load32(lo, hi); x[rd] = v; x[rd + 1] = v >> 31; break; }
              case Op.LD: { const v = mem.load64(lo, hi); x[rd + 1] = mem.hi; x[rd] = v; break; }
              case Op.LBU: x[rd] = mem.load8(lo, hi); x[rd + 1] = 0; break;
              case Op.LHU: x[rd] = mem.load16(lo, hi); x[rd + 1] = 0; break;
              default: x[rd] = mem.load32(lo, hi); x[rd + 1] = 0; break; // LWU
            }
            break;
          }
          case Op.SB: case Op.SH: { // SB SH
            const bl = x[rs1]!, bh = x[rs1 + 1]!;
            const lo = (bl + imm) | 0, hi = (bh + (imm >> 31) + ((lo >>> 0) < (bl >>> 0) ? 1 : 0)) | 0;
            switch (w & 0xffff) {
              case Op.SB: mem.store8(lo, hi, x[rs2]! & 0xff); break;
              case Op.SH: mem.store16(lo, hi, x[rs2]! & 0xffff); break;
              case Op.SW: mem.store32(lo, hi, x[rs2]!); break;
              default: mem.store64(lo, hi, x[rs2]!, x[rs2 + 1]!); break;
            }
            break;
          }

          // ---- RV64I: register-immediate ----
          case Op.ADDI: { // ADDI
            const al = x[rs1]!, lo = (al + imm) | 0;
            x[rd + 1] = (x[rs1 + 1]! + (imm >> 31) + ((lo >>> 0) < (al >>> 0) ? 1 : 0)) | 0; x[rd] = lo;
            break;
          }
          case Op.SLTI: { const ah = x[rs1 + 1]!, bh = imm >> 31; x[rd] = ah < bh || (ah === bh && (x[rs1]! >>> 0) < (imm >>> 0)) ? 1 : 0; x[rd + 1] = 0; break; } // SLTI
          case Op.SLTIU: { const ah = x[rs1 + 1]! >>> 0, bh = (imm >> 31) >>> 0; x[rd] = ah < bh || (ah === bh && (x[rs1]! >>> 0) < (imm >>> 0)) ? 1 : 0; x[rd + 1] = 0; break; } // SLTIU
          case Op.XORI: x[rd + 1] = x[rs1 + 1]! ^ (imm >> 31); x[rd] = x[rs1]! ^ imm; break; // XORI
          case Op.ORI: x[rd + 1] = x[rs1 + 1]! | (imm >> 31); x[rd] = x[rs1]! | imm; break; // ORI
          case Op.ANDI: x[rd + 1] = x[rs1 + 1]! & (imm >> 31); x[rd] = x[rs1]! & imm; break; // ANDI
          case Op.SLLI: { // SLLI (shamt 0..63)
            const al = x[rs1]!;
            if (imm === 0) { x[rd + 1] = x[rs1 + 1]!; x[rd] = al; }
            else if (imm < 32) { x[rd + 1] = (x[rs1 + 1]! << imm) | (al >>> (32 - imm)); x[rd] = al << imm; }
            else { x[rd + 1] = al << (imm - 32); x[rd] = 0; }
            break;
          }
          case Op.SRLI: { // SRLI
            const ah = x[rs1 + 1]!;
            if (imm === 0) { x[rd] = x[rs1]!; x[rd + 1] = ah; }
            else if (imm < 32) { x[rd] = (x[rs1]! >>> imm) | (ah << (32 - imm)); x[rd + 1] = (ah >>> imm) | 0; }
            else { x[rd] = (ah >>> (imm - 32)) | 0; x[rd + 1] = 0; }
            break;
          }
          case Op.SRAI: // SRAI
          case Op.SLL: case Op.SRL: case Op.SRA: { // SLL SRL SRA (rs2 & 63)
            const o = w & 0xffff;
            const s = o <= Op.SRAI ? imm : x[rs2]! & 63;
            const al = x[rs1]!, ah = x[rs1 + 1]!;
            let lo: number, hi: number;
            if (s === 0) { lo = al; hi = ah; }
            else if (o === Op.SLLI || o === Op.SLL) {
              if (s < 32) { hi = (ah << s) | (al >>> (32 - s)); lo = al << s; } else { hi = al << (s - 32); lo = 0; }
            } else if (s < 32) {
              lo = (al >>> s) | (ah << (32 - s));
              hi = o === Op.SRLI || o === Op.SRL ? (ah >>> s) | 0 : ah >> s;
            } else if (o === Op.SRLI || o === Op.SRL) { lo = (ah >>> (s - 32)) | 0; hi = 0; }
            else { lo = ah >> (s - 32); hi = ah >> 31; }
            x[rd] = lo; x[rd + 1] = hi;
            break;
          }

          // ---- RV64I: register-register ----
          case Op.ADD: { // ADD
            const al = x[rs1]!, bl = x[rs2]!, lo = (al + bl) | 0;
            x[rd + 1] = (x[rs1 + 1]! + x[rs2 + 1]! + ((lo >>> 0) < (al >>> 0) ? 1 : 0)) | 0; x[rd] = lo;
            break;
          }
          case Op.SUB: { // SUB
            const al = x[rs1]!, bl = x[rs2]!;
            x[rd + 1] = (x[rs1 + 1]! - x[rs2 + 1]! - ((al >>> 0) < (bl >>> 0) ? 1 : 0)) | 0; x[rd] = (al - bl) | 0;
            break;
          }
          case Op.SLT: { const ah = x[rs1 + 1]!, bh = x[rs2 + 1]!; x[rd] = ah < bh || (ah === bh && (x[rs1]! >>> 0) < (x[rs2]! >>> 0)) ? 1 : 0; x[rd + 1] = 0; break; } // SLT
          case Op.SLTU: { const ah = x[rs1 + 1]! >>> 0, bh = x[rs2 + 1]! >>> 0; x[rd] = ah < bh || (ah === bh && (x[rs1]! >>> 0) < (x[rs2]! >>> 0)) ? 1 : 0; x[rd + 1] = 0; break; } // SLTU
          case Op.XOR: x[rd + 1] = x[rs1 + 1]! ^ x[rs2 + 1]!; x[rd] = x[rs1]! ^ x[rs2]!; break; // XOR
          case Op.OR: x[rd + 1] = x[rs1 + 1]! | x[rs2 + 1]!; x[rd] = x[rs1]! | x[rs2]!; break; // OR
          case Op.AND: x[rd + 1] = x[rs1 + 1]! & x[rs2 + 1]!; x[rd] = x[rs1]! & x[rs2]!; break; // AND

          // ---- RV64I: 32-bit (W) ops, results sign-extended ----
          case Op.ADDIW: { const v = (x[rs1]! + imm) | 0; x[rd] = v; x[rd + 1] = v >> 31; break; } // ADDIW
          case Op.SLLIW: { const v = x[rs1]! << imm; x[rd] = v; x[rd + 1] = v >> 31; break; } // SLLIW
          case Op.SRLIW: { const v = (x[rs1]! >>> imm) | 0; x[rd] = v; x[rd + 1] = v >> 31; break; } // SRLIW
          case Op.SRAIW: { const v = x[rs1]! >> imm; x[rd] = v; x[rd + 1] = v >> 31; break; } // SRAIW
          case Op.ADDW: { const v = (x[rs1]! + x[rs2]!) | 0; x[rd] = v; x[rd + 1] = v >> 31; break; } // ADDW
          case Op.SUBW: { const v = (x[rs1]! - x[rs2]!) | 0; x[rd] = v; x[rd + 1] = v >> 31; break; } // SUBW
          case Op.SLLW: { const v = x[rs1]! << (x[rs2]! & 31); x[rd] = v; x[rd + 1] = v >> 31; break; } // SLLW
          case Op.SRLW: { const v = (x[rs1]! >>> (x[rs2]! & 31)) | 0; x[rd] = v; x[rd + 1] = v >> 31; break; } // SRLW
          case Op.SRAW: { const v = x[rs1]! >> (x[rs2]! & 31); x[rd] = v; x[rd + 1] = v >> 31; break; } // SRAW

          // ---- RV64I / Zifencei: system ----
          case Op.FENCE: break; // FENCE: one hart, accesses already in order
          case Op.FENCE_I: cache.clear(); break; // FENCE.I: drops every decoded instruction (ours too)
          case Op.ECALL: { // ECALL: retires; pc past it
            n++; pcLo = (pcLo + 4) | 0; if ((pcLo >>> 0) < 4) pcHi = (pcHi + 1) | 0;
            stop = SYSCALL;
            break outer;
          }
          case Op.EBREAK: stop = TRAP; break outer; // EBREAK: pc at it, not retired

          // ---- RV64M fast paths (general cases in rvm.ts) ----
          case Op.MUL: { // MUL
            const al = x[rs1]!, ah = x[rs1 + 1]!, bl = x[rs2]!, bh = x[rs2 + 1]!;
            if (ah === al >> 31 && bh === bl >> 31) { // both sign-extended int32
              const p = al * bl;
              if (p < TWO53 && p > -TWO53) { x[rd] = p | 0; x[rd + 1] = Math.floor(p / 4294967296) | 0; break; }
            } else if ((ah | bh) === 0) {
              const p = (al >>> 0) * (bl >>> 0);
              if (p < TWO53) { x[rd] = p | 0; x[rd + 1] = (p / 4294967296) | 0; break; }
            }
            MUL(x, rd, rs1, rs2);
            break;
          }
          case Op.MULH: MULH(x, rd, rs1, rs2); break;
          case Op.MULHSU: MULHSU(x, rd, rs1, rs2); break;
          case Op.MULHU: { // MULHU; one operand below 2^32 (division by a constant) inline
            const al = x[rs1]!, ah = x[rs1 + 1]!, bl = x[rs2]!, bh = x[rs2 + 1]!;
            if (ah !== 0 && bh !== 0) { MULHU(x, rd, rs1, rs2); break; }
            // u * (vh:vl) >> 64 with u < 2^32: every partial product below is exact in a double
            const u = ah === 0 ? al >>> 0 : bl >>> 0, vl = ah === 0 ? bl >>> 0 : al >>> 0, vh = ah === 0 ? bh >>> 0 : ah >>> 0;
            const h00 = Math.floor((u * (vl >>> 16) + Math.floor((u * (vl & 0xffff)) / 65536)) / 65536);
            const h01 = Math.floor((u * (vh >>> 16) + Math.floor((u * (vh & 0xffff)) / 65536)) / 65536);
            const s1 = h00 + (Math.imul(u, vh) >>> 0);
            x[rd] = (h01 + (s1 > 0xffffffff ? 1 : 0)) | 0; x[rd + 1] = 0;
            break;
          }
          case Op.DIV: case Op.REM: { // DIV REM
            const al = x[rs1]!, ah = x[rs1 + 1]!, bl = x[rs2]!, bh = x[rs2 + 1]!;
            if (ah === al >> 31 && bh === bl >> 31 && bl !== 0) {
              const q = (w & 0xffff) === Op.DIV ? Math.trunc(al / bl) : al % bl;
              x[rd] = q | 0; x[rd + 1] = q < 0 ? -1 : 0;
            } else if ((w & 0xffff) === Op.DIV) DIV(c.xb, rd, rs1, rs2);
            else REM(c.xb, rd, rs1, rs2);
            break;
          }
          case Op.DIVU: case Op.REMU: { // DIVU REMU
            const al = x[rs1]!, bl = x[rs2]!;
            if ((x[rs1 + 1]! | x[rs2 + 1]!) === 0 && bl !== 0) {
              x[rd] = (w & 0xffff) === Op.DIVU ? Math.floor((al >>> 0) / (bl >>> 0)) | 0 : ((al >>> 0) % (bl >>> 0)) | 0;
              x[rd + 1] = 0;
            } else if ((w & 0xffff) === Op.DIVU) DIVU(c.xb, rd, rs1, rs2);
            else REMU(c.xb, rd, rs1, rs2);
            break;
          }
          case Op.MULW: { const v = Math.imul(x[rs1]!, x[rs2]!); x[rd] = v; x[rd + 1] = v >> 31; break; } // MULW
          case Op.DIVW: DIVW(x, rd, rs1, rs2); break;
          case Op.DIVUW: DIVUW(x, rd, rs1, rs2); break;
          case Op.REMW: REMW(x, rd, rs1, rs2); break;
          case Op.REMUW: REMUW(x, rd, rs1, rs2); break;

          // ---- Zicsr ----
          case Op.CSRRW: case Op.CSRRS: case Op.CSRRC: case Op.CSRRWI: case Op.CSRRSI: case Op.CSRRCI:
            if (execCsr(c, w & 0xffff, rd, rs1, imm, c.retired + n) !== 0) { stop = { kind: 'illegal', insn: ca[i + 3]! >>> 0 }; break outer; }
            break;

          // ---- A, F, D ----
          default: {
            const op = w & 0xffff;
            let st: number;
            if (op <= OpRange.A_LAST) st = execA(c, op, rd, rs1, rs2);
            else if (op <= OpRange.F_LAST) st = execF(c, op, rd, rs1, rs2, r >>> 24, imm);
            else st = execD(c, op, rd, rs1, rs2, r >>> 24, imm);
            if (st !== 0) { stop = { kind: 'illegal', insn: ca[i + 3]! >>> 0 }; break outer; }
            break;
          }
        }
        // Sequential successor.
        n++;
        const len = w >>> 16;
        pcLo = (pcLo + len) | 0;
        if ((pcLo & 0xfff) < len) { // left the frame (or straddles it)
          if ((pcLo >>> 0) < len) pcHi = (pcHi + 1) | 0;
          continue outer;
        }
      }
    }
  } catch (e) {
    if (!(e instanceof MemFault)) throw e;
    stop = e instanceof WatchHit ? { kind: 'watchpoint', addr: e.addr, access: e.access } : { kind: 'fault', addr: e.addr, access: e.access };
  }
  c.pcLo = pcLo; c.pcHi = pcHi;
  c.retired += n;
  return stop;
}

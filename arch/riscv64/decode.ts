/**
 * Decode cache: one Int32Array per 4 KiB code frame, one 4-int slot per 2-byte offset, filled
 * lazily (a zero slot is Op.UNDECODED) the first time the interpreter reaches it. A write into a
 * frame (Memory.onCodeWrite), FENCE.I or a change of breakpoints clears slots back to zero, so a
 * core never needs to drop the array it is running from.
 *
 * Slot layout (PERF.md technique 1):
 *   [0] op | len << 16          (len 2 or 4 bytes)
 *   [1] rd | rs1 << 8 | rs2 << 16 | rs3 << 24, each register number doubled (index into the
 *       Int32Array halves view); an integer rd of x0 becomes the sink register x32, so writes to
 *       x0 need no test
 *   [2] immediate (sign-extended), or rm / csr / shamt as the row's format says
 *   [3] the raw instruction (16 or 32 bits) for 'illegal' stops and the disassembler
 */
import { decodeCacheOf as sharedCacheOf, type DecodeCache } from '../common/decode-cache';
import type { Memory } from '../common/memory';

export type { DecodeCache };
import { decode32, operands, Op, type Row } from './encodings';
import { expandC } from './rvc';

export const SLOT_INTS = 4;
export const FRAME_INTS = (4096 / 2) * SLOT_INTS;
/** Register index of the write sink that stands in for x0 as a destination. */
export const SINK = 32;

/** Fills slot `i` (int index) of `slots` from instruction word `insn`. */
export function decodeInto(slots: Int32Array, i: number, insn: number): void {
  let op: Op, rd: number, rs1: number, rs2: number, rs3 = 0, imm: number, len: number;
  let rdIsX = true;
  if ((insn & 3) !== 3) {
    const h = insn & 0xffff;
    len = 2;
    const e = expandC(h);
    if (e === null) { op = Op.ILLEGAL; rd = rs1 = rs2 = imm = 0; }
    else {
      [op, rd, rs1, rs2, imm] = e;
      rdIsX = op !== Op.FLD;
    }
    insn = h;
  } else {
    len = 4;
    const row: Row | null = decode32(insn);
    if (row === null) { op = Op.ILLEGAL; rd = rs1 = rs2 = imm = 0; }
    else {
      const o = operands(row, insn);
      op = row.op; rd = o.rd; rs1 = o.rs1; rs2 = o.rs2; rs3 = o.rs3; imm = o.imm;
      rdIsX = row.rd === 'x';
    }
  }
  if (rdIsX && rd === 0) rd = SINK;
  slots[i] = op | (len << 16);
  slots[i + 1] = (rd << 1) | (rs1 << 9) | (rs2 << 17) | (rs3 << 25);
  slots[i + 2] = imm | 0;
  slots[i + 3] = insn | 0;
}

/** This arch's decode cache of `mem`: one slot of SLOT_INTS ints per 2-byte instruction granule. */
export function decodeCacheOf(mem: Memory): DecodeCache {
  return sharedCacheOf(mem, 2, SLOT_INTS);
}

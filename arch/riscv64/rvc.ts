/**
 * "C" standard extension for compressed instructions (RISC-V Unprivileged ISA 20191213, ch. 16,
 * RV64C; table 16.5-16.7 opcode map). Every 16-bit form expands at decode time to the base
 * instruction it stands for (ch. 16: "each RVC instruction expands into a single 32-bit
 * instruction"); HINTs execute as their expansion (which has no effect), reserved encodings
 * expand to nothing and decode as illegal. Same pattern syntax as encodings.ts.
 */
import { buildDecoder } from '../common/decoder';
import { Op, parsePattern } from './encodings';

/** Expansion: base op id, rd, rs1, rs2 (architectural numbers) and immediate. */
export type Expansion = [op: Op, rd: number, rs1: number, rs2: number, imm: number];

export interface CRow {
  name: string;
  mask: number;
  match: number;
  group?: string;
  /** Base mnemonic it expands to (for docs and the disassembler). */
  base: string;
  expand(h: number): Expansion | null;
}

// ---- fields (ch. 16.2, figure 16.1) ----
const rdFull = (h: number) => (h >>> 7) & 31;
const rs2Full = (h: number) => (h >>> 2) & 31;
/** rs1'/rd' in bits 9:7 and rs2'/rd' in bits 4:2 name x8..x15 / f8..f15. */
const r97 = (h: number) => 8 + ((h >>> 7) & 7);
const r42 = (h: number) => 8 + ((h >>> 2) & 7);
const b = (h: number, hi: number, lo: number) => (h >>> lo) & ((1 << (hi - lo + 1)) - 1);
const sext = (v: number, bits: number) => (v << (32 - bits)) >> (32 - bits);

/** imm[5] = bit 12, imm[4:0] = bits 6:2 (C.ADDI, C.LI, C.ADDIW, C.ANDI, shifts). */
const imm6 = (h: number) => (b(h, 12, 12) << 5) | b(h, 6, 2);
const uimmLW = (h: number) => (b(h, 12, 10) << 3) | (b(h, 6, 6) << 2) | (b(h, 5, 5) << 6);
const uimmLD = (h: number) => (b(h, 12, 10) << 3) | (b(h, 6, 5) << 6);
const uimm4spn = (h: number) => (b(h, 12, 11) << 4) | (b(h, 10, 7) << 6) | (b(h, 6, 6) << 2) | (b(h, 5, 5) << 3);
const imm16sp = (h: number) => sext((b(h, 12, 12) << 9) | (b(h, 6, 6) << 4) | (b(h, 5, 5) << 6) | (b(h, 4, 3) << 7) | (b(h, 2, 2) << 5), 10);
const immJ = (h: number) => sext((b(h, 12, 12) << 11) | (b(h, 11, 11) << 4) | (b(h, 10, 9) << 8) | (b(h, 8, 8) << 10) |
  (b(h, 7, 7) << 6) | (b(h, 6, 6) << 7) | (b(h, 5, 3) << 1) | (b(h, 2, 2) << 5), 12);
const immB = (h: number) => sext((b(h, 12, 12) << 8) | (b(h, 11, 10) << 3) | (b(h, 6, 5) << 6) | (b(h, 4, 3) << 1) | (b(h, 2, 2) << 5), 9);
const uimmLWSP = (h: number) => (b(h, 12, 12) << 5) | (b(h, 6, 4) << 2) | (b(h, 3, 2) << 6);
const uimmLDSP = (h: number) => (b(h, 12, 12) << 5) | (b(h, 6, 5) << 3) | (b(h, 4, 2) << 6);
const uimmSWSP = (h: number) => (b(h, 12, 9) << 2) | (b(h, 8, 7) << 6);
const uimmSDSP = (h: number) => (b(h, 12, 10) << 3) | (b(h, 9, 7) << 6);

function c(name: string, pat: string, base: string, expand: (h: number) => Expansion | null, group?: string): CRow {
  const { mask, match } = parsePattern(pat, 16);
  return { name, mask, match, base, expand, ...(group ? { group } : {}) };
}

export const CROWS: readonly CRow[] = [
  // ---- quadrant 0 ----
  // nzuimm = 0 is reserved (this includes the all-zero "defined illegal" halfword).
  c('c.addi4spn', '000 ........ ... 00', 'addi', (h) => (uimm4spn(h) === 0 ? null : [Op.ADDI, r42(h), 2, 0, uimm4spn(h)])),
  c('c.fld', '001 ... ... .. ... 00', 'fld', (h) => [Op.FLD, r42(h), r97(h), 0, uimmLD(h)]),
  c('c.lw', '010 ... ... .. ... 00', 'lw', (h) => [Op.LW, r42(h), r97(h), 0, uimmLW(h)]),
  c('c.ld', '011 ... ... .. ... 00', 'ld', (h) => [Op.LD, r42(h), r97(h), 0, uimmLD(h)]),
  c('c.fsd', '101 ... ... .. ... 00', 'fsd', (h) => [Op.FSD, 0, r97(h), r42(h), uimmLD(h)]),
  c('c.sw', '110 ... ... .. ... 00', 'sw', (h) => [Op.SW, 0, r97(h), r42(h), uimmLW(h)]),
  c('c.sd', '111 ... ... .. ... 00', 'sd', (h) => [Op.SD, 0, r97(h), r42(h), uimmLD(h)]),
  // ---- quadrant 1 ----
  c('c.addi', '000 . ..... ..... 01', 'addi', (h) => [Op.ADDI, rdFull(h), rdFull(h), 0, sext(imm6(h), 6)]),
  c('c.addiw', '001 . ..... ..... 01', 'addiw', (h) => (rdFull(h) === 0 ? null : [Op.ADDIW, rdFull(h), rdFull(h), 0, sext(imm6(h), 6)])),
  c('c.li', '010 . ..... ..... 01', 'addi', (h) => [Op.ADDI, rdFull(h), 0, 0, sext(imm6(h), 6)]),
  c('c.addi16sp', '011 . 00010 ..... 01', 'addi', (h) => (imm16sp(h) === 0 ? null : [Op.ADDI, 2, 2, 0, imm16sp(h)]), 'q1-011'),
  c('c.lui', '011 . ..... ..... 01', 'lui', (h) => (imm6(h) === 0 ? null : [Op.LUI, rdFull(h), 0, 0, sext(imm6(h), 6) << 12]), 'q1-011'),
  c('c.srli', '100 . 00 ... ..... 01', 'srli', (h) => [Op.SRLI, r97(h), r97(h), 0, imm6(h)]),
  c('c.srai', '100 . 01 ... ..... 01', 'srai', (h) => [Op.SRAI, r97(h), r97(h), 0, imm6(h)]),
  c('c.andi', '100 . 10 ... ..... 01', 'andi', (h) => [Op.ANDI, r97(h), r97(h), 0, sext(imm6(h), 6)]),
  c('c.sub', '100 0 11 ... 00 ... 01', 'sub', (h) => [Op.SUB, r97(h), r97(h), r42(h), 0]),
  c('c.xor', '100 0 11 ... 01 ... 01', 'xor', (h) => [Op.XOR, r97(h), r97(h), r42(h), 0]),
  c('c.or', '100 0 11 ... 10 ... 01', 'or', (h) => [Op.OR, r97(h), r97(h), r42(h), 0]),
  c('c.and', '100 0 11 ... 11 ... 01', 'and', (h) => [Op.AND, r97(h), r97(h), r42(h), 0]),
  c('c.subw', '100 1 11 ... 00 ... 01', 'subw', (h) => [Op.SUBW, r97(h), r97(h), r42(h), 0]),
  c('c.addw', '100 1 11 ... 01 ... 01', 'addw', (h) => [Op.ADDW, r97(h), r97(h), r42(h), 0]),
  c('c.j', '101 ........... 01', 'jal', (h) => [Op.JAL, 0, 0, 0, immJ(h)]),
  c('c.beqz', '110 ... ... ..... 01', 'beq', (h) => [Op.BEQ, 0, r97(h), 0, immB(h)]),
  c('c.bnez', '111 ... ... ..... 01', 'bne', (h) => [Op.BNE, 0, r97(h), 0, immB(h)]),
  // ---- quadrant 2 ----
  c('c.slli', '000 . ..... ..... 10', 'slli', (h) => [Op.SLLI, rdFull(h), rdFull(h), 0, imm6(h)]),
  c('c.fldsp', '001 . ..... ..... 10', 'fld', (h) => [Op.FLD, rdFull(h), 2, 0, uimmLDSP(h)]),
  c('c.lwsp', '010 . ..... ..... 10', 'lw', (h) => (rdFull(h) === 0 ? null : [Op.LW, rdFull(h), 2, 0, uimmLWSP(h)])),
  c('c.ldsp', '011 . ..... ..... 10', 'ld', (h) => (rdFull(h) === 0 ? null : [Op.LD, rdFull(h), 2, 0, uimmLDSP(h)])),
  c('c.jr', '100 0 ..... 00000 10', 'jalr', (h) => (rdFull(h) === 0 ? null : [Op.JALR, 0, rdFull(h), 0, 0]), 'q2-100'),
  c('c.mv', '100 0 ..... ..... 10', 'add', (h) => [Op.ADD, rdFull(h), 0, rs2Full(h), 0], 'q2-100'),
  c('c.ebreak', '100 1 00000 00000 10', 'ebreak', () => [Op.EBREAK, 0, 0, 0, 0], 'q2-100'),
  c('c.jalr', '100 1 ..... 00000 10', 'jalr', (h) => [Op.JALR, 1, rdFull(h), 0, 0], 'q2-100'),
  c('c.add', '100 1 ..... ..... 10', 'add', (h) => [Op.ADD, rdFull(h), rdFull(h), rs2Full(h), 0], 'q2-100'),
  c('c.fsdsp', '101 . ..... ..... 10', 'fsd', (h) => [Op.FSD, 0, 2, rs2Full(h), uimmSDSP(h)]),
  c('c.swsp', '110 . ..... ..... 10', 'sw', (h) => [Op.SW, 0, 2, rs2Full(h), uimmSWSP(h)]),
  c('c.sdsp', '111 . ..... ..... 10', 'sd', (h) => [Op.SD, 0, 2, rs2Full(h), uimmSDSP(h)]),
];

/** Decoder for 16-bit instructions, bucketed by quadrant and funct3 (bits 1:0, 15:13). */
export const decode16: (h: number) => CRow | null = buildDecoder(CROWS, 0xe003, (h) => ((h >>> 11) & 0x1c) | (h & 3));

export const CROW_BY_NAME: ReadonlyMap<string, CRow> = new Map(CROWS.map((row) => [row.name, row]));

/** Expands a 16-bit instruction; null when reserved or not an RV64C encoding. */
export function expandC(h: number): Expansion | null {
  const row = decode16(h & 0xffff);
  return row ? row.expand(h & 0xffff) : null;
}

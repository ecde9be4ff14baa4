/**
 * THE A64 encoding table (Arm ARM DDI 0487, C4.1 "A64 instruction set encoding": C4.1.2 Data
 * Processing -- Immediate, C4.1.3 Branches, Exception Generating and System, C4.1.4 Loads and
 * Stores, C4.1.5 Data Processing -- Register, C4.1.6 Data Processing -- Scalar Floating-Point and
 * Advanced SIMD). One row per instruction (or per instruction class where the Arm ARM's own
 * table gives one encoding with opcode fields): mnemonic, a bit pattern written most significant
 * bit first as tokens — `0`/`1` fixed bits, `.` free bits, `name:width` a named field — and the
 * exec handler that implements it. {@link buildDecoder} refuses overlapping rows unless both sit in
 * the same `group` (there the more specific pattern wins, as in the Arm ARM's "unallocated when"
 * carve-outs); the disassembler and the test assembler read the same rows.
 */
import { buildDecoder } from '../common/decoder';

export interface Field { pos: number; width: number }

export interface Row {
  /** Mnemonic (or class name for rows whose mnemonic depends on fields; disasm.ts names those). */
  name: string;
  /** Key of the handler in exec/ (several rows may share one). */
  exec: string;
  mask: number;
  match: number;
  fields: Readonly<Record<string, Field>>;
  /** Rows of one group may overlap; the one with more fixed bits wins. */
  group?: string;
  pattern: string;
}

/** Parses a pattern into mask, match and named fields. */
export function parsePattern(p: string): { mask: number; match: number; fields: Record<string, Field> } {
  let pos = 32, mask = 0, match = 0;
  const fields: Record<string, Field> = {};
  for (const tok of p.trim().split(/\s+/)) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*):(\d+)$/.exec(tok);
    if (m) {
      const width = Number(m[2]);
      pos -= width;
      fields[m[1]!] = { pos, width };
      continue;
    }
    if (/[^01.]/.test(tok)) throw new Error(`bad pattern token ${tok} in ${p}`);
    for (const ch of tok) {
      pos--;
      if (ch !== '.') { mask |= 1 << pos; if (ch === '1') match |= 1 << pos; }
    }
  }
  if (pos !== 0) throw new Error(`pattern is ${32 - pos} bits, not 32: ${p}`);
  return { mask: mask >>> 0, match: match >>> 0, fields };
}

function r(name: string, exec: string, pattern: string, group?: string): Row {
  const { mask, match, fields } = parsePattern(pattern);
  return { name, exec, mask, match, fields, group, pattern };
}

/** Expands `{x}` in the pattern with each bit string, one row per mnemonic. */
function each(names: string[], exec: string, pattern: string, values: string[], group?: string): Row[] {
  return names.map((n, i) => r(n, exec, pattern.replace('{x}', values[i]!), group));
}

const RD = 'Rn:5 Rd:5';

export const ROWS: readonly Row[] = [
  // ---- C4.1.2 Data processing -- immediate ----
  r('adr', 'adr', `0 immlo:2 10000 immhi:19 Rd:5`),
  r('adrp', 'adr', `1 immlo:2 10000 immhi:19 Rd:5`),
  ...each(['add', 'adds', 'sub', 'subs'], 'addsubImm', `sf:1 {x} 100010 sh:1 imm12:12 ${RD}`, ['00', '01', '10', '11']),
  ...each(['and', 'orr', 'eor', 'ands'], 'logImm', `sf:1 {x} 100100 N:1 immr:6 imms:6 ${RD}`, ['00', '01', '10', '11']),
  ...each(['movn', 'movz', 'movk'], 'movWide', `sf:1 {x} 100101 hw:2 imm16:16 Rd:5`, ['00', '10', '11']),
  ...each(['sbfm', 'bfm', 'ubfm'], 'bitfield', `sf:1 {x} 100110 N:1 immr:6 imms:6 ${RD}`, ['00', '01', '10']),
  r('extr', 'extr', `sf:1 00 100111 N:1 0 Rm:5 imms:6 ${RD}`),

  // ---- C4.1.3 Branches, exception generating and system ----
  r('b', 'b', `0 00101 imm26:26`),
  r('bl', 'b', `1 00101 imm26:26`),
  r('cbz', 'cbz', `sf:1 011010 0 imm19:19 Rt:5`),
  r('cbnz', 'cbz', `sf:1 011010 1 imm19:19 Rt:5`),
  r('tbz', 'tbz', `b5:1 011011 0 b40:5 imm14:14 Rt:5`),
  r('tbnz', 'tbz', `b5:1 011011 1 b40:5 imm14:14 Rt:5`),
  r('b.cond', 'bcond', `0101010 0 imm19:19 0 cond:4`),
  r('svc', 'svc', `11010100 000 imm16:16 000 01`),
  r('brk', 'brk', `11010100 001 imm16:16 000 00`),
  r('hint', 'hint', `11010101 00000011 0010 CRm:4 op2:3 11111`),
  r('clrex', 'clrex', `11010101 00000011 0011 CRm:4 010 11111`),
  r('dsb', 'barrier', `11010101 00000011 0011 CRm:4 100 11111`),
  r('dmb', 'barrier', `11010101 00000011 0011 CRm:4 101 11111`),
  r('isb', 'isb', `11010101 00000011 0011 CRm:4 110 11111`),
  r('sys', 'sys', `1101010100 0 01 op1:3 CRn:4 CRm:4 op2:3 Rt:5`),
  r('msr', 'msr', `1101010100 0 1 sreg:15 Rt:5`),
  r('mrs', 'mrs', `1101010100 1 1 sreg:15 Rt:5`),
  r('br', 'br', `1101011 0000 11111 000000 Rn:5 00000`),
  r('blr', 'br', `1101011 0001 11111 000000 Rn:5 00000`),
  r('ret', 'br', `1101011 0010 11111 000000 Rn:5 00000`),

  // ---- C4.1.4 Loads and stores ----
  r('stxr', 'ldstEx', `size:2 001000 0 0 0 Rs:5 0 ..... Rn:5 Rt:5`),
  r('stlxr', 'ldstEx', `size:2 001000 0 0 0 Rs:5 1 ..... Rn:5 Rt:5`),
  r('ldxr', 'ldstEx', `size:2 001000 0 1 0 ..... 0 ..... Rn:5 Rt:5`),
  r('ldaxr', 'ldstEx', `size:2 001000 0 1 0 ..... 1 ..... Rn:5 Rt:5`),
  r('stxp', 'ldstExPair', `1 sz:1 001000 0 0 1 Rs:5 o0:1 Rt2:5 Rn:5 Rt:5`),
  r('ldxp', 'ldstExPair', `1 sz:1 001000 0 1 1 ..... o0:1 Rt2:5 Rn:5 Rt:5`),
  r('stlr', 'ldstAcqRel', `size:2 001000 1 0 0 ..... o0:1 ..... Rn:5 Rt:5`),
  r('ldar', 'ldstAcqRel', `size:2 001000 1 1 0 ..... o0:1 ..... Rn:5 Rt:5`),
  r('ldr.lit', 'ldrLit', `opc:2 011 0 00 imm19:19 Rt:5`),
  r('ldr.lit.fp', 'ldrLitFp', `opc:2 011 1 00 imm19:19 Rt:5`),
  r('ldst.pair', 'ldstPair', `opc:2 101 0 0 idx:2 L:1 imm7:7 Rt2:5 Rn:5 Rt:5`),
  r('ldst.pair.fp', 'ldstPairFp', `opc:2 101 1 0 idx:2 L:1 imm7:7 Rt2:5 Rn:5 Rt:5`),
  r('ldst.imm9', 'ldstImm9', `size:2 111 0 00 opc:2 0 imm9:9 idx:2 Rn:5 Rt:5`),
  r('ldst.imm9.fp', 'ldstImm9Fp', `size:2 111 1 00 opc:2 0 imm9:9 idx:2 Rn:5 Rt:5`),
  r('ldst.reg', 'ldstReg', `size:2 111 0 00 opc:2 1 Rm:5 option:3 S:1 10 Rn:5 Rt:5`),
  r('ldst.reg.fp', 'ldstRegFp', `size:2 111 1 00 opc:2 1 Rm:5 option:3 S:1 10 Rn:5 Rt:5`),
  r('ldst.uimm', 'ldstUimm', `size:2 111 0 01 opc:2 imm12:12 Rn:5 Rt:5`),
  r('ldst.uimm.fp', 'ldstUimmFp', `size:2 111 1 01 opc:2 imm12:12 Rn:5 Rt:5`),
  r('ldst.multi', 'ldstMulti', `0 Q:1 0011000 L:1 000000 opcode:4 size:2 Rn:5 Rt:5`),
  r('ldst.multi.post', 'ldstMulti', `0 Q:1 0011001 L:1 0 Rm:5 opcode:4 size:2 Rn:5 Rt:5`),
  r('ldst.single', 'ldstSingle', `0 Q:1 0011010 L:1 R:1 00000 opcode:3 S:1 size:2 Rn:5 Rt:5`),
  r('ldst.single.post', 'ldstSingle', `0 Q:1 0011011 L:1 R:1 Rm:5 opcode:3 S:1 size:2 Rn:5 Rt:5`),

  // ---- C4.1.5 Data processing -- register ----
  r('log.sreg', 'logSreg', `sf:1 opc:2 01010 shift:2 N:1 Rm:5 imm6:6 ${RD}`),
  r('addsub.sreg', 'addsubSreg', `sf:1 op:1 S:1 01011 shift:2 0 Rm:5 imm6:6 ${RD}`),
  r('addsub.ereg', 'addsubEreg', `sf:1 op:1 S:1 01011 00 1 Rm:5 option:3 imm3:3 ${RD}`),
  r('adc', 'adc', `sf:1 op:1 S:1 11010000 Rm:5 000000 ${RD}`),
  r('ccmp.reg', 'ccmp', `sf:1 op:1 1 11010010 Rm:5 cond:4 0 0 Rn:5 0 nzcv:4`),
  r('ccmp.imm', 'ccmp', `sf:1 op:1 1 11010010 imm5:5 cond:4 1 0 Rn:5 0 nzcv:4`),
  r('csel', 'csel', `sf:1 op:1 0 11010100 Rm:5 cond:4 0 o2:1 ${RD}`),
  r('dp3', 'dp3', `sf:1 00 11011 op31:3 Rm:5 o0:1 Ra:5 ${RD}`),
  r('dp2', 'dp2', `sf:1 0 0 11010110 Rm:5 opcode:6 ${RD}`),
  r('dp1', 'dp1', `sf:1 1 0 11010110 00000 opcode:6 ${RD}`),

  // ---- C4.1.6 Scalar floating point ----
  r('fp.dp1', 'fpDp1', `000 11110 ftype:2 1 opcode:6 10000 ${RD}`),
  r('fcmp', 'fcmp', `000 11110 ftype:2 1 Rm:5 00 1000 Rn:5 opc2:5`),
  r('fmov.imm', 'fmovImm', `000 11110 ftype:2 1 imm8:8 100 00000 Rd:5`),
  r('fccmp', 'fccmp', `000 11110 ftype:2 1 Rm:5 cond:4 01 Rn:5 op:1 nzcv:4`),
  r('fp.dp2', 'fpDp2', `000 11110 ftype:2 1 Rm:5 opcode:4 10 ${RD}`),
  r('fcsel', 'fcsel', `000 11110 ftype:2 1 Rm:5 cond:4 11 ${RD}`),
  r('fp.dp3', 'fpDp3', `000 11111 ftype:2 o1:1 Rm:5 o0:1 Ra:5 ${RD}`),
  r('fp.int', 'fpInt', `sf:1 00 11110 ftype:2 1 rmode:2 opcode:3 000000 ${RD}`),
  r('fp.fixed', 'fpFixed', `sf:1 00 11110 ftype:2 0 rmode:2 opcode:3 scale:6 ${RD}`),

  // ---- C4.1.6 Advanced SIMD ----
  r('simd.3same', 'simd3Same', `0 Q:1 U:1 01110 size:2 1 Rm:5 opcode:5 1 ${RD}`),
  r('simd.3diff', 'simd3Diff', `0 Q:1 U:1 01110 size:2 1 Rm:5 opcode:4 00 ${RD}`),
  r('simd.2misc', 'simd2Misc', `0 Q:1 U:1 01110 size:2 10000 opcode:5 10 ${RD}`),
  r('simd.across', 'simdAcross', `0 Q:1 U:1 01110 size:2 11000 opcode:5 10 ${RD}`),
  r('simd.copy', 'simdCopy', `0 Q:1 op:1 01110000 imm5:5 0 imm4:4 1 ${RD}`),
  r('simd.modimm', 'simdModImm', `0 Q:1 op:1 0111100000 abc:3 cmode:4 o2:1 1 defgh:5 Rd:5`, 'shimm'),
  r('simd.shimm', 'simdShImm', `0 Q:1 U:1 011110 immh:4 immb:3 opcode:5 1 ${RD}`, 'shimm'),
  r('simd.perm', 'simdPerm', `0 Q:1 001110 size:2 0 Rm:5 0 opcode:3 10 ${RD}`),
  r('ext', 'simdExt', `0 Q:1 101110 00 0 Rm:5 0 imm4:4 0 ${RD}`),
  r('tbl', 'simdTbl', `0 Q:1 001110 00 0 Rm:5 0 len:2 op:1 00 ${RD}`),
  r('simd.elem', 'simdElem', `0 Q:1 U:1 01111 size:2 L:1 M:1 Rm:4 opcode:4 H:1 0 ${RD}`),
  r('sisd.3same', 'sisd3Same', `01 U:1 11110 size:2 1 Rm:5 opcode:5 1 ${RD}`),
  r('sisd.2misc', 'sisd2Misc', `01 U:1 11110 size:2 10000 opcode:5 10 ${RD}`),
  r('sisd.pair', 'sisdPair', `01 U:1 11110 size:2 11000 opcode:5 10 ${RD}`),
  r('sisd.dup', 'sisdDup', `01 0 11110000 imm5:5 0 0000 1 ${RD}`),
  r('sisd.shimm', 'sisdShImm', `01 U:1 111110 immh:4 immb:3 opcode:5 1 ${RD}`),
];

/** Decoder for A64, bucketed by op0 (instruction bits 28:25, Arm ARM C4.1). */
export const decodeRow: (w: number) => Row | null = buildDecoder(ROWS, 0x1e000000, (w) => (w >>> 25) & 15);

export const ROW_BY_NAME: ReadonlyMap<string, Row> = new Map(ROWS.map((row) => [row.name, row]));

/** Value of a named field of `row` in word `w` (unsigned). */
export function field(row: Row, w: number, name: string): number {
  const f = row.fields[name];
  if (!f) throw new Error(`${row.name} has no field ${name}`);
  return (w >>> f.pos) & ((1 << f.width) - 1 || -1) >>> 0;
}

/** Inverse of {@link field}: the word for `row` with the given field values (test assembler). */
export function encode(row: Row, values: Record<string, number>): number {
  let w = row.match;
  for (const [k, v] of Object.entries(values)) {
    const f = row.fields[k];
    if (!f) throw new Error(`${row.name} has no field ${k}`);
    const m = f.width === 32 ? -1 : (1 << f.width) - 1;
    w |= (v & m) << f.pos;
  }
  return w >>> 0;
}

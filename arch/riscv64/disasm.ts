/**
 * Disassembler over the same tables the decoder uses (encodings.ts, rvc.ts). Output follows GNU
 * objdump's `-M no-aliases,numeric=off` style: ABI register names, `imm(rs1)` for memory
 * operands, absolute branch/jump targets, a rounding mode only when it is not dynamic.
 * Compressed instructions print as `c.<name>` with the operands of their expansion.
 */
import { decode32, operands, ROW_BY_OP, type Row } from './encodings';
import { F_NAMES, X_NAMES } from './gdb';
import { decode16 } from './rvc';

const RM = ['rne', 'rtz', 'rdn', 'rup', 'rmm', 'rm5', 'rm6', 'dyn'];
const CSR_NAMES: Record<number, string> = { 1: 'fflags', 2: 'frm', 3: 'fcsr', 0xc00: 'cycle', 0xc01: 'time', 0xc02: 'instret' };

function hex(v: bigint): string { return '0x' + BigInt.asUintN(64, v).toString(16); }

function fenceSet(v: number): string {
  const s = (v & 8 ? 'i' : '') + (v & 4 ? 'o' : '') + (v & 2 ? 'r' : '') + (v & 1 ? 'w' : '');
  return s || '0';
}

function format(row: Row, name: string, o: { rd: number; rs1: number; rs2: number; rs3: number; imm: number }, pc: bigint): string {
  const R = (kind: 'x' | 'f', n: number) => (kind === 'x' ? X_NAMES[n]! : F_NAMES[n]!);
  const rd = R(row.rd, o.rd), rs1 = R(row.rs1, o.rs1), rs2 = R(row.rs2, o.rs2), rs3 = R(row.rs3, o.rs3);
  const rm = o.imm === 7 ? '' : `,${RM[o.imm]}`;
  switch (row.fmt) {
    case 'R': return `${name} ${rd},${rs1},${rs2}`;
    case 'I':
      if (row.mem || row.name === 'jalr') return `${name} ${rd},${o.imm}(${rs1})`;
      return `${name} ${rd},${rs1},${o.imm}`;
    case 'S': return `${name} ${rs2},${o.imm}(${rs1})`;
    case 'B': return `${name} ${rs1},${rs2},${hex(pc + BigInt(o.imm))}`;
    case 'U': return `${name} ${rd},${hex(BigInt(o.imm >>> 12))}`;
    case 'J': return `${name} ${rd},${hex(pc + BigInt(o.imm))}`;
    case 'SH6': case 'SH5': return `${name} ${rd},${rs1},${o.imm}`;
    case 'R4': return `${name} ${rd},${rs1},${rs2},${rs3}${rm}`;
    case 'RM': return `${name} ${rd},${rs1},${rs2}${rm}`;
    case 'R2RM': return `${name} ${rd},${rs1}${rm}`;
    case 'R2': return `${name} ${rd},${rs1}`;
    case 'A': return `${name}${['', '.rl', '.aq', '.aqrl'][o.imm]} ${rd},${rs2},(${rs1})`;
    case 'LR': return `${name}${['', '.rl', '.aq', '.aqrl'][o.imm]} ${rd},(${rs1})`;
    case 'CSR': return `${name} ${rd},${CSR_NAMES[o.imm] ?? hex(BigInt(o.imm))},${rs1}`;
    case 'CSRI': return `${name} ${rd},${CSR_NAMES[o.imm] ?? hex(BigInt(o.imm))},${o.rs1}`;
    case 'FENCE': return `${name} ${fenceSet(o.imm >> 4)},${fenceSet(o.imm & 15)}`;
    case 'NONE': return name;
  }
}

/** One instruction (its little-endian word; the low 16 bits for a compressed one) as text. */
export function disasm(insn: number, pc: bigint): string {
  if ((insn & 3) !== 3) {
    const h = insn & 0xffff;
    const crow = decode16(h);
    const e = crow?.expand(h);
    if (!crow || !e) return `.insn 0x${h.toString(16).padStart(4, '0')}`;
    const [op, rd, rs1, rs2, imm] = e;
    return format(ROW_BY_OP[op]!, crow.name, { rd, rs1, rs2, rs3: 0, imm }, pc);
  }
  const row = decode32(insn >>> 0);
  if (!row) return `.insn 0x${(insn >>> 0).toString(16).padStart(8, '0')}`;
  return format(row, row.name, operands(row, insn | 0), pc);
}

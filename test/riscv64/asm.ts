/**
 * A tiny assembler for tests, built from the encoding tables (arch/riscv64/encodings.ts and
 * rvc.ts): `mnemonic operands` per line, `label:` lines, `#` comments. Operand syntax follows
 * the row's format as the disassembler prints it (objdump style, no pseudo-instructions except
 * `li`-free basics); branch/jump targets may be labels or numeric byte offsets. Compressed
 * instructions are written `c.<name>` with the operands of their expansion, e.g.
 * `c.addi a0, a0, 1`, `c.lw a2, 4(a3)`, `c.j label`; the encoder finds the halfword whose
 * expansion matches.
 */
import { encode, ROW_BY_NAME, ROW_BY_OP, type Row } from '../../arch/riscv64/encodings';
import { CROWS, CROW_BY_NAME } from '../../arch/riscv64/rvc';
import { F_NAMES, X_NAMES } from '../../arch/riscv64/gdb';

const RM: Record<string, number> = { rne: 0, rtz: 1, rdn: 2, rup: 3, rmm: 4, dyn: 7 };
const CSR: Record<string, number> = { fflags: 1, frm: 2, fcsr: 3, cycle: 0xc00, time: 0xc01, instret: 0xc02 };

export function xreg(s: string): number {
  const t = s.trim();
  if (/^x\d+$/.test(t)) return Number(t.slice(1));
  if (t === 's0') return 8;
  const i = X_NAMES.indexOf(t);
  if (i < 0) throw new Error(`bad x register ${s}`);
  return i;
}
export function freg(s: string): number {
  const t = s.trim();
  if (/^f\d+$/.test(t)) return Number(t.slice(1));
  const i = F_NAMES.indexOf(t);
  if (i < 0) throw new Error(`bad f register ${s}`);
  return i;
}
function num(s: string): number {
  const t = s.trim();
  const v = Number(t.startsWith('-0x') ? -Number.parseInt(t.slice(3), 16) : t);
  if (!Number.isFinite(v)) throw new Error(`bad number ${s}`);
  return v;
}

interface Parsed { rd: number; rs1: number; rs2: number; rs3: number; imm: number }

function parseOperands(row: Row, ops: string[], pc: number, labels: Map<string, number>): Parsed {
  const o: Parsed = { rd: 0, rs1: 0, rs2: 0, rs3: 0, imm: 0 };
  const R = (k: 'x' | 'f', s: string) => (k === 'x' ? xreg(s) : freg(s));
  const memop = (s: string) => {
    const m = /^(.*)\((.+)\)$/.exec(s.trim());
    if (!m) throw new Error(`bad memory operand ${s}`);
    return { imm: m[1]!.trim() === '' ? 0 : num(m[1]!), reg: xreg(m[2]!) };
  };
  const target = (s: string) => (labels.has(s.trim()) ? labels.get(s.trim())! - pc : num(s));
  const rm = (s: string | undefined) => (s === undefined ? 7 : RM[s.trim()] ?? num(s));
  switch (row.fmt) {
    case 'R': o.rd = R(row.rd, ops[0]!); o.rs1 = R(row.rs1, ops[1]!); o.rs2 = R(row.rs2, ops[2]!); break;
    case 'I':
      o.rd = R(row.rd, ops[0]!);
      if (row.mem || row.name === 'jalr') { const m = memop(ops[1]!); o.imm = m.imm; o.rs1 = m.reg; }
      else { o.rs1 = R(row.rs1, ops[1]!); o.imm = num(ops[2]!); }
      break;
    case 'S': { o.rs2 = R(row.rs2, ops[0]!); const m = memop(ops[1]!); o.imm = m.imm; o.rs1 = m.reg; break; }
    case 'B': o.rs1 = xreg(ops[0]!); o.rs2 = xreg(ops[1]!); o.imm = target(ops[2]!); break;
    case 'U': o.rd = xreg(ops[0]!); o.imm = num(ops[1]!) << 12; break;
    case 'J': o.rd = xreg(ops[0]!); o.imm = target(ops[1]!); break;
    case 'SH6': case 'SH5': o.rd = xreg(ops[0]!); o.rs1 = xreg(ops[1]!); o.imm = num(ops[2]!); break;
    case 'R4': o.rd = freg(ops[0]!); o.rs1 = freg(ops[1]!); o.rs2 = freg(ops[2]!); o.rs3 = freg(ops[3]!); o.imm = rm(ops[4]); break;
    case 'RM': o.rd = R(row.rd, ops[0]!); o.rs1 = R(row.rs1, ops[1]!); o.rs2 = R(row.rs2, ops[2]!); o.imm = rm(ops[3]); break;
    case 'R2RM': o.rd = R(row.rd, ops[0]!); o.rs1 = R(row.rs1, ops[1]!); o.imm = rm(ops[2]); break;
    case 'R2': o.rd = R(row.rd, ops[0]!); o.rs1 = R(row.rs1, ops[1]!); break;
    case 'A': o.rd = xreg(ops[0]!); o.rs2 = xreg(ops[1]!); o.rs1 = memop(ops[2]!).reg; break;
    case 'LR': o.rd = xreg(ops[0]!); o.rs1 = memop(ops[1]!).reg; break;
    case 'CSR': o.rd = xreg(ops[0]!); o.imm = CSR[ops[1]!.trim()] ?? num(ops[1]!); o.rs1 = xreg(ops[2]!); break;
    case 'CSRI': o.rd = xreg(ops[0]!); o.imm = CSR[ops[1]!.trim()] ?? num(ops[1]!); o.rs1 = num(ops[2]!); break;
    case 'FENCE': o.imm = 0xff; break;
    case 'NONE': break;
  }
  return o;
}

/** Reverse map of every compressed expansion: `name|rd,rs1,rs2,imm` -> halfword. */
let cmap: Map<string, number> | null = null;
function compressedMap(): Map<string, number> {
  if (cmap) return cmap;
  cmap = new Map();
  for (let h = 0; h < 0x10000; h++) {
    if ((h & 3) === 3) continue;
    const row = CROWS.find((r) => (h & r.mask) === r.match);
    if (!row) continue;
    // group rows: the decoder picks the most specific; mirror that
    const best = CROWS.filter((r) => (h & r.mask) === r.match).sort((a, b) => pop(b.mask) - pop(a.mask))[0]!;
    const e = best.expand(h);
    if (!e) continue;
    const key = `${best.name}|${e[1]},${e[2]},${e[3]},${e[4]}`;
    if (!cmap.has(key)) cmap.set(key, h);
  }
  return cmap;
}
function pop(m: number): number { let c = 0; for (; m; m &= m - 1) c++; return c; }

/** Assembled program: bytes plus label offsets. */
export interface Program { bytes: Uint8Array; labels: Map<string, number> }

function lineSize(mn: string): number { return mn.startsWith('c.') ? 2 : mn === '.half' ? 2 : 4; }

/** Encodes one instruction at byte offset `pc` (relative; labels are offsets too). */
export function encodeInsn(line: string, pc = 0, labels = new Map<string, number>()): { word: number; size: number } {
  const t = line.trim();
  const sp = t.search(/\s/);
  const mn = (sp < 0 ? t : t.slice(0, sp)).toLowerCase();
  const rest = sp < 0 ? '' : t.slice(sp + 1);
  const ops = rest.trim() === '' ? [] : splitOps(rest);
  if (mn === '.word') return { word: num(ops[0]!) >>> 0, size: 4 };
  if (mn === '.half') return { word: num(ops[0]!) & 0xffff, size: 2 };
  if (mn.startsWith('c.')) {
    const crow = CROW_BY_NAME.get(mn);
    if (!crow) throw new Error(`unknown ${mn}`);
    const base = ROW_BY_NAME.get(crow.base)!;
    let o: Parsed;
    if (mn === 'c.ebreak') o = { rd: 0, rs1: 0, rs2: 0, rs3: 0, imm: 0 };
    else o = parseOperands(base, ops, pc, labels);
    const fields = base.fmt === 'U' ? o.imm : o.imm;
    const key = `${mn}|${o.rd},${o.rs1},${o.rs2},${fields}`;
    const h = compressedMap().get(key);
    if (h === undefined) throw new Error(`no encoding for ${line} (${key})`);
    return { word: h, size: 2 };
  }
  const row = ROW_BY_NAME.get(mn);
  if (!row) throw new Error(`unknown mnemonic ${mn}`);
  const o = parseOperands(row, ops, pc, labels);
  const range: Partial<Record<string, [number, number]>> = { I: [-2048, 2047], S: [-2048, 2047], B: [-4096, 4094], J: [-(1 << 20), (1 << 20) - 2] };
  const rg = row.name === 'fence' ? undefined : range[row.fmt];
  if (rg && (o.imm < rg[0] || o.imm > rg[1])) throw new Error(`immediate out of range: ${line}`);
  return { word: encode(row, o), size: 4 };
}

function splitOps(s: string): string[] {
  const out: string[] = [];
  let depth = 0, cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) { out.push(cur.trim()); cur = ''; } else cur += ch;
  }
  if (cur.trim() !== '') out.push(cur.trim());
  return out;
}

/** Assembles a program (two passes for labels). */
export function assemble(src: string): Program {
  const lines = src.split('\n').map((l) => l.replace(/#.*$/, '').trim()).filter((l) => l !== '');
  const labels = new Map<string, number>();
  let pc = 0;
  for (const l of lines) {
    if (l.endsWith(':')) { labels.set(l.slice(0, -1), pc); continue; }
    pc += lineSize(l.split(/\s/)[0]!.toLowerCase());
  }
  const bytes = new Uint8Array(pc);
  pc = 0;
  for (const l of lines) {
    if (l.endsWith(':')) continue;
    const { word, size } = encodeInsn(l, pc, labels);
    for (let k = 0; k < size; k++) bytes[pc + k] = (word >>> (8 * k)) & 0xff;
    pc += size;
  }
  return { bytes, labels };
}

export { ROW_BY_OP };

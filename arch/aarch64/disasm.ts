/**
 * A64 disassembly for every row of the encoding table, in the Arm ARM's assembler syntax
 * (C6/C7 "Assembler symbols") with the preferred aliases llvm-objdump and gdb print (mov, cmp,
 * tst, lsl/lsr/asr, ubfx/sbfx, sxtw, cset, mul, ...). Branch targets are absolute addresses.
 * Words the table does not know print as `.inst 0x...` (the decoder raises SIGILL for them).
 */
import { decodeRow, type Row } from './encodings';
import { decodeBitMasks } from './exec/dpimm';
import { expandImm } from './exec/fp';

const COND = ['eq', 'ne', 'hs', 'lo', 'mi', 'pl', 'vs', 'vc', 'hi', 'ls', 'ge', 'lt', 'gt', 'le', 'al', 'nv'];
const SHIFT = ['lsl', 'lsr', 'asr', 'ror'];
const EXTEND = ['uxtb', 'uxth', 'uxtw', 'uxtx', 'sxtb', 'sxth', 'sxtw', 'sxtx'];
const BARRIER: Record<number, string> = { 1: 'oshld', 2: 'oshst', 3: 'osh', 5: 'nshld', 6: 'nshst', 7: 'nsh', 9: 'ishld', 10: 'ishst', 11: 'ish', 13: 'ld', 14: 'st', 15: 'sy' };
const HINT: Record<number, string> = { 0: 'nop', 1: 'yield', 2: 'wfe', 3: 'wfi', 4: 'sev', 5: 'sevl', 7: 'xpaclri', 20: 'csdb', 25: 'paciasp', 29: 'autiasp', 32: 'bti', 34: 'bti c', 36: 'bti j', 38: 'bti jc' };
const SYSREG: Record<number, string> = {
  [0x5a10]: 'nzcv', [0x5a20]: 'fpcr', [0x5a21]: 'fpsr', [0x5e82]: 'tpidr_el0', [0x5e83]: 'tpidrro_el0',
  [0x5801]: 'ctr_el0', [0x5807]: 'dczid_el0', [0x5f00]: 'cntfrq_el0', [0x5f02]: 'cntvct_el0', [0x4000]: 'midr_el1',
};

const hex = (v: number | bigint) => (typeof v === 'bigint' ? (v < 0n ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`) : v < 0 ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`);
const imm = (v: number | bigint) => `#${hex(v)}`;

/** Register name: sf picks x/w, sp whether 31 is the stack pointer (else the zero register). */
function r(n: number, sf: number | boolean, sp = false): string {
  if (n === 31) return sp ? (sf ? 'sp' : 'wsp') : sf ? 'xzr' : 'wzr';
  return `${sf ? 'x' : 'w'}${n}`;
}
const FPN = ['s', 'd', '?', 'h'];
const fr = (n: number, ftype: number) => `${FPN[ftype]}${n}`;
const target = (pc: bigint, off: number) => hex(BigInt.asUintN(64, pc + BigInt(off)));

function f(w: number, pos: number, width: number): number { return (w >>> pos) & ((1 << width) - 1); }
function sx(v: number, bits: number): number { return (v << (32 - bits)) >> (32 - bits); }

type Printer = (w: number, pc: bigint, row: Row) => string;

function addsubImm(w: number): string {
  const sf = w >>> 31, op = f(w, 30, 1), S = f(w, 29, 1), sh = f(w, 22, 1), i12 = f(w, 10, 12), rn = f(w, 5, 5), rd = f(w, 0, 5);
  const shs = sh ? ', lsl #12' : '';
  if (!op && !S && i12 === 0 && !sh && (rd === 31 || rn === 31)) return `mov ${r(rd, sf, true)}, ${r(rn, sf, true)}`;
  if (S && rd === 31) return `${op ? 'cmp' : 'cmn'} ${r(rn, sf, true)}, #${i12}${shs}`;
  return `${op ? 'sub' : 'add'}${S ? 's' : ''} ${r(rd, sf, !S)}, ${r(rn, sf, true)}, #${i12}${shs}`;
}

function logImm(w: number): string {
  const sf = w >>> 31, opc = f(w, 29, 2), rn = f(w, 5, 5), rd = f(w, 0, 5);
  const m = decodeBitMasks(f(w, 22, 1), f(w, 10, 6), f(w, 16, 6), sf === 1);
  if (!m) return `.inst ${hex(w >>> 0)}`;
  const v = sf ? (BigInt(m[1] >>> 0) << 32n) | BigInt(m[0] >>> 0) : BigInt(m[0] >>> 0);
  if (opc === 1 && rn === 31) return `mov ${r(rd, sf, true)}, ${imm(v)}`;
  if (opc === 3 && rd === 31) return `tst ${r(rn, sf)}, ${imm(v)}`;
  return `${['and', 'orr', 'eor', 'ands'][opc]} ${r(rd, sf, opc !== 3)}, ${r(rn, sf)}, ${imm(v)}`;
}

function movWide(w: number): string {
  const sf = w >>> 31, opc = f(w, 29, 2), hw = f(w, 21, 2), i16 = f(w, 5, 16), rd = f(w, 0, 5);
  if (opc === 2 && (i16 !== 0 || hw === 0)) return `mov ${r(rd, sf)}, #${BigInt.asIntN(sf ? 64 : 32, BigInt(i16) << BigInt(hw * 16))}`;
  if (opc === 0 && (i16 !== 0 || hw === 0)) {
    const v = ~(BigInt(i16) << BigInt(hw * 16));
    if (sf || i16 !== 0xffff) return `mov ${r(rd, sf)}, #${sf ? v : BigInt.asIntN(32, v)}`;
  }
  const name = opc === 0 ? 'movn' : opc === 2 ? 'movz' : 'movk';
  return `${name} ${r(rd, sf)}, #${i16}${hw ? `, lsl #${hw * 16}` : ''}`;
}

function bitfield(w: number): string {
  const sf = w >>> 31, opc = f(w, 29, 2), immr = f(w, 16, 6), imms = f(w, 10, 6), rn = f(w, 5, 5), rd = f(w, 0, 5);
  const size = sf ? 64 : 32, d = r(rd, sf), n = r(rn, sf);
  if (opc === 2) {
    if (imms === size - 1) return `lsr ${d}, ${n}, #${immr}`;
    if (imms + 1 === immr) return `lsl ${d}, ${n}, #${size - 1 - imms}`;
    if (immr === 0 && imms === 7) return `uxtb ${r(rd, 0)}, ${r(rn, 0)}`;
    if (immr === 0 && imms === 15) return `uxth ${r(rd, 0)}, ${r(rn, 0)}`;
    if (imms < immr) return `ubfiz ${d}, ${n}, #${size - immr}, #${imms + 1}`;
    return `ubfx ${d}, ${n}, #${immr}, #${imms - immr + 1}`;
  }
  if (opc === 0) {
    if (imms === size - 1) return `asr ${d}, ${n}, #${immr}`;
    if (immr === 0 && (imms === 7 || imms === 15 || imms === 31)) return `sxt${imms === 7 ? 'b' : imms === 15 ? 'h' : 'w'} ${d}, ${r(rn, 0)}`;
    if (imms < immr) return `sbfiz ${d}, ${n}, #${size - immr}, #${imms + 1}`;
    return `sbfx ${d}, ${n}, #${immr}, #${imms - immr + 1}`;
  }
  if (imms < immr) return `bfi ${d}, ${n}, #${size - immr}, #${imms + 1}`;
  return `bfxil ${d}, ${n}, #${immr}, #${imms - immr + 1}`;
}

function logSreg(w: number): string {
  const sf = w >>> 31, opc = f(w, 29, 2), N = f(w, 21, 1), sh = f(w, 22, 2), amt = f(w, 10, 6), rm = f(w, 16, 5), rn = f(w, 5, 5), rd = f(w, 0, 5);
  const shs = amt ? `, ${SHIFT[sh]} #${amt}` : '';
  if (opc === 1 && rn === 31 && !amt) return `${N ? 'mvn' : 'mov'} ${r(rd, sf)}, ${r(rm, sf)}`;
  if (opc === 3 && rd === 31 && !N) return `tst ${r(rn, sf)}, ${r(rm, sf)}${shs}`;
  const name = [['and', 'bic'], ['orr', 'orn'], ['eor', 'eon'], ['ands', 'bics']][opc]![N]!;
  return `${name} ${r(rd, sf)}, ${r(rn, sf)}, ${r(rm, sf)}${shs}`;
}

function addsubSreg(w: number): string {
  const sf = w >>> 31, op = f(w, 30, 1), S = f(w, 29, 1), sh = f(w, 22, 2), amt = f(w, 10, 6), rm = f(w, 16, 5), rn = f(w, 5, 5), rd = f(w, 0, 5);
  const shs = amt ? `, ${SHIFT[sh]} #${amt}` : '';
  if (S && rd === 31) return `${op ? 'cmp' : 'cmn'} ${r(rn, sf)}, ${r(rm, sf)}${shs}`;
  if (op && rn === 31) return `neg${S ? 's' : ''} ${r(rd, sf)}, ${r(rm, sf)}${shs}`;
  return `${op ? 'sub' : 'add'}${S ? 's' : ''} ${r(rd, sf)}, ${r(rn, sf)}, ${r(rm, sf)}${shs}`;
}

function addsubEreg(w: number): string {
  const sf = w >>> 31, op = f(w, 30, 1), S = f(w, 29, 1), opt = f(w, 13, 3), i3 = f(w, 10, 3), rm = f(w, 16, 5), rn = f(w, 5, 5), rd = f(w, 0, 5);
  const m = r(rm, sf && (opt & 3) === 3);
  const ext = (rd === 31 || rn === 31) && opt === (sf ? 3 : 2) ? (i3 ? `, lsl #${i3}` : '') : `, ${EXTEND[opt]}${i3 ? ` #${i3}` : ''}`;
  if (S && rd === 31) return `${op ? 'cmp' : 'cmn'} ${r(rn, sf, true)}, ${m}${ext}`;
  return `${op ? 'sub' : 'add'}${S ? 's' : ''} ${r(rd, sf, !S)}, ${r(rn, sf, true)}, ${m}${ext}`;
}

function dp3(w: number): string {
  const sf = w >>> 31, k = (f(w, 21, 3) << 1) | f(w, 15, 1), rm = f(w, 16, 5), ra = f(w, 10, 5), rn = f(w, 5, 5), rd = f(w, 0, 5);
  const long = k >= 2 && k !== 4 && k !== 12;
  const n = r(rn, long ? 0 : sf), m = r(rm, long ? 0 : sf), d = r(rd, sf);
  const base = { 0: 'madd', 1: 'msub', 2: 'smaddl', 3: 'smsubl', 4: 'smulh', 10: 'umaddl', 11: 'umsubl', 12: 'umulh' }[k] ?? '?';
  if (k === 4 || k === 12) return `${base} ${d}, ${n}, ${m}`;
  if (ra === 31) {
    const alias = { 0: 'mul', 1: 'mneg', 2: 'smull', 3: 'smnegl', 10: 'umull', 11: 'umnegl' }[k];
    if (alias) return `${alias} ${d}, ${n}, ${m}`;
  }
  return `${base} ${d}, ${n}, ${m}, ${r(ra, sf)}`;
}

function csel(w: number): string {
  const sf = w >>> 31, op = f(w, 30, 1), o2 = f(w, 10, 1), cond = f(w, 12, 4), rm = f(w, 16, 5), rn = f(w, 5, 5), rd = f(w, 0, 5);
  const name = [['csel', 'csinc'], ['csinv', 'csneg']][op]![o2]!;
  if (rm === rn && cond < 14 && (op || o2)) {
    const inv = COND[cond ^ 1];
    if (rn === 31 && name !== 'csneg') return `${name === 'csinc' ? 'cset' : 'csetm'} ${r(rd, sf)}, ${inv}`;
    return `${name === 'csinc' ? 'cinc' : name === 'csinv' ? 'cinv' : 'cneg'} ${r(rd, sf)}, ${r(rn, sf)}, ${inv}`;
  }
  return `${name} ${r(rd, sf)}, ${r(rn, sf)}, ${r(rm, sf)}, ${COND[cond]}`;
}

/** Loads and stores (integer and SIMD&FP). */
function ldst(w: number, pc: bigint, row: Row): string {
  const size = w >>> 30, V = f(w, 26, 1), opc = f(w, 22, 2), rn = f(w, 5, 5), rt = f(w, 0, 5);
  const base = r(rn, 1, true);
  let name: string, t: string;
  if (V) {
    const scale = opc & 2 ? 4 : size;
    name = opc & 1 ? 'ldr' : 'str';
    t = `${'bhsdq'[scale]}${rt}`;
  } else if (opc === 2 && size === 3) { name = 'prfm'; t = `#${rt}`; }
  else {
    const sfx = size === 0 ? 'b' : size === 1 ? 'h' : size === 2 && opc >= 2 ? 'w' : '';
    name = opc === 0 ? `str${sfx}` : opc === 1 ? `ldr${sfx}` : `ldrs${sfx}`;
    t = r(rt, opc === 2 || (opc < 2 && size === 3));
  }
  switch (row.exec) {
    case 'ldstUimm': case 'ldstUimmFp': {
      const scale = V && opc & 2 ? 4 : size;
      const off = f(w, 10, 12) << scale;
      return `${name} ${t}, [${base}${off ? `, #${off}` : ''}]`;
    }
    case 'ldstImm9': case 'ldstImm9Fp': {
      const idx = f(w, 10, 2), i9 = sx(f(w, 12, 9), 9);
      if (idx === 1) return `${name} ${t}, [${base}], #${i9}`;
      if (idx === 3) return `${name} ${t}, [${base}, #${i9}]!`;
      const u = name.replace(/^ldr/, 'ldur').replace(/^str/, 'stur').replace(/^prfm/, 'prfum');
      return `${idx === 2 ? name.replace(/^(ld|st)r/, '$1tr') : u} ${t}, [${base}${i9 ? `, #${i9}` : ''}]`;
    }
    case 'ldstReg': case 'ldstRegFp': {
      const opt = f(w, 13, 3), S = f(w, 12, 1), rm = f(w, 16, 5);
      const scale = V && opc & 2 ? 4 : size;
      const ext = opt === 3 ? (S ? `, lsl #${scale}` : '') : `, ${EXTEND[opt]}${S ? ` #${scale}` : ''}`;
      return `${name} ${t}, [${base}, ${r(rm, opt & 1)}${ext}]`;
    }
    default: {
      // literal
      const off = sx(f(w, 5, 19), 19) * 4;
      if (!V && size === 3) return `prfm #${rt}, ${target(pc, off)}`;
      const lt = V ? `${'sdq'[size]}${rt}` : r(rt, size !== 0);
      return `${!V && size === 2 ? 'ldrsw' : 'ldr'} ${lt}, ${target(pc, off)}`;
    }
  }
}

function pair(w: number, _pc: bigint, row: Row): string {
  const opc = w >>> 30, idx = f(w, 23, 2), L = f(w, 22, 1), rt2 = f(w, 10, 5), rn = f(w, 5, 5), rt = f(w, 0, 5);
  const fp = row.exec === 'ldstPairFp';
  const scale = fp ? opc + 2 : opc === 2 ? 3 : 2;
  const off = sx(f(w, 15, 7), 7) << scale;
  const reg = (n: number) => (fp ? `${'sdq'[opc]}${n}` : r(n, opc !== 0));
  const name = (idx === 0 ? (L ? 'ldnp' : 'stnp') : L ? (opc === 1 && !fp ? 'ldpsw' : 'ldp') : 'stp');
  const b = r(rn, 1, true);
  const addr = idx === 1 ? `[${b}], #${off}` : idx === 3 ? `[${b}, #${off}]!` : `[${b}${off ? `, #${off}` : ''}]`;
  return `${name} ${reg(rt)}, ${reg(rt2)}, ${addr}`;
}

function exclusive(w: number, _pc: bigint, row: Row): string {
  const size = w >>> 30, rs = f(w, 16, 5), rt2 = f(w, 10, 5), rn = f(w, 5, 5), rt = f(w, 0, 5), o0 = f(w, 15, 1);
  const b = `[${r(rn, 1, true)}]`;
  const sfx = size === 0 ? 'b' : size === 1 ? 'h' : '';
  switch (row.name) {
    case 'ldxr': case 'ldaxr': return `${row.name}${sfx} ${r(rt, size === 3)}, ${b}`;
    case 'stxr': case 'stlxr': return `${row.name}${sfx} ${r(rs, 0)}, ${r(rt, size === 3)}, ${b}`;
    case 'ldxp': return `${o0 ? 'ldaxp' : 'ldxp'} ${r(rt, size & 1)}, ${r(rt2, size & 1)}, ${b}`;
    case 'stxp': return `${o0 ? 'stlxp' : 'stxp'} ${r(rs, 0)}, ${r(rt, size & 1)}, ${r(rt2, size & 1)}, ${b}`;
    default: return `${row.name === 'ldar' ? (o0 ? 'ldar' : 'ldlar') : o0 ? 'stlr' : 'stllr'}${sfx} ${r(rt, size === 3)}, ${b}`;
  }
}

const INT3S: Record<number, string> = { 0: 'shadd', 1: 'sqadd', 2: 'srhadd', 4: 'shsub', 5: 'sqsub', 6: 'cmgt', 7: 'cmge', 8: 'sshl', 12: 'smax', 13: 'smin', 14: 'sabd', 15: 'saba', 16: 'add', 17: 'cmtst', 18: 'mla', 19: 'mul', 20: 'smaxp', 21: 'sminp', 23: 'addp' };
const INT3U: Record<number, string> = { 0: 'uhadd', 1: 'uqadd', 2: 'urhadd', 4: 'uhsub', 5: 'uqsub', 6: 'cmhi', 7: 'cmhs', 8: 'ushl', 12: 'umax', 13: 'umin', 14: 'uabd', 15: 'uaba', 16: 'sub', 17: 'cmeq', 18: 'mls', 20: 'umaxp', 21: 'uminp' };
const FP3: Record<number, string> = { 0x1a: 'fadd', 0x3a: 'fsub', 0x5b: 'fmul', 0x5f: 'fdiv', 0x1e: 'fmax', 0x3e: 'fmin', 0x18: 'fmaxnm', 0x38: 'fminnm', 0x19: 'fmla', 0x39: 'fmls', 0x7a: 'fabd', 0x1c: 'fcmeq', 0x5c: 'fcmge', 0x7c: 'fcmgt', 0x5a: 'faddp' };
const MISC2: Record<number, string> = { 0x00: 'rev64', 0x20: 'rev32', 0x01: 'rev16', 0x05: 'cnt', 0x25: 'not', 0x04: 'cls', 0x24: 'clz', 0x08: 'cmgt', 0x28: 'cmge', 0x09: 'cmeq', 0x29: 'cmle', 0x0a: 'cmlt', 0x0b: 'abs', 0x2b: 'neg', 0x02: 'saddlp', 0x22: 'uaddlp' };
const FP2: Record<number, string> = { 0x1d: 'scvtf', 0x5d: 'ucvtf', 0x3b: 'fcvtzs', 0x7b: 'fcvtzu', 0x1a: 'fcvtns', 0x5a: 'fcvtnu', 0x3a: 'fcvtps', 0x1b: 'fcvtms', 0x1c: 'fcvtas', 0x2f: 'fabs', 0x6f: 'fneg', 0x7f: 'fsqrt' };

const ARR = (size: number, q: number) => ['8b', '16b', '4h', '8h', '2s', '4s', '1d', '2d'][size * 2 + q]!;

function multi(w: number): string {
  const q = f(w, 30, 1), L = f(w, 22, 1), post = f(w, 23, 1), op = f(w, 12, 4), size = f(w, 10, 2), rn = f(w, 5, 5), rt = f(w, 0, 5), rm = f(w, 16, 5);
  const k = ({ 0: [4, 1], 2: [1, 4], 4: [3, 1], 6: [1, 3], 7: [1, 1], 8: [2, 1], 10: [1, 2] } as Record<number, [number, number]>)[op] ?? [1, 1];
  const [selem, rpt] = k, n = selem * rpt;
  const regs = Array.from({ length: n }, (_, i) => `v${(rt + i) & 31}.${ARR(size, q)}`).join(', ');
  const bytes = n * (q ? 16 : 8);
  return `${L ? 'ld' : 'st'}${selem} {${regs}}, [${r(rn, 1, true)}]${post ? (rm === 31 ? `, #${bytes}` : `, ${r(rm, 1)}`) : ''}`;
}

function single(w: number): string {
  const q = f(w, 30, 1), L = f(w, 22, 1), post = f(w, 23, 1), R = f(w, 21, 1), opcode = f(w, 13, 3), S = f(w, 12, 1), size = f(w, 10, 2);
  const rn = f(w, 5, 5), rt = f(w, 0, 5), rm = f(w, 16, 5);
  const selem = (((opcode & 1) << 1) | R) + 1;
  let scale = opcode >>> 1, index = 0;
  if (scale === 3) {
    const regs = Array.from({ length: selem }, (_, i) => `v${(rt + i) & 31}.${ARR(size, q)}`).join(', ');
    return `ld${selem}r {${regs}}, [${r(rn, 1, true)}]${post ? (rm === 31 ? `, #${selem << size}` : `, ${r(rm, 1)}`) : ''}`;
  }
  if (scale === 0) index = (q << 3) | (S << 2) | size;
  else if (scale === 1) index = (q << 2) | (S << 1) | (size >>> 1);
  else if (size & 1) { scale = 3; index = q; } else index = (q << 1) | S;
  const regs = Array.from({ length: selem }, (_, i) => `v${(rt + i) & 31}.${'bhsd'[scale]}`).join(', ');
  return `${L ? 'ld' : 'st'}${selem} {${regs}}[${index}], [${r(rn, 1, true)}]${post ? (rm === 31 ? `, #${selem << scale}` : `, ${r(rm, 1)}`) : ''}`;
}

function fpDp1(w: number): string {
  const t = f(w, 22, 2), op = f(w, 15, 6), rn = f(w, 5, 5), rd = f(w, 0, 5);
  if (op >= 4 && op <= 7) return `fcvt ${fr(rd, op & 3)}, ${fr(rn, t)}`;
  const name = ['fmov', 'fabs', 'fneg', 'fsqrt', '', '', '', '', 'frintn', 'frintp', 'frintm', 'frintz', 'frinta', '', 'frintx', 'frinti'][op] ?? '?';
  return `${name} ${fr(rd, t)}, ${fr(rn, t)}`;
}

function fpInt(w: number): string {
  const sf = w >>> 31, t = f(w, 22, 2), rmode = f(w, 19, 2), op = f(w, 16, 3), rn = f(w, 5, 5), rd = f(w, 0, 5);
  if (op >= 6) {
    if (rmode === 1) return op === 6 ? `fmov ${r(rd, 1)}, v${rn}.d[1]` : `fmov v${rd}.d[1], ${r(rn, 1)}`;
    return op === 6 ? `fmov ${r(rd, sf)}, ${fr(rn, t)}` : `fmov ${fr(rd, t)}, ${r(rn, sf)}`;
  }
  if (op === 2 || op === 3) return `${op === 2 ? 's' : 'u'}cvtf ${fr(rd, t)}, ${r(rn, sf)}`;
  const m = op >= 4 ? 'a' : 'npmz'[rmode];
  return `fcvt${m}${op & 1 ? 'u' : 's'} ${r(rd, sf)}, ${fr(rn, t)}`;
}

function fpFixed(w: number): string {
  const sf = w >>> 31, t = f(w, 22, 2), op = f(w, 16, 3), scale = 64 - f(w, 10, 6), rn = f(w, 5, 5), rd = f(w, 0, 5);
  if (op >= 2) return `${op === 2 ? 's' : 'u'}cvtf ${fr(rd, t)}, ${r(rn, sf)}, #${scale}`;
  return `fcvtz${op ? 'u' : 's'} ${r(rd, sf)}, ${fr(rn, t)}, #${scale}`;
}

function fpValue(d: boolean, imm8: number): string {
  const [lo, hi] = expandImm(d, imm8);
  const b = new ArrayBuffer(8), v = new DataView(b);
  if (d) { v.setInt32(0, lo, true); v.setInt32(4, hi, true); return String(v.getFloat64(0, true)); }
  v.setInt32(0, lo, true);
  return String(v.getFloat32(0, true));
}

const PRINTERS: Record<string, Printer> = {
  adr: (w, pc) => {
    const i = (sx(f(w, 5, 19), 19) * 4) | f(w, 29, 2);
    if (w >>> 31) return `adrp ${r(f(w, 0, 5), 1)}, ${hex(BigInt.asUintN(64, (pc & ~0xfffn) + BigInt(i) * 4096n))}`;
    return `adr ${r(f(w, 0, 5), 1)}, ${target(pc, i)}`;
  },
  addsubImm, logImm, movWide, bitfield,
  extr: (w) => {
    const sf = w >>> 31, rm = f(w, 16, 5), rn = f(w, 5, 5), rd = f(w, 0, 5), lsb = f(w, 10, 6);
    return rn === rm ? `ror ${r(rd, sf)}, ${r(rn, sf)}, #${lsb}` : `extr ${r(rd, sf)}, ${r(rn, sf)}, ${r(rm, sf)}, #${lsb}`;
  },
  b: (w, pc) => `${w >>> 31 ? 'bl' : 'b'} ${target(pc, sx(f(w, 0, 26), 26) * 4)}`,
  bcond: (w, pc) => `b.${COND[w & 15]} ${target(pc, sx(f(w, 5, 19), 19) * 4)}`,
  cbz: (w, pc) => `${f(w, 24, 1) ? 'cbnz' : 'cbz'} ${r(w & 31, w >>> 31)}, ${target(pc, sx(f(w, 5, 19), 19) * 4)}`,
  tbz: (w, pc) => {
    const bit = (f(w, 31, 1) << 5) | f(w, 19, 5);
    return `${f(w, 24, 1) ? 'tbnz' : 'tbz'} ${r(w & 31, bit >= 32)}, #${bit}, ${target(pc, sx(f(w, 5, 14), 14) * 4)}`;
  },
  svc: (w) => `svc #${f(w, 5, 16)}`,
  brk: (w) => `brk #${hex(f(w, 5, 16))}`,
  hint: (w) => HINT[f(w, 5, 7)] ?? `hint #${f(w, 5, 7)}`,
  clrex: () => 'clrex',
  barrier: (w) => `${f(w, 5, 3) === 4 ? 'dsb' : 'dmb'} ${BARRIER[f(w, 8, 4)] ?? `#${f(w, 8, 4)}`}`,
  isb: () => 'isb',
  sys: (w) => {
    const op1 = f(w, 16, 3), crn = f(w, 12, 4), crm = f(w, 8, 4), op2 = f(w, 5, 3), rt = f(w, 0, 5);
    const named: Record<string, string> = { '3,7,4,1': 'dc zva', '3,7,5,1': 'ic ivau', '3,7,11,1': 'dc cvau', '3,7,10,1': 'dc cvac', '3,7,14,1': 'dc civac', '3,7,12,1': 'dc cvap' };
    const n = named[`${op1},${crn},${crm},${op2}`];
    return n ? `${n}, ${r(rt, 1)}` : `sys #${op1}, c${crn}, c${crm}, #${op2}, ${r(rt, 1)}`;
  },
  mrs: (w) => `mrs ${r(w & 31, 1)}, ${sysregName(f(w, 5, 15))}`,
  msr: (w) => `msr ${sysregName(f(w, 5, 15))}, ${r(w & 31, 1)}`,
  br: (w) => {
    const k = f(w, 21, 2), rn = f(w, 5, 5);
    return k === 2 ? (rn === 30 ? 'ret' : `ret ${r(rn, 1)}`) : `${k ? 'blr' : 'br'} ${r(rn, 1)}`;
  },
  ldstEx: exclusive, ldstExPair: exclusive, ldstAcqRel: exclusive,
  ldrLit: ldst, ldrLitFp: ldst, ldstImm9: ldst, ldstImm9Fp: ldst, ldstReg: ldst, ldstRegFp: ldst, ldstUimm: ldst, ldstUimmFp: ldst,
  ldstPair: pair, ldstPairFp: pair,
  ldstMulti: multi, ldstSingle: single,
  logSreg, addsubSreg, addsubEreg,
  adc: (w) => {
    const sf = w >>> 31, op = f(w, 30, 1), S = f(w, 29, 1), rm = f(w, 16, 5), rn = f(w, 5, 5), rd = f(w, 0, 5);
    if (op && rn === 31) return `ngc${S ? 's' : ''} ${r(rd, sf)}, ${r(rm, sf)}`;
    return `${op ? 'sbc' : 'adc'}${S ? 's' : ''} ${r(rd, sf)}, ${r(rn, sf)}, ${r(rm, sf)}`;
  },
  ccmp: (w) => {
    const sf = w >>> 31, op = f(w, 30, 1), rn = f(w, 5, 5), v = f(w, 16, 5);
    return `${op ? 'ccmp' : 'ccmn'} ${r(rn, sf)}, ${f(w, 11, 1) ? `#${v}` : r(v, sf)}, #${w & 15}, ${COND[f(w, 12, 4)]}`;
  },
  csel, dp3,
  dp2: (w) => {
    const sf = w >>> 31, op = f(w, 10, 6), rm = f(w, 16, 5), rn = f(w, 5, 5), rd = f(w, 0, 5);
    const name = { 2: 'udiv', 3: 'sdiv', 8: 'lsl', 9: 'lsr', 10: 'asr', 11: 'ror' }[op] ?? '?';
    return `${name} ${r(rd, sf)}, ${r(rn, sf)}, ${r(rm, sf)}`;
  },
  dp1: (w) => {
    const sf = w >>> 31, op = f(w, 10, 6), rn = f(w, 5, 5), rd = f(w, 0, 5);
    const name = ['rbit', 'rev16', sf ? 'rev32' : 'rev', 'rev', 'clz', 'cls'][op] ?? '?';
    return `${name} ${r(rd, sf)}, ${r(rn, sf)}`;
  },
  fpDp1,
  fcmp: (w) => {
    const t = f(w, 22, 2), rm = f(w, 16, 5), rn = f(w, 5, 5), o = w & 31;
    return `${o & 16 ? 'fcmpe' : 'fcmp'} ${fr(rn, t)}, ${o & 8 ? '#0.0' : fr(rm, t)}`;
  },
  fmovImm: (w) => `fmov ${fr(w & 31, f(w, 22, 2))}, #${fpValue(f(w, 22, 2) === 1, f(w, 13, 8))}`,
  fccmp: (w) => {
    const t = f(w, 22, 2);
    return `${f(w, 4, 1) ? 'fccmpe' : 'fccmp'} ${fr(f(w, 5, 5), t)}, ${fr(f(w, 16, 5), t)}, #${w & 15}, ${COND[f(w, 12, 4)]}`;
  },
  fpDp2: (w) => {
    const t = f(w, 22, 2);
    const name = ['fmul', 'fdiv', 'fadd', 'fsub', 'fmax', 'fmin', 'fmaxnm', 'fminnm', 'fnmul'][f(w, 12, 4)] ?? '?';
    return `${name} ${fr(w & 31, t)}, ${fr(f(w, 5, 5), t)}, ${fr(f(w, 16, 5), t)}`;
  },
  fcsel: (w) => {
    const t = f(w, 22, 2);
    return `fcsel ${fr(w & 31, t)}, ${fr(f(w, 5, 5), t)}, ${fr(f(w, 16, 5), t)}, ${COND[f(w, 12, 4)]}`;
  },
  fpDp3: (w) => {
    const t = f(w, 22, 2), k = (f(w, 21, 1) << 1) | f(w, 15, 1);
    return `${['fmadd', 'fmsub', 'fnmadd', 'fnmsub'][k]} ${fr(w & 31, t)}, ${fr(f(w, 5, 5), t)}, ${fr(f(w, 16, 5), t)}, ${fr(f(w, 10, 5), t)}`;
  },
  fpInt, fpFixed,
};

function sysregName(k: number): string {
  const named = SYSREG[k];
  if (named) return named;
  const op0 = 2 | (k >>> 14), op1 = (k >>> 11) & 7, crn = (k >>> 7) & 15, crm = (k >>> 3) & 15, op2 = k & 7;
  return `s${op0}_${op1}_c${crn}_c${crm}_${op2}`;
}

/** SIMD rows: mnemonic class and operands as fields (exact mnemonics need the opcode tables of exec/simd.ts). */
function simd(w: number, _pc: bigint, row: Row): string {
  const q = f(w, 30, 1), rd = w & 31, rn = f(w, 5, 5), rm = f(w, 16, 5), size = f(w, 22, 2);
  switch (row.exec) {
    case 'simdCopy': {
      const imm5 = f(w, 16, 5), imm4 = f(w, 11, 4), op = f(w, 29, 1);
      const s = 31 - Math.clz32(imm5 & -imm5), idx = imm5 >>> (s + 1), T = 'bhsd'[s];
      if (op) return `mov v${rd}.${T}[${idx}], v${rn}.${T}[${imm4 >>> s}]`;
      switch (imm4) {
        case 0: return `dup v${rd}.${ARR(s, q)}, v${rn}.${T}[${idx}]`;
        case 1: return `dup v${rd}.${ARR(s, q)}, ${r(rn, s === 3)}`;
        case 3: return `mov v${rd}.${T}[${idx}], ${r(rn, s === 3)}`;
        case 5: return `smov ${r(rd, q)}, v${rn}.${T}[${idx}]`;
        case 7: return `${s >= 2 ? 'mov' : 'umov'} ${r(rd, q)}, v${rn}.${T}[${idx}]`;
        default: return `.inst ${hex(w >>> 0)}`;
      }
    }
    case 'simdExt': return `ext v${rd}.${q ? '16b' : '8b'}, v${rn}.${q ? '16b' : '8b'}, v${rm}.${q ? '16b' : '8b'}, #${f(w, 11, 4)}`;
    case 'simdTbl': {
      const len = f(w, 13, 2) + 1, T = q ? '16b' : '8b';
      const regs = Array.from({ length: len }, (_, i) => `v${(rn + i) & 31}.16b`).join(', ');
      return `${f(w, 12, 1) ? 'tbx' : 'tbl'} v${rd}.${T}, {${regs}}, v${rm}.${T}`;
    }
    case 'simdPerm': {
      const name = ['', 'uzp1', 'trn1', 'zip1', '', 'uzp2', 'trn2', 'zip2'][f(w, 12, 3)];
      const T = ARR(size, q);
      return `${name} v${rd}.${T}, v${rn}.${T}, v${rm}.${T}`;
    }
    case 'simd3Same': {
      const u = f(w, 29, 1), op = f(w, 11, 5);
      if (op === 3) {
        const n = (u ? ['eor', 'bsl', 'bit', 'bif'] : ['and', 'bic', 'orr', 'orn'])[size]!;
        const T = q ? '16b' : '8b';
        return n === 'orr' && rn === rm ? `mov v${rd}.${T}, v${rn}.${T}` : `${n} v${rd}.${T}, v${rn}.${T}, v${rm}.${T}`;
      }
      if (op >= 0x18) {
        const n = FP3[(u << 6) | ((size >>> 1) << 5) | op];
        const T = size & 1 ? (q ? '2d' : '1d') : q ? '4s' : '2s';
        if (n) return `${n} v${rd}.${T}, v${rn}.${T}, v${rm}.${T}`;
        break;
      }
      const n = (u ? INT3U : INT3S)[op];
      if (n) { const T = ARR(size, q); return `${n} v${rd}.${T}, v${rn}.${T}, v${rm}.${T}`; }
      break;
    }
    case 'simd2Misc': {
      const u = f(w, 29, 1), op = f(w, 12, 5);
      const n = MISC2[(u << 5) | op];
      if (n && op < 0x0c) { const T = ARR(size, q); return `${n} v${rd}.${T}, v${rn}.${T}${n.startsWith('cm') ? ', #0' : ''}`; }
      if (op === 0x12 && !u) return `xtn${q ? '2' : ''} v${rd}.${ARR(size, q)}, v${rn}.${ARR(size + 1, 1)}`;
      const fp = FP2[(u << 6) | ((size >>> 1) << 5) | op];
      if (fp) { const T = size & 1 ? (q ? '2d' : '1d') : q ? '4s' : '2s'; return `${fp} v${rd}.${T}, v${rn}.${T}`; }
      break;
    }
    case 'sisd2Misc': {
      const u = f(w, 29, 1), op = f(w, 12, 5);
      const fp = FP2[(u << 6) | ((size >>> 1) << 5) | op];
      const R = size & 1 ? 'd' : 's';
      if (fp) return `${fp} ${R}${rd}, ${R}${rn}`;
      break;
    }
    case 'simdModImm': {
      const op = f(w, 29, 1), cmode = f(w, 12, 4), imm8 = (f(w, 16, 3) << 5) | f(w, 5, 5);
      if (cmode === 14 && !op) return `movi v${rd}.${q ? '16b' : '8b'}, #${hex(imm8)}`;
      if (cmode === 14 && op) {
        let v = 0n;
        for (let i = 0; i < 8; i++) if (imm8 & (1 << i)) v |= 0xffn << BigInt(8 * i);
        return q ? `movi v${rd}.2d, #${hex(v)}` : `movi d${rd}, #${hex(v)}`;
      }
      if (cmode === 15) return `fmov v${rd}.${op ? '2d' : q ? '4s' : '2s'}, #${fpValue(op === 1, imm8)}`;
      const n = cmode < 12 && cmode & 1 ? (op ? 'bic' : 'orr') : op ? 'mvni' : 'movi';
      const h = cmode >= 8 && cmode < 12;
      const T = h ? (q ? '8h' : '4h') : q ? '4s' : '2s';
      const sh = cmode >= 12 ? `, msl #${cmode & 1 ? 16 : 8}` : ((cmode >>> 1) & (h ? 1 : 3)) ? `, lsl #${8 * ((cmode >>> 1) & (h ? 1 : 3))}` : '';
      return `${n} v${rd}.${T}, #${hex(imm8)}${sh}`;
    }
    case 'simdShImm': {
      const u = f(w, 29, 1), immh = f(w, 19, 4), op = f(w, 11, 5), hb = (immh << 3) | f(w, 16, 3);
      const s = 31 - Math.clz32(immh), es = 8 << s;
      if (op === 0x14) return hb - es === 0 ? `${u ? 'u' : 's'}xtl${q ? '2' : ''} v${rd}.${ARR(s + 1, 1)}, v${rn}.${ARR(s, q)}` : `${u ? 'u' : 's'}shll${q ? '2' : ''} v${rd}.${ARR(s + 1, 1)}, v${rn}.${ARR(s, q)}, #${hb - es}`;
      if (op === 0x10 || op === 0x11) return `${op === 0x10 ? 'shrn' : 'rshrn'}${q ? '2' : ''} v${rd}.${ARR(s, q)}, v${rn}.${ARR(s + 1, 1)}, #${2 * es - hb}`;
      const n = { 0: u ? 'ushr' : 'sshr', 2: u ? 'usra' : 'ssra', 4: u ? 'urshr' : 'srshr', 6: u ? 'ursra' : 'srsra', 10: u ? 'sli' : 'shl', 8: u ? 'sri' : '' }[op];
      if (n) return `${n} v${rd}.${ARR(s, q)}, v${rn}.${ARR(s, q)}, #${op === 10 ? hb - es : 2 * es - hb}`;
      break;
    }
    case 'simdAcross': {
      const u = f(w, 29, 1), op = f(w, 12, 5);
      const n = { 0x1b: 'addv', 0x03: u ? 'uaddlv' : 'saddlv', 0x0a: u ? 'umaxv' : 'smaxv', 0x1a: u ? 'uminv' : 'sminv' }[op];
      if (n) return `${n} ${'bhsd'[op === 3 ? size + 1 : size]}${rd}, v${rn}.${ARR(size, q)}`;
      break;
    }
    default: break;
  }
  {
    {
      const name = row.name.replace(/\./g, '_');
      return `${name} v${rd}, v${rn}${row.fields['Rm'] ? `, v${rm}` : ''} (size ${size}, q ${q}, opcode ${hex(row.fields['opcode'] ? f(w, row.fields['opcode'].pos, row.fields['opcode'].width) : 0)})`;
    }
  }
}

/** One instruction as text (ArchModule.disasm). */
export function disasm(insn: number, pc: bigint): string {
  const w = insn | 0;
  const row = decodeRow(w);
  if (!row) return w === 0 || (w >>> 16) === 0 ? `udf #${w & 0xffff}` : `.inst ${hex(insn >>> 0)}`;
  const p = PRINTERS[row.exec];
  return p ? p(w, pc, row) : simd(w, pc, row);
}

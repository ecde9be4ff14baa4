/**
 * THE RV64GC encoding table (RISC-V Unprivileged ISA 20191213: ch. 2 RV32I, ch. 5 RV64I,
 * ch. 7 "M", ch. 8 "A", ch. 9 "Zicsr", ch. 3 "Zifencei", ch. 11 "F", ch. 12 "D", ch. 24 opcode
 * map). One row per instruction: mnemonic, a decodetree-like bit pattern (`0`/`1` fixed, `.`
 * free, spaces ignored, most significant bit first), the operand format and the op id the
 * interpreter switches on. {@link buildDecoder} checks the rows for overlaps when the module
 * loads and produces the decoder; the disassembler and the test assembler read the same rows.
 * The compressed forms live in rvc.ts (same pattern syntax, expanded to these rows).
 */
import { buildDecoder } from '../common/decoder';

/** Interpreter op ids. Order matters only for the range checks in cpu.ts (ext groups). */
export const enum Op {
  /** Slot not decoded yet (decode caches start zero-filled and decode lazily). */
  UNDECODED = 0,
  ILLEGAL, BREAK, CROSS,
  // RV64I
  LUI, AUIPC, JAL, JALR, BEQ, BNE, BLT, BGE, BLTU, BGEU,
  LB, LH, LW, LD, LBU, LHU, LWU, SB, SH, SW, SD,
  ADDI, SLTI, SLTIU, XORI, ORI, ANDI, SLLI, SRLI, SRAI,
  ADD, SUB, SLL, SLT, SLTU, XOR, SRL, SRA, OR, AND,
  ADDIW, SLLIW, SRLIW, SRAIW, ADDW, SUBW, SLLW, SRLW, SRAW,
  FENCE, FENCE_I, ECALL, EBREAK,
  // RV64M
  MUL, MULH, MULHSU, MULHU, DIV, DIVU, REM, REMU, MULW, DIVW, DIVUW, REMW, REMUW,
  // RV64A
  LR_W, SC_W, AMOSWAP_W, AMOADD_W, AMOXOR_W, AMOAND_W, AMOOR_W, AMOMIN_W, AMOMAX_W, AMOMINU_W, AMOMAXU_W,
  LR_D, SC_D, AMOSWAP_D, AMOADD_D, AMOXOR_D, AMOAND_D, AMOOR_D, AMOMIN_D, AMOMAX_D, AMOMINU_D, AMOMAXU_D,
  // Zicsr
  CSRRW, CSRRS, CSRRC, CSRRWI, CSRRSI, CSRRCI,
  // F
  FLW, FSW, FMADD_S, FMSUB_S, FNMSUB_S, FNMADD_S, FADD_S, FSUB_S, FMUL_S, FDIV_S, FSQRT_S,
  FSGNJ_S, FSGNJN_S, FSGNJX_S, FMIN_S, FMAX_S, FCVT_W_S, FCVT_WU_S, FMV_X_W, FEQ_S, FLT_S, FLE_S,
  FCLASS_S, FCVT_S_W, FCVT_S_WU, FMV_W_X, FCVT_L_S, FCVT_LU_S, FCVT_S_L, FCVT_S_LU,
  // D
  FLD, FSD, FMADD_D, FMSUB_D, FNMSUB_D, FNMADD_D, FADD_D, FSUB_D, FMUL_D, FDIV_D, FSQRT_D,
  FSGNJ_D, FSGNJN_D, FSGNJX_D, FMIN_D, FMAX_D, FCVT_S_D, FCVT_D_S, FEQ_D, FLT_D, FLE_D, FCLASS_D,
  FCVT_W_D, FCVT_WU_D, FCVT_D_W, FCVT_D_WU, FCVT_L_D, FCVT_LU_D, FMV_X_D, FCVT_D_L, FCVT_D_LU, FMV_D_X,
  COUNT,
}

/** First/last op of each group the interpreter hands to an exec/ file. */
export const enum OpRange { A_FIRST = Op.LR_W, A_LAST = Op.AMOMAXU_D, F_FIRST = Op.FLW, F_LAST = Op.FCVT_S_LU, D_FIRST = Op.FLD, D_LAST = Op.FMV_D_X }

/**
 * Operand formats (ch. 2.2-2.3 base formats plus the ones the extensions add). The decoder puts
 * registers (doubled: index into the Int32Array halves view) and one immediate into a slot.
 *  R: rd rs1 rs2 · I: rd rs1 imm · S: rs1 rs2 imm · B: rs1 rs2 imm · U: rd imm · J: rd imm
 *  SH6/SH5: rd rs1 shamt · R4: rd rs1 rs2 rs3 rm · RM: rd rs1 rs2 rm (FP with rounding mode)
 *  R2RM: rd rs1 rm · R2: rd rs1 · A: rd rs1 rs2 aq rl · LR: rd rs1 aq rl · CSR: rd rs1 csr
 *  CSRI: rd zimm csr · FENCE: pred succ · NONE
 */
export type Format = 'R' | 'I' | 'S' | 'B' | 'U' | 'J' | 'SH6' | 'SH5' | 'R4' | 'RM' | 'R2RM' | 'R2' | 'A' | 'LR' | 'CSR' | 'CSRI' | 'FENCE' | 'NONE';

/** Register file of an operand: x (integer) or f (floating point). */
export type RegKind = 'x' | 'f';

export interface Row {
  name: string;
  op: Op;
  fmt: Format;
  ext: 'I' | 'M' | 'A' | 'F' | 'D' | 'Zicsr' | 'Zifencei';
  mask: number;
  match: number;
  /** Register files of rd, rs1, rs2, rs3 ('x' unless the row says otherwise). */
  rd: RegKind; rs1: RegKind; rs2: RegKind; rs3: RegKind;
  /** Loads/stores: the disassembler prints `imm(rs1)`. */
  mem: boolean;
}

/** Parses a pattern of `width` bits into mask/match. */
export function parsePattern(p: string, width: number): { mask: number; match: number } {
  const bits = p.replace(/\s+/g, '');
  if (bits.length !== width || /[^01.]/.test(bits)) throw new Error(`bad pattern ${p}`);
  let mask = 0, match = 0;
  for (let i = 0; i < width; i++) {
    const b = bits[width - 1 - i];
    if (b !== '.') { mask |= 1 << i; if (b === '1') match |= 1 << i; }
  }
  return { mask: mask >>> 0, match: match >>> 0 };
}

function r(name: string, op: Op, ext: Row['ext'], fmt: Format, pat: string, regs = 'xxxx', mem = false): Row {
  const { mask, match } = parsePattern(pat, 32);
  const k = regs.split('') as RegKind[];
  return { name, op, fmt, ext, mask, match, rd: k[0]!, rs1: k[1]!, rs2: k[2]!, rs3: k[3]!, mem };
}

// Field layout reminders: funct7 rs2 rs1 funct3 rd opcode / imm[11:0] rs1 funct3 rd opcode
const R_ = (f7: string, f3: string, opc: string) => `${f7} ..... ..... ${f3} ..... ${opc}`;
const I_ = (f3: string, opc: string) => `............ ..... ${f3} ..... ${opc}`;
const FR = (f5: string, fmt: string, rs2: string, f3: string) => `${f5} ${fmt} ${rs2} ..... ${f3} ..... 1010011`;

export const ROWS: readonly Row[] = [
  // ---- RV32I / RV64I (ch. 2, ch. 5) ----
  r('lui', Op.LUI, 'I', 'U', '.................... ..... 0110111'),
  r('auipc', Op.AUIPC, 'I', 'U', '.................... ..... 0010111'),
  r('jal', Op.JAL, 'I', 'J', '.................... ..... 1101111'),
  r('jalr', Op.JALR, 'I', 'I', I_('000', '1100111')),
  r('beq', Op.BEQ, 'I', 'B', `....... ..... ..... 000 ..... 1100011`),
  r('bne', Op.BNE, 'I', 'B', `....... ..... ..... 001 ..... 1100011`),
  r('blt', Op.BLT, 'I', 'B', `....... ..... ..... 100 ..... 1100011`),
  r('bge', Op.BGE, 'I', 'B', `....... ..... ..... 101 ..... 1100011`),
  r('bltu', Op.BLTU, 'I', 'B', `....... ..... ..... 110 ..... 1100011`),
  r('bgeu', Op.BGEU, 'I', 'B', `....... ..... ..... 111 ..... 1100011`),
  r('lb', Op.LB, 'I', 'I', I_('000', '0000011'), 'xxxx', true),
  r('lh', Op.LH, 'I', 'I', I_('001', '0000011'), 'xxxx', true),
  r('lw', Op.LW, 'I', 'I', I_('010', '0000011'), 'xxxx', true),
  r('ld', Op.LD, 'I', 'I', I_('011', '0000011'), 'xxxx', true),
  r('lbu', Op.LBU, 'I', 'I', I_('100', '0000011'), 'xxxx', true),
  r('lhu', Op.LHU, 'I', 'I', I_('101', '0000011'), 'xxxx', true),
  r('lwu', Op.LWU, 'I', 'I', I_('110', '0000011'), 'xxxx', true),
  r('sb', Op.SB, 'I', 'S', `....... ..... ..... 000 ..... 0100011`, 'xxxx', true),
  r('sh', Op.SH, 'I', 'S', `....... ..... ..... 001 ..... 0100011`, 'xxxx', true),
  r('sw', Op.SW, 'I', 'S', `....... ..... ..... 010 ..... 0100011`, 'xxxx', true),
  r('sd', Op.SD, 'I', 'S', `....... ..... ..... 011 ..... 0100011`, 'xxxx', true),
  r('addi', Op.ADDI, 'I', 'I', I_('000', '0010011')),
  r('slti', Op.SLTI, 'I', 'I', I_('010', '0010011')),
  r('sltiu', Op.SLTIU, 'I', 'I', I_('011', '0010011')),
  r('xori', Op.XORI, 'I', 'I', I_('100', '0010011')),
  r('ori', Op.ORI, 'I', 'I', I_('110', '0010011')),
  r('andi', Op.ANDI, 'I', 'I', I_('111', '0010011')),
  r('slli', Op.SLLI, 'I', 'SH6', `000000 ...... ..... 001 ..... 0010011`),
  r('srli', Op.SRLI, 'I', 'SH6', `000000 ...... ..... 101 ..... 0010011`),
  r('srai', Op.SRAI, 'I', 'SH6', `010000 ...... ..... 101 ..... 0010011`),
  r('add', Op.ADD, 'I', 'R', R_('0000000', '000', '0110011')),
  r('sub', Op.SUB, 'I', 'R', R_('0100000', '000', '0110011')),
  r('sll', Op.SLL, 'I', 'R', R_('0000000', '001', '0110011')),
  r('slt', Op.SLT, 'I', 'R', R_('0000000', '010', '0110011')),
  r('sltu', Op.SLTU, 'I', 'R', R_('0000000', '011', '0110011')),
  r('xor', Op.XOR, 'I', 'R', R_('0000000', '100', '0110011')),
  r('srl', Op.SRL, 'I', 'R', R_('0000000', '101', '0110011')),
  r('sra', Op.SRA, 'I', 'R', R_('0100000', '101', '0110011')),
  r('or', Op.OR, 'I', 'R', R_('0000000', '110', '0110011')),
  r('and', Op.AND, 'I', 'R', R_('0000000', '111', '0110011')),
  r('addiw', Op.ADDIW, 'I', 'I', I_('000', '0011011')),
  r('slliw', Op.SLLIW, 'I', 'SH5', `0000000 ..... ..... 001 ..... 0011011`),
  r('srliw', Op.SRLIW, 'I', 'SH5', `0000000 ..... ..... 101 ..... 0011011`),
  r('sraiw', Op.SRAIW, 'I', 'SH5', `0100000 ..... ..... 101 ..... 0011011`),
  r('addw', Op.ADDW, 'I', 'R', R_('0000000', '000', '0111011')),
  r('subw', Op.SUBW, 'I', 'R', R_('0100000', '000', '0111011')),
  r('sllw', Op.SLLW, 'I', 'R', R_('0000000', '001', '0111011')),
  r('srlw', Op.SRLW, 'I', 'R', R_('0000000', '101', '0111011')),
  r('sraw', Op.SRAW, 'I', 'R', R_('0100000', '101', '0111011')),
  // FENCE: fm/pred/succ/rs1/rd are all accepted (reserved values are hints, ch. 2.7).
  r('fence', Op.FENCE, 'I', 'FENCE', I_('000', '0001111')),
  r('fence.i', Op.FENCE_I, 'Zifencei', 'NONE', I_('001', '0001111')),
  r('ecall', Op.ECALL, 'I', 'NONE', '000000000000 00000 000 00000 1110011'),
  r('ebreak', Op.EBREAK, 'I', 'NONE', '000000000001 00000 000 00000 1110011'),
  // ---- M (ch. 7) ----
  r('mul', Op.MUL, 'M', 'R', R_('0000001', '000', '0110011')),
  r('mulh', Op.MULH, 'M', 'R', R_('0000001', '001', '0110011')),
  r('mulhsu', Op.MULHSU, 'M', 'R', R_('0000001', '010', '0110011')),
  r('mulhu', Op.MULHU, 'M', 'R', R_('0000001', '011', '0110011')),
  r('div', Op.DIV, 'M', 'R', R_('0000001', '100', '0110011')),
  r('divu', Op.DIVU, 'M', 'R', R_('0000001', '101', '0110011')),
  r('rem', Op.REM, 'M', 'R', R_('0000001', '110', '0110011')),
  r('remu', Op.REMU, 'M', 'R', R_('0000001', '111', '0110011')),
  r('mulw', Op.MULW, 'M', 'R', R_('0000001', '000', '0111011')),
  r('divw', Op.DIVW, 'M', 'R', R_('0000001', '100', '0111011')),
  r('divuw', Op.DIVUW, 'M', 'R', R_('0000001', '101', '0111011')),
  r('remw', Op.REMW, 'M', 'R', R_('0000001', '110', '0111011')),
  r('remuw', Op.REMUW, 'M', 'R', R_('0000001', '111', '0111011')),
  // ---- A (ch. 8) ----
  ...(['w', 'd'] as const).flatMap((s) => {
    const f3 = s === 'w' ? '010' : '011';
    const W = s === 'w';
    const amo = (name: string, f5: string, opw: Op, opd: Op) =>
      r(`${name}.${s}`, W ? opw : opd, 'A', 'A', `${f5} . . ..... ..... ${f3} ..... 0101111`, 'xxxx', true);
    return [
      r(`lr.${s}`, W ? Op.LR_W : Op.LR_D, 'A', 'LR', `00010 . . 00000 ..... ${f3} ..... 0101111`, 'xxxx', true),
      r(`sc.${s}`, W ? Op.SC_W : Op.SC_D, 'A', 'A', `00011 . . ..... ..... ${f3} ..... 0101111`, 'xxxx', true),
      amo('amoswap', '00001', Op.AMOSWAP_W, Op.AMOSWAP_D),
      amo('amoadd', '00000', Op.AMOADD_W, Op.AMOADD_D),
      amo('amoxor', '00100', Op.AMOXOR_W, Op.AMOXOR_D),
      amo('amoand', '01100', Op.AMOAND_W, Op.AMOAND_D),
      amo('amoor', '01000', Op.AMOOR_W, Op.AMOOR_D),
      amo('amomin', '10000', Op.AMOMIN_W, Op.AMOMIN_D),
      amo('amomax', '10100', Op.AMOMAX_W, Op.AMOMAX_D),
      amo('amominu', '11000', Op.AMOMINU_W, Op.AMOMINU_D),
      amo('amomaxu', '11100', Op.AMOMAXU_W, Op.AMOMAXU_D),
    ];
  }),
  // ---- Zicsr (ch. 9) ----
  r('csrrw', Op.CSRRW, 'Zicsr', 'CSR', I_('001', '1110011')),
  r('csrrs', Op.CSRRS, 'Zicsr', 'CSR', I_('010', '1110011')),
  r('csrrc', Op.CSRRC, 'Zicsr', 'CSR', I_('011', '1110011')),
  r('csrrwi', Op.CSRRWI, 'Zicsr', 'CSRI', I_('101', '1110011')),
  r('csrrsi', Op.CSRRSI, 'Zicsr', 'CSRI', I_('110', '1110011')),
  r('csrrci', Op.CSRRCI, 'Zicsr', 'CSRI', I_('111', '1110011')),
  // ---- F (ch. 11) and D (ch. 12): fmt field 00 = S, 01 = D ----
  ...(['s', 'd'] as const).flatMap((s) => {
    const S = s === 's', fmt = S ? '00' : '01';
    const o = (sop: Op, dop: Op) => (S ? sop : dop);
    const ext = S ? 'F' : 'D';
    return [
      r(S ? 'flw' : 'fld', o(Op.FLW, Op.FLD), ext, 'I', I_(S ? '010' : '011', '0000111'), 'fxxx', true),
      r(S ? 'fsw' : 'fsd', o(Op.FSW, Op.FSD), ext, 'S', `....... ..... ..... ${S ? '010' : '011'} ..... 0100111`, 'xxfx', true),
      r(`fmadd.${s}`, o(Op.FMADD_S, Op.FMADD_D), ext, 'R4', `..... ${fmt} ..... ..... ... ..... 1000011`, 'ffff'),
      r(`fmsub.${s}`, o(Op.FMSUB_S, Op.FMSUB_D), ext, 'R4', `..... ${fmt} ..... ..... ... ..... 1000111`, 'ffff'),
      r(`fnmsub.${s}`, o(Op.FNMSUB_S, Op.FNMSUB_D), ext, 'R4', `..... ${fmt} ..... ..... ... ..... 1001011`, 'ffff'),
      r(`fnmadd.${s}`, o(Op.FNMADD_S, Op.FNMADD_D), ext, 'R4', `..... ${fmt} ..... ..... ... ..... 1001111`, 'ffff'),
      r(`fadd.${s}`, o(Op.FADD_S, Op.FADD_D), ext, 'RM', FR('00000', fmt, '.....', '...'), 'ffff'),
      r(`fsub.${s}`, o(Op.FSUB_S, Op.FSUB_D), ext, 'RM', FR('00001', fmt, '.....', '...'), 'ffff'),
      r(`fmul.${s}`, o(Op.FMUL_S, Op.FMUL_D), ext, 'RM', FR('00010', fmt, '.....', '...'), 'ffff'),
      r(`fdiv.${s}`, o(Op.FDIV_S, Op.FDIV_D), ext, 'RM', FR('00011', fmt, '.....', '...'), 'ffff'),
      r(`fsqrt.${s}`, o(Op.FSQRT_S, Op.FSQRT_D), ext, 'R2RM', FR('01011', fmt, '00000', '...'), 'ffff'),
      r(`fsgnj.${s}`, o(Op.FSGNJ_S, Op.FSGNJ_D), ext, 'R', FR('00100', fmt, '.....', '000'), 'ffff'),
      r(`fsgnjn.${s}`, o(Op.FSGNJN_S, Op.FSGNJN_D), ext, 'R', FR('00100', fmt, '.....', '001'), 'ffff'),
      r(`fsgnjx.${s}`, o(Op.FSGNJX_S, Op.FSGNJX_D), ext, 'R', FR('00100', fmt, '.....', '010'), 'ffff'),
      r(`fmin.${s}`, o(Op.FMIN_S, Op.FMIN_D), ext, 'R', FR('00101', fmt, '.....', '000'), 'ffff'),
      r(`fmax.${s}`, o(Op.FMAX_S, Op.FMAX_D), ext, 'R', FR('00101', fmt, '.....', '001'), 'ffff'),
      r(`fcvt.w.${s}`, o(Op.FCVT_W_S, Op.FCVT_W_D), ext, 'R2RM', FR('11000', fmt, '00000', '...'), 'xfxx'),
      r(`fcvt.wu.${s}`, o(Op.FCVT_WU_S, Op.FCVT_WU_D), ext, 'R2RM', FR('11000', fmt, '00001', '...'), 'xfxx'),
      r(`fcvt.l.${s}`, o(Op.FCVT_L_S, Op.FCVT_L_D), ext, 'R2RM', FR('11000', fmt, '00010', '...'), 'xfxx'),
      r(`fcvt.lu.${s}`, o(Op.FCVT_LU_S, Op.FCVT_LU_D), ext, 'R2RM', FR('11000', fmt, '00011', '...'), 'xfxx'),
      r(S ? 'fmv.x.w' : 'fmv.x.d', o(Op.FMV_X_W, Op.FMV_X_D), ext, 'R2', FR('11100', fmt, '00000', '000'), 'xfxx'),
      r(`fclass.${s}`, o(Op.FCLASS_S, Op.FCLASS_D), ext, 'R2', FR('11100', fmt, '00000', '001'), 'xfxx'),
      r(`feq.${s}`, o(Op.FEQ_S, Op.FEQ_D), ext, 'R', FR('10100', fmt, '.....', '010'), 'xffx'),
      r(`flt.${s}`, o(Op.FLT_S, Op.FLT_D), ext, 'R', FR('10100', fmt, '.....', '001'), 'xffx'),
      r(`fle.${s}`, o(Op.FLE_S, Op.FLE_D), ext, 'R', FR('10100', fmt, '.....', '000'), 'xffx'),
      r(`fcvt.${s}.w`, o(Op.FCVT_S_W, Op.FCVT_D_W), ext, 'R2RM', FR('11010', fmt, '00000', '...'), 'fxxx'),
      r(`fcvt.${s}.wu`, o(Op.FCVT_S_WU, Op.FCVT_D_WU), ext, 'R2RM', FR('11010', fmt, '00001', '...'), 'fxxx'),
      r(`fcvt.${s}.l`, o(Op.FCVT_S_L, Op.FCVT_D_L), ext, 'R2RM', FR('11010', fmt, '00010', '...'), 'fxxx'),
      r(`fcvt.${s}.lu`, o(Op.FCVT_S_LU, Op.FCVT_D_LU), ext, 'R2RM', FR('11010', fmt, '00011', '...'), 'fxxx'),
      r(S ? 'fmv.w.x' : 'fmv.d.x', o(Op.FMV_W_X, Op.FMV_D_X), ext, 'R2', FR('11110', fmt, '00000', '000'), 'fxxx'),
      ...(S ? [] : [
        r('fcvt.s.d', Op.FCVT_S_D, 'D', 'R2RM', FR('01000', '00', '00001', '...'), 'ffxx'),
        r('fcvt.d.s', Op.FCVT_D_S, 'D', 'R2RM', FR('01000', '01', '00000', '...'), 'ffxx'),
      ]),
    ];
  }),
];

/** Rows indexed by op id. */
export const ROW_BY_OP: readonly Row[] = (() => {
  const a: Row[] = [];
  for (const row of ROWS) a[row.op] = row;
  return a;
})();

export const ROW_BY_NAME: ReadonlyMap<string, Row> = new Map(ROWS.map((row) => [row.name, row]));

/** Decoder for 32-bit instructions, bucketed by the major opcode (bits 6:0). */
export const decode32: (w: number) => Row | null = buildDecoder(ROWS, 0x7f, (w) => w & 0x7f);

// ---- field extraction (ch. 2.3 immediate encoding variants) ----
export const fRd = (w: number) => (w >>> 7) & 31;
export const fRs1 = (w: number) => (w >>> 15) & 31;
export const fRs2 = (w: number) => (w >>> 20) & 31;
export const fRs3 = (w: number) => w >>> 27;
export const fRm = (w: number) => (w >>> 12) & 7;
export const immI = (w: number) => w >> 20;
export const immS = (w: number) => ((w >> 25) << 5) | ((w >>> 7) & 31);
export const immB = (w: number) => ((w >> 31) << 12) | (((w >>> 7) & 1) << 11) | (((w >>> 25) & 63) << 5) | (((w >>> 8) & 15) << 1);
export const immU = (w: number) => w & 0xfffff000;
export const immJ = (w: number) => ((w >> 31) << 20) | (((w >>> 12) & 255) << 12) | (((w >>> 20) & 1) << 11) | (((w >>> 21) & 1023) << 1);

/** Operands of a 32-bit instruction as the row's format names them (immediate already decoded). */
export interface Operands { rd: number; rs1: number; rs2: number; rs3: number; imm: number }

export function operands(row: Row, w: number): Operands {
  const o: Operands = { rd: fRd(w), rs1: fRs1(w), rs2: fRs2(w), rs3: fRs3(w), imm: 0 };
  switch (row.fmt) {
    case 'I': o.imm = immI(w); break;
    case 'S': o.imm = immS(w); break;
    case 'B': o.imm = immB(w); break;
    case 'U': o.imm = immU(w); break;
    case 'J': o.imm = immJ(w); break;
    case 'SH6': o.imm = (w >>> 20) & 63; break;
    case 'SH5': o.imm = (w >>> 20) & 31; break;
    case 'R4': case 'RM': case 'R2RM': o.imm = fRm(w); break;
    case 'A': case 'LR': o.imm = (w >>> 25) & 3; break; // aq<<1 | rl
    case 'CSR': case 'CSRI': o.imm = w >>> 20; break;
    case 'FENCE': o.imm = (w >>> 20) & 0xff; break; // pred<<4 | succ
    case 'R': case 'R2': case 'NONE': break;
  }
  return o;
}

/** Inverse of {@link operands}: the word for `row` with the given fields (test assembler, rvc). */
export function encode(row: Row, o: Partial<Operands>): number {
  const rd = o.rd ?? 0, rs1 = o.rs1 ?? 0, rs2 = o.rs2 ?? 0, rs3 = o.rs3 ?? 0, imm = o.imm ?? 0;
  let w = row.match;
  const put = (v: number, pos: number, width: number) => { w |= (v & ((1 << width) - 1)) << pos; };
  const hasRd = !['S', 'B', 'FENCE', 'NONE'].includes(row.fmt);
  const hasRs1 = !['U', 'J', 'NONE', 'FENCE'].includes(row.fmt);
  const hasRs2 = ['R', 'S', 'B', 'R4', 'RM', 'A'].includes(row.fmt);
  if (hasRd && !(row.mask & (31 << 7))) put(rd, 7, 5);
  if (hasRs1 && !(row.mask & (31 << 15))) put(rs1, 15, 5);
  if (hasRs2 && !(row.mask & (31 << 20))) put(rs2, 20, 5);
  switch (row.fmt) {
    case 'I': put(imm, 20, 12); break;
    case 'S': put(imm, 7, 5); put(imm >> 5, 25, 7); break;
    case 'B': put(imm >> 11, 7, 1); put(imm >> 1, 8, 4); put(imm >> 5, 25, 6); put(imm >> 12, 31, 1); break;
    case 'U': w |= imm & 0xfffff000; break;
    case 'J': put(imm >> 12, 12, 8); put(imm >> 11, 20, 1); put(imm >> 1, 21, 10); put(imm >> 20, 31, 1); break;
    case 'SH6': put(imm, 20, 6); break;
    case 'SH5': put(imm, 20, 5); break;
    case 'R4': put(rs3, 27, 5); put(imm, 12, 3); break;
    case 'RM': case 'R2RM': if (!(row.mask & (7 << 12))) put(imm, 12, 3); break;
    case 'A': case 'LR': put(imm, 25, 2); break;
    case 'CSR': case 'CSRI': put(imm, 20, 12); break;
    case 'FENCE': put(imm, 20, 8); break;
    case 'R': case 'R2': case 'NONE': break;
  }
  return w >>> 0;
}

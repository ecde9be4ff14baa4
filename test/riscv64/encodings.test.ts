/** The encoding table: no overlaps (checked at load), encode/decode round trip, disassembly. */
import test from 'ava';
import { decode32, encode, operands, ROWS } from '../../arch/riscv64/encodings';
import { disasm } from '../../arch/riscv64/disasm';
import { riscv64 } from '../../arch/riscv64';
import { encodeInsn } from './asm';

test('every row round-trips through encode and decode', (t) => {
  for (const row of ROWS) {
    const w = encode(row, { rd: 5, rs1: 6, rs2: 7, rs3: 8, imm: row.fmt === 'U' ? 0x12345000 : row.fmt === 'R4' || row.fmt === 'RM' || row.fmt === 'R2RM' ? 7 : 4 });
    const back = decode32(w);
    t.is(back?.name, row.name);
    if (back) t.is(operands(back, w | 0).imm, operands(row, w | 0).imm);
  }
});

test('disassembly', (t) => {
  const d = (s: string, pc = 0x10000n) => disasm(encodeInsn(s).word, pc);
  t.is(d('addi a0, sp, -16'), 'addi a0,sp,-16');
  t.is(d('ld ra, 8(sp)'), 'ld ra,8(sp)');
  t.is(d('sd s0, -8(sp)'), 'sd fp,-8(sp)');
  t.is(d('beq a0, a1, -8'), 'beq a0,a1,0xfff8');
  t.is(d('lui a0, 0x12345'), 'lui a0,0x12345');
  t.is(d('amoadd.w a0, a1, (a2)'), 'amoadd.w a0,a1,(a2)');
  t.is(d('fmadd.d fa0, fa1, fa2, fa3, rtz'), 'fmadd.d fa0,fa1,fa2,fa3,rtz');
  t.is(d('fadd.s ft0, ft1, ft2'), 'fadd.s ft0,ft1,ft2');
  t.is(d('csrrs a0, fcsr, zero'), 'csrrs a0,fcsr,zero');
  t.is(d('c.addi a0, a0, 1'), 'c.addi a0,a0,1');
  t.is(d('c.lw a2, 4(a3)'), 'c.lw a2,4(a3)');
  t.is(disasm(0, 0n), '.insn 0x0000');
  t.is(disasm(0xffffffff, 0n), '.insn 0xffffffff');
  t.is(d('ecall'), 'ecall');
});

test('arch module shape: spec, gdb', (t) => {
  t.is(riscv64.spec.hwcap, 0x112dn);
  t.is(riscv64.spec.elfMachine, 243);
  t.is(riscv64.gdb.gPacket.length, 33);
  t.is(riscv64.gdb.registers[32]!.name, 'pc');
  t.is(riscv64.gdb.registers[33]!.name, 'ft0');
  t.is(riscv64.gdb.registers[67]!.name, 'fcsr');
  t.true(riscv64.gdb.xml['target.xml']!.includes('riscv:rv64'));
});

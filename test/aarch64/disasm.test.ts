/** The disassembler reads the same table as the decoder; spot checks against llvm-objdump's syntax. */
import test from 'ava';
import { aarch64 } from '../../arch/aarch64';
import { ROWS } from '../../arch/aarch64/encodings';
import { A, enc } from './asm';

const d = (w: number, pc = 0x400000n) => aarch64.disasm(w, pc);

test('integer, branch, load/store and system instructions print with their preferred aliases', (t) => {
  t.is(d(A.addi(0, 1, 16)), 'add x0, x1, #16');
  t.is(d(A.subsi(31, 3, 3, 0)), 'cmp w3, #3');
  t.is(d(A.addi(29, 31, 0)), 'mov x29, sp');
  t.is(d(A.log(1, 0, 31, 5)), 'mov x0, x5');
  t.is(d(A.movz(0, 0x1234, 1)), 'mov x0, #305397760');
  t.is(d(A.movn(0, 0)), 'mov x0, #-1');
  t.is(d(A.movk(11, 18415, 3)), 'movk x11, #18415, lsl #48');
  t.is(d(enc('ubfm', { sf: 1, N: 1, immr: 4, imms: 63, Rn: 1, Rd: 0 })), 'lsr x0, x1, #4');
  t.is(d(enc('sbfm', { sf: 1, N: 1, immr: 0, imms: 31, Rn: 1, Rd: 0 })), 'sxtw x0, w1');
  t.is(d(enc('orr', { sf: 1, N: 0, immr: 0, imms: 0b111100, Rn: 31, Rd: 2 })), 'mov x2, #0x5555555555555555');
  t.is(d(A.b(-8), 0x401000n), 'b 0x400ff8');
  t.is(d(A.bcond(1, 16), 0x401000n), 'b.ne 0x401010');
  t.is(d(A.ret()), 'ret');
  t.is(d(A.svc(0)), 'svc #0');
  t.is(d(A.ldst(3, 1, 0, 31, 8)), 'ldr x0, [sp, #8]');
  t.is(d(A.ldst9(3, 0, 2, 1, -16, 3)), 'str x2, [x1, #-16]!');
  t.is(d(A.pair(2, 0, 29, 30, 31, -32, 3)), 'stp x29, x30, [sp, #-32]!');
  t.is(d(A.pair(2, 1, 29, 30, 31, 32, 1)), 'ldp x29, x30, [sp], #32');
  t.is(d(enc('mrs', { sreg: 0x5e82, Rt: 8 })), 'mrs x8, tpidr_el0');
  t.is(d(enc('csel', { sf: 0, op: 0, o2: 1, Rm: 31, Rn: 31, cond: 1, Rd: 0 })), 'cset w0, eq');
  t.is(d(0), 'udf #0');
  t.is(d(0xffffffff), '.inst 0xffffffff');
});

test('every table row disassembles without throwing', (t) => {
  for (const row of ROWS) t.is(typeof d(row.match), 'string', row.name);
});

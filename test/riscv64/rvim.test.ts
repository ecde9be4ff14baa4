/** RV64I / RV64M instruction tests: exact results against a BigInt reference model. */
import test from 'ava';
import { REF, Snippet, VALUES, s64, u64 } from './ref';
import { exec, hx, load, CODE, DATA } from './harness';

const A0 = 10, A1 = 11, A2 = 12;

for (const op of Object.keys(REF)) {
  test(`${op}: all value pairs`, (t) => {
    const s = new Snippet(`${op} a2, a0, a1`);
    for (const a of VALUES) for (const b of VALUES) {
      const cpu = s.run({ [A0]: a, [A1]: b });
      if (cpu.getReg(A2) !== REF[op]!(a, b)) t.fail(`${op}(${hx(a)}, ${hx(b)}) = ${hx(cpu.getReg(A2))}, want ${hx(REF[op]!(a, b))}`);
    }
    // rd = rs1 = rs2 aliasing
    const s2 = new Snippet(`${op} a0, a0, a0`);
    for (const a of VALUES) if (s2.run({ [A0]: a }).getReg(A0) !== REF[op]!(a, a)) t.fail(`${op} aliased ${hx(a)}`);
    t.pass();
  });
}

const IMM_OPS: Record<string, [string, (a: bigint, i: bigint) => bigint, bigint[]]> = {
  addi: ['add', (a, i) => s64(a + i), [0n, 1n, -1n, 2047n, -2048n]],
  slti: ['slt', (a, i) => (a < i ? 1n : 0n), [0n, 1n, -1n, 2047n, -2048n]],
  sltiu: ['sltu', (a, i) => (u64(a) < u64(i) ? 1n : 0n), [0n, 1n, -1n, 2047n, -2048n]],
  xori: ['', (a, i) => a ^ i, [0n, -1n, 0x555n, -2048n]],
  ori: ['', (a, i) => a | i, [0n, -1n, 0x555n, -2048n]],
  andi: ['', (a, i) => a & i, [0n, -1n, 0x555n, -2048n]],
  slli: ['', (a, i) => s64(a << i), [0n, 1n, 31n, 32n, 63n]],
  srli: ['', (a, i) => s64(u64(a) >> i), [0n, 1n, 31n, 32n, 63n]],
  srai: ['', (a, i) => a >> i, [0n, 1n, 31n, 32n, 63n]],
  addiw: ['', (a, i) => BigInt.asIntN(32, a + i), [0n, 1n, -1n, 2047n, -2048n]],
  slliw: ['', (a, i) => BigInt.asIntN(32, a << i), [0n, 1n, 31n]],
  srliw: ['', (a, i) => BigInt.asIntN(32, BigInt.asUintN(32, a) >> i), [0n, 1n, 31n]],
  sraiw: ['', (a, i) => BigInt.asIntN(32, a) >> i, [0n, 1n, 31n]],
};
for (const [op, [, f, imms]] of Object.entries(IMM_OPS)) {
  test(`${op}: immediates and values`, (t) => {
    for (const i of imms) {
      const s = new Snippet(`${op} a2, a0, ${i}`);
      for (const a of VALUES) {
        const got = s.run({ [A0]: a }).getReg(A2);
        if (got !== f(a, i)) t.fail(`${op}(${hx(a)}, ${i}) = ${hx(got)}, want ${hx(f(a, i))}`);
      }
    }
    t.pass();
  });
}

test('x0 stays zero as a destination, reads as zero', (t) => {
  const vm = exec(`addi zero, zero, 5\nadd a0, zero, zero\nlui zero, 1\nld zero, 0(a1)\naddi a2, zero, 0`, { a1: DATA });
  t.is(vm.cpu.getReg(0), 0n);
  t.is(vm.cpu.getReg(10), 0n);
  t.is(vm.cpu.x[0], 0); t.is(vm.cpu.x[1], 0);
});

test('lui / auipc sign-extend', (t) => {
  const vm = exec(`lui a0, 0x80000\nlui a1, 0x7ffff\nauipc a2, 0x80000\nauipc a3, 1`);
  t.is(vm.cpu.getReg(10), -0x80000000n);
  t.is(vm.cpu.getReg(11), 0x7ffff000n);
  t.is(vm.cpu.getReg(12), 0x10008n - 0x80000000n);
  t.is(vm.cpu.getReg(13), 0x1000cn + 0x1000n);
});

test('branches: taken / not taken, signed vs unsigned', (t) => {
  const cases: Array<[string, bigint, bigint, boolean]> = [
    ['beq', 5n, 5n, true], ['beq', 5n, 6n, false], ['beq', 1n << 32n, 0n, false],
    ['bne', 5n, 6n, true], ['bne', -1n, -1n, false], ['bne', 1n << 32n, 0n, true],
    ['blt', -1n, 0n, true], ['blt', 0n, -1n, false], ['blt', 5n, 5n, false], ['blt', -(1n << 63n), (1n << 63n) - 1n, true],
    ['bge', 5n, 5n, true], ['bge', -1n, 0n, false], ['bge', 0n, -1n, true],
    ['bltu', 0n, -1n, true], ['bltu', -1n, 0n, false], ['bltu', 1n, 1n << 32n, true], ['bltu', 0xffffffffn, 0x100000000n, true],
    ['bgeu', -1n, 0n, true], ['bgeu', 0n, -1n, false], ['bgeu', 7n, 7n, true],
  ];
  for (const [op, a, b, taken] of cases) {
    const s = new Snippet(`addi a2, zero, 0\n${op} a0, a1, skip\naddi a2, zero, 1\nskip:\naddi a3, zero, 3`);
    const cpu = s.run({ [A0]: a, [A1]: b });
    t.is(cpu.getReg(A2), taken ? 0n : 1n, `${op} ${a} ${b}`);
    t.is(cpu.getReg(13), 3n);
  }
  // backward branch loop
  const vm = exec(`addi a0, zero, 10\naddi a1, zero, 0\nl:\naddi a1, a1, 2\naddi a0, a0, -1\nbne a0, zero, l`);
  t.is(vm.cpu.getReg(11), 20n);
  t.is(vm.cpu.instret, 2 + 30);
});

test('jal / jalr: links, targets, jalr clears bit 0, rd == rs1', (t) => {
  const vm = exec(`jal ra, f\naddi a1, zero, 1\njal zero, end\nf:\naddi a0, zero, 7\njalr zero, 0(ra)\nend:`);
  t.is(vm.cpu.getReg(10), 7n); t.is(vm.cpu.getReg(11), 1n); t.is(vm.cpu.getReg(1), 0x10004n);
  const v2 = exec(`addi t0, zero, 0\nauipc t0, 0\naddi t0, t0, 17\njalr t0, 0(t0)\naddi a0, zero, 1\naddi a1, zero, 2`);
  // t0 = 0x10004 + 17 = 0x10015 -> target 0x10014 (bit 0 cleared): skips `addi a0`; link 0x10010
  t.is(v2.cpu.getReg(10), 0n); t.is(v2.cpu.getReg(11), 2n); t.is(v2.cpu.getReg(5), 0x10010n);
  const v3 = exec(`addi a0, zero, 1\njalr a1, -4(a1)`, { a1: 0x10010 });
  // jumps to 0x1000c (jalr itself? no: 0x10010-4 = 0x1000c is the appended ebreak)
  t.is(v3.cpu.getReg(11), 0x10008n);
  t.is(v3.cpu.pc, 0x1000cn);
});

test('loads: widths, sign/zero extension, misaligned, frame crossing', (t) => {
  const vm = load(`lb a0, 0(a5)\nlbu a1, 0(a5)\nlh a2, 1(a5)\nlhu a3, 1(a5)\nlw a4, 3(a5)\nlwu s4, 3(a5)\nld a7, 5(a5)\nld s2, 92(a6)\nlw s3, 94(a6)\nebreak`);
  vm.mem.writeBytes(DATA, Uint8Array.from([0x80, 0xff, 0x80, 0x01, 0x02, 0x83, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x97]));
  vm.mem.writeBytes(DATA + 4092, Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 0x88]));
  vm.cpu.setReg(15, BigInt(DATA)); vm.cpu.setReg(16, BigInt(DATA + 4000));
  t.is(vm.cpu.run(100).kind, 'trap');
  const g = (n: number) => hx(vm.cpu.getReg(n));
  t.is(g(10), '0xffffffffffffff80'); t.is(g(11), '0x80');
  t.is(g(12), '0xffffffffffff80ff'); t.is(g(13), '0x80ff');
  t.is(vm.cpu.getReg(14), BigInt.asIntN(32, 0x11830201n));
  t.is(vm.cpu.getReg(20), 0x11830201n);
  t.is(g(17), '0x9766554433221183');
  t.is(g(18), '0x8807060504030201');
  t.is(g(19), '0x6050403');
});

test('stores: widths, misaligned, frame crossing, rd untouched', (t) => {
  const vm = exec(`sb a0, 0(a5)\nsh a0, 3(a5)\nsw a0, 9(a5)\nsd a0, 17(a5)\nsd a0, 93(a6)`, { a0: 0x1122334455667788n, a5: DATA, a6: DATA + 4000 });
  const b = vm.mem.readBytes(DATA, 25);
  t.deepEqual([...b], [0x88, 0, 0, 0x88, 0x77, 0, 0, 0, 0, 0x88, 0x77, 0x66, 0x55, 0, 0, 0, 0, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11]);
  t.deepEqual([...vm.mem.readBytes(DATA + 4093, 8)], [0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11]);
});

test('fault: unmapped load/store/fetch stop with pc at the instruction, nothing retired or written', (t) => {
  const vm = load(`addi a0, zero, 1\nld a0, 0(a1)\naddi a0, zero, 2\nebreak`);
  vm.cpu.setReg(11, 0x7000_0000n);
  const r = vm.cpu.run(100);
  t.deepEqual(r, { kind: 'fault', addr: 0x70000000n, access: 0 });
  t.is(vm.cpu.pc, 0x10004n); t.is(vm.cpu.getReg(10), 1n); t.is(vm.cpu.instret, 1);
  const v2 = load(`sd a0, 8(a1)\nebreak`);
  v2.cpu.setReg(11, 0x7000_0000n);
  t.deepEqual(v2.cpu.run(10), { kind: 'fault', addr: 0x70000008n, access: 1 });
  t.is(v2.cpu.pc, 0x10000n);
  // store crossing into an unmapped page writes nothing
  const v3 = load(`sd a0, 92(a1)\nebreak`);
  v3.cpu.setReg(11, BigInt(DATA + 4096 + 4000)); v3.cpu.setReg(10, -1n);
  t.is(v3.cpu.run(10).kind, 'fault');
  t.deepEqual([...v3.mem.readBytes(DATA + 4096 + 4092, 4)], [0, 0, 0, 0]);
  const v4 = load(`jalr zero, 0(a1)`);
  v4.cpu.setReg(11, 0x5000_0000n);
  t.deepEqual(v4.cpu.run(10), { kind: 'fault', addr: 0x50000000n, access: 2 });
  t.is(v4.cpu.pc, 0x50000000n);
  t.is(v4.cpu.instret, 1);
});

test('ecall / ebreak / illegal stops and instret', (t) => {
  const vm = load(`addi a7, zero, 93\necall\nebreak\n.word 0\n.word 0xffffffff`);
  t.deepEqual(vm.cpu.run(10), { kind: 'syscall' });
  t.is(vm.cpu.pc, 0x10008n); t.is(vm.cpu.instret, 2);
  t.deepEqual(vm.cpu.run(10), { kind: 'trap' });
  t.is(vm.cpu.pc, 0x10008n); t.is(vm.cpu.instret, 2);
  vm.cpu.pc = 0x1000cn;
  t.deepEqual(vm.cpu.run(10), { kind: 'illegal', insn: 0 });
  t.is(vm.cpu.pc, 0x1000cn);
  vm.cpu.pc = 0x10010n;
  t.deepEqual(vm.cpu.run(10), { kind: 'illegal', insn: 0xffffffff });
  t.is(vm.cpu.instret, 2);
  // unknown 32-bit encodings
  for (const w of [0x0000007f, 0x06000033, 0xfe000033, 0x0000305b]) {
    const v = load(`.word ${w}`);
    const r = v.cpu.run(1);
    if (r.kind !== 'illegal') t.fail(`0x${w.toString(16)} -> ${r.kind}`);
  }
});

test('budget: run(n) executes exactly n instructions', (t) => {
  const vm = load(`l:\naddi a0, a0, 1\njal zero, l`);
  t.deepEqual(vm.cpu.run(7), { kind: 'budget' });
  t.is(vm.cpu.instret, 7); t.is(vm.cpu.getReg(10), 4n);
  t.deepEqual(vm.cpu.run(1), { kind: 'budget' });
  t.is(vm.cpu.instret, 8); t.is(vm.cpu.pc, 0x10000n);
  t.deepEqual(vm.cpu.run(0), { kind: 'budget' });
  t.is(vm.cpu.instret, 8);
});

test('breakpoints: stop before executing, every time, also as the first instruction', (t) => {
  const vm = load(`addi a0, zero, 0\nl:\naddi a0, a0, 1\naddi a1, a1, 1\njal zero, l`);
  vm.cpu.run(2); // decode before setting breakpoints
  vm.cpu.setBreakpoints(new Set([0x10008n]));
  t.deepEqual(vm.cpu.run(100), { kind: 'breakpoint' });
  t.is(vm.cpu.pc, 0x10008n); t.is(vm.cpu.getReg(11), 0n);
  t.deepEqual(vm.cpu.run(100), { kind: 'breakpoint' }); // first instruction of a run
  t.is(vm.cpu.instret, 2);
  vm.cpu.setBreakpoints(new Set());
  t.deepEqual(vm.cpu.run(1), { kind: 'budget' });
  vm.cpu.setBreakpoints(new Set([0x10008n]));
  t.deepEqual(vm.cpu.run(100), { kind: 'breakpoint' });
  t.is(vm.cpu.getReg(10), 2n); t.is(vm.cpu.getReg(11), 1n);
});

test('self-modifying code: a store into decoded code, then fence.i, runs the new instruction', (t) => {
  // patch target: `addi a0, zero, 1` replaced by `addi a0, zero, 2` (word in a1)
  const vm = load(`jal zero, start\ntarget:\naddi a0, zero, 1\njalr zero, 0(ra)\nstart:\njal ra, target\nsw a1, 4(zero)\nfence.i\njal ra, target\nebreak`);
  // sw to absolute 0x10004 needs a base: use gp
  const prog = load(`jal zero, start\ntarget:\naddi a0, zero, 1\njalr zero, 0(ra)\nstart:\njal ra, target\nadd a2, a0, zero\nsw a1, 4(gp)\nfence.i\njal ra, target\nebreak`);
  void vm;
  prog.cpu.setReg(3, 0x10000n);
  const { encodeInsn } = require('./asm') as typeof import('./asm');
  prog.cpu.setReg(11, BigInt(encodeInsn('addi a0, zero, 2').word));
  t.deepEqual(prog.cpu.run(100), { kind: 'trap' });
  t.is(prog.cpu.getReg(12), 1n);
  t.is(prog.cpu.getReg(10), 2n);
  // without fence.i too: the Memory reports writes to decoded frames
  const p2 = load(`jal zero, start\ntarget:\naddi a0, zero, 1\njalr zero, 0(ra)\nstart:\njal ra, target\nadd a2, a0, zero\nsw a1, 4(gp)\njal ra, target\nebreak`);
  p2.cpu.setReg(3, 0x10000n); p2.cpu.setReg(11, BigInt(encodeInsn('addi a0, zero, 3').word));
  t.deepEqual(p2.cpu.run(100), { kind: 'trap' });
  t.is(p2.cpu.getReg(10), 3n);
  // a store that rewrites the very next instruction
  const p3 = load(`sw a1, 4(gp)\naddi a0, zero, 1\nebreak`);
  p3.cpu.setReg(3, 0x10000n); p3.cpu.setReg(11, BigInt(encodeInsn('addi a0, zero, 9').word));
  p3.cpu.run(100);
  t.is(p3.cpu.getReg(10), 9n);
});

test('4-byte instruction straddling two frames', (t) => {
  const src = Array.from({ length: 2047 }, () => 'c.addi a0, a0, 1').join('\n') + '\naddi a1, zero, 5\naddi a2, zero, 6';
  const vm = load(src);
  t.deepEqual(vm.cpu.run(10000), { kind: 'illegal', insn: 0 });
  t.is(vm.cpu.getReg(10), 2047n); t.is(vm.cpu.getReg(11), 5n); t.is(vm.cpu.getReg(12), 6n);
  t.is(vm.cpu.instret, 2049);
  // second page not executable -> fetch fault at the second half, pc at the instruction
  const v2 = load(Array.from({ length: 2047 }, () => 'c.addi a0, a0, 1').join('\n') + '\naddi a1, zero, 5');
  v2.pager.mapPage(CODE + 4096, 'rw'); v2.mem.flushTlb();
  const r = v2.cpu.run(10000);
  t.deepEqual(r, { kind: 'fault', addr: BigInt(CODE + 4096), access: 2 });
  t.is(v2.cpu.pc, BigInt(CODE + 4094));
});

test('pc carries into the high word across a 4 GiB boundary', (t) => {
  const vm = load(`addi a0, zero, 1\naddi a1, zero, 2\nebreak`, { at: 0xfffffff8 });
  t.deepEqual(vm.cpu.run(10), { kind: 'trap' });
  t.is(vm.cpu.pc, 0x100000000n); t.is(vm.cpu.getReg(11), 2n);
  const v2 = load(`jal ra, 8\nebreak\nebreak`, { at: 0xfffffffc });
  v2.cpu.run(10);
  t.is(v2.cpu.getReg(1), 0x100000000n); t.is(v2.cpu.pc, 0x100000004n);
});

test('watchpoint stops before the accessing instruction, which has not executed', (t) => {
  const vm = load(`addi a0, zero, 1\nsd a0, 8(a1)\naddi a0, zero, 2\nebreak`);
  vm.cpu.setReg(11, BigInt(DATA));
  vm.mem.setWatchpoints([{ addr: DATA + 8, len: 8, read: false, write: true }]);
  const r = vm.cpu.run(100);
  t.deepEqual(r, { kind: 'watchpoint', addr: BigInt(DATA + 8), access: 1 });
  t.is(vm.cpu.pc, 0x10004n);
  t.is(vm.cpu.instret, 1);
  t.is(vm.mem.readU64(DATA + 8), 0n);
  // gdb steps over it with the watchpoint removed; the store then happens.
  vm.mem.setWatchpoints([]);
  t.is(vm.cpu.run(1).kind, 'budget');
  t.is(vm.mem.readU64(DATA + 8), 1n);
});

test('save/restore state round trip', (t) => {
  const vm = exec(`addi a0, zero, -5\nlui t6, 0x12345`);
  const s = vm.cpu.saveState();
  const other = load('ebreak');
  other.cpu.restoreState(s);
  t.is(other.cpu.getReg(10), -5n); t.is(other.cpu.getReg(31), 0x12345000n); t.is(other.cpu.pc, vm.cpu.pc);
});

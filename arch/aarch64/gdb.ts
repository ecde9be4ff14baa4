/**
 * gdb's view of the core: our own target description with the features gdb's aarch64 support
 * requires (gdb/features/aarch64-core.xml, aarch64-fpu.xml names), register numbers as qemu
 * serves them to gdb (x0..x30 = 0..30, sp 31, pc 32, cpsr 33, v0..v31 34..65, fpsr 66, fpcr 67)
 * and the `g` packet of the core registers only, as qemu-aarch64 sends it.
 */
import type { Cpu, GdbArch, GdbRegister } from '../common/cpu';
import { targetXml } from '../common/gdb-xml';
import { FPCR_MASK } from './exec/system';
import type { A64Cpu } from './cpu';

const st = (cpu: Cpu) => (cpu as A64Cpu).st;

function le64(v: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
  return b;
}
function le32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return b;
}
const u64 = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(0, true);
const u32 = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(0, true);

const registers: GdbRegister[] = [];
for (let i = 0; i < 31; i++) {
  registers.push({ name: `x${i}`, size: 8, read: (c) => le64(c.getReg(i)), write: (c, b) => c.setReg(i, u64(b)) });
}
registers.push({ name: 'sp', size: 8, read: (c) => le64(c.getReg(31)), write: (c, b) => c.setReg(31, u64(b)) });
registers.push({ name: 'pc', size: 8, read: (c) => le64(c.pc), write: (c, b) => { c.pc = u64(b); } });
registers.push({ name: 'cpsr', size: 4, read: (c) => le32(st(c).nzcv), write: (c, b) => { st(c).nzcv = u32(b); } });
for (let i = 0; i < 32; i++) {
  registers.push({
    name: `v${i}`, size: 16,
    read: (c) => st(c).V8.slice(i * 16, i * 16 + 16),
    write: (c, b) => { st(c).V8.set(b.subarray(0, 16), i * 16); },
  });
}
registers.push({ name: 'fpsr', size: 4, read: (c) => le32(st(c).fpsr), write: (c, b) => { st(c).fpsr = u32(b); } });
registers.push({ name: 'fpcr', size: 4, read: (c) => le32(st(c).fpcr), write: (c, b) => { st(c).fpcr = u32(b) & FPCR_MASK; } });

const core = `<?xml version="1.0"?>
<!DOCTYPE feature SYSTEM "gdb-target.dtd">
<feature name="org.gnu.gdb.aarch64.core">
${Array.from({ length: 31 }, (_, i) => `  <reg name="x${i}" bitsize="64" regnum="${i}"/>`).join('\n')}
  <reg name="sp" bitsize="64" type="data_ptr" regnum="31"/>
  <reg name="pc" bitsize="64" type="code_ptr" regnum="32"/>
  <flags id="cpsr_flags" size="4">
    <field name="SP" start="0" end="0"/>
    <field name="EL" start="2" end="3"/>
    <field name="nRW" start="4" end="4"/>
    <field name="F" start="6" end="6"/>
    <field name="I" start="7" end="7"/>
    <field name="A" start="8" end="8"/>
    <field name="D" start="9" end="9"/>
    <field name="V" start="28" end="28"/>
    <field name="C" start="29" end="29"/>
    <field name="Z" start="30" end="30"/>
    <field name="N" start="31" end="31"/>
  </flags>
  <reg name="cpsr" bitsize="32" type="cpsr_flags" regnum="33"/>
</feature>
`;

const fpu = `<?xml version="1.0"?>
<!DOCTYPE feature SYSTEM "gdb-target.dtd">
<feature name="org.gnu.gdb.aarch64.fpu">
  <vector id="v2d" type="ieee_double" count="2"/>
  <vector id="v2u" type="uint64" count="2"/>
  <vector id="v2i" type="int64" count="2"/>
  <vector id="v4f" type="ieee_single" count="4"/>
  <vector id="v4u" type="uint32" count="4"/>
  <vector id="v4i" type="int32" count="4"/>
  <vector id="v8u" type="uint16" count="8"/>
  <vector id="v8i" type="int16" count="8"/>
  <vector id="v16u" type="uint8" count="16"/>
  <vector id="v16i" type="int8" count="16"/>
  <vector id="v1u" type="uint128" count="1"/>
  <vector id="v1i" type="int128" count="1"/>
  <union id="vnd"><field name="f" type="v2d"/><field name="u" type="v2u"/><field name="s" type="v2i"/></union>
  <union id="vns"><field name="f" type="v4f"/><field name="u" type="v4u"/><field name="s" type="v4i"/></union>
  <union id="vnh"><field name="u" type="v8u"/><field name="s" type="v8i"/></union>
  <union id="vnb"><field name="u" type="v16u"/><field name="s" type="v16i"/></union>
  <union id="vnq"><field name="u" type="v1u"/><field name="s" type="v1i"/></union>
  <union id="aarch64v">
    <field name="d" type="vnd"/>
    <field name="s" type="vns"/>
    <field name="h" type="vnh"/>
    <field name="b" type="vnb"/>
    <field name="q" type="vnq"/>
  </union>
${Array.from({ length: 32 }, (_, i) => `  <reg name="v${i}" bitsize="128" type="aarch64v" regnum="${34 + i}"/>`).join('\n')}
  <reg name="fpsr" bitsize="32" regnum="66"/>
  <reg name="fpcr" bitsize="32" regnum="67"/>
</feature>
`;

const target = targetXml('aarch64', ['aarch64-core.xml', 'aarch64-fpu.xml']);

export const gdb: GdbArch = {
  name: 'aarch64',
  xml: { 'target.xml': target, 'aarch64-core.xml': core, 'aarch64-fpu.xml': fpu },
  registers,
  gPacket: Array.from({ length: 34 }, (_, i) => i),
  pcRegister: 32,
};

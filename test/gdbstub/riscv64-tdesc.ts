/**
 * A riscv64 target description for the fake target (test only; the real core's
 * lives in arch/riscv64/gdb.ts). Register numbers follow what QEMU serves and gdb
 * 13 expects (../shared/reference/gdb-rsp/riscv64/registers.txt): x0..x31 = 0..31
 * under their ABI names, pc = 32, f0..f31 = 33..64, fflags/frm/fcsr = 67..69.
 * Written from the RISC-V psABI register names, not copied from QEMU.
 */
import type { ArchDescription } from '../../gdbstub/target';

export const XREG_NAMES = [
  'zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 'fp', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5',
  'a6', 'a7', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6',
];
export const FREG_NAMES = [
  'ft0', 'ft1', 'ft2', 'ft3', 'ft4', 'ft5', 'ft6', 'ft7', 'fs0', 'fs1', 'fa0', 'fa1', 'fa2', 'fa3', 'fa4', 'fa5',
  'fa6', 'fa7', 'fs2', 'fs3', 'fs4', 'fs5', 'fs6', 'fs7', 'fs8', 'fs9', 'fs10', 'fs11', 'ft8', 'ft9', 'ft10', 'ft11',
];
export const PC = 32;
export const F0 = 33;
export const FFLAGS = 67;
export const FRM = 68;
export const FCSR = 69;

const XTYPE: Record<string, string> = { ra: 'code_ptr', sp: 'data_ptr', gp: 'data_ptr', tp: 'data_ptr', fp: 'data_ptr' };

function cpuXml(): string {
  const regs = XREG_NAMES.map((n) => `  <reg name="${n}" bitsize="64" type="${XTYPE[n] ?? 'int'}"/>`);
  return [
    '<?xml version="1.0"?>',
    '<!DOCTYPE feature SYSTEM "gdb-target.dtd">',
    '<feature name="org.gnu.gdb.riscv.cpu">',
    ...regs,
    '  <reg name="pc" bitsize="64" type="code_ptr"/>',
    '</feature>',
    '',
  ].join('\n');
}

function fpuXml(): string {
  const regs = FREG_NAMES.map((n, i) => `  <reg name="${n}" bitsize="64" type="fpreg"${i === 0 ? ` regnum="${F0}"` : ''}/>`);
  return [
    '<?xml version="1.0"?>',
    '<!DOCTYPE feature SYSTEM "gdb-target.dtd">',
    '<feature name="org.gnu.gdb.riscv.fpu">',
    '  <union id="fpreg">',
    '    <field name="float" type="ieee_single"/>',
    '    <field name="double" type="ieee_double"/>',
    '  </union>',
    ...regs,
    `  <reg name="fflags" bitsize="32" type="int" regnum="${FFLAGS}"/>`,
    '  <reg name="frm" bitsize="32" type="int"/>',
    '  <reg name="fcsr" bitsize="32" type="int"/>',
    '</feature>',
    '',
  ].join('\n');
}

const TARGET_XML = [
  '<?xml version="1.0"?>',
  '<!DOCTYPE target SYSTEM "gdb-target.dtd">',
  '<target version="1.0">',
  '  <architecture>riscv:rv64</architecture>',
  '  <xi:include href="rv64-cpu.xml"/>',
  '  <xi:include href="rv64-fpu.xml"/>',
  '</target>',
  '',
].join('\n');

/** regSizes: 0..64 eight bytes, 65/66 absent, 67..69 four bytes. */
function regSizes(): number[] {
  const s: number[] = [];
  for (let i = 0; i <= 64; i++) s.push(8);
  s.push(0, 0, 4, 4, 4);
  return s;
}

export const RISCV64_ARCH: ArchDescription = {
  gdbArch: 'riscv:rv64',
  targetXml: { 'target.xml': TARGET_XML, 'rv64-cpu.xml': cpuXml(), 'rv64-fpu.xml': fpuXml() },
  regSizes: regSizes(),
  gRegs: Array.from({ length: 33 }, (_, i) => i),
};

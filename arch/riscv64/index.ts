/**
 * riscv64: RV64IMAFDC + Zicsr + Zifencei at user level (RISC-V Unprivileged ISA 20191213).
 */
import type { ArchModule } from '../common/cpu';
import { abi } from './abi';
import { createCpu } from './cpu';
import { disasm } from './disasm';
import { gdb } from './gdb';
import { spec } from './spec';

export const riscv64: ArchModule = { spec, createCpu, abi, gdb, disasm };
export { spec, createCpu, abi, gdb, disasm };
export default riscv64;

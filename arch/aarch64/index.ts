/** The aarch64 arch module (Arm A64 at EL0 under Linux): the only export the registry sees. */
import type { ArchModule } from '../common/cpu';
import { abi } from './abi';
import { createCpu } from './cpu';
import { disasm } from './disasm';
import { gdb } from './gdb';
import { spec } from './spec';

export const aarch64: ArchModule = { spec, createCpu, abi, gdb, disasm };

/** Builds the number -> handler table of one arch from its numbering and the common handlers. */
import type { ArchName } from '../../arch/common/cpu';
import { eventSyscalls } from './handlers/events';
import { fsSyscalls } from './handlers/fs';
import { ioSyscalls } from './handlers/io';
import { infoSyscalls } from './handlers/info';
import { memorySyscalls } from './handlers/memory';
import { miscSyscalls } from './handlers/misc';
import { netSyscalls } from './handlers/net';
import { pollSyscalls } from './handlers/poll';
import { processSyscalls } from './handlers/process';
import { signalSyscalls } from './handlers/signal';
import { numbers as aarch64 } from './numbers/aarch64';
import { numbers as loongarch64 } from './numbers/loongarch64';
import { numbers as riscv64 } from './numbers/riscv64';
import { numbers as x86_64 } from './numbers/x86_64';
import type { SyscallDef } from './table';

const NUMBERS: Record<ArchName, Record<string, number>> = { riscv64, aarch64, x86_64, loongarch64 };

/** Every implemented syscall, by name. */
export const ALL_SYSCALLS: readonly SyscallDef[] = [
  ...ioSyscalls, ...pollSyscalls, ...eventSyscalls, ...fsSyscalls, ...memorySyscalls, ...processSyscalls, ...infoSyscalls, ...signalSyscalls, ...miscSyscalls, ...netSyscalls,
];

/** A syscall number's name (for the trace) and handler (undefined: -ENOSYS). */
export interface SyscallRoute { name: string; def: SyscallDef | undefined }

export function dispatchTable(arch: ArchName): SyscallRoute[] {
  const byName = new Map(ALL_SYSCALLS.map((d) => [d.name, d]));
  const routes: SyscallRoute[] = [];
  for (const [name, nr] of Object.entries(NUMBERS[arch])) routes[nr] = { name, def: byName.get(name) };
  return routes;
}

export function syscallNumber(arch: ArchName, name: string): number | undefined {
  return NUMBERS[arch][name];
}

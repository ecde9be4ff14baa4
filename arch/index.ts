/** The arch registry: the only module outside arch/ that names arch folders. */
import { ARCH_NAMES, type ArchModule, type ArchName } from './common/cpu';
import { aarch64 } from './aarch64';
import { riscv64 } from './riscv64';

export { ARCH_NAMES };

const IMPLEMENTED: Partial<Record<ArchName, ArchModule>> = { riscv64, aarch64 };

export function isArchName(s: string): s is ArchName {
  return (ARCH_NAMES as readonly string[]).includes(s);
}

/** The arch's module, or an Error saying it has no core yet. */
export function getArch(name: ArchName): ArchModule {
  const m = IMPLEMENTED[name];
  if (!m) throw new Error(`arch ${name} has no CPU core yet (implemented: ${Object.keys(IMPLEMENTED).join(', ')})`);
  return m;
}

export function implementedArches(): ArchName[] {
  return ARCH_NAMES.filter((a) => IMPLEMENTED[a]);
}

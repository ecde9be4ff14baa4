/** The arch registry: the only module outside arch/ that names arch folders. */
import { ARCH_NAMES, type ArchModule, type ArchName } from './common/cpu';

export { ARCH_NAMES };

/* eslint-disable @typescript-eslint/no-require-imports */
/** Loaded on first use: a core's modules cost ~17 ms of a cold start, and a run needs one. */
const IMPLEMENTED: Partial<Record<ArchName, () => ArchModule>> = {
  riscv64: () => (require('./riscv64') as typeof import('./riscv64')).riscv64,
  aarch64: () => (require('./aarch64') as typeof import('./aarch64')).aarch64,
};
/* eslint-enable @typescript-eslint/no-require-imports */

export function isArchName(s: string): s is ArchName {
  return (ARCH_NAMES as readonly string[]).includes(s);
}

/** The arch's module, or an Error saying it has no core yet. */
export function getArch(name: ArchName): ArchModule {
  const m = IMPLEMENTED[name]?.();
  if (!m) throw new Error(`arch ${name} has no CPU core yet (implemented: ${Object.keys(IMPLEMENTED).join(', ')})`);
  return m;
}

export function implementedArches(): ArchName[] {
  return ARCH_NAMES.filter((a) => IMPLEMENTED[a]);
}

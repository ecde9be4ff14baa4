/**
 * Per-arch signal frames as Linux lays them out (arch/<arch>/kernel/signal.c): the registry and
 * the contract every kernel/task/sigframe/<arch>.ts implements with the same exports. The
 * arch-neutral parts (which stack, which mask, siginfo bytes) are decided by the caller.
 */
import type { ArchName } from '../../../arch/common/cpu';
import { type AddressSpace, PROT_EXEC, PROT_READ } from '../../mm/address-space';
import { aarch64 } from './aarch64';
import type { SigFrameArch } from './frame';
import { riscv64 } from './riscv64';

export * from './frame';

const FRAMES: Partial<Record<ArchName, SigFrameArch>> = { riscv64, aarch64 };

export function sigframeFor(arch: ArchName): SigFrameArch {
  const f = FRAMES[arch];
  if (!f) throw new Error(`no signal frame layout for ${arch} yet`);
  return f;
}

// ---- the signal return trampoline ----

/**
 * Maps the one-page "[vdso]" holding the arch's rt_sigreturn trampoline into `as` (read+exec) and
 * returns its address. Linux riscv returns from handlers through the vDSO's __vdso_rt_sigreturn;
 * qemu-user places its trampoline page right after the initial stack, so we do the same when that
 * page is free (else anywhere free).
 */
export function mapSigTrampoline(as: AddressSpace, arch: ArchName): number {
  const code = sigframeFor(arch).trampoline;
  const ps = as.pageSize;
  const stack = as.vmas.find((v) => v.name === '[stack]');
  let at: number | null = stack && as.isFree(stack.end, stack.end + ps) ? stack.end : as.findFree(ps);
  if (at === null) throw new Error('no room for the signal trampoline page');
  const data = new Uint8Array(ps);
  data.set(code);
  as.map({ start: at, end: at + ps, prot: PROT_READ | PROT_EXEC, shared: false, name: '[vdso]', file: { data, base: 0, path: '[vdso]' } });
  return at;
}

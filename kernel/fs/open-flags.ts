/**
 * open(2) flag numbering per arch. The kernel works in asm-generic's numbering (kernel/fs/file.ts
 * O); arm64 moves four bits (arch/arm64/include/uapi/asm/fcntl.h), so guest values are
 * translated on the way in (open, fcntl F_SETFL, pipe2) and out (F_GETFL).
 */
import type { ArchName } from '../../arch/common/cpu';
import { O } from './file';

/** [generic bit, the arch's bit] for the flags an arch numbers differently. */
const MOVED: Partial<Record<ArchName, Array<[number, number]>>> = {
  aarch64: [[O.DIRECTORY, 0o40000], [O.NOFOLLOW, 0o100000], [O.DIRECT, 0o200000], [O.LARGEFILE, 0o400000]],
};

function remap(flags: number, pairs: Array<[number, number]>, from: 0 | 1): number {
  let out = flags;
  for (const p of pairs) out &= ~p[from];
  for (const p of pairs) if (flags & p[from]) out |= p[1 - from]!;
  return out;
}

export function openFlagsFromGuest(arch: ArchName, flags: number): number {
  const pairs = MOVED[arch];
  return pairs ? remap(flags, pairs, 1) : flags;
}

export function openFlagsToGuest(arch: ArchName, flags: number): number {
  const pairs = MOVED[arch];
  return pairs ? remap(flags, pairs, 0) : flags;
}

/**
 * Syscall rows (Blink's idea): each carries its name, argument formats for the trace and its
 * arch-neutral handler. Per-arch numbers live in numbers/<arch>.ts; register marshalling in the
 * arch's SyscallAbi. Unknown numbers answer -ENOSYS and warn once.
 */
import type { Kernel } from '../kernel';
import type { Process } from '../task/process';

/**
 * Argument formats for the trace: d signed int, u unsigned, x hex, p pointer, s C string,
 * f fd, o octal, S signal, b buffer (shown by its address).
 */
export type ArgFormat = 'd' | 'u' | 'x' | 'p' | 's' | 'f' | 'o' | 'S';

export interface SyscallCtx { proc: Process; k: Kernel }

/** How a sleep ended: the awaited value, the deadline, or a signal (or the task's death). */
export type SleepResult<T> = T | 'timeout' | 'interrupted';

/**
 * Internal result of a call a signal interrupted: restarted when no handler runs or the
 * handler has SA_RESTART, -EINTR otherwise (Linux's -ERESTARTSYS). Never seen by the guest.
 */
export const ERESTARTSYS = -512n;

/**
 * Internal result of poll, select and their kin when a signal ends the wait: restarted only when
 * no handler runs, -EINTR otherwise whatever SA_RESTART says (Linux's -ERESTARTNOHAND).
 */
export const ERESTARTNOHAND = -514n;

export type Handler = (ctx: SyscallCtx, a: bigint[]) => bigint | Promise<bigint>;

export interface SyscallDef {
  name: string;
  args: ArgFormat[];
  /** Result shown in hex (addresses) rather than decimal. */
  hexResult?: boolean;
  handler: Handler;
}

/** Signed 32-bit view of an argument register (C `int`). */
export function int(a: bigint): number { return Number(BigInt.asIntN(32, a)); }

/** Unsigned 32-bit view (C `unsigned`). */
export function uint(a: bigint): number { return Number(BigInt.asUintN(32, a)); }

/** An address or size as a number; values past 2^53 become Infinity so range checks fail. */
export function num(a: bigint): number {
  const v = BigInt.asUintN(64, a);
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(v);
}

/** The -errno result. */
export function err(errno: number): bigint { return BigInt(-errno); }

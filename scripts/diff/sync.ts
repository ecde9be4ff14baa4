/**
 * Making the two runs comparable at the entry point: qemu-user places the initial stack itself
 * (argv/envp strings, auxv with AT_RANDOM bytes, AT_HWCAP, AT_EXECFN...). We copy qemu's bytes from
 * its sp up to the end of what both have mapped into runlinuxd, and qemu's sp, so both programs
 * start from the same memory image.
 */
import type { DiffArch } from './arch';
import { leValue, type Side } from './side';

/** Returns the stack top (qemu's signal trampoline page, if any, starts there). */
export async function syncInitialStack(arch: DiffArch, q: Side, u: Side, notes: string[]): Promise<bigint> {
  const [qs, us] = await Promise.all([q.readAll([]), u.readAll([])]);
  const qsp = leValue(q.value(arch.sp, qs.g, qs.p)!), usp = leValue(u.value(arch.sp, us.g, us.p)!);
  // The stack ends at the page holding the AT_EXECFN string (Linux and qemu put it at the very top);
  // the page above is qemu's signal trampoline, not part of the stack.
  let top = (qsp | 0xfffn) + 1n;
  const auxv = await q.client.readXfer('auxv', '').catch(() => Buffer.alloc(0));
  for (let i = 0; i + 16 <= auxv.length; i += 16) {
    if (auxv.readBigUInt64LE(i) !== 31n) continue; // AT_EXECFN
    const fn = auxv.readBigUInt64LE(i + 8);
    const s = await q.readMem(fn, 256);
    const end = fn + BigInt(Math.max(0, s.indexOf(0)) + 1);
    top = ((end + 0xfffn) & ~0xfffn);
  }
  const qStack = await q.readMem(qsp, Number(top - qsp));
  const ourStack = await u.readMem(qsp, qStack.length);
  const stack = qStack.subarray(0, ourStack.length);
  let diffBytes = 0;
  for (let i = 0; i < stack.length; i++) if (stack[i] !== ourStack[i]) diffBytes++;
  notes.push(`initial sp: qemu 0x${qsp.toString(16)}, ours 0x${usp.toString(16)}; stack image ${stack.length} bytes, ${diffBytes} differed before the copy`);
  if (ourStack.length < 64) notes.push(`our stack is not mapped at qemu's sp: only ${ourStack.length} bytes`);
  await u.writeMem(qsp, stack);
  if (usp !== qsp) await u.writeReg(arch.sp, qsp);
  return top;
}

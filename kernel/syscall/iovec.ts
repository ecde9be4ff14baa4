/** User I/O vectors (struct iovec) as readv/writev/sendmsg/recvmsg pass them, and their limits. */
import type { Memory } from '../../arch/common/memory';
import { E, SysError } from '../errno';
import { num } from './table';

/** UIO_MAXIOV. */
export const IOV_MAX = 1024;
/** Linux caps one read/write at 0x7ffff000 bytes. */
export const MAX_RW = 0x7ffff000;

export interface Iovec { base: number; len: number }

/** `count` iovecs at `addr`; too many is `tooMany` (readv: EINVAL, sendmsg: EMSGSIZE). */
export function readIovecs(mem: Memory, addr: number, count: number, tooMany: number = E.EINVAL): Iovec[] {
  if (count < 0 || count > IOV_MAX) throw new SysError(tooMany);
  const out: Iovec[] = [];
  let total = 0;
  for (let i = 0; i < count; i++) {
    const base = num(mem.readU64(addr + i * 16));
    const len = num(mem.readU64(addr + i * 16 + 8));
    if (len > Number.MAX_SAFE_INTEGER / 2 || (total += len) > 2 ** 63) throw new SysError(E.EINVAL);
    out.push({ base, len });
  }
  return out;
}

/** The bytes the iovecs cover, at most MAX_RW. */
export const iovTotal = (iovs: Iovec[]): number => Math.min(MAX_RW, iovs.reduce((n, v) => n + v.len, 0));

/** The bytes of the iovecs, in order (at most MAX_RW). */
export function gather(mem: Memory, iovs: Iovec[]): Uint8Array {
  const out = new Uint8Array(iovTotal(iovs));
  let at = 0;
  for (const v of iovs) {
    if (at >= out.length) break;
    const n = Math.min(v.len, out.length - at);
    out.set(mem.readBytes(v.base, n), at);
    at += n;
  }
  return out;
}

/** `data` spread over the iovecs, in order. */
export function scatter(mem: Memory, iovs: Iovec[], data: Uint8Array): void {
  let at = 0;
  for (const v of iovs) {
    if (at >= data.length) return;
    const n = Math.min(v.len, data.length - at);
    mem.writeBytes(v.base, data.subarray(at, at + n));
    at += n;
  }
}

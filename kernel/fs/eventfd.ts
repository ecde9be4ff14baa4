/**
 * eventfd (Linux fs/eventfd.c, man 2 eventfd): a 64-bit counter. A write adds its 8-byte value
 * and blocks while the sum would pass 0xfffffffffffffffe; a read returns the counter and zeroes
 * it (EFD_SEMAPHORE: returns 1 and decrements) and blocks while it is 0. Buffers under 8 bytes
 * are EINVAL, as is writing 0xffffffffffffffff.
 */
import { E, SysError } from '../errno';
import { AnonInodeFile } from './anon-inode';
import type { Blocked } from './file';
import { POLLERR, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM, type Readiness } from './poll';
import { WaitQueue } from '../task/wait';

export const EFD_SEMAPHORE = 1;
const ULLONG_MAX = 0xffff_ffff_ffff_ffffn;

export class EventFd extends AnonInodeFile {
  private readonly changed = new WaitQueue();

  private readonly semaphore: boolean;

  constructor(private count: bigint, flags: number) {
    super('eventfd', flags);
    this.semaphore = (flags & EFD_SEMAPHORE) !== 0;
  }

  /** The counter (for tests and /proc/self/fdinfo's eventfd-count). */
  get value(): bigint { return this.count; }

  override read(buf: Uint8Array): number | Blocked {
    if (buf.length < 8) throw new SysError(E.EINVAL);
    if (this.count === 0n) return this.changed;
    const v = this.semaphore ? 1n : this.count;
    this.count -= v;
    new DataView(buf.buffer, buf.byteOffset, 8).setBigUint64(0, v, true);
    this.changed.wake(POLLOUT | POLLWRNORM);
    return 8;
  }

  override write(data: Uint8Array): number | Blocked {
    // Exactly 8 bytes since Linux 6.4 ("strictly check the count parameter of eventfd_write");
    // older kernels took the first 8 of a longer write.
    if (data.length !== 8) throw new SysError(E.EINVAL);
    const v = new DataView(data.buffer, data.byteOffset, 8).getBigUint64(0, true);
    if (v === ULLONG_MAX) throw new SysError(E.EINVAL);
    if (ULLONG_MAX - this.count <= v) return this.changed;
    this.count += v;
    // Even a write of 0 wakes (edge-triggered epoll reports it again), as eventfd_write does.
    this.changed.wake(POLLIN | POLLRDNORM);
    return 8;
  }

  /** eventfd_poll: a non-zero count is POLLIN, room for a write of 1 is POLLOUT. */
  override poll(): Readiness {
    let events = 0;
    if (this.count > 0n) events |= POLLIN | POLLRDNORM;
    if (this.count === ULLONG_MAX) events |= POLLERR;
    if (ULLONG_MAX - 1n > this.count) events |= POLLOUT | POLLWRNORM;
    return { events, queue: this.changed };
  }
}

/**
 * Readiness as Linux's f_op->poll reports it: a mask of POLL* bits (the same numbers as
 * EPOLL*) and the queue woken when it may change. poll, select, epoll and blocking reads and
 * writes all ask the same question of a file.
 */
import type { WaitQueue } from '../task/wait';

export const POLLIN = 0x1, POLLPRI = 0x2, POLLOUT = 0x4, POLLERR = 0x8, POLLHUP = 0x10, POLLNVAL = 0x20,
  POLLRDNORM = 0x40, POLLRDBAND = 0x80, POLLWRNORM = 0x100, POLLWRBAND = 0x200, POLLMSG = 0x400,
  POLLRDHUP = 0x2000;

/** What a file is ready for now, and the queue to sleep on until that changes (null: never changes). */
export interface Readiness { events: number; queue: WaitQueue | null }

/** Always readable and writable: regular files, /dev/null, streams that never block. */
export const ALWAYS_READY: Readiness = { events: POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM, queue: null };

/** A read would not block: data, end of file or an error is there. */
export function readable(events: number): boolean { return (events & (POLLIN | POLLHUP | POLLERR)) !== 0; }

/** A write would not block: room, or an error (EPIPE) is there. */
export function writable(events: number): boolean { return (events & (POLLOUT | POLLERR | POLLHUP)) !== 0; }
